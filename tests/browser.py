"""Headless Chromium for the tests that read a page as a person does: the browser, run with no
network and no profile of the machine's; the text a reader sees in the DOM it built; screenshots
kept as test artefacts.

Chromium is the Debian package ``chromium``: ``make test`` installs it as root (``browser-deps``);
without root and without it, a browser test skips and says so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

ARTEFACTS = "CONSORTIUM_TEST_ARTEFACTS"
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
    """Open ``page`` from a file:// URL in headless Chromium with ``args`` (``--dump-dom``, ``--screenshot=``)."""
    profile = tmp_path / "chromium-profile"
    command = [chromium(), *QUIET, f"--user-data-dir={profile}", *args, page.as_uri()]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc


class Visible(HTMLParser):
    """The text a reader sees (no head, style or script), and the cells of each row of the tables of
    class ``table_class`` (None: no rows collected)."""

    def __init__(self, table_class: str | None = None) -> None:
        super().__init__()
        self.table_class = table_class
        self.text: list[str] = []
        self.rows: list[list[str]] = []
        self._hidden = 0
        self._in_table = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag in ("head", "style", "script"):
            self._hidden += 1
        elif tag == "table":
            self._in_table = self.table_class in classes
        elif tag == "tr" and self._in_table:
            self.rows.append([])
        elif tag in ("td", "th") and self._in_table:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("head", "style", "script"):
            self._hidden -= 1
        elif tag == "table":
            self._in_table = False
        elif tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(" ".join(" ".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.text.append(data)
            if self._cell is not None:
                self._cell.append(data)

    @property
    def words(self) -> str:
        """The visible text with white space collapsed, as one line."""
        return " ".join(" ".join(self.text).split())


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG, from its header (after checking the signature)."""
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def keep(shot: Path) -> None:
    """The screenshot stays in the test's tmp dir; a copy goes to $CONSORTIUM_TEST_ARTEFACTS when set."""
    if os.environ.get(ARTEFACTS):
        folder = Path(os.environ[ARTEFACTS])
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy2(shot, folder / shot.name)
