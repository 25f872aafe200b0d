"""Network security group rules shared by the hub's and the members' subnets, as plain input dicts.

Azure's built-in default rules already end in ``DenyAllInBound``, but they also allow all traffic
from the virtual network (which, with peering, includes the hub and its VPN). Each subnet therefore
gets an explicit, visible ``deny-internet-inbound`` rule that reviewers and policies can check, and
management access is allowed only from the hub's management range.
"""

from __future__ import annotations

from typing import Any

# Lowest precedence a custom rule can have: everything allowed explicitly comes before it.
DENY_PRIORITY = 4096
# Remote management: SSH, RDP, WinRM over HTTP and HTTPS.
MANAGEMENT_PORTS = ("22", "3389", "5985", "5986")


def deny_internet_inbound() -> dict[str, Any]:
    return {
        "name": "deny-internet-inbound",
        "description": "No inbound connection from the internet, whatever else is allowed.",
        "priority": DENY_PRIORITY,
        "direction": "Inbound",
        "access": "Deny",
        "protocol": "*",
        "source_address_prefix": "Internet",
        "source_port_range": "*",
        "destination_address_prefix": "*",
        "destination_port_range": "*",
    }


def allow_management_inbound(management_range: str, priority: int = 100) -> dict[str, Any]:
    """SSH/RDP/WinRM from the hub's management subnet (jump hosts, the Ansible controller) only."""
    return {
        "name": "allow-management-inbound",
        "description": "Remote management from the consortium's management subnet in the hub.",
        "priority": priority,
        "direction": "Inbound",
        "access": "Allow",
        "protocol": "Tcp",
        "source_address_prefix": management_range,
        "source_port_range": "*",
        "destination_address_prefix": "*",
        "destination_port_ranges": list(MANAGEMENT_PORTS),
    }


def allow_inbound_from(name: str, prefixes: list[str], priority: int, description: str) -> dict[str, Any]:
    """Any protocol from the given address ranges (e.g. the spokes to the hub's shared services)."""
    return {
        "name": name,
        "description": description,
        "priority": priority,
        "direction": "Inbound",
        "access": "Allow",
        "protocol": "*",
        "source_address_prefixes": prefixes,
        "source_port_range": "*",
        "destination_address_prefix": "*",
        "destination_port_range": "*",
    }
