"""The control framework: the one-property check, parameters, and URNs."""

from __future__ import annotations

from typing import Any

from policies.catalog import by_id
from policies.framework import Resource, require_value, resolve_params, stack_of


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
