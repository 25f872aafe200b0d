"""The consortium service desk's access to a town: its own custom role, on the town's resource group only.

From phase 1 the desk can see the town's resources, metrics, alerts and logs and work its alerts;
its actions grow with the town's services (on-demand backups with ``backup``, starting and restarting
virtual machines with ``networking``), as :mod:`consortium.registry.desk_access` lists them. The role
is assignable only on the town's resource group and assigned there to the consortium's service-desk
group (a hub output): never Owner or Contributor, never subscription scope (MCS-IAM-008). The desk
keeps it when a leaving town is unhooked, like the auditors' Reader, to restore and answer until the
town's data expires.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import authorization

from consortium.registry import naming
from consortium.registry.desk_access import desk_role_purpose, role_actions
from consortium.registry.models import Service

from .roles import role_definition_id_output


@dataclass(frozen=True)
class MemberDeskAccessArgs:
    consortium_slug: str
    consortium_name: str
    member_slug: str
    services: tuple[Service, ...]
    resource_group_id: pulumi.Input[str]  # the role's only assignable scope and its assignment's scope
    subscription_id: pulumi.Input[str]
    service_desk_group_id: pulumi.Input[str]  # hub output: the consortium service desk group


class MemberDeskAccess(pulumi.ComponentResource):
    definition: authorization.RoleDefinition

    def __init__(self, name: str, args: MemberDeskAccessArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("consortium:member:DeskAccess", name, None, opts)
        slug, purpose = args.member_slug, desk_role_purpose(args.member_slug)
        guid = naming.role_definition(args.consortium_slug, purpose)
        self.definition = authorization.RoleDefinition(
            f"{slug}-service-desk-role",
            role_definition_id=guid,
            role_name=naming.role_display_name(args.consortium_slug, purpose),
            description=(
                f"{args.consortium_name}: the service desk in {slug}'s resource group: read, work alerts, "
                "and the operator actions of the town's services; no write, delete or access management."
            ),
            role_type="CustomRole",
            scope=args.resource_group_id,
            assignable_scopes=[args.resource_group_id],
            permissions=[
                {"actions": role_actions(args.services), "not_actions": [], "data_actions": [], "not_data_actions": []}
            ],
            opts=pulumi.ResourceOptions(parent=self),
        )
        authorization.RoleAssignment(
            f"{slug}-service-desk-desk-role",
            role_assignment_name=naming.role_assignment(args.consortium_slug, slug, "service-desk", "desk-role"),
            scope=args.resource_group_id,
            principal_id=args.service_desk_group_id,
            principal_type="Group",
            role_definition_id=role_definition_id_output(args.subscription_id, guid),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.definition]),
        )
        self.register_outputs({"role_definition_id": self.definition.id})
