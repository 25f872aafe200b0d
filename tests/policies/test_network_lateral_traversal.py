"""MCS-NET-019 (PSRule Azure.NSG.LateralTraversal): an NSG denies outbound SSH, RDP and WinRM to the
virtual network, and no allow of those ports comes first; the hub's management subnet aside.

Each case judged on one NSG as Azure would order its rules, then the exemption on the example plan.
"""

from __future__ import annotations

from typing import Any

import pytest

from consortium.audit.params import registry_params
from infra.security_rules import deny_lateral_management_outbound
from policies.catalog import by_id
from policies.framework import Resource, evaluate
from policies.nsg_order import deciding_rule

from .helpers import findings, messages, pick

CONTROL = by_id()["MCS-NET-019"]
NSG = "azure-native:network:NetworkSecurityGroup"
RULE = "azure-native:network:SecurityRule"
ALL_PORTS = "SSH (22), RDP (3389), WinRM (5985), WinRM (5986)"


def wire(rule: dict[str, Any]) -> dict[str, Any]:
    """The program's snake_case rule as the plan carries it (camelCase wire names)."""
    return {"".join([k.split("_")[0], *(w.title() for w in k.split("_")[1:])]): v for k, v in rule.items()}


PROGRAM_DENY = wire(deny_lateral_management_outbound())


def rule(name: str, priority: int, access: str, ports: list[str], dest: str = "VirtualNetwork", **extra: Any) -> dict:
    return {
        "name": name,
        "priority": priority,
        "direction": "Outbound",
        "access": access,
        "protocol": "Tcp",
        "sourceAddressPrefix": "*",
        "sourcePortRange": "*",
        "destinationAddressPrefix": dest,
        "destinationPortRanges": ports,
        **extra,
    }


def judge(rules: list[dict[str, Any]], *, stack: str = "verona", name: str = "nsg-verona-servers") -> list[str]:
    nsg = Resource.at(
        f"urn:pulumi:{stack}::consortium::{NSG}::{name}",
        NSG,
        {"networkSecurityGroupName": name, "securityRules": rules},
    )
    return [f.message for f in evaluate([CONTROL], [nsg]).findings]


def test_the_programs_deny_passes_and_its_absence_fails_for_every_port() -> None:
    assert judge([PROGRAM_DENY]) == []
    assert judge([]) == [
        f"no outbound Deny of {ALL_PORTS} to VirtualNetwork: Azure's AllowVnetOutBound lets this subnet's "
        "servers open remote management to other hosts"
    ]


def test_an_allow_ahead_of_the_deny_wins_and_fails_but_one_after_it_changes_nothing() -> None:
    ahead = rule("rdp-range", 100, "Allow", ["3380-3390"], dest="*")
    assert judge([PROGRAM_DENY, ahead]) == [
        "rule rdp-range allows outbound RDP (3389) to the virtual network ahead of any deny"
    ]
    assert judge([PROGRAM_DENY, {**ahead, "priority": 4000}]) == []


def test_an_allow_towards_an_address_range_counts_but_one_to_another_service_tag_does_not() -> None:
    """A range may lie in the VirtualNetwork tag (VNet, peerings, routed supernet, town halls); Internet does not."""
    to_range = rule("ssh-to-hub", 100, "Allow", ["22"], dest="10.64.1.0/24")
    assert judge([PROGRAM_DENY, to_range]) == [
        "rule ssh-to-hub allows outbound SSH (22) to the virtual network ahead of any deny"
    ]
    assert judge([PROGRAM_DENY, rule("ssh-out", 100, "Allow", ["22"], dest="Internet")]) == []
    # UDP does not carry these services: an allow of it is no way around the deny.
    assert judge([PROGRAM_DENY, rule("udp", 100, "Allow", ["*"], dest="*", protocol="Udp")]) == []


def test_a_narrower_deny_does_not_count() -> None:
    """Only a deny of the whole tag from every source decides; narrower ones leave the rest to AllowVnetOutBound."""
    assert judge([rule("some-hosts", 150, "Deny", ["22", "3389", "5985", "5986"], dest="10.64.32.0/22")])
    assert judge([{**PROGRAM_DENY, "sourceAddressPrefix": "10.64.32.4/32"}])
    assert judge([{**PROGRAM_DENY, "protocol": "Udp"}])
    # A deny of everything outbound to the virtual network decides every port.
    deny_all = rule("deny-vnet", 4000, "Deny", [], destinationPortRange="*", protocol="*")
    assert judge([deny_all]) == []


