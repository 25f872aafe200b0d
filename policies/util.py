"""Small helpers the controls share: port ranges, address prefixes, Azure ids, secrets."""

from __future__ import annotations

import bisect
import ipaddress
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from consortium.wire import SECRET, SECRET_SIG, SIG_KEY

ANY_SOURCE = frozenset({"*", "internet", "any", "0.0.0.0/0", "0.0.0.0"})


def as_list(value: Any) -> list[Any]:
    """A list property as a list: any sequence but text (the pack's read-only proxies too), one value as one entry."""
    if value is None:
        return []
    return list(value) if isinstance(value, Sequence) and not isinstance(value, str | bytes) else [value]


def mappings(value: Any) -> list[Mapping[str, Any]]:
    """The object entries of a list property (rules, subnets, routes...), skipping anything else."""
    return [entry for entry in as_list(value) if isinstance(entry, Mapping)]


def rule_ports(rule: Mapping[str, Any]) -> list[str]:
    """All destination port specs of an NSG rule (single and plural forms)."""
    return [str(p) for p in as_list(rule.get("destinationPortRange")) + as_list(rule.get("destinationPortRanges"))]


def port_matches(spec: str, port: int) -> bool:
    spec = spec.strip()
    if spec in ("*", ""):
        return True
    if "-" in spec:
        lo, _, hi = spec.partition("-")
        return lo.isdigit() and hi.isdigit() and int(lo) <= port <= int(hi)
    return spec.isdigit() and int(spec) == port


def priority(rule: Mapping[str, Any]) -> float:
    """A rule's (or rule collection's) priority as a number (the pack sees doubles); one without a
    readable priority sorts last."""
    try:
        return float(rule.get("priority"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.inf


def rule_sources(rule: Mapping[str, Any]) -> list[str]:
    return [str(p) for p in as_list(rule.get("sourceAddressPrefix")) + as_list(rule.get("sourceAddressPrefixes"))]


def is_open_to_internet(rule: Mapping[str, Any]) -> bool:
    return any(src.strip().lower() in ANY_SOURCE for src in rule_sources(rule))


def allows_inbound(rule: Mapping[str, Any]) -> bool:
    return str(rule.get("access", "")).lower() == "allow" and str(rule.get("direction", "")).lower() == "inbound"


def network(value: Any) -> ipaddress.IPv4Network | None:
    """An IPv4 network from a prefix string, or None for service tags, '*' and junk."""
    try:
        return ipaddress.IPv4Network(str(value).strip(), strict=False)
    except (ValueError, TypeError):
        return None


def overlaps(prefix: Any, ranges: Iterable[ipaddress.IPv4Network]) -> bool:
    net = network(prefix)
    return net is not None and any(net.overlaps(r) for r in ranges)


def id_segment(resource_id: Any, key: str) -> str | None:
    """The value after ``/key/`` in an Azure resource id (case-insensitive key)."""
    parts = str(resource_id or "").strip("/").split("/")
    for i, part in enumerate(parts[:-1]):
        if part.lower() == key.lower():
            return parts[i + 1]
    return None


def ref_id(value: Any) -> str:
    """``{"id": "..."}`` sub-resource references and plain id strings alike."""
    if isinstance(value, Mapping):
        return str(value.get("id") or "")
    return str(value or "")


def is_secret(value: Any) -> bool:
    """True for a value that is held as a secret (masked in plans, encrypted in state)."""
    if value in (SECRET, None):
        return value == SECRET
    if isinstance(value, Mapping) and value.get(SIG_KEY) == SECRET_SIG:
        return True
    return type(value).__name__ == "Secret"  # pulumi_policy.Secret under CrossGuard


class RangeIndex:
    """Who owns which address ranges, answering "whose ranges does this network overlap?" fast.

    Isolation controls ask this for every route and rule of every member; a sorted index keeps a
    state-wide audit linear instead of members x rules x ranges.
    """

    def __init__(self, owned: Iterable[tuple[str, ipaddress.IPv4Network]]) -> None:
        entries = sorted((int(n.network_address), int(n.broadcast_address), owner) for owner, n in owned)
        self._starts = [e[0] for e in entries]
        self._entries = entries
        self._widest = max((e[1] - e[0] for e in entries), default=0)

    def owners(self, net: ipaddress.IPv4Network | None) -> list[str]:
        """Sorted owners of every indexed range that overlaps ``net``."""
        if net is None:
            return []
        lo, hi = int(net.network_address), int(net.broadcast_address)
        first = bisect.bisect_left(self._starts, lo - self._widest)
        last = bisect.bisect_right(self._starts, hi)
        return sorted({owner for start, end, owner in self._entries[first:last] if end >= lo and start <= hi})
