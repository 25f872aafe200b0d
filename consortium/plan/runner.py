"""Running the Pulumi program offline: the SDK's mock runtime, a fake Azure, and plan records.

``consortium plan`` cannot reach Azure, the Pulumi CLI or any provider plugin, so it runs the
real program (:func:`infra.program.main`) in-process under ``pulumi.runtime`` mocks:

* :class:`RecordingMonitor` (a ``MockMonitor``) sees every ``RegisterResource`` and
  ``ReadResource`` request — type, name, parent, provider, dependencies and the inputs exactly as
  the engine would get them (camelCase wire names, SDK defaults included) — and keeps a
  :class:`ResourceRecord` of each, with secrets replaced by ``"[secret]"``;
* :class:`FakeAzure` answers like Azure would: resource ids in Azure resource-id form, principal
  and object ids, the firewall's private address (the fourth address of its subnet, as Azure
  assigns it), so that every dependent input is complete; an input that still depends on a value
  nobody filled shows up as ``"[unknown]"`` (the run is a preview) instead of silently vanishing;
* member stacks read the hub's outputs through a ``StackReference``; the fake answers it with the
  outputs of the offline hub plan, so a member's plan shows the hub's real (fake) ids.

The plan file's format is in :mod:`consortium.plan.records`.

Reads (the hub ``StackReference``) are records too, so dependencies always name a record.

Speed (see ``bench/plan_scale.py``). The SDK's default path costs about 25 ms of CPU per
azure-native resource; with ``fast=True`` (the default) the runner changes only work whose result
a plan never sees — aliases dropped, monitor calls answered inline, per-resource SDK overheads
skipped or memoised, one garbage collection per stack — all in :mod:`consortium.offline_fast`,
which lists them and why each is safe (``tests/infra`` compares both paths stack by stack).

Between runs the SDK's global state (root resource, RPC manager, outputs, config) is reset, so
any number of stacks can be planned in one process, and member stacks in parallel processes.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib
import importlib.util
import ipaddress
import json
import math
import multiprocessing
import sys
import uuid
from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext, suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar

import pulumi
from google.protobuf import json_format, struct_pb2
from pulumi.runtime import config as runtime_config
from pulumi.runtime import mocks, settings
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.stack import run_in_stack
from pulumi.runtime.sync_await import _sync_await

from consortium.paths import PROGRAM_DIR
from consortium.plan import fastpath
from consortium.plan.records import Plan, ResourceRecord, StackPlan
from consortium.registry.errors import InputError, Problem
from consortium.registry.load import Registry
from consortium.registry.stackconfig import (
    CONFIG_KEY,
    HUB_STACK,
    PROJECT,
    HubStack,
    MemberStack,
    hub_stack,
    member_stack,
)
from consortium.wire import RESOURCE_SIG, SECRET, SECRET_SIG, SIG_KEY, UNKNOWN, UNKNOWN_VALUE

ORGANIZATION = "organization"  # what a self-managed backend calls the organization

_STACK_TYPE = "pulumi:pulumi:Stack"
_STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference"
_PLACEHOLDER_SECRET = "offline-placeholder-not-a-real-key"


# --------------------------------------------------------------------------- wire values


def _plain(value: Any) -> Any:
    """A wire value as plain JSON: secrets masked, unknowns marked, integral floats as ints."""
    if isinstance(value, dict):
        sig = value.get(SIG_KEY)
        if sig == SECRET_SIG:
            return SECRET
        if sig == RESOURCE_SIG:
            return value.get("id") or value.get("urn")
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value == UNKNOWN_VALUE:
        return UNKNOWN
    return value


def _value_to_python(value: struct_pb2.Value) -> Any:
    """One wire value as :func:`_plain` would give it (the protobuf JSON printer's result, masked)."""
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        text = value.string_value
        return UNKNOWN if text == UNKNOWN_VALUE else text
    if kind == "number_value":
        number = value.number_value
        if math.isinf(number) or math.isnan(number):
            raise ValueError(f"not a JSON number: {number}")
        return int(number) if number.is_integer() else number
    if kind == "bool_value":
        return value.bool_value
    if kind == "struct_value":
        return _struct_to_python(value.struct_value)
    if kind == "list_value":
        return [_value_to_python(v) for v in value.list_value.values]
    return None


def _struct_to_python(struct: struct_pb2.Struct) -> Any:
    """``_plain(json_format.MessageToDict(struct))``, walking the message directly (several times
    faster; a test compares both). A struct carrying a signature (secret, resource reference, ...)
    goes through the original, so those stay exactly as :func:`_plain` treats them."""
    fields = struct.fields
    if SIG_KEY in fields:
        return _plain(json_format.MessageToDict(struct))
    return {key: _value_to_python(value) for key, value in fields.items()}


def _python_to_struct(values: dict[str, Any]) -> struct_pb2.Struct:
    out = struct_pb2.Struct()
    out.update(values)
    return out


def _provider_urn(reference: str) -> str | None:
    """A provider reference is ``<urn>::<id>``; URNs themselves contain ``::``."""
    return reference.rsplit("::", 1)[0] if reference else None


# --------------------------------------------------------------------------- the fake Azure


def _uuid(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "consortium-offline:" + "/".join(parts)))


