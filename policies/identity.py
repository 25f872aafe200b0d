"""Identity: role assignments, Entra ID groups and Conditional Access."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from consortium.registry import naming
from consortium.registry.desk_access import ALL_DESK_ACTIONS, desk_role_purpose

from .framework import (
    Enforcement,
    Message,
    Param,
    Resource,
    Severity,
    Unknown,
    control,
    each,
    is_unknown,
    require_value,
)
from .util import as_list, mappings

AREA = "identity"
ASSIGNMENT = "azure-native:authorization:RoleAssignment"
ROLE_DEFINITION = "azure-native:authorization:RoleDefinition"
GROUP = "azuread:index/group:Group"
CA_POLICY = "azuread:index/conditionalAccessPolicy:ConditionalAccessPolicy"
RESOURCE_GROUP = "azure-native:resources:ResourceGroup"
# Built-in roles that can grant access to others or act as the owner.
PRIVILEGED_ROLES = {
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
    "f58310d9-a9f6-439a-9e8d-f62e7b41a168": "Role Based Access Control Administrator",
}
# Built-in roles the service desk must never hold in a town: the privileged ones and Contributor.
NOT_FOR_THE_DESK = {**PRIVILEGED_ROLES, "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor"}
# The principal name the program derives the desk's role assignment name from (infra/member_desk_access.py).
DESK_PRINCIPAL, DESK_ROLE = "service-desk", "desk-role"


def scope_resource_group(scope: Any) -> str | None:
    """The resource group a scope is in (itself or below it), or None for subscription and wider."""
    parts = str(scope or "").strip("/").split("/")
    for i, part in enumerate(parts[:-1]):
        if part.lower() == "resourcegroups":
            return parts[i + 1].lower()
    return None


@control(
    "MCS-IAM-001",
    "Member role assignments are never at subscription scope or wider",
    area=AREA,
    types=[ASSIGNMENT],
    severity=Severity.CRITICAL,
    cis_v8=["5.4", "6.1"],
    mcsb=["PA-7"],
    rationale="A town's principals act in the town's resource group only; wider scope reaches every town.",
    fix="Scope the assignment to the member's resource group.",
)
def no_wide_scope(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    if r.member is not None and scope_resource_group(r.known("scope")) is None:
        yield f"scope {r.get('scope') or '(none)'} is a subscription or wider"


def member_resource_groups(resources: Sequence[Resource]) -> dict[str, set[str]]:
    """Resource groups each member's stack creates, by member slug (lower-case names)."""
    out: dict[str, set[str]] = {}
    for r in resources:
        if r.type == RESOURCE_GROUP and r.member is not None:
            out.setdefault(r.member, set()).add(r.azure_name("resourceGroupName").lower())
    return out


@control(
    "MCS-IAM-002",
    "Member role assignments stay inside the member's own resource group",
    area=AREA,
    types=[ASSIGNMENT, RESOURCE_GROUP],
    severity=Severity.CRITICAL,
    cis_v8=["6.1", "3.3"],
    mcsb=["PA-7"],
    scope="stack",
    rationale="Least privilege: a town's groups manage the town's resources and nothing else.",
    fix="Scope the assignment to the member's own resource group.",
)
def own_group_only(resources: Sequence[Resource], p: Mapping[str, Any]) -> Iterator[tuple[Resource, Message]]:
    groups = member_resource_groups(resources)

    def judge(r: Resource) -> Iterator[str]:
        rg = scope_resource_group(r.known("scope"))
        own = groups.get(r.member or "", set())
        if rg is not None and rg not in own:
            yield f"scope is resource group {rg}, not {r.member}'s own ({', '.join(sorted(own))})"

    yield from each((r for r in resources if r.type == ASSIGNMENT and r.member is not None), judge)


