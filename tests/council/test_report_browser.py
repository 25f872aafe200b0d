"""The council's page opened in a real browser (headless Chromium), read as a council member reads it.

The example consortium is planned with a planted failure (the City of Verona's storage accepts
TLS 1.0); the page the CLI writes is opened from a file:// URL with the network shut off, and the
checks read the text out of the browser's own DOM, against the figures of the same page's JSON. The
page is also printed to PDF by the browser: one or two sheets of A4 or Letter. A screenshot is kept as a test
artefact (in the test's tmp dir, and in ``$CONSORTIUM_TEST_ARTEFACTS`` when set).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from consortium.registry.load import Registry
from tests.browser import Visible, browse, keep, png_size
from tests.conftest import REPO, copy_registry
from tests.policies.mutations import MUTATIONS
from tests.registry.helpers import cli

ENGINEERS = "For the consortium's engineers:"  # the small print, the only place a slug may appear


@pytest.fixture
def written(tmp_path: Path, records: list[dict[str, Any]]) -> tuple[Path, dict[str, Any]]:
    """The CLI's HTML page of Verona with TLS 1.0 planted, and the same page as JSON."""
    MUTATIONS["MCS-STO-001"][0](records)
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"version": 1, "stacks": [], "resources": records}))
    registry = copy_registry(tmp_path / "registry")
    (registry / "prices").mkdir()
    for price_file in (REPO / "prices").glob("*.json"):
        (registry / "prices" / price_file.name).write_bytes(price_file.read_bytes())
    out = tmp_path / "council-report.html"
    args = ("report", "--registry", registry, "--member", "verona", "--plan", plan)
    result = cli(*args, "--output", out)
    assert result.code == 0, result.err
    document = cli(*args, "--format", "json")
    assert document.code == 0, document.err
    return out, json.loads(document.out)


def _shown(amount: str) -> str:
    return f"{Decimal(amount):,.2f} USD"


def test_a_council_member_reads_their_town_s_page(
    tmp_path: Path, written: tuple[Path, dict[str, Any]], example_registry: Registry
) -> None:
    page, doc = written
    shot = tmp_path / "council-report.png"
    dom = browse(tmp_path, page, "--dump-dom", f"--screenshot={shot}", "--window-size=1000,2600").stdout
    keep(shot)
    seen = Visible()
    seen.feed(dom)
    text = seen.words
    assert text.startswith("Dane County Municipal IT Consortium Report to the council: City of Verona")
    # the verdict, with the failing rule in words and what to do
    assert "Security Fails 1 mandatory control" in text
    assert "Verdict of the security audit: Fails 1 mandatory control" in text
    assert "Storage accounts require TLS 1.2 or newer (high severity)" in text and "What to do:" in text
    assert "Shared hub: Meets the standard" in text
    # the money as the JSON of the same page has it
    money = doc["money"]
    share, alone = _shown(money["total"]), _shown(money["alone"])
    assert f"Monthly share at least {share}" in text
    assert f"Your monthly share (at least: see the note below) {share}" in text
    assert f"Same services alone at least {alone}" in text and f"would pay at least {alone} a month" in text
    assert "Prices not known yet." in text
    # no local path and no slug where a council reads
    assert str(tmp_path) not in dom and "plan.json" not in dom and "/tmp" not in dom
    main, _, small = text.partition(ENGINEERS)
    assert small.startswith(" member verona ")
    slugs = [e.member.slug for e in example_registry.members]
    assert not [s for s in slugs if re.search(rf"(?<![\w@.-]){re.escape(s)}(?![\w-])", main)]
    assert not re.search(r"(^|\s)/\w", text)  # nothing shaped like a path
    # the screenshot: the window's size, and a page of text rather than a blank window
    data = shot.read_bytes()
    assert png_size(data) == (1000, 2600) and len(data) > 50_000


@pytest.mark.parametrize("paper", ["A4", "letter"])
def test_the_page_prints_on_one_or_two_sheets(tmp_path: Path, written: tuple[Path, dict[str, Any]], paper: str) -> None:
    """Printed by the browser on either paper (the page leaves the size to the printer; a copy sets it)."""
    page, _ = written
    html = page.read_text()
    assert html.count("@page{") == 1
    sized = tmp_path / f"council-report-{paper}.html"
    sized.write_text(html.replace("@page{", f"@page{{size:{paper};", 1))
    pdf = tmp_path / f"council-report-{paper}.pdf"
    browse(tmp_path, sized, "--no-pdf-header-footer", f"--print-to-pdf={pdf}")
    data = pdf.read_bytes()
    width = {"A4": b"594.9", "letter": b"612"}[paper]
    assert re.search(rb"/MediaBox\s*\[0 0 " + width, data)
    sheets = len(re.findall(rb"/Type\s*/Page(?!s)", data))
    assert 1 <= sheets <= 2, sheets