# ARM resource-id templates by type token. ``{rg}`` is the resource group's id, the other
# placeholders are input wire names; the last one is the resource's Azure name.
_NET = "{rg}/providers/Microsoft.Network/"
_RSV = "{rg}/providers/Microsoft.RecoveryServices/vaults/{vaultName}"
_STORAGE = "{rg}/providers/Microsoft.Storage/storageAccounts/{accountName}"
ARM_IDS: dict[str, str] = {
    "azure-native:resources:ResourceGroup": "{rg}",
    "azure-native:network:VirtualNetwork": _NET + "virtualNetworks/{virtualNetworkName}",
    "azure-native:network:NetworkSecurityGroup": _NET + "networkSecurityGroups/{networkSecurityGroupName}",
    "azure-native:network:RouteTable": _NET + "routeTables/{routeTableName}",
    "azure-native:network:Route": _NET + "routeTables/{routeTableName}/routes/{routeName}",
    "azure-native:network:VirtualNetworkPeering": _NET
    + "virtualNetworks/{virtualNetworkName}/virtualNetworkPeerings/{virtualNetworkPeeringName}",
    "azure-native:network:PublicIPAddress": _NET + "publicIPAddresses/{publicIpAddressName}",
    "azure-native:network:FirewallPolicy": _NET + "firewallPolicies/{firewallPolicyName}",
    "azure-native:network:FirewallPolicyRuleCollectionGroup": _NET
    + "firewallPolicies/{firewallPolicyName}/ruleCollectionGroups/{ruleCollectionGroupName}",
    "azure-native:network:AzureFirewall": _NET + "azureFirewalls/{azureFirewallName}",
    "azure-native:network:VirtualNetworkGateway": _NET + "virtualNetworkGateways/{virtualNetworkGatewayName}",
    "azure-native:network:LocalNetworkGateway": _NET + "localNetworkGateways/{localNetworkGatewayName}",
    "azure-native:network:VirtualNetworkGatewayConnection": _NET + "connections/{virtualNetworkGatewayConnectionName}",
    "azure-native:network:VirtualNetworkGatewayNatRule": _NET
    + "virtualNetworkGateways/{virtualNetworkGatewayName}/natRules/{natRuleName}",
    "azure-native:network:PrivateEndpoint": _NET + "privateEndpoints/{privateEndpointName}",
    "azure-native:network:PrivateDnsZoneGroup": _NET
    + "privateEndpoints/{privateEndpointName}/privateDnsZoneGroups/{privateDnsZoneGroupName}",
    "azure-native:privatedns:PrivateZone": _NET + "privateDnsZones/{privateZoneName}",
    "azure-native:privatedns:VirtualNetworkLink": _NET
    + "privateDnsZones/{privateZoneName}/virtualNetworkLinks/{virtualNetworkLinkName}",
    "azure-native:operationalinsights:Workspace": "{rg}/providers/Microsoft.OperationalInsights/workspaces/"
    "{workspaceName}",
    "azure-native:keyvault:Vault": "{rg}/providers/Microsoft.KeyVault/vaults/{vaultName}",
    "azure-native:managedidentity:UserAssignedIdentity": "{rg}/providers/Microsoft.ManagedIdentity/"
    "userAssignedIdentities/{resourceName}",
    "azure-native:recoveryservices:Vault": _RSV,
    "azure-native:recoveryservices:ProtectionPolicy": _RSV + "/backupPolicies/{policyName}",
    "azure-native:storage:StorageAccount": _STORAGE,
    "azure-native:storage:BlobServiceProperties": _STORAGE + "/blobServices/{blobServicesName}",
    "azure-native:storage:BlobContainer": _STORAGE + "/blobServices/default/containers/{containerName}",
    "azure-native:authorization:RoleAssignment": "{scope}/providers/Microsoft.Authorization/roleAssignments/"
    "{roleAssignmentName}",
    "azure-native:authorization:RoleDefinition": "{scope}/providers/Microsoft.Authorization/roleDefinitions/"
    "{roleDefinitionId}",
    "azure-native:monitor:DiagnosticSetting": "{resourceUri}/providers/Microsoft.Insights/diagnosticSettings/{name}",
    "azure-native:consumption:Budget": "{scope}/providers/Microsoft.Consumption/budgets/{budgetName}",
}
# A type without a template (or whose template's inputs are unknown): an id that cannot pass for
# a real one. The type token and the Pulumi name are given explicitly, never taken from the inputs
# (a NAT rule's ``type`` input is ``Static``; templates' ``{name}`` is the ``name`` input if any).
FALLBACK_PROVIDER = "/providers/Offline.Unmodelled/"
_FALLBACK_ID = "{rg}" + FALLBACK_PROVIDER + "{token}/{pulumi_name}"


