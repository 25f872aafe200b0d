"""The HTML report opened in a real browser (headless Chromium), read as a council member reads it.

The example consortium is planned with a planted mandatory failure (the City of Verona's storage
accepts TLS 1.0) and audited with an expired exemption (the City of Fitchburg's); the page the CLI
writes is opened from a file:// URL with the network shut off, and the checks read the text out of
the browser's own DOM, not out of the HTML we wrote. A screenshot is kept as a test artefact (in the
test's tmp dir, and in ``$CONSORTIUM_TEST_ARTEFACTS`` when set).

Chromium is the Debian package ``chromium``: ``make test`` installs it as root (``browser-deps``);
without root and without it, this test skips and says so.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import copy_registry
from tests.policies.mutations import MUTATIONS
from tests.registry.helpers import cli

ARTEFACTS = "CONSORTIUM_TEST_ARTEFACTS"
EXPIRED = """exemptions:
  - control: MCS-KV-001
    member: fitchburg
    reason: Key Vault migration postponed until the new tenant is ready.
    approved_by: Board resolution 2025-03
    expires: 2026-06-30
"""
# No network: every host name fails to resolve and any proxy use goes nowhere; no profile of the machine's.
QUIET = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
    "--disable-sync",
    "--disable-background-networking",
    "--disable-component-update",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=127.0.0.1:9",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
)


def chromium() -> str:
    found = shutil.which("chromium")
    if found:
        return found
    if os.geteuid() != 0:
        pytest.skip("headless Chromium is not installed and we are not root: `apt-get install chromium` to run this")
    pytest.fail("chromium is missing although we are root: `make browser-deps` (part of `make test`) installs it")


def browse(tmp_path: Path, page: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "chromium-profile"
    command = [chromium(), *QUIET, f"--user-data-dir={profile}", *args, page.as_uri()]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc


class Visible(HTMLParser):
    """The text a reader sees (no head, style or script), and each verdict table row's cells."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.rows: list[list[str]] = []
        self._hidden = 0
        self._in_verdicts = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag in ("head", "style", "script"):
            self._hidden += 1
        elif tag == "table":
            self._in_verdicts = "verdicts" in classes
        elif tag == "tr" and self._in_verdicts:
            self.rows.append([])
        elif tag in ("td", "th") and self._in_verdicts:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("head", "style", "script"):
            self._hidden -= 1
        elif tag == "table":
            self._in_verdicts = False
        elif tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(" ".join(" ".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.text.append(data)
            if self._cell is not None:
                self._cell.append(data)


@pytest.fixture
def report(tmp_path: Path, records: list[dict[str, Any]]) -> Path:
    """The CLI's HTML report of the example with verona's TLS 1.0 and fitchburg's expired exemption."""
    MUTATIONS["MCS-STO-001"][0](records)
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"version": 1, "stacks": [], "resources": records}))
    registry = copy_registry(tmp_path / "registry")
    (registry / "exemptions.yaml").write_text(EXPIRED)
    out = tmp_path / "audit.html"
    result = cli(
        "audit", "--plan", plan, "--registry", registry, "--format", "html", "--output", out, "--date", "2026-12-06"
    )
    assert result.code == 1, result.err
    return out


def test_a_council_member_sees_the_right_verdicts_for_the_right_towns(
    tmp_path: Path, report: Path, example_registry: Any
) -> None:
    # One browser run: the DOM as Chromium built it, and a screenshot of the same page.
    shot = tmp_path / "audit-report.png"
    dom = browse(tmp_path, report, "--dump-dom", f"--screenshot={shot}", "--window-size=1280,1600").stdout
    _keep(shot)
    seen = Visible()
    seen.feed(dom)
    text = " ".join(" ".join(seen.text).split())
    assert text.startswith("Security audit: Dane County Municipal IT Consortium Audit date: 2026-12-06")
    # no local path anywhere a reader could see (nor in the page at all)
    assert str(tmp_path) not in dom and "plan.json" not in dom and "/tmp" not in dom
    assert "Source: plan of " in text and "(the hub and 9 members)" in text
    assert "2 of 9 members fail the standard. The audit fails" in text
    assert "%" not in text  # no percentage to hide a failure behind
    # the verdict tables as the browser built them: member (name and slug), verdict, counts
    verdicts = {row[0]: row[1] for row in seen.rows if len(row) == 5 and row[0] not in ("Member", "Shared")}
    names = {e.member.name: e.member.slug for e in example_registry.members}
    assert set(verdicts) == {f"{name} {slug}" for name, slug in names.items()} | {"Shared hub hub"}
    assert verdicts["City of Verona verona"] == (
        "Fails 1 mandatory control high: MCS-STO-001 Storage accounts require TLS 1.2 or newer"
    )
    assert verdicts["City of Fitchburg fitchburg"] == (
        "Expired exemption expired exemption: MCS-KV-001, approved by Board resolution 2025-03, expired 2026-06-30"
    )
    meets = [who for who, verdict in verdicts.items() if verdict == "Meets the standard"]
    assert len(meets) == 8 and "Shared hub hub" in meets
    # the failing finding with its resource, the risk in plain words and the fix
    assert "minimumTlsVersion is TLS1_0" in text and "Set minimumTlsVersion to TLS1_2" in text
    assert "How to read this report" in text and "not checked: the member has no resource" in text
    # the screenshot: the window's size, and a page of text and tables rather than a blank window
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert (int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")) == (1280, 1600)
    assert len(data) > 50_000


def _keep(shot: Path) -> None:
    """The screenshot stays in the test's tmp dir; a copy goes to $CONSORTIUM_TEST_ARTEFACTS when set."""
    if os.environ.get(ARTEFACTS):
        folder = Path(os.environ[ARTEFACTS])
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy2(shot, folder / shot.name)
