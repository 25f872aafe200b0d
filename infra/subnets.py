"""What every subnet of ours gets, in the hub and in the spokes: an NSG that logs to the hub, and an id."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pulumi
from pulumi_azure_native import network

from .diagnostics import send_to_workspace


def subnet_nsg(
    nsg_name: str,
    rules: Sequence[dict[str, Any]],
    *,
    resource_group_name: pulumi.Input[str],
    location: str,
    workspace_id: pulumi.Input[str],
    tags: dict[str, str],
    parent: pulumi.Resource,
) -> network.NetworkSecurityGroup:
    """The NSG and its diagnostic setting (logs only: Azure offers no metrics for NSGs and rejects the block)."""
    nsg = network.NetworkSecurityGroup(
        nsg_name,
        network_security_group_name=nsg_name,
        resource_group_name=resource_group_name,
        location=location,
        security_rules=list(rules),
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    send_to_workspace(nsg_name, nsg.id, workspace_id, metrics=False, parent=parent)
    return nsg


def subnet_ids(vnet: network.VirtualNetwork, subnets: Iterable[str]) -> dict[str, pulumi.Output[str]]:
    """Subnet name -> id of subnets declared inline in ``vnet`` (Azure's id is the VNet's plus the name)."""
    return {subnet: vnet.id.apply(lambda vnet_id, s=subnet: f"{vnet_id}/subnets/{s}") for subnet in subnets}