class FakeAzure:
    """Computed outputs the way Azure and Entra ID would fill them, deterministic for a consortium."""

    def __init__(self, consortium: str) -> None:
        self.consortium = consortium
        self.subscription_id = _uuid(consortium, "subscription")
        self.tenant_id = _uuid(consortium, "tenant")
        self.deployer_object_id = _uuid(consortium, "deployer")
        self._subnet_prefixes: dict[str, str] = {}
        self._provider_subscriptions: dict[str, str] = {}

    # ----------------------------------------------------------------- ids

    def resource_id(self, type_: str, name: str, inputs: dict[str, Any], provider: str | None) -> str:
        template = ARM_IDS.get(type_, _FALLBACK_ID)
        subscription = self._provider_subscriptions.get(provider or "", self.subscription_id)
        values = {"name": name, **{k: v for k, v in inputs.items() if isinstance(v, str)}}
        values["rg"] = f"/subscriptions/{subscription}/resourceGroups/{values.get('resourceGroupName', 'offline')}"
        values.update(token=type_.replace(":", "."), pulumi_name=name)
        try:
            return template.format(**values)
        except KeyError:
            return _FALLBACK_ID.format(**values)

    @staticmethod
    def azure_name(type_: str, resource_id: str) -> str:
        return resource_id.rstrip("/").rsplit("/", 1)[-1] if type_ in ARM_IDS else ""

    # ----------------------------------------------------------------- resources

    def new_resource(
        self, type_: str, name: str, inputs: dict[str, Any], provider: str | None, urn: str
    ) -> tuple[str, dict[str, Any]]:
        """Return ``(id, outputs)``: the inputs echoed back plus what Azure computes."""
        if type_.startswith("pulumi:providers:"):
            subscription = inputs.get("subscriptionId")
            if isinstance(subscription, str) and subscription != UNKNOWN:
                self._provider_subscriptions[f"{urn}::{_uuid(urn)}"] = subscription
            return _uuid(urn), dict(inputs)
        if type_.startswith("azuread:"):
            object_id = _uuid(self.consortium, type_, name)
            return object_id, {**inputs, "id": object_id, "objectId": object_id}
        if not type_.startswith("azure-native:"):
            return _uuid(urn), dict(inputs)

        rid = self.resource_id(type_, name, inputs, provider)
        out: dict[str, Any] = {**inputs, "id": rid, "name": self.azure_name(type_, rid) or name}
        out["azureApiVersion"] = "offline"
        extra = self._computed.get(type_)
        if extra is not None:
            extra(self, rid, inputs, out)
        return rid, out

    def _vnet(self, rid: str, inputs: dict[str, Any], out: dict[str, Any]) -> None:
        subnets = []
        for subnet in inputs.get("subnets") or []:
            subnet_id = f"{rid}/subnets/{subnet.get('name')}"
            self._subnet_prefixes[subnet_id] = subnet.get("addressPrefix", "")
            subnets.append({**subnet, "id": subnet_id})
        out["subnets"] = subnets

    def _firewall(self, rid: str, inputs: dict[str, Any], out: dict[str, Any]) -> None:
        configs = []
        for config in inputs.get("ipConfigurations") or []:
            prefix = self._subnet_prefixes.get((config.get("subnet") or {}).get("id", ""))
            # Azure gives the firewall the first address it does not reserve: the subnet's fourth.
            private_ip = str(ipaddress.ip_network(prefix)[4]) if prefix else UNKNOWN
            configs.append({**config, "privateIPAddress": private_ip})
        out["ipConfigurations"] = configs

    def _identity(self, rid: str, inputs: dict[str, Any], out: dict[str, Any]) -> None:
        out.update(principalId=_uuid(rid, "principal"), clientId=_uuid(rid, "client"), tenantId=self.tenant_id)

    def _system_identity(self, rid: str, inputs: dict[str, Any], out: dict[str, Any]) -> None:
        if inputs.get("identity"):
            out["identity"] = {
                **inputs["identity"],
                "principalId": _uuid(rid, "principal"),
                "tenantId": self.tenant_id,
            }

    def _key_vault(self, rid: str, inputs: dict[str, Any], out: dict[str, Any]) -> None:
        properties = dict(inputs.get("properties") or {})
        properties["vaultUri"] = f"https://{self.azure_name('azure-native:keyvault:Vault', rid)}.vault.azure.net/"
        out["properties"] = properties

    def _workspace(self, rid: str, inputs: dict[str, Any], out: dict[str, Any]) -> None:
        out["customerId"] = _uuid(rid, "customer")

    def _storage(self, rid: str, inputs: dict[str, Any], out: dict[str, Any]) -> None:
        account = self.azure_name("azure-native:storage:StorageAccount", rid)
        out["primaryEndpoints"] = {
            kind: f"https://{account}.{kind}.core.windows.net/" for kind in ("blob", "file", "queue", "table")
        }

    def _public_ip(self, rid: str, inputs: dict[str, Any], out: dict[str, Any]) -> None:
        # Documentation range (RFC 5737): realistic shape, never a real address.
        out["ipAddress"] = f"203.0.113.{int(hashlib.sha256(rid.encode()).hexdigest(), 16) % 254 + 1}"

    _computed: ClassVar[dict[str, Callable[[FakeAzure, str, dict[str, Any], dict[str, Any]], None]]] = {
        "azure-native:network:VirtualNetwork": _vnet,
        "azure-native:network:AzureFirewall": _firewall,
        "azure-native:managedidentity:UserAssignedIdentity": _identity,
        "azure-native:recoveryservices:Vault": _system_identity,
        "azure-native:keyvault:Vault": _key_vault,
        "azure-native:operationalinsights:Workspace": _workspace,
        "azure-native:storage:StorageAccount": _storage,
        "azure-native:network:PublicIPAddress": _public_ip,
    }

    # ----------------------------------------------------------------- invokes

    def call(self, token: str, args: dict[str, Any]) -> dict[str, Any]:
        if token == "azure-native:authorization:getClientConfig":
            return {
                "clientId": _uuid(self.consortium, "deployer-app"),
                "objectId": self.deployer_object_id,
                "subscriptionId": self.subscription_id,
                "tenantId": self.tenant_id,
            }
        if token == "azuread:index/getClientConfig:getClientConfig":
            return {
                "clientId": _uuid(self.consortium, "deployer-app"),
                "objectId": self.deployer_object_id,
                "tenantId": self.tenant_id,
            }
        if token == "azuread:index/getUsers:getUsers":
            upns = list(args.get("userPrincipalNames") or [])
            ids = [_uuid(self.consortium, "user", upn.lower()) for upn in upns]
            return {
                "id": _uuid(self.consortium, "users", *upns),
                "objectIds": ids,
                "userPrincipalNames": upns,
                "mailNicknames": [upn.split("@")[0] for upn in upns],
                "mails": upns,
                "employeeIds": ["" for _ in upns],
                "users": [
                    {
                        "objectId": oid,
                        "userPrincipalName": upn,
                        "mailNickname": upn.split("@")[0],
                        "mail": upn,
                        "displayName": upn.split("@")[0],
                        "accountEnabled": True,
                        "employeeId": "",
                        "onpremisesImmutableId": "",
                        "onpremisesSamAccountName": "",
                        "onpremisesUserPrincipalName": "",
                        "usageLocation": "US",
                    }
                    for oid, upn in zip(ids, upns, strict=True)
                ],
            }
        raise NotImplementedError(
            f"the offline runner has no fake answer for the invoke {token}; add one to FakeAzure.call"
        )


