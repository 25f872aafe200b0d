"""Filters of the windows_baseline role (Python's ipaddress: no netaddr on the controller).

Filters both baselines use (consortium_invalid_cidrs) are in playbooks/filter_plugins.
"""

from __future__ import annotations

import ipaddress


def normalized_cidrs(cidrs):
    """``cidrs`` as normalised networks (host bits cleared), in the order given."""
    return [str(ipaddress.ip_network(str(c).strip(), strict=False)) for c in cidrs or []]


def update_ring(rings, phase, default):
    """The ring (dict) whose ``phases`` contain ``phase``, else the ring named ``default``; {} if none."""
    try:
        phase = int(phase)
    except (TypeError, ValueError):
        phase = None
    for ring in rings or []:
        if phase is not None and phase in [int(p) for p in ring.get("phases") or []]:
            return ring
    return next((r for r in rings or [] if r.get("name") == default), {})


class FilterModule:
    def filters(self):
        return {
            "wb_normalized_cidrs": normalized_cidrs,
            "wb_update_ring": update_ring,
        }