def test_stricter_than_psrule_every_management_port_must_be_denied() -> None:
    """PSRule passes when either 22 or 3389 is denied; the standard wants all four ports."""
    assert judge([rule("ssh-only", 150, "Deny", ["22"])]) == [
        "no outbound Deny of RDP (3389), WinRM (5985), WinRM (5986) to VirtualNetwork: Azure's AllowVnetOutBound "
        "lets this subnet's servers open remote management to other hosts"
    ]


def test_priorities_arrive_as_doubles_under_crossguard() -> None:
    rules = [{**PROGRAM_DENY, "priority": 150.0}, rule("later", 200.0, "Allow", ["22"])]  # type: ignore[arg-type]
    assert deciding_rule(rules, 22)["name"] == PROGRAM_DENY["name"]


def test_the_hubs_management_nsg_is_exempt_and_nothing_else_by_its_name() -> None:
    assert judge([], stack="hub", name="nsg-dane-county-hub-management") == []
    assert judge([], stack="hub", name="nsg-dane-county-hub-shared-services")
    # A town's NSG named like it gains nothing: administration comes from the hub only.
    assert judge([], stack="verona", name="nsg-dane-county-hub-management")


@pytest.mark.parametrize("member", [None, "verona", "sun-prairie"])
def test_the_example_denies_lateral_management_everywhere_but_the_hubs_management_subnet(
    records, example_registry, member
) -> None:
    """The registry names the exempt NSG exactly; removing the program's deny fails each NSG on its own."""
    assert messages("MCS-NET-019", records, example_registry) == []
    nsgs = [r for r in records if r["type"] == NSG and r["member"] == member]
    exempt = [r for r in nsgs if r["inputs"]["networkSecurityGroupName"].endswith("-hub-management")]
    assert len(exempt) == (1 if member is None else 0)
    for nsg in nsgs:
        nsg["inputs"]["securityRules"] = [
            r for r in nsg["inputs"]["securityRules"] if r["name"] != "deny-lateral-management-outbound"
        ]
    failed = {f.urn for f in findings(CONTROL, records, example_registry)}
    assert failed == {r["urn"] for r in nsgs if r not in exempt}


def test_the_registry_parameter_names_the_consortiums_own_nsg(records, example_registry) -> None:
    """With the registry the exemption is exact: another consortium's management NSG name is not exempt."""
    assert registry_params(example_registry)["MCS-NET-019"] == {"admin_nsgs": ["nsg-dane-county-hub-management"]}
    hub_management = pick(records, NSG, member=None, where=lambda r: r["name"].endswith("-hub-management"))
    hub_management["inputs"]["networkSecurityGroupName"] = "nsg-lakeside-hub-management"
    assert [f.urn for f in findings(CONTROL, records, example_registry)] == [hub_management["urn"]]


def test_a_standalone_outbound_allow_is_itself_the_finding() -> None:
    """Its order against the NSG's deny is not visible from the rule: shadowed it is useless, ahead it opens."""
    rdp = {**rule("rdp-out", 4000, "Allow", ["3389"]), "networkSecurityGroupName": "nsg-verona-servers"}
    standalone = Resource.at(f"urn:pulumi:verona::consortium::{RULE}::rdp-out", RULE, rdp)
    assert [f.message for f in evaluate([CONTROL], [standalone]).findings] == [
        "rule rdp-out allows outbound RDP (3389) to the virtual network"
    ]
    deny = Resource.at(f"urn:pulumi:verona::consortium::{RULE}::d", RULE, {**PROGRAM_DENY, "securityRuleName": "d"})
    assert evaluate([CONTROL], [deny]).findings == []
    to_internet = Resource.at(
        f"urn:pulumi:verona::consortium::{RULE}::web", RULE, rule("web", 100, "Allow", ["22"], dest="Internet")
    )
    assert evaluate([CONTROL], [to_internet]).findings == []
    # In the hub's management NSG, where administration comes from, it is allowed.
    hub = Resource.at(
        f"urn:pulumi:hub::consortium::{RULE}::ssh-out",
        RULE,
        {**rdp, "networkSecurityGroupName": "nsg-dane-county-hub-management"},
    )
    assert evaluate([CONTROL], [hub]).findings == []
