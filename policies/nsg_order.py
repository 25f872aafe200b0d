"""Which rule of an NSG decides a connection: Azure tries the rules of one direction by priority, the
smallest number first, and the first rule that matches allows or denies; none matching leaves it to
Azure's default rules (outbound, ``AllowVnetOutBound`` lets everything through to the virtual network).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .util import as_list, network, port_matches, priority, rule_ports, rule_sources

VIRTUAL_NETWORK = "virtualnetwork"  # Azure's service tag, lower-cased
ANY = frozenset({"*", "any"})
TCP = frozenset({"tcp", "*", "any"})


def _lower(values: Iterable[Any]) -> set[str]:
    return {str(v).strip().lower() for v in values}


def destinations(rule: Mapping[str, Any]) -> set[str]:
    """A rule's destination prefixes and tags (single and plural forms), lower-cased."""
    return _lower(as_list(rule.get("destinationAddressPrefix")) + as_list(rule.get("destinationAddressPrefixes")))


def outbound(rules: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The outbound rules in the order Azure tries them."""
    out = [r for r in rules if str(r.get("direction", "")).lower() == "outbound"]
    return sorted(out, key=priority)


def may_reach_virtual_network(rule: Mapping[str, Any]) -> bool:
    """Whether some of a rule's destinations may lie in the ``VirtualNetwork`` tag: any, the tag, or an
    address range (the tag spans the VNet, its peerings, routed prefixes and town halls; a range may be
    any of them). Other service tags (Internet, Storage ...) are outside it."""
    dest = destinations(rule) or set(ANY)  # Azure requires one; a rule without any counts as everything
    return bool(dest & (ANY | {VIRTUAL_NETWORK})) or any(network(d) is not None for d in dest)


def covers_virtual_network(rule: Mapping[str, Any]) -> bool:
    """Whether a rule applies to every source of the subnet and the whole ``VirtualNetwork`` tag."""
    everywhere = ANY | {VIRTUAL_NETWORK}
    return bool(destinations(rule) & everywhere) and bool(_lower(rule_sources(rule)) & everywhere)


def deciding_rule(rules: Iterable[Mapping[str, Any]], port: int) -> Mapping[str, Any] | None:
    """The first outbound rule that decides a TCP connection to ``port`` in the virtual network.

    An Allow decides when it may match such a connection (then some host can be reached); a Deny only
    when it matches all of them (a narrower Deny leaves the rest to the rules after it). None: Azure's
    default ``AllowVnetOutBound`` decides, and the connection goes through.
    """
    for rule in outbound(rules):
        if str(rule.get("protocol", "*")).strip().lower() not in TCP:
            continue
        if not any(port_matches(spec, port) for spec in rule_ports(rule)):
            continue
        access = str(rule.get("access", "")).lower()
        if access == "allow" and may_reach_virtual_network(rule):
            return rule
        if access == "deny" and covers_virtual_network(rule):
            return rule
    return None
