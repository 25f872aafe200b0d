"""Site-to-site VPNs of the network area: the hub gateway's connections to the town halls and the ranges they claim."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from .framework import Param, Resource, Severity, control, require_value
from .network import AREA
from .util import RangeIndex, as_list, is_secret, mappings, network, ref_id

CONNECTION = "azure-native:network:VirtualNetworkGatewayConnection"
LOCAL_GATEWAY = "azure-native:network:LocalNetworkGateway"
NAT_RULE = "azure-native:network:VirtualNetworkGatewayNatRule"
WEAK_IPSEC = frozenset({"DES", "DES3", "MD5", "SHA1", "DHGroup1", "DHGroup2", "PFS1", "PFS2", "None", "GCMAES128"})


@control(
    "MCS-NET-010",
    "Site-to-site VPN connections use IKEv2",
    area=AREA,
    types=[CONNECTION],
    severity=Severity.HIGH,
    cis_v8=["4.2", "3.10"],
    rationale="IKEv1 lacks modern protections against downgrade and denial of service.",
    fix="Set connectionProtocol to IKEv2.",
)
def ikev2(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    yield from require_value(
        r,
        "connectionProtocol",
        "IKEv2",
        message="{path} is {value}; IKEv2 only",
        unset="not set (IKEv2 and IKEv1 allowed)",
    )


@control(
    "MCS-NET-011",
    "VPN connections use a custom IPsec policy without weak algorithms",
    area=AREA,
    types=[CONNECTION],
    severity=Severity.HIGH,
    cis_v8=["4.2", "3.10"],
    rationale="Azure's default proposals include SHA1 and DH group 2; the consortium pins strong ones.",
    fix="Set ipsecPolicies to AES256/SHA384 (IKE), GCMAES256 (IPsec), DHGroup24/ECP384 and PFS24/ECP384.",
)
def ipsec_policy(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    policies = mappings(r.get("ipsecPolicies"))
    if not policies:
        yield "no custom IPsec policy: Azure's default proposals include weak algorithms"
    for pol in policies:
        weak = sorted({str(v) for v in pol.values() if str(v) in WEAK_IPSEC})
        if weak:
            yield f"IPsec policy uses weak algorithms: {', '.join(weak)}"


@control(
    "MCS-NET-012",
    "VPN shared keys are secrets",
    area=AREA,
    types=[CONNECTION],
    severity=Severity.CRITICAL,
    cis_v8=["3.3", "5.2"],
    crossguard=False,
    rationale="A shared key in plain text in a plan or in state is readable by anyone with the file.",
    fix="Set the key with `pulumi config set --secret vpn-psk-<site>`; never as a plain value.",
)
def psk_secret(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    key = r.get("sharedKey")
    if key is not None and not is_secret(key):
        yield "sharedKey is stored in plain text; it must be a Pulumi secret"


def _last_segment(value: Any) -> str:
    return ref_id(value).rstrip("/").rsplit("/", 1)[-1]


def _ingress_translations(resources: Sequence[Resource], member: str) -> dict[ipaddress.IPv4Network, str]:
    """LAN prefix -> translated prefix, from the member's ingress SNAT rules its connections use.

    By name (an id's last segment), so plans and deployed state read alike; a reference without an
    id counts every rule of the member. Per member, not per site: the registry keeps one member's
    LAN ranges apart, so a LAN prefix names one site.
    """
    used: set[str] = set()
    unknown = False
    for c in resources:
        if c.type == CONNECTION and c.member == member:
            for ref in as_list(c.get("ingressNatRules")):
                name = _last_segment(ref)
                if name:
                    used.add(name)
                else:
                    unknown = True
    out: dict[ipaddress.IPv4Network, str] = {}
    for r in resources:
        if r.type != NAT_RULE or r.member != member or str(r.get("mode", "")).lower() != "ingresssnat":
            continue
        if not (unknown or r.azure_name("natRuleName") in used):
            continue
        for inner, outer in zip(as_list(r.get("internalMappings")), as_list(r.get("externalMappings")), strict=False):
            lan = network(inner.get("addressSpace")) if isinstance(inner, Mapping) else None
            if lan is not None and isinstance(outer, Mapping):
                out[lan] = str(outer.get("addressSpace"))
    return out


@control(
    "MCS-NET-017",
    "No two members' site VPNs claim the same on-premises range on the hub gateway (NAT where town LANs overlap)",
    area=AREA,
    types=[LOCAL_GATEWAY, CONNECTION, NAT_RULE],
    severity=Severity.HIGH,
    cis_v8=["3.3", "4.2", "12.2"],
    scope="stack",
    params={
        "onprem_ranges": Param(
            {},
            "object",
            "Member slug -> its on-premises ranges as the hub gateway sees them (translated where NAT), "
            "members with site VPNs only (from the registry)",
        )
    },
    rationale="The hub's route-based gateway routes a range to one connection: when two towns' halls use the same "
    "LAN (say 192.168.1.0/24) one town's traffic goes down the other town's tunnel, or a tunnel breaks.",
    fix="Translate one of the two sites: nat_cidrs in its member file (from network.nat_pool), which gives its "
    "connection a static IngressSnat rule on the hub gateway.",
)
def onprem_ranges_distinct(resources: Sequence[Resource], p: Mapping[str, Any]) -> Iterator[tuple[Resource, str]]:
    seen: list[tuple[Resource, str, ipaddress.IPv4Network]] = []  # (local gateway, LAN prefix, as Azure sees it)
    translations = {
        m: _ingress_translations(resources, m)
        for m in {r.member for r in resources if r.type == LOCAL_GATEWAY and r.member is not None}
    }
    for r in resources:
        if r.type != LOCAL_GATEWAY or r.member is None:
            continue
        for prefix in as_list(r.get("localNetworkAddressSpace.addressPrefixes")):
            lan = network(prefix)
            if lan is not None:
                azure = network(translations[r.member].get(lan, str(lan)))
                seen.append((r, str(prefix), azure or lan))
    owned = [
        (str(slug), n)
        for slug, nets in (p.get("onprem_ranges") or {}).items()
        for n in map(network, as_list(nets))
        if n
    ]
    index = RangeIndex(owned + [(str(r.member), azure) for r, _, azure in seen])
    for r, prefix, azure in seen:
        for other in index.owners(azure):
            if other != r.member:
                how = f"{prefix} (no NAT)" if str(azure) == prefix else f"{prefix} translated to {azure}"
                yield r, f"{how} overlaps {other}'s on-premises range on the hub gateway; translate one of the sites"


CONTROLS = (ikev2, ipsec_policy, psk_secret, onprem_ranges_distinct)
