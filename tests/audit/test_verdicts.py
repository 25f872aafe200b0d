"""The verdict per member every report shows: what fails a member is exactly what fails the audit,
the most severe controls are named, the hub is apart, and a one-town report keeps what fails."""

from __future__ import annotations

from datetime import date

from consortium.audit.about import About
from consortium.audit.evidence import HostControl, HostEvidence
from consortium.audit.run import Audit, Result
from consortium.audit.verdicts import exemption_register, verdicts
from consortium.registry.models import Exemption
from policies.catalog import by_id
from policies.framework import Check, Finding

STORAGE = "azure-native:storage:StorageAccount"
NAMES = {"verona": "City of Verona", "fitchburg": "City of Fitchburg", "oregon": "Village of Oregon"}


def _result(control: str, status: str, member: str, name: str = "st1", exemption: Exemption | None = None) -> Result:
    urn = f"urn:pulumi:{member}::consortium::{STORAGE}::{name}"
    return Result(Finding(control, member, urn, STORAGE, name, "wrong", member), by_id()[control], status, exemption)


def _check(control: str, member: str, name: str = "st1") -> Check:
    return Check(control, member, f"urn:pulumi:{member}::consortium::{STORAGE}::{name}", name)


def _exemption(control: str, member: str, expires: date) -> Exemption:
    return Exemption(control=control, member=member, approved_by="Board 2026-1", expires=expires, reason="ten chars+")


def _audit(results: list[Result], checks: list[Check], **kw: object) -> Audit:
    return Audit("plan", results, checks, today=date(2026, 12, 6), about=About("Consortium", NAMES), **kw)  # type: ignore[arg-type]


def test_failed_mandatory_controls_are_counted_once_each_and_the_serious_ones_named() -> None:
    # MCS-STO-001 (high) on two accounts, MCS-STO-010 (medium) on one: two controls, one of them named
    results = [_result("MCS-STO-001", "failed", "verona", n) for n in ("st1", "st2")]
    results.append(_result("MCS-STO-010", "failed", "verona"))
    checks = [_check(c, "verona", n) for c in ("MCS-STO-001", "MCS-STO-010") for n in ("st1", "st2")]
    (v,) = verdicts(_audit(results, checks)).members
    assert by_id()["MCS-STO-010"].severity.value == "medium"
    assert (v.name, v.status, v.headline) == ("City of Verona", "fails", "Fails 2 mandatory controls")
    assert v.reasons == [
        "high: MCS-STO-001 Storage accounts require TLS 1.2 or newer",
        "1 medium or low control (see the findings)",
    ]
    assert (v.passed, v.total) == (1, 4)


def test_an_advisory_or_exempted_finding_does_not_fail_a_member() -> None:
    exemption = _exemption("MCS-STO-001", "verona", date(2027, 1, 1))
    results = [
        _result("MCS-STO-001", "exempted", "verona", exemption=exemption),
        _result("MCS-STO-011", "advisory", "verona"),
    ]
    (v,) = verdicts(_audit(results, [_check("MCS-STO-001", "verona"), _check("MCS-STO-011", "verona")])).members
    assert v.meets and v.headline == "Meets the standard"
    assert v.counts == "1 of 2 checks passed, 1 advisory finding, 1 exempted"


def test_expired_exemption_fails_its_member_even_one_the_source_does_not_hold() -> None:
    expired = _exemption("MCS-KV-001", "fitchburg", date(2026, 6, 30))
    audit = _audit([], [_check("MCS-STO-001", "verona")], expired=[(0, expired)])
    assert audit.exit_code == 1
    judged = verdicts(audit)
    assert [(v.slug, v.headline) for v in judged.members] == [
        ("fitchburg", "Expired exemption"),
        ("verona", "Meets the standard"),
    ]
    assert judged.members[0].reasons == ["expired exemption: MCS-KV-001, approved by Board 2026-1, expired 2026-06-30"]
    assert judged.overall == "1 of 2 members fail the standard"


def test_a_failing_host_fails_its_member_as_it_fails_the_audit() -> None:
    host = HostEvidence("ver-app01", "verona", False, (HostControl("LNX-SSH-001", "ssh", "unreachable", ()),))
    audit = _audit([], [_check("MCS-STO-001", "verona")], hosts=[host])
    (v,) = verdicts(audit).members
    assert audit.exit_code == 1 and v.headline == "1 host failing the baseline"
    assert v.reasons == ["host ver-app01: LNX-SSH-001 unreachable"]


def test_nothing_checked_claims_nothing() -> None:
    expired_elsewhere = _exemption("MCS-KV-001", "oregon", date(2027, 6, 30))
    audit = _audit([], [], unused=[(0, expired_elsewhere)])
    assert verdicts(audit).members == []  # an unused exemption is a warning, not a subject
    v = verdicts(_audit([], [Check("MCS-ISO-001", "oregon", "", "")])).members[0]
    assert v.status == "meets"
    host_only = HostEvidence("or-fs01", "oregon", True, (HostControl("LNX-SSH-001", "ssh", "compliant", ()),))
    assert verdicts(_audit([], [], hosts=[host_only])).members[0].status == "meets"
    empty = verdicts(_audit([_result("MCS-STO-011", "advisory", "oregon")], [])).members[0]
    assert (empty.status, empty.headline) == ("unchecked", "Nothing checked")


def test_hub_and_consortium_wide_findings_are_shared_not_members() -> None:
    wide = Result(Finding("MCS-ISO-001", "consortium", "", "", "", "overlap"), by_id()["MCS-ISO-001"], "failed")
    audit = _audit([wide, _result("MCS-STO-001", "failed", "hub")], [_check("MCS-STO-001", "hub")])
    judged = verdicts(audit)
    assert judged.members == []
    assert [(v.name, v.shared, v.meets) for v in judged.shared] == [
        ("Consortium-wide", True, False),
        ("Shared hub", True, False),
    ]
    assert judged.overall == "All 0 members meet the standard; Consortium-wide and Shared hub fail it too"


def test_a_one_town_report_leaves_other_towns_out_unless_they_fail() -> None:
    results = [_result("MCS-STO-001", "failed", "fitchburg")]
    checks = [_check("MCS-STO-001", m) for m in ("verona", "fitchburg", "oregon", "hub")]
    audit = Audit("plan", results, checks, today=date(2026, 12, 6), about=About("C", NAMES, ("verona",)))
    judged = verdicts(audit)
    # oregon meets: not this report's business; fitchburg fails the audit: always shown
    assert [v.slug for v in judged.members] == ["fitchburg", "verona"]
    assert [v.slug for v in judged.shared] == ["hub"]


def test_exemption_register_lists_in_force_expired_and_unused_apart() -> None:
    in_force = _exemption("MCS-STO-001", "verona", date(2027, 1, 1))
    expired = _exemption("MCS-KV-001", "fitchburg", date(2026, 1, 1))
    unused = _exemption("MCS-STO-011", "oregon", date(2027, 1, 1))
    results = [_result("MCS-STO-001", "exempted", "verona", n, in_force) for n in ("st1", "st2")]
    audit = _audit(results, [], expired=[(3, expired)], unused=[(5, unused)])
    register = exemption_register(audit)
    assert [(x.exemption.member, x.state, x.number, len(x.covers)) for x in register] == [
        ("fitchburg", "expired", 3, 0),
        ("oregon", "matches nothing", 5, 0),
        ("verona", "in force", None, 2),
    ]
