"""Entra ID security groups, the same kind for the hub's consortium-wide groups and each member's."""

from __future__ import annotations

import pulumi
import pulumi_azuread as azuread


def security_group(
    display_name: str,
    *,
    description: str,
    owners: pulumi.Input[list[str]],
    members: pulumi.Input[list[str]] | None = None,
    parent: pulumi.Resource,
) -> azuread.Group:
    """A security (not mail) group; display names are unique in the tenant, so a clash fails the deployment."""
    return azuread.Group(
        display_name,
        display_name=display_name,
        description=description,
        security_enabled=True,
        mail_enabled=False,
        prevent_duplicate_names=True,
        owners=owners,
        members=members,
        opts=pulumi.ResourceOptions(parent=parent),
    )