# --------------------------------------------------------------------------- the mock monitor


class _NoMocks(mocks.Mocks):
    """Every request is answered by :class:`RecordingMonitor` itself; these are never reached."""

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        raise AssertionError("RecordingMonitor answers new_resource")

    def call(self, args: mocks.MockCallArgs) -> dict[str, Any]:
        raise AssertionError("RecordingMonitor answers call")


class RecordingMonitor(mocks.MockMonitor):
    """Observe every request of the program; answer from :class:`FakeAzure`."""

    def __init__(self, stack: str, member: str | None, fake: FakeAzure, hub_outputs: dict[str, Any]) -> None:
        super().__init__(_NoMocks())
        self.stack = stack
        self.member = member
        self.fake = fake
        self.hub_outputs = hub_outputs
        self.records: list[ResourceRecord] = []

    def _record(self, urn: str, id_: str | None, request: Any, inputs: dict[str, Any], custom: bool) -> None:
        self.records.append(
            ResourceRecord(
                stack=self.stack,
                member=self.member,
                urn=urn,
                id=id_,
                type=request.type,
                name=request.name,
                custom=custom,
                parent=request.parent or None,
                provider=_provider_urn(request.provider),
                dependencies=tuple(sorted(set(getattr(request, "dependencies", ())))),
                inputs=inputs,
                ignore_changes=tuple(sorted(set(getattr(request, "ignoreChanges", ())))),
            )
        )

    def RegisterResource(self, request: Any) -> Any:
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == _STACK_TYPE:
            return resource_pb2.RegisterResourceResponse(urn=urn)
        inputs = _struct_to_python(request.object)
        if not request.custom:
            self._record(urn, None, request, inputs, False)
            return resource_pb2.RegisterResourceResponse(urn=urn, object=_python_to_struct({}))
        id_, outputs = self.fake.new_resource(request.type, request.name, inputs, request.provider, urn)
        self._record(urn, id_, request, inputs, True)
        response = resource_pb2.RegisterResourceResponse(urn=urn, id=id_)
        response.object.update(outputs)  # in place: a Struct passed to the constructor would be copied
        return response

    def ReadResource(self, request: Any) -> Any:
        """Only the hub's StackReference is ever read; it is answered with the hub plan's outputs."""
        if request.type != _STACK_REFERENCE_TYPE:
            raise NotImplementedError(f"the offline runner cannot read {request.type} resources")
        urn = self.make_urn(request.parent, request.type, request.name)
        self._record(urn, request.id, request, {"name": request.id}, True)
        state = {"name": request.id, "outputs": self.hub_outputs, "secretOutputNames": []}
        return resource_pb2.ReadResourceResponse(urn=urn, properties=_python_to_struct(state))

    def Invoke(self, request: Any) -> Any:
        result = self.fake.call(request.tok, _struct_to_python(request.args))
        return resource_pb2.ResourceInvokeResponse(**{"return": _python_to_struct(result)})


