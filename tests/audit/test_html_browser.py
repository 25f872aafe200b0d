"""The HTML report opened in a real browser (headless Chromium), read as a council member reads it.

The example consortium is planned with a planted mandatory failure (the City of Verona's storage
accepts TLS 1.0) and audited with an expired exemption (the City of Fitchburg's); the page the CLI
writes is opened from a file:// URL with the network shut off, and the checks read the text out of
the browser's own DOM, not out of the HTML we wrote. A screenshot is kept as a test artefact (in the
test's tmp dir, and in ``$CONSORTIUM_TEST_ARTEFACTS`` when set).

The browser and its helpers: :mod:`tests.browser`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.browser import Visible, browse, keep, png_size
from tests.conftest import copy_registry
from tests.policies.mutations import MUTATIONS
from tests.registry.helpers import cli

EXPIRED = """exemptions:
  - control: MCS-KV-001
    member: fitchburg
    reason: Key Vault migration postponed until the new tenant is ready.
    approved_by: Board resolution 2025-03
    expires: 2026-06-30
"""


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
    keep(shot)
    seen = Visible("verdicts")
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
    assert png_size(data) == (1280, 1600)
    assert len(data) > 50_000