@control(
    "MCS-IAM-003",
    "No Owner, User Access Administrator or RBAC Administrator for member principals",
    area=AREA,
    types=[ASSIGNMENT],
    severity=Severity.CRITICAL,
    cis_v8=["5.4", "6.1"],
    cis_azure="1.23",
    mcsb=["PA-7"],
    rationale="Roles that grant access let a town admin (or a phished one) give themselves anything.",
    fix="Use Contributor (admins), a narrow built-in role (helpdesk) or Reader (auditors).",
)
def no_privileged_roles(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    role = str(r.get("roleDefinitionId") or "").rsplit("/", 1)[-1].lower()
    if r.member is not None and role in PRIVILEGED_ROLES:
        yield f"grants {PRIVILEGED_ROLES[role]} to a {r.get('principalType') or 'principal'}"


@control(
    "MCS-IAM-004",
    "Every Entra ID group has an owner",
    area=AREA,
    types=[GROUP],
    severity=Severity.MEDIUM,
    cis_v8=["5.1", "6.2"],
    rationale="An ownerless group is nobody's to review; stale members keep their access.",
    fix="Set owners (the member's admins; the service desk for consortium groups).",
)
def group_owner(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    if not as_list(r.get("owners")):
        yield f"group {r.get('displayName') or r.name} has no owner"


@control(
    "MCS-IAM-005",
    "Groups are security groups, not mail-enabled",
    area=AREA,
    types=[GROUP],
    severity=Severity.LOW,
    cis_v8=["6.1"],
    enforcement=Enforcement.ADVISORY,
    rationale="Access groups that are also distribution lists get members added for mail reasons.",
    fix="Set securityEnabled to true and mailEnabled to false.",
)
def security_group(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    if r.get("securityEnabled") is not True or r.get("mailEnabled") is True:
        yield "group is not a plain security group"


@control(
    "MCS-IAM-006",
    "Conditional Access requires MFA for all applications, and is enforced",
    area=AREA,
    types=[CA_POLICY],
    severity=Severity.CRITICAL,
    cis_v8=["6.3", "6.4", "6.5"],
    cis_azure="1.2.1",
    rationale="Phished passwords are the first step of most municipal ransomware cases.",
    fix="state: enabled; grantControls.builtInControls: [mfa]; conditions.applications.includedApplications: [All].",
)
def ca_requires_mfa(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    yield from require_value(
        r,
        "state",
        "enabled",
        message="{path} is {value}; the policy must be enabled (not report-only)",
        unset="not set",
    )
    if "mfa" not in [str(c).lower() for c in as_list(r.get("grantControls.builtInControls"))]:
        yield "grant controls do not require MFA"
    if "All" not in as_list(r.get("conditions.applications.includedApplications")):
        yield "the policy does not cover all applications"


def _group_ids(r: Resource) -> set[str]:
    """Ids a group is known by: the object id in state, the mocked id in plans."""
    return {str(v) for v in (r.get("objectId"), r.get("id"), r.id) if v}


@control(
    "MCS-IAM-007",
    "Every member group is covered by an MFA Conditional Access policy",
    area=AREA,
    types=[GROUP, CA_POLICY],
    severity=Severity.CRITICAL,
    cis_v8=["6.3", "6.4", "6.5"],
    scope="stack",
    # In a preview the groups' object ids (and so the policy's group list) are still unknown.
    crossguard=False,
    rationale="A group left out of the policy is a way around MFA.",
    fix="Include every <slug>-admins/-staff/-helpdesk group in the member's MFA policy.",
)
def groups_covered(resources: Sequence[Resource], p: Mapping[str, Any]) -> Iterator[tuple[Resource, Message]]:
    covered: dict[str, set[str]] = {}
    pending: dict[str, list[str]] = {}  # member -> its enabled policies whose group list is not known yet
    for r in resources:
        if r.type == CA_POLICY and r.member is not None and r.get("state") == "enabled":
            groups = as_list(r.get("conditions.users.includedGroups"))
            if any(is_unknown(g) for g in groups):
                pending.setdefault(r.member, []).append(r.name)
            covered.setdefault(r.member, set()).update(str(g) for g in groups if not is_unknown(g))
    for r in resources:
        if r.type != GROUP or r.member is None:
            continue
        ids = _group_ids(r)
        if not ids:
            continue  # a plan without ids cannot be matched; state always has objectId
        if ids & covered.get(r.member, set()):
            continue
        if any(is_unknown(i) for i in ids):
            yield r, Unknown("the group's object id")
        elif r.member in pending:
            yield r, Unknown(f"the group list of {', '.join(pending[r.member])}")
        else:
            yield r, f"group {r.get('displayName') or r.name} is in no enabled MFA policy of {r.member}"


def role_guid(value: Any) -> str:
    """The GUID at the end of a role definition id (or the GUID itself), lower-case."""
    return str(value or "").rsplit("/", 1)[-1].lower()


def desk_roles(resources: Sequence[Resource]) -> dict[str, tuple[Resource, str]]:
    """Each member's service-desk custom role: member -> (the definition, its GUID)."""
    out: dict[str, tuple[Resource, str]] = {}
    for r in resources:
        name = str(r.get("roleName") or "")
        if r.type == ROLE_DEFINITION and r.member is not None and name.endswith(desk_role_purpose(r.member)):
            out[r.member] = (r, role_guid(r.get("roleDefinitionId") or r.get("name")))
    return out


def _desk_role_problems(r: Resource) -> Iterator[str]:
    for p in mappings(r.get("permissions")):
        for action in as_list(p.get("actions")):
            if str(action) not in ALL_DESK_ACTIONS:
                yield f"the service desk's role grants {action}, not one of the desk's actions"
        for action in as_list(p.get("dataActions")):
            yield f"the service desk's role grants the data action {action}"
    for scope in as_list(r.known("assignableScopes")):
        if scope_resource_group(scope) is None:
            yield f"the service desk's role is assignable at {scope}, a subscription or wider"


@control(
    "MCS-IAM-008",
    "The service desk holds only its own role in a town, on the town's resource group",
    area=AREA,
    types=[ASSIGNMENT, ROLE_DEFINITION],
    severity=Severity.CRITICAL,
    cis_v8=["6.1", "5.4", "6.8"],
    mcsb=["PA-7"],
    scope="stack",
    params={"consortium": Param("", "string", "The consortium's slug (the desk's assignment names derive from it)")},
    rationale="The desk works in every town: one broad grant there is a path into all of them.",
    fix="Give the desk only its custom role (infra/member_desk_access.py: read, alerts and the services' "
    "operator actions), assigned on the town's resource group; never Owner or Contributor, never wider.",
)
def desk_least_privilege(resources: Sequence[Resource], p: Mapping[str, Any]) -> Iterator[tuple[Resource, Message]]:
    roles = desk_roles(resources)
    yield from each((r for r, _ in roles.values()), _desk_role_problems)
    consortium = str(p.get("consortium") or "")
    assignments = [r for r in resources if r.type == ASSIGNMENT and r.member is not None]

    def is_desk_assignment(r: Resource) -> bool:
        name = str(r.get("roleAssignmentName") or r.get("name") or "")
        desk_name = naming.role_assignment(consortium, r.member or "", DESK_PRINCIPAL, DESK_ROLE)
        by_name = bool(consortium) and name == desk_name
        guid = roles.get(r.member or "", (None, ""))[1]
        return by_name or (bool(guid) and role_guid(r.get("roleDefinitionId")) == guid)

    desk_principals: dict[str, set[str]] = {}
    for r in assignments:
        principal = r.get("principalId")
        if is_desk_assignment(r) and principal and not is_unknown(principal):
            desk_principals.setdefault(r.member or "", set()).add(str(principal))

    def judge(r: Resource) -> Iterator[Message]:
        if scope_resource_group(r.known("scope")) is None:
            yield f"the service desk is assigned at {r.get('scope') or '(none)'}, a subscription or wider"
        role = role_guid(r.known("roleDefinitionId"))
        if role in NOT_FOR_THE_DESK:
            yield f"grants {NOT_FOR_THE_DESK[role]} to the service desk"
        elif role != roles.get(r.member or "", (None, ""))[1]:
            yield f"grants role {role} to the service desk beside its own role"

    def for_the_desk(r: Resource) -> bool:
        return is_desk_assignment(r) or str(r.get("principalId")) in desk_principals.get(r.member or "", set())

    yield from each((r for r in assignments if for_the_desk(r)), judge)


@control(
    "MCS-IAM-009",
    "No custom role grants all actions",
    area=AREA,
    types=[ROLE_DEFINITION],
    severity=Severity.CRITICAL,
    cis_v8=["5.4", "6.8"],
    checkov=["CKV_AZURE_39"],
    rationale="A custom role with '*' is Owner under another name: the checks that keep members out of Owner "
    "(MCS-IAM-003) would not see it, and whoever holds it could grant themselves anything.",
    fix="List the actions the role needs (the desk's and the deployers' roles show how); never '*'.",
)
def no_wildcard_role(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    for permission in mappings(r.get("permissions")):
        for key, what in (("actions", "actions"), ("dataActions", "data actions")):
            if "*" in [str(a).strip() for a in as_list(permission.get(key))]:
                yield f"grants all {what} ('*' in permissions.{key})"


@control(
    "MCS-IAM-010",
    "Roles are granted to groups or workload identities, never to a single user",
    area=AREA,
    types=[ASSIGNMENT],
    severity=Severity.MEDIUM,
    cis_v8=["5.4", "6.8"],
    psrule=["Azure.RBAC.UseGroups"],
    rationale="A right granted to one person outlives their job: in a town of a few staff nobody remembers to "
    "remove it. Through a group it is reviewed with the group's members, and it leaves with them.",
    fix="Grant the role to the town's group (admins, helpdesk, auditors) and add the person to the group.",
)
def no_user_assignment(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    if str(r.known("principalType") or "").lower() == "user":
        yield "grants a role to a single user (principalType User); grant it to a group"


CONTROLS = (
    no_wide_scope,
    own_group_only,
    no_privileged_roles,
    group_owner,
    security_group,
    ca_requires_mfa,
    groups_covered,
    desk_least_privilege,
    no_wildcard_role,
    no_user_assignment,
)
