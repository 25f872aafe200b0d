"""Diagnostic logs: diagnostics of vaults, Key Vaults, NSGs and the backup accounts' blob service go
to the hub's Log Analytics workspace; every virtual network's flows are logged, kept and analysed there too."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .framework import Message, Param, Resource, Severity, StackCheck, Unknown, UnknownValue, control, is_unknown
from .util import as_list, id_segment, mappings

AREA = "logging"
DIAGNOSTIC = "azure-native:monitor:DiagnosticSetting"
WORKSPACE = "azure-native:operationalinsights:Workspace"


@dataclass(frozen=True)
class Source:
    """Where a resource's diagnostic settings point: what identifies it in a setting's resourceUri."""

    provider: str  # its provider namespace, lower-cased
    segment: str  # the id segment naming it
    name_key: str  # the input holding its Azure name
    # A sub-service whose own setting counts (``blobServices``: the account's setting carries no blob logs).
    service: str | None = None
    # Log categories the setting must collect, by name or through the allLogs group (empty: any).
    categories: tuple[str, ...] = ()
    noun: str = ""  # how a message names what sends nothing ("" : the resource itself)


# resource type -> where its settings point
SOURCES = {
    "azure-native:recoveryservices:Vault": Source("microsoft.recoveryservices", "vaults", "vaultName"),
    "azure-native:keyvault:Vault": Source("microsoft.keyvault", "vaults", "vaultName"),
    "azure-native:network:NetworkSecurityGroup": Source(
        "microsoft.network", "networkSecurityGroups", "networkSecurityGroupName"
    ),
    # Azure Storage logs per service (blobServices/default ...), not per account.
    "azure-native:storage:StorageAccount": Source(
        "microsoft.storage",
        "storageAccounts",
        "accountName",
        service="blobServices",
        categories=("StorageRead", "StorageWrite", "StorageDelete"),
        noun="'s blob service",
    ),
}


def collects(setting: Resource, categories: Sequence[str]) -> bool:
    """Whether a diagnostic setting's enabled logs include every one of ``categories`` (allLogs: all)."""
    enabled = [entry for entry in mappings(setting.get("logs")) if entry.get("enabled")]
    if any(str(entry.get("categoryGroup", "")).lower() == "alllogs" for entry in enabled):
        return True
    named = {str(entry.get("category", "")).lower() for entry in enabled}
    return all(c.lower() in named for c in categories)


def _points_at(uri: str, source: Source) -> bool:
    """Whether a (lower-cased) resourceUri is the source's: its provider, and its sub-service where it has one."""
    if source.provider not in uri:
        return False
    return source.service is None or (id_segment(uri, source.service) or "").lower() == "default"


def hub_workspaces(resources: Sequence[Resource], p: Mapping[str, Any]) -> set[str]:
    names = {str(n).lower() for n in as_list(p.get("hub_workspace_names"))}
    names |= {
        str(r.get("workspaceName") or r.name).lower() for r in resources if r.type == WORKSPACE and r.member is None
    }
    return names


def _diagnostics_to(resource_type: str) -> StackCheck:
    source = SOURCES[resource_type]

    def check(resources: Sequence[Resource], p: Mapping[str, Any]) -> Iterator[tuple[Resource, Message]]:
        workspaces = hub_workspaces(resources, p)
        sent: set[tuple[str, str]] = set()
        # stack -> settings whose source is not known yet (in a first preview it is a resource being created)
        pending: dict[str, list[str]] = {}
        for d in resources:
            if d.type != DIAGNOSTIC:
                continue
            # plans carry resourceUri; deployed state only the setting's id, which starts with it
            uri = d.get("resourceUri") or d.azure_id
            if is_unknown(uri):
                pending.setdefault(d.stack, []).append(d.name)
                continue
            uri = str(uri).lower()
            target = (id_segment(d.get("workspaceId"), "workspaces") or "").lower()
            if _points_at(uri, source) and (not workspaces or target in workspaces) and collects(d, source.categories):
                sent.add((d.stack, (id_segment(uri, source.segment) or "").lower()))
        for r in resources:
            if r.type == resource_type:
                name = r.azure_name(source.name_key).lower()
                if (r.stack, name) in sent:
                    continue
                if r.stack in pending:  # one of those settings may be this resource's
                    count = len(pending[r.stack])
                    yield r, Unknown(f"the resourceUri of {count} diagnostic setting(s) in stack {r.stack}")
                else:
                    what = f"{', '.join(source.categories)} logs" if source.categories else "diagnostics"
                    yield r, f"{name}{source.noun} sends no {what} to the hub workspace"

    return check


