"""Network security group rules shared by the hub's and the members' subnets, as plain input dicts.

Azure's built-in default rules already end in ``DenyAllInBound``, but they also allow all traffic
from the virtual network (which, with peering, includes the hub and its VPN). Each subnet therefore
gets an explicit, visible ``deny-internet-inbound`` rule that reviewers and policies can check, and
management access is allowed only from the hub's management range.

Every subnet but the hub's management subnet also denies *outbound* remote management towards the
virtual network (``deny-lateral-management-outbound``): a compromised server cannot hop to its
neighbours, the other subnets or, through the hub, other towns over SSH, RDP or WinRM.
"""

from __future__ import annotations

from typing import Any

# Lowest precedence a custom rule can have: everything allowed explicitly comes before it.
DENY_PRIORITY = 4096
# Remote management: SSH, RDP, WinRM over HTTP and HTTPS.
MANAGEMENT_PORTS = ("22", "3389", "5985", "5986")
# Near the top of the outbound rules: an allow meant to override it must take a smaller number, which
# a reviewer (and MCS-NET-019) sees; Azure's default AllowVnetOutBound (65000) comes far after it.
LATERAL_DENY_PRIORITY = 150


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


def deny_lateral_management_outbound() -> dict[str, Any]:
    """No SSH/RDP/WinRM from this subnet to anything in the ``VirtualNetwork`` tag (PSRule
    ``Azure.NSG.LateralTraversal``). The tag covers the VNet, its peerings, the prefixes of its
    user-defined routes (the supernet through the hub firewall) and the town halls behind the gateway.

    It leaves management from the hub intact: NSGs are stateful, so the replies of a session the
    management subnet opened inbound (``allow-management-inbound``) are not judged by outbound rules.
    """
    return {
        "name": "deny-lateral-management-outbound",
        "description": "No remote management (SSH, RDP, WinRM) from this subnet to other hosts; it comes from the hub.",
        "priority": LATERAL_DENY_PRIORITY,
        "direction": "Outbound",
        "access": "Deny",
        "protocol": "Tcp",
        "source_address_prefix": "*",
        "source_port_range": "*",
        "destination_address_prefix": "VirtualNetwork",
        "destination_port_ranges": list(MANAGEMENT_PORTS),
    }
