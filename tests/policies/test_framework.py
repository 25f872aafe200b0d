"""The control framework: the one-property check, parameters, and URNs."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from consortium.wire import UNKNOWN, UNKNOWN_VALUE
from policies.catalog import by_id
from policies.framework import (
    Control,
    Resource,
    Severity,
    Unknown,
    UnknownValue,
    Verdict,
    control,
    each,
    evaluate,
    is_unknown,
    require_value,
    resolve_params,
    stack_of,
    unknown_path,
    verdicts,
)


def _resource(**props: Any) -> Resource:
    return Resource(
        urn="urn:pulumi:verona::consortium::t::n", type="t", name="n", stack="verona", member="verona", props=props
    )


def _messages(r: Resource, path: str, *allowed: Any, **kwargs: Any) -> list[str]:
    return list(require_value(r, path, *allowed, message="{path} is {value!r}", **kwargs))


def test_require_value_is_quiet_on_an_allowed_value() -> None:
    assert _messages(_resource(mode="Deny"), "mode", "Deny", "Alert") == []
    assert _messages(_resource(mode="Alert"), "mode", "Deny", "Alert") == []
    assert _messages(_resource(a={"b": True}), "a.b", True) == []


def test_require_value_names_the_path_and_the_value() -> None:
    assert _messages(_resource(mode="Off"), "mode", "Deny", "Alert") == ["mode is 'Off'"]
    assert _messages(_resource(), "a.b", True) == ["a.b is None"]


def test_require_value_matches_booleans_by_identity() -> None:
    # CrossGuard hands numbers over as floats: 1.0 == True, yet 1.0 is not the boolean true.
    assert _messages(_resource(on=1.0), "on", True) == ["on is 1.0"]
    assert _messages(_resource(on=0), "on", False) == ["on is 0"]


def test_require_value_unset_stands_in_for_a_missing_or_empty_value() -> None:
    def message(r: Resource) -> list[str]:
        return list(require_value(r, "access", "Disabled", message="{path} is {value}", unset="not set (Enabled)"))

    assert message(_resource()) == ["access is not set (Enabled)"]
    assert message(_resource(access="")) == ["access is not set (Enabled)"]
    assert message(_resource(access="Enabled")) == ["access is Enabled"]


def test_require_value_default_is_what_a_missing_property_counts_as() -> None:
    assert list(require_value(_resource(), "publicAccess", "None", message="{value}", default="None")) == []
    assert list(
        require_value(_resource(publicAccess=None), "publicAccess", "None", message="{value}", default="None")
    ) == ["None"]


def test_resolve_params_overrides_declared_keys_only() -> None:
    ctrl = by_id()["MCS-STO-010"]
    assert resolve_params(ctrl, None) == {"minimum_days": 7}
    assert resolve_params(ctrl, {"minimum_days": 14, "unknown": 1}) == {"minimum_days": 14}


def test_stack_of_reads_the_urn() -> None:
    assert stack_of("urn:pulumi:verona::consortium::azure-native:storage:StorageAccount::st") == "verona"
    assert stack_of("not-a-urn") == ""


STORAGE_URN = "urn:pulumi:verona::consortium::azure-native:storage:StorageAccount::stverona"


def test_a_resource_at_a_urn_reads_what_it_is_not_told_from_the_urn() -> None:
    r = Resource.at(STORAGE_URN, "azure-native:storage:StorageAccount", {"minimumTlsVersion": "TLS1_2"})
    assert (r.name, r.stack, r.member, r.parent, r.id) == ("stverona", "verona", "verona", None, None)
    hub = Resource.at(STORAGE_URN.replace(":verona::", ":hub::"), "t", {})
    assert (hub.stack, hub.member) == ("hub", None)


# --------------------------------------------------------------------------- unknown values


def _stack_control(check: Any) -> Control:
    return control(
        "MCS-TST-001",
        "t",
        area="t",
        types=["t"],
        severity=Severity.HIGH,
        cis_v8=["1.1"],
        rationale="r",
        fix="f",
        scope="stack",
    )(check)


def _urn(name: str) -> str:
    return f"urn:pulumi:verona::consortium::t::{name}"


def test_unknown_values_are_the_plan_mask_and_the_engine_sentinel() -> None:
    assert is_unknown(UNKNOWN) and is_unknown(UNKNOWN_VALUE)
    assert not is_unknown("unknown") and not is_unknown(None) and not is_unknown(["[unknown]"])
    assert unknown_path({"a": [{"b": 1}, {"c": UNKNOWN}]}) == "a.1.c"
    assert unknown_path({"a": [1, "x"]}) is None


def test_known_raises_naming_the_unknown_property_and_get_does_not() -> None:
    r = _resource(scope=UNKNOWN, subnets=[{"name": "s", "routeTable": {"id": UNKNOWN}}], ok="x")
    assert r.get("scope") == UNKNOWN
    assert r.known("ok") == "x" and r.known("missing", 7) == 7
    with pytest.raises(UnknownValue) as caught:
        r.known("scope")
    assert (caught.value.path, caught.value.resource) == ("scope", r)
    with pytest.raises(UnknownValue, match=r"subnets\.0\.routeTable\.id"):
        r.known("subnets")


def test_require_value_cannot_judge_an_unknown_value() -> None:
    ctrl = by_id()["MCS-STO-001"]
    account = Resource.at(_urn("st"), ctrl.types[0], {"minimumTlsVersion": UNKNOWN})
    (v,) = verdicts(ctrl, [account], resolve_params(ctrl, None))
    assert v == Verdict(account, "cannot be judged until deployed: minimumTlsVersion is not known yet", advisory=True)


def test_a_resource_check_keeps_what_it_judged_before_the_unknown_and_judges_every_other_resource() -> None:
    def check(r: Resource, p: Any) -> Iterator[str]:
        yield f"{r.name} is bad"
        r.known("id")
        yield f"{r.name} is worse"

    ctrl = control(
        "MCS-TST-002", "t", area="t", types=["t"], severity=Severity.HIGH, cis_v8=["1.1"], rationale="r", fix="f"
    )(check)
    a = Resource.at(_urn("a"), "t", {"id": UNKNOWN})
    b = Resource.at(_urn("b"), "t", {"id": "/x"})
    found = evaluate([ctrl], [a, b]).findings
    assert [(f.resource_name, f.message, f.advisory) for f in found] == [
        ("a", "a is bad", False),
        ("a", "cannot be judged until deployed: id is not known yet", True),
        ("b", "b is bad", False),
        ("b", "b is worse", False),
    ]


def test_a_stack_check_written_with_each_judges_every_resource_past_an_unknown() -> None:
    def check(resources: Sequence[Resource], p: Any) -> Iterator[tuple[Resource, Any]]:
        yield from each(resources, lambda r: [f"{r.name} reaches {r.known('remote')}"])

    first = Resource.at(_urn("first"), "t", {"remote": UNKNOWN})
    second = Resource.at(_urn("second"), "t", {"remote": "fitchburg"})
    found = evaluate([_stack_control(check)], [first, second]).findings
    assert [(f.resource_name, f.message, f.advisory) for f in found] == [
        ("first", "cannot be judged until deployed: remote is not known yet", True),
        ("second", "second reaches fitchburg", False),
    ]


def test_unknowns_of_one_resource_make_one_advisory_finding_naming_each_property() -> None:
    def check(resources: Sequence[Resource], p: Any) -> Iterator[tuple[Resource, Any]]:
        for r in resources:
            yield r, Unknown("a")
            yield r, Unknown("b")
            yield r, Unknown("a")

    r = Resource.at(_urn("r"), "t", {})
    (f,) = evaluate([_stack_control(check)], [r]).findings
    assert (f.message, f.advisory) == ("cannot be judged until deployed: a, b are not known yet", True)


def test_a_stack_check_that_reads_an_unknown_outside_each_still_names_the_resource() -> None:
    def check(resources: Sequence[Resource], p: Any) -> Iterator[tuple[Resource, str]]:
        for r in resources:
            yield r, f"{r.name}: {r.known('scope')}"

    ok = Resource.at(_urn("ok"), "t", {"scope": "/rg"})
    bad = Resource.at(_urn("bad"), "t", {"scope": UNKNOWN})
    found = evaluate([_stack_control(check)], [ok, bad]).findings
    assert [(f.resource_name, f.advisory) for f in found] == [("bad", True), ("ok", False)]