# --------------------------------------------------------------------------- running the program


def load_program() -> ModuleType:
    """Import ``infra.program`` from the toolkit's checkout (``infra/`` is not an installed package)."""
    existing = sys.modules.get("infra")
    if existing is None:
        spec = importlib.util.spec_from_file_location(
            "infra", PROGRAM_DIR / "__init__.py", submodule_search_locations=[str(PROGRAM_DIR)]
        )
        if spec is None or spec.loader is None:
            raise InputError([Problem(str(PROGRAM_DIR), "", "the Pulumi program (infra/) is missing")])
        module = importlib.util.module_from_spec(spec)
        sys.modules["infra"] = module
        spec.loader.exec_module(module)
    elif Path(existing.__file__ or "").resolve().parent != PROGRAM_DIR:
        raise RuntimeError(f"a different 'infra' package is already imported: {existing.__file__}")
    return importlib.import_module("infra.program")


def stack_name(config: HubStack | MemberStack) -> str:
    return HUB_STACK if isinstance(config, HubStack) else config.member.slug


BUDGET_START_KEY = "budget-start"  # infra.program.BUDGET_START_KEY (a test keeps the two equal)


def stack_config(config: HubStack | MemberStack, budget_start: date | None = None) -> tuple[dict[str, str], list[str]]:
    """The config the program would read from ``stacks/Pulumi.<stack>.yaml``, and its secret keys.

    The VPN shared keys (set with ``pulumi config set --secret``, never rendered) get a placeholder
    marked secret, so the program reads them as secrets and the plan shows ``"[secret]"``. The
    budget start is pinned (default: the first of the current month) so a plan is reproducible.
    """
    values = {
        f"{PROJECT}:{CONFIG_KEY}": json.dumps(config.model_dump(mode="json")),
        "azure-native:location": config.location,
    }
    secret_keys = []
    if isinstance(config, MemberStack):
        for key in sorted(config.vpn_secret_keys.values()):
            values[f"{PROJECT}:{key}"] = _PLACEHOLDER_SECRET
            secret_keys.append(f"{PROJECT}:{key}")
    start = budget_start or datetime.now(UTC).date().replace(day=1)
    values[f"{PROJECT}:{BUDGET_START_KEY}"] = start.isoformat()
    return values, secret_keys


