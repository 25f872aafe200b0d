"""A member's identity: its Entra ID groups, their roles on its resource group, MFA, and a vault.

Three security groups per member — ``<slug>-admins`` (the member's admins from the registry, as
members and owners), ``<slug>-staff`` (filled by the member's admins) and ``<slug>-helpdesk`` (the
consortium's service desk group, nested) — plus the consortium's auditors. Every role assignment
is scoped to the member's own resource group (or a resource inside it), never wider, so no member
and no consortium role can reach another member. A Conditional Access policy requires MFA of all
three groups. A user-assigned managed identity runs the member's automation and may read the
secrets of the member's Key Vault, nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pulumi
import pulumi_azuread as azuread
from pulumi_azure_native import authorization, keyvault, managedidentity

from consortium.registry import naming

from .groups import security_group
from .key_vault import hardened_key_vault
from .private_endpoint import EndpointTarget, key_vault_target
from .roles import Role, role_definition_id_output

ADMINS, STAFF, HELPDESK, AUDITORS = "admins", "staff", "helpdesk", "auditors"


@dataclass(frozen=True)
class MemberIdentityArgs:
    consortium_slug: str
    member_slug: str
    member_name: str
    resource_group_name: pulumi.Input[str]
    resource_group_id: pulumi.Input[str]
    location: str
    tenant_id: pulumi.Input[str]
    subscription_id: pulumi.Input[str]
    admin_object_ids: pulumi.Input[list[str]]  # the registry's admins, looked up by UPN
    service_desk_group_id: pulumi.Input[str]  # hub output: the consortium service desk
    auditors_group_id: pulumi.Input[str]  # hub output: the consortium auditors
    workspace_id: pulumi.Input[str]
    tags: dict[str, str]
    kept_until: date | None = None  # a leaving town's: its Key Vault is kept until then (infra.retention)
    # From a leaving town's unhook date: its own rights (its admins' Contributor, its automation's
    # secrets access) are withdrawn. The service desk's Backup Operator and the auditors' Reader stay,
    # so the consortium can restore and audit the data it keeps for the town until it expires.
    rights_withdrawn: bool = False


class MemberIdentity(pulumi.ComponentResource):
    groups: dict[str, azuread.Group]
    automation_identity: managedidentity.UserAssignedIdentity
    key_vault: keyvault.Vault

    def __init__(self, name: str, args: MemberIdentityArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("consortium:member:Identity", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        member_slug = args.member_slug

        def group(purpose: str, description: str, members: pulumi.Input[list[str]] | None) -> azuread.Group:
            return security_group(
                naming.group(member_slug, purpose),
                description=f"{args.member_name}: {description}",
                owners=args.admin_object_ids,
                members=members,
                parent=self,
            )

        self.groups = {
            ADMINS: group(ADMINS, "administrators (Contributor on the member's resource group)", args.admin_object_ids),
            STAFF: group(STAFF, "staff, managed by the member's administrators", None),
            HELPDESK: group(
                HELPDESK,
                "the consortium service desk (Backup Operator on the member's resource group)",
                pulumi.Output.from_input(args.service_desk_group_id).apply(lambda gid: [gid]),
            ),
        }

        def assign(
            principal: str, principal_id: pulumi.Input[str], role: Role, scope: pulumi.Input[str], principal_type: str
        ) -> authorization.RoleAssignment:
            return authorization.RoleAssignment(
                f"{member_slug}-{principal}-{role.name.lower().replace('_', '-')}",
                role_assignment_name=naming.role_assignment(args.consortium_slug, member_slug, principal, role.name),
                scope=scope,
                principal_id=principal_id,
                principal_type=principal_type,
                role_definition_id=role_definition_id_output(args.subscription_id, role),
                opts=child,
            )

        if not args.rights_withdrawn:
            assign(ADMINS, self.groups[ADMINS].object_id, Role.CONTRIBUTOR, args.resource_group_id, "Group")
        assign(HELPDESK, self.groups[HELPDESK].object_id, Role.BACKUP_OPERATOR, args.resource_group_id, "Group")
        assign(AUDITORS, args.auditors_group_id, Role.READER, args.resource_group_id, "Group")

        identity_name = naming.automation_identity(member_slug)
        self.automation_identity = managedidentity.UserAssignedIdentity(
            identity_name,
            resource_name_=identity_name,
            resource_group_name=args.resource_group_name,
            location=args.location,
            tags=args.tags,
            opts=child,
        )
        self._key_vault_name = naming.key_vault(args.consortium_slug, member_slug)
        self.key_vault = vault = hardened_key_vault(
            self._key_vault_name,
            resource_group_name=args.resource_group_name,
            location=args.location,
            tenant_id=args.tenant_id,
            workspace_id=args.workspace_id,
            tags=args.tags,
            parent=self,
            kept_until=args.kept_until,
        )
        if not args.rights_withdrawn:
            assign(
                "automation",
                self.automation_identity.principal_id,
                Role.KEY_VAULT_SECRETS_USER,
                vault.id,
                "ServicePrincipal",
            )

        azuread.ConditionalAccessPolicy(
            f"ca-{member_slug}-require-mfa",
            display_name=naming.mfa_policy(member_slug),
            state="enabled",
            conditions={
                "client_app_types": ["all"],
                "applications": {"included_applications": ["All"]},
                "users": {"included_groups": [g.object_id for g in self.groups.values()]},
            },
            grant_controls={"operator": "OR", "built_in_controls": ["mfa"]},
            opts=child,
        )
        self.register_outputs({purpose: g.object_id for purpose, g in self.groups.items()})

    def private_endpoint_targets(self) -> list[EndpointTarget]:
        """What the member's private endpoints must reach (see :mod:`infra.member_private_endpoints`)."""
        return [key_vault_target(self._key_vault_name, self.key_vault.id)]
