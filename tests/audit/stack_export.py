"""Write `pulumi stack export` files (deployment version 3) from plan records, as the engine would.

Used to build realistic deployed-state fixtures offline: every resource gets its Azure id, the
engine's bookkeeping (custom, provider reference, dependencies, timestamps), inputs, and *outputs*
shaped like Azure's: path parameters (``resourceGroupName``, ``accountName`` ...) are not outputs,
``id``/``name``/``type``/``provisioningState`` are, and secrets are stored encrypted under
Pulumi's secret signature.
"""

from __future__ import annotations

import copy
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from consortium.wire import SECRET, SECRET_SIG, SIG_KEY

STAMP = "2026-11-02T09:30:00.000000Z"
PROVIDER_ID = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
# Inputs that name the resource or its parents in the request path: not part of the outputs.
PATH_PARAMS = {
    "resourceGroupName",
    "accountName",
    "vaultName",
    "virtualNetworkName",
    "networkSecurityGroupName",
    "routeTableName",
    "workspaceName",
    "policyName",
    "containerName",
    "blobServicesName",
    "virtualNetworkPeeringName",
    "virtualNetworkGatewayConnectionName",
    "localNetworkGatewayName",
    "publicIpAddressName",
    "azureFirewallName",
    "firewallPolicyName",
    "ruleCollectionGroupName",
    "virtualNetworkGatewayName",
    "privateZoneName",
    "resourceName",
    "budgetName",
    "roleAssignmentName",
    "routeName",
    "scope",
    "resourceUri",
    "subnetName",
}
KEEP_AS_OUTPUT = {"scope"}  # role assignments report their scope


def _secretize(value: Any) -> Any:
    if value == SECRET:
        return {SIG_KEY: SECRET_SIG, "ciphertext": "v1:c2FsdA==:v1:8rW1Hq2mC3x9kQ=="}
    if isinstance(value, dict):
        return {k: _secretize(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_secretize(v) for v in value]
    return value


def _outputs(rec: dict[str, Any], rid: str) -> dict[str, Any]:
    inputs = copy.deepcopy(rec["inputs"])
    out = {k: v for k, v in inputs.items() if k not in PATH_PARAMS or k in KEEP_AS_OUTPUT}
    out.update(id=rid, name=rid.rsplit("/", 1)[-1], provisioningState="Succeeded")
    if rec["type"].startswith("azure-native:"):
        out["type"] = rec["type"].split(":")[1]
    if rec["type"] == "azuread:index/group:Group":
        out["objectId"] = rid
    if rec["type"] == "azure-native:network:NetworkSecurityGroup":
        for rule in out.get("securityRules", []):
            rule.update(
                id=f"{rid}/securityRules/{rule.get('name')}",
                provisioningState="Succeeded",
                type="Microsoft.Network/networkSecurityGroups/securityRules",
            )
    return _secretize(out)


def export(records: list[dict[str, Any]], stack: str) -> dict[str, Any]:
    """One stack's export document."""
    mine = sorted((r for r in records if r["stack"] == stack), key=lambda r: r["urn"])
    root = f"urn:pulumi:{stack}::consortium::pulumi:pulumi:Stack::consortium-{stack}"
    default_provider = f"urn:pulumi:{stack}::consortium::pulumi:providers:azure-native::default_3_29_0"
    resources: list[dict[str, Any]] = [
        {
            "urn": root,
            "custom": False,
            "type": "pulumi:pulumi:Stack",
            "outputs": {},
            "created": STAMP,
            "modified": STAMP,
        },
        {
            "urn": default_provider,
            "custom": True,
            "id": PROVIDER_ID,
            "type": "pulumi:providers:azure-native",
            "inputs": {"version": "3.29.0"},
            "outputs": {"version": "3.29.0"},
            "created": STAMP,
            "modified": STAMP,
        },
    ]
    for rec in mine:
        entry: dict[str, Any] = {
            "urn": rec["urn"],
            "custom": rec.get("custom", True),
            "type": rec["type"],
            "parent": rec.get("parent") or root,
        }
        if entry["custom"]:
            rid = rec.get("id") or f"/subscriptions/unknown/{rec['name']}"
            entry.update(
                id=rid,
                inputs=_secretize(copy.deepcopy(rec["inputs"])),
                outputs=_outputs(rec, rid),
                provider=f"{rec.get('provider') or default_provider}::{PROVIDER_ID}",
                dependencies=rec.get("dependencies", []),
                propertyDependencies={},
            )
        else:
            entry.update(outputs={})
        entry.update(created=STAMP, modified=STAMP)
        resources.append(entry)
    return {
        "version": 3,
        "deployment": {
            "manifest": {
                "time": STAMP,
                "magic": "0d3a1f1b3e2bc1b85b0ad3f2a8f9ce8f45c4a1e4c7e9f1f0e2a6d0b7c5e3f2a1",
                "version": "v3.205.0",
            },
            "secrets_providers": {"type": "passphrase", "state": {"salt": "v1:Tm90QVNhbHQ=:v1:AAAA"}},
            "resources": resources,
        },
    }


def write_exports(records: list[dict[str, Any]], folder: Path) -> list[Path]:
    """One ``<stack>.json`` per stack, as an auditor receives them."""
    folder.mkdir(parents=True, exist_ok=True)
    stacks: dict[str, int] = defaultdict(int)
    for r in records:
        stacks[r["stack"]] += 1
    paths = []
    for stack in sorted(stacks):
        path = folder / f"{stack}.json"
        path.write_text(json.dumps(export(records, stack), indent=1, sort_keys=True) + "\n")
        paths.append(path)
    return paths