def plan_stack(
    config: HubStack | MemberStack,
    *,
    hub_outputs: dict[str, Any] | None = None,
    budget_start: date | None = None,
    fast: bool = True,
    program: Callable[[], None] | None = None,
) -> StackPlan:
    """Run the program for one stack under the mock runtime; return what it would register.

    ``hub_outputs`` answers the member's ``StackReference`` (normally the hub plan's outputs);
    ``program`` replaces :func:`infra.program.main` (tests of single components use it);
    ``fast=False`` is the SDK's default path (for comparison: same records, much slower).
    """
    main = program or load_program().main
    name = stack_name(config)
    member = None if isinstance(config, HubStack) else config.member.slug
    fake = FakeAzure(config.consortium.slug)
    monitor = RecordingMonitor(name, member, fake, dict(hub_outputs or {}))

    # What ``set_mocks`` does, minus creating a root stack: ``run_in_stack`` creates a fresh one,
    # and a fresh MockSettings brings a fresh RPC manager, so nothing of a previous run is reused.
    settings.configure(
        mocks.MockSettings(
            monitor=monitor,
            monitor_features=set(monitor.GetDeploymentInfo(None).supportedFeatures),
            engine=mocks.MockEngine(None),
            project=PROJECT,
            stack=name,
            dry_run=True,
            organization=ORGANIZATION,
            callbacks=None,
        )
    )
    settings.SETTINGS.outputs.clear()
    settings.ROOT.set(None)
    runtime_config.set_all_config(*stack_config(config, budget_start))

    exports: dict[str, Any] = {}

    async def run() -> None:
        if fast:
            pulumi.runtime.register_stack_transformation(fastpath.drop_aliases)
        main()
        root = settings.get_root_resource()
        if root is not None:
            pulumi.Output.from_input(dict(root.outputs)).apply(exports.update)
        if fast:
            await fastpath.settle()

    try:
        with fastpath.event_loop(inline=fast):
            if fast:
                with fastpath.collect_stack(), fastpath.sdk_shortcuts():
                    _sync_await(run_in_stack(run))
            else:
                _sync_await(run_in_stack(run))
    finally:
        settings.ROOT.set(None)
        runtime_config.set_all_config({}, [])
    records = tuple(sorted(monitor.records, key=lambda r: r.urn))
    return StackPlan(name, member, records, json.loads(json.dumps(exports)))


# --------------------------------------------------------------------------- whole registries

_HUB_CACHE: dict[str, StackPlan] = {}