def _diagnostic_control(
    cid: str, noun: str, resource_type: str, cis_azure: str | None, **crosswalk: Sequence[str]
) -> Any:
    """``crosswalk``: the control's ``psrule``/``checkov``/``mcsb`` references (policies/anchors.py)."""
    return control(
        cid,
        f"{noun} send their logs to the hub workspace",
        area=AREA,
        types=[resource_type, DIAGNOSTIC],
        severity=Severity.HIGH,
        cis_v8=["8.2", "8.3"],
        cis_azure=cis_azure,
        scope="stack",
        rationale="Evidence of who did what lives in one place the towns cannot erase.",
        fix="Add a diagnostic setting (allLogs) to the hub's Log Analytics workspace.",
        params={"hub_workspace_names": Param([], "array", "Names of the hub workspaces (from the hub if audited)")},
        **crosswalk,
    )(_diagnostics_to(resource_type))


vault_diagnostics = _diagnostic_control(
    "MCS-LOG-001", "Backup vaults", "azure-native:recoveryservices:Vault", None, mcsb=["LT-3", "LT-5", "BR-3"]
)
keyvault_diagnostics = _diagnostic_control(
    "MCS-LOG-002",
    "Key Vaults",
    "azure-native:keyvault:Vault",
    "5.1.5",
    psrule=["Azure.KeyVault.Logs"],
    mcsb=["LT-3", "LT-5"],
)
nsg_diagnostics = _diagnostic_control(
    "MCS-LOG-003", "Network security groups", "azure-native:network:NetworkSecurityGroup", None, mcsb=["LT-5"]
)


blob_diagnostics = control(
    "MCS-LOG-006",
    "Storage accounts log every blob read, write and delete to the hub workspace",
    area=AREA,
    types=["azure-native:storage:StorageAccount", DIAGNOSTIC],
    severity=Severity.HIGH,
    cis_v8=["8.2", "3.14"],
    checkov=["CKV2_AZURE_21"],
    mcsb=["LT-3"],
    scope="stack",
    rationale="The backup accounts hold every town's file-level backups, the hub's flow-log account the "
    "consortium's network evidence: who read (copied out), overwrote or deleted a blob is the first question "
    "after ransomware or a leak, and Azure Storage writes those logs "
    "only per service, through a diagnostic setting on the blob service (the account's own carries none). "
    "The accounts hold blob containers only; a file share added to them would need the file service's setting.",
    fix="Add a diagnostic setting on <account id>/blobServices/default to the hub's Log Analytics workspace "
    "with allLogs (or StorageRead, StorageWrite and StorageDelete).",
    params={"hub_workspace_names": Param([], "array", "Names of the hub workspaces (from the hub if audited)")},
)(_diagnostics_to("azure-native:storage:StorageAccount"))


