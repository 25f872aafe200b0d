"""The hub VPN gateway's maintenance window: customer-controlled gateway maintenance.

Azure updates gateways in the region's night unless told otherwise; a maintenance configuration
(scope ``Resource``, sub-scope ``NetworkGatewayMaintenance``) assigned to the gateway moves its
guest-OS and service updates into the consortium's own daily window (``azure.gateway_maintenance``
in consortium.yaml; at least 5 hours, daily: Microsoft's "Configure customer-controlled gateway
maintenance for VPN Gateway"). Host and critical security updates stay outside any window. The
configuration and its assignment cost nothing.

The window's first day is the run's date (the ``as-of`` config key, pinned by the offline plan):
Azure wants today or later when it is created, and the day is left alone once deployed.
"""

from __future__ import annotations

import pulumi
from pulumi_azure_native import maintenance, network

from consortium.registry import naming
from consortium.registry.models import GatewayMaintenance

SUB_SCOPE = {"maintenanceSubScope": "NetworkGatewayMaintenance"}
DAILY = "1Day"  # the one recurrence Azure takes for network gateways


def gateway_maintenance_window(
    consortium_slug: str,
    gateway: network.VirtualNetworkGateway,
    window: GatewayMaintenance,
    *,
    start_day: str,
    resource_group_name: pulumi.Input[str],
    location: str,
    tags: dict[str, str],
    parent: pulumi.Resource,
) -> maintenance.ConfigurationAssignment:
    """The maintenance configuration and its assignment to ``gateway``."""
    name = naming.hub_gateway_maintenance(consortium_slug)
    config = maintenance.MaintenanceConfiguration(
        name,
        resource_name_=name,
        resource_group_name=resource_group_name,
        location=location,
        maintenance_scope="Resource",
        extension_properties=SUB_SCOPE,
        visibility="Custom",
        start_date_time=f"{start_day} {window.start}",
        duration=window.duration,
        time_zone=window.time_zone,
        recur_every=DAILY,
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent, ignore_changes=["startDateTime"]),
    )
    return maintenance.ConfigurationAssignment(
        name,
        configuration_assignment_name=name,
        provider_name="Microsoft.Network",
        resource_type="virtualNetworkGateways",
        resource_name_=gateway.name,
        resource_group_name=resource_group_name,
        location=location,
        maintenance_configuration_id=config.id,
        resource_id=gateway.id,
        opts=pulumi.ResourceOptions(parent=parent),
    )