def plan_hub(registry: Registry, *, budget_start: date | None = None, fast: bool = True) -> StackPlan:
    """The hub's plan, computed once per process and configuration (members read its outputs)."""
    config = hub_stack(registry)
    key = json.dumps([config.model_dump(mode="json"), str(budget_start), fast])
    if key not in _HUB_CACHE:
        _HUB_CACHE[key] = plan_stack(config, budget_start=budget_start, fast=fast)
    return _HUB_CACHE[key]


def select_members(registry: Registry, slugs: Iterable[str] | None) -> list[str]:
    """The members to plan, in slug order; every unknown slug is reported (one line each)."""
    chosen = registry.members if slugs is None else registry.select(slugs)
    return sorted(e.member.slug for e in chosen)


def _plan_members(
    registry: Registry,
    slugs: Sequence[str],
    hub_outputs: dict[str, Any],
    budget_start: date | None,
    fast: bool,
) -> list[StackPlan]:
    return [
        plan_stack(
            member_stack(registry, registry.entry(slug).member),
            hub_outputs=hub_outputs,
            budget_start=budget_start,
            fast=fast,
        )
        for slug in slugs
    ]


@dataclass(frozen=True)
class _Job:
    """What every worker needs besides its members; sent once per worker, not once per chunk."""

    registry: Registry
    hub_outputs: dict[str, Any]
    budget_start: date | None
    fast: bool
    stacks_per_worker: int


# Per worker process (set by its initializer; never used in the parent): its job, and its copy of
# the parent's event loop, kept referenced so that it is never closed.
_WORKER_STATE: dict[str, Any] = {}


def _worker_init(job: _Job) -> None:
    """Remember the job, and give the forked worker its own event loop.

    The parent's loop must not be reused (its executor threads did not fork) and must not be
    closed either: its epoll instance is shared with the parent, and closing it here would
    unregister the parent's wake-up pipe (the parent's next plan would then wait forever).
    """
    _WORKER_STATE["job"] = job
    if job.fast:
        fastpath.start_worker_session(job.stacks_per_worker)
    with suppress(RuntimeError):
        _WORKER_STATE["inherited_loop"] = asyncio.get_event_loop()
    asyncio.set_event_loop(asyncio.new_event_loop())


def _worker(slugs: list[str]) -> list[StackPlan]:
    job: _Job = _WORKER_STATE["job"]
    return _plan_members(job.registry, slugs, job.hub_outputs, job.budget_start, job.fast)


def _chunks(slugs: list[str], jobs: int) -> list[list[str]]:
    """Small chunks, handed out as workers free up: members differ a lot in size (phase 1: 4
    resources, phase 4: 40+), so fixed equal shares would leave one process idle early."""
    size = max(1, len(slugs) // (jobs * 8))
    return [slugs[i : i + size] for i in range(0, len(slugs), size)]


def plan_registry(
    registry: Registry,
    members: Iterable[str] | None = None,
    *,
    include_hub: bool = True,
    budget_start: date | None = None,
    fast: bool = True,
    jobs: int = 1,
) -> Plan:
    """Plan the hub (if asked) and the given members (all when ``members`` is None).

    Member stacks are independent once the hub's outputs are known, so with ``jobs > 1`` they are
    planned in that many forked processes, which take small chunks of members as they free up.
    The result does not depend on ``jobs``: stacks and records are sorted.
    """
    slugs = select_members(registry, members)
    jobs = max(1, min(jobs, len(slugs)))
    with fastpath.collector_session() if fast else nullcontext():
        hub = plan_hub(registry, budget_start=budget_start, fast=fast) if (slugs or include_hub) else None
        hub_outputs = hub.outputs if hub else {}
        if jobs == 1:
            plans = _plan_members(registry, slugs, hub_outputs, budget_start, fast)
        else:
            job = _Job(registry, hub_outputs, budget_start, fast, -(-len(slugs) // jobs))
            context = multiprocessing.get_context("fork")
            with context.Pool(jobs, initializer=_worker_init, initargs=(job,)) as pool:
                plans = [p for chunk in pool.imap_unordered(_worker, _chunks(slugs, jobs)) for p in chunk]
    plans.sort(key=lambda p: p.stack)
    stacks = ([hub] if include_hub and hub else []) + plans
    return Plan(registry.consortium.slug, tuple(stacks))