@control(
    "MCS-LOG-004",
    "The log workspace keeps logs for at least 90 days",
    area=AREA,
    types=[WORKSPACE],
    severity=Severity.MEDIUM,
    cis_v8=["8.3"],
    mcsb=["LT-6"],
    rationale="Incidents are found late; the logs must still be there.",
    fix="Set retentionInDays to at least 90.",
    params={"minimum_days": Param(90, "integer", "Minimum workspace retention in days")},
)
def workspace_retention(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    days = r.number("retentionInDays") or 30  # Azure's default
    if days < p["minimum_days"]:
        yield f"retentionInDays is {days}; at least {p['minimum_days']} is required"


@control(
    "MCS-LOG-005",
    "Diagnostic settings collect all logs",
    area=AREA,
    types=[DIAGNOSTIC],
    severity=Severity.MEDIUM,
    cis_v8=["8.2"],
    cis_azure="5.1.2",
    psrule=["Azure.KeyVault.Logs"],
    mcsb=["LT-3"],
    rationale="A setting that sends metrics only leaves no audit trail.",
    fix="Enable the allLogs (or audit) category group.",
)
def all_logs(r: Resource, p: Mapping[str, Any]) -> Iterator[str]:
    logs = [entry for entry in mappings(r.get("logs")) if entry.get("enabled")]
    if not any(str(entry.get("categoryGroup", "")).lower() in ("alllogs", "audit") for entry in logs):
        yield "no enabled allLogs/audit category group"


VNET = "azure-native:network:VirtualNetwork"
FLOW_LOG = "azure-native:network:FlowLog"
TRAFFIC_ANALYTICS = "flowAnalyticsConfiguration.networkWatcherFlowAnalyticsConfiguration"


def _flow_log_problems(log: Resource, minimum_days: int, workspaces: set[str]) -> Iterator[str]:
    """What keeps one flow log short of the standard (an unknown value raises, for that VNet alone)."""
    name = log.azure_name("flowLogName")
    if log.known("enabled") is not True:
        yield f"flow log {name} is not enabled"
    if log.known("retentionPolicy.enabled") is not True:
        yield f"flow log {name} keeps its records without a retention policy (retentionPolicy.enabled is not true)"
    else:
        days = log.number("retentionPolicy.days") or 0
        if 0 < days < minimum_days:  # Azure reads 0 as "keep forever"
            yield f"flow log {name} keeps its records {days} days; at least {minimum_days} are required"
    analytics = log.known(TRAFFIC_ANALYTICS) or {}
    target = (id_segment(analytics.get("workspaceResourceId"), "workspaces") or "").lower()
    if analytics.get("enabled") is not True:
        yield f"flow log {name} has no traffic analytics"
    elif workspaces and target not in workspaces:
        yield f"flow log {name} sends its traffic analytics to {target or 'no workspace'}, not the hub workspace"


@control(
    "MCS-LOG-007",
    "Every virtual network has an enabled flow log, kept at least 90 days, with traffic analytics to the hub workspace",
    area=AREA,
    types=[VNET, FLOW_LOG],
    severity=Severity.HIGH,
    cis_v8=["8.2", "13.6", "8.10"],
    checkov=["CKV_AZURE_12"],
    mcsb=["LT-4"],
    scope="stack",
    rationale="After an incident the first question is which machine talked to which, when: only flow records "
    "answer it, NSG rule events do not. Virtual network flow logs (NSG flow logs are retired) record every "
    "flow of the VNet; traffic analytics puts them next to the other logs in the hub workspace.",
    fix="Give the VNet a Microsoft.Network/networkWatchers/flowLogs resource targeting it: enabled, "
    "retentionPolicy enabled with at least the minimum days, traffic analytics enabled to the hub workspace "
    "(infra/flow_logs.py).",
    params={
        "minimum_days": Param(90, "integer", "Minimum flow log retention in days"),
        "hub_workspace_names": Param([], "array", "Names of the hub workspaces (from the hub if audited)"),
    },
)
def vnet_flow_logs(resources: Sequence[Resource], p: Mapping[str, Any]) -> Iterator[tuple[Resource, Message]]:
    workspaces = hub_workspaces(resources, p)
    logs: dict[tuple[str, str], list[Resource]] = {}
    pending: set[str] = set()  # stacks with a flow log whose target is not known yet (a first preview)
    for log in resources:
        if log.type != FLOW_LOG:
            continue
        target = log.get("targetResourceId")
        if is_unknown(target):
            pending.add(log.stack)
            continue
        vnet = (id_segment(target, "virtualNetworks") or "").lower()
        if vnet:  # a flow log of an NSG or a NIC logs no VNet
            logs.setdefault((log.stack, vnet), []).append(log)
    for r in resources:
        if r.type != VNET:
            continue
        mine = logs.get((r.stack, r.azure_name("virtualNetworkName").lower()), [])
        if not mine:
            if r.stack in pending:
                yield r, Unknown(f"the targetResourceId of a flow log in stack {r.stack}")
            else:
                yield r, f"{r.azure_name('virtualNetworkName')} has no flow log"
            continue
        for log in mine:
            try:
                for message in _flow_log_problems(log, int(p["minimum_days"]), workspaces):
                    yield log, message
            except UnknownValue as e:
                yield log, Unknown(e.path)


CONTROLS = (
    vault_diagnostics,
    keyvault_diagnostics,
    nsg_diagnostics,
    workspace_retention,
    all_logs,
    blob_diagnostics,
    vnet_flow_logs,
)
