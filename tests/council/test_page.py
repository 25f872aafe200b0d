"""One town's page data, checked against the registry and an estimate made here, for three kinds of
town: service desk only (no hub, nothing to back up), every phase (hub, unpriced parts, backups
with an offsite copy), and a town with a failure planted in its plan."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import date
from decimal import Decimal
from typing import Any

from consortium.costs.estimate import estimate
from consortium.costs.prices import PriceBook
from consortium.costs.usage import Usage
from consortium.council.render import page_document, page_html, page_json, page_markdown
from consortium.money import money_text
from consortium.registry.load import Registry
from consortium.registry.models import Exemption
from tests.council.conftest import PageOf
from tests.policies.mutations import ACCOUNT, edit

ZERO = Decimal(0)
MONEY = re.compile(r"^-?\d+\.\d\d$")


def _estimate(records: list[dict[str, Any]], registry: Registry, prices: PriceBook) -> Any:
    c = registry.consortium
    return estimate(records, consortium=c.slug, primary_region=c.azure.primary, usage=Usage.of(registry), prices=prices)


def test_a_service_desk_town_pays_only_its_part_of_the_overhead(records: list[dict[str, Any]], page_of: PageOf) -> None:
    page = page_of(records, "oregon")
    assert (page.consortium, page.town, page.phase) == ("Dane County Municipal IT Consortium", "Village of Oregon", 1)
    assert [p.text for p in page.services] == [
        "Phase 1 — Service desk: one help desk, run by the consortium, for your staff's computer problems and questions"
    ]
    assert page.next_phase is not None
    backup = "Phase 2 — Backup: your servers' backups to the consortium's vault and an offsite copy"
    assert page.next_phase.text == backup
    m = page.money
    assert m.direct == ZERO and m.hub == ZERO and m.overhead > 0
    assert m.total == m.overhead + m.minimum_adjustment
    assert m.share_complete and m.alone_complete and m.not_priced == ()
    # alone it needs no hub, so it would pay nothing of Azure; the page says why that is not a saving
    assert m.alone == ZERO and m.difference <= 0 and "no hub service" in m.why_not
    assert not page.backups.included and not page.backups.offsite
    s = page.security
    assert not s.uses_hub and s.town.headline == "Meets the standard" and s.town.total > 0
    assert [(v.name, v.headline) for v in s.shared] == [("Shared hub", "Meets the standard")]


def test_a_town_in_every_phase(
    records: list[dict[str, Any]], page_of: PageOf, example_registry: Registry, prices: PriceBook
) -> None:
    page = page_of(records, "verona")
    assert [p.phase for p in page.services] == [1, 2, 3, 4] and page.next_phase is None
    assert page.services[1].text.startswith("Phase 2 — Backup: your servers' backups")
    m = page.money
    est = _estimate(records, example_registry, prices)
    assert m.direct == est.stack_total("verona") and m.hub > 0 and m.overhead > 0
    assert m.direct + m.hub + m.overhead + m.minimum_adjustment == m.total
    # the unpriced parts of its own stack are counted and said, and the share is then a lower bound
    missing = sum(1 for line in est.stack_lines("verona") if line.status == "not priced")
    assert missing > 0 and not m.share_complete
    assert m.not_priced[0] == (
        f"{missing} parts of your own Azure resources have no price yet: left out, so the true figure is higher "
        "than shown."
    )
    assert m.alone > m.compared and m.difference == m.alone - m.compared and m.why_not == ""
    assert (m.population, m.endpoints, m.servers) == (14030, 143, 2)
    assert "20 % in equal parts, 50 % by population and 30 % by the number of staff computers (endpoints)" in m.formula
    assert "at least 250.00 USD a month" in m.formula
    b = page.backups
    member = example_registry.entry("verona").member
    linux = tuple(s.name for s in member.servers if s.os.family == "linux")
    assert (b.included, b.retention_days, b.minimum_days, b.offsite) == (True, 60, 30, True)
    assert b.offsite_servers == linux and set(b.other_servers) == {s.name for s in member.servers} - set(linux)
    assert "not collected" in b.status_note
    assert page.security.uses_hub and page.security.town.headline == "Meets the standard"
    c = example_registry.consortium.contacts
    assert dataclasses.astuple(page.contacts) == (c.service_desk, c.billing, c.security)


def test_the_pages_of_every_town_add_up_to_what_the_consortium_costs(
    records: list[dict[str, Any]], page_of: PageOf, example_registry: Registry, prices: PriceBook
) -> None:
    """Every town's total, from its own page, sums to the hub + the overhead + every town's own stack."""
    est = _estimate(records, example_registry, prices)
    slugs = [e.member.slug for e in example_registry.members]
    whole = est.stack_total("hub") + example_registry.consortium.costs.shared_monthly
    whole += sum((est.stack_total(s) for s in slugs), ZERO)
    assert sum((page_of(records, s).money.total for s in slugs), ZERO) == whole


def test_a_planted_failure_shows_on_that_town_s_page_only(records: list[dict[str, Any]], page_of: PageOf) -> None:
    edit(ACCOUNT, "minimumTlsVersion", "TLS1_0", member="waunakee")(records)
    page = page_of(records, "waunakee")
    assert page.security.town.status == "fails" and page.security.town.headline == "Fails 1 mandatory control"
    (failure,) = page.security.failures
    assert (failure.control, failure.severity, failure.title) == (
        "MCS-STO-001", "high", "Storage accounts require TLS 1.2 or newer"
    )  # fmt: skip
    assert failure.why == "Older TLS versions have known weaknesses; backups cross the network."
    assert failure.fix == "Set minimumTlsVersion to TLS1_2."
    assert page_of(records, "verona").security.town.headline == "Meets the standard"


def test_an_expired_exception_is_said_with_its_approver(records: list[dict[str, Any]], page_of: PageOf) -> None:
    expired = Exemption(
        control="MCS-KV-001",
        member="fitchburg",
        reason="Key Vault migration postponed until the new tenant is ready.",
        approved_by="Board resolution 2025-03",
        expires=date(2026, 6, 30),
    )
    s = page_of(records, "fitchburg", [expired]).security
    assert s.town.headline == "Expired exemption" and s.failures == ()
    (line,) = s.expired
    assert "approved by Board resolution 2025-03 ran out on 2026-06-30" in line


def test_the_json_is_the_page_data_with_money_as_decimal_strings(
    records: list[dict[str, Any]], page_of: PageOf
) -> None:
    page = page_of(records, "verona")
    doc = json.loads(page_json(page))
    assert doc == page_document(page)
    money = doc["money"]
    for key in ("total", "direct", "hub", "overhead", "minimum_adjustment", "alone", "compared", "difference"):
        assert MONEY.match(money[key]), (key, money[key])
    assert money["total"] == money_text(page.money.total) and money["currency"] == "USD"
    assert doc["town"] == "City of Verona" and doc["date"] == "2026-12-06"
    assert doc["security"]["town"]["headline"] == "Meets the standard"
    assert doc["services"][0] == {"phase": 1, "name": "Service desk", "services": [page.services[0].services[0]]}


def test_html_and_markdown_say_the_same_and_escape_the_registry_s_text(
    records: list[dict[str, Any]], page_of: PageOf
) -> None:
    page = page_of(records, "verona")
    html, markdown = page_html(page), page_markdown(page)
    for text in (html, markdown):
        assert "City of Verona" in text and "Dane County Municipal IT Consortium" in text
        assert f"{page.money.total:,.2f} USD" in text and "Meets the standard" in text
        assert "/tmp" not in text and "plan.json" not in text
    assert markdown.startswith("# Report to the council: City of Verona\n")
    assert "<html lang=en>" in html and "<th scope=col>Part</th>" in html
    odd = dataclasses.replace(page, town="Town <b>&</b> | Co")
    assert "Town &lt;b&gt;&amp;&lt;/b&gt; | Co" in page_html(odd) and "<b>&</b>" not in page_html(odd)
    assert "# Report to the council: Town \\<b\\>&\\</b\\> \\| Co\n" in page_markdown(odd)
