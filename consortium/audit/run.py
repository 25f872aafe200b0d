"""``consortium audit``: the policy catalog run in-process on plans or deployed state.

Sources: an offline plan (``consortium plan --json``), or ``pulumi stack export`` files (deployment
version 3; deployed state is judged by its *outputs*, what Azure reports, not by what the program
asked for). Several exports are audited together so that the isolation controls see every member
at once. Parameters of the controls come from the registry (the consortium's minimum retention, its
supernet, each member's range ...), so the auditor never retypes them.

Exemptions (``exemptions.yaml``) turn a matching violation into "exempted"; an expired exemption is
itself a failure, and one that matches nothing is a warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

from consortium.plan.records import plan_records
from consortium.registry import naming
from consortium.registry.errors import InputError, Problem, fail
from consortium.registry.files import read_json
from consortium.registry.ipam import WORKLOAD_SUBNETS, hub_subnets
from consortium.registry.load import Registry, parse_model
from consortium.registry.models import Exemption, ExemptionsFile, Service
from consortium.registry.safeyaml import load_mapping
from policies.catalog import CATALOG
from policies.framework import Check, Control, Enforcement, Evaluation, Finding, Resource, evaluate, stack_of

EXEMPTIONS_FILE = "exemptions.yaml"


# --------------------------------------------------------------------------- loading sources


def _require(record: Any, keys: tuple[str, ...], shown: str, where: str) -> None:
    if not isinstance(record, dict):
        raise fail(shown, where, "expected an object")
    for key in keys:
        if key not in record:
            raise fail(shown, f"{where}.{key}", "missing")
        if not isinstance(record[key], str):
            raise fail(shown, f"{where}.{key}", f"expected a string, got {type(record[key]).__name__}")


def load_plan(path: Path) -> list[Resource]:
    """Resources of a ``consortium plan`` JSON file, judged by their inputs."""
    _, records = plan_records(read_json(path, str(path)), str(path))
    return [
        Resource(
            urn=rec["urn"],
            type=rec["type"],
            name=rec["name"],
            stack=rec["stack"],
            member=rec.get("member"),
            props=rec.get("inputs", {}),
            parent=rec.get("parent"),
            id=rec.get("id"),
        )
        for rec in records
    ]


def _name_of(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def load_state_file(path: Path) -> list[Resource]:
    """Resources of one ``pulumi stack export`` (deployment version 3), judged by their outputs."""
    shown = str(path)
    doc = read_json(path, shown)
    if not isinstance(doc, dict) or "deployment" not in doc:
        raise fail(shown, "deployment", "missing: not a `pulumi stack export` file")
    if doc.get("version") != 3:
        raise fail(shown, "version", f"deployment version {doc.get('version')!r} is not supported (expected 3)")
    resources = (doc["deployment"] or {}).get("resources") if isinstance(doc["deployment"], dict) else None
    if not isinstance(resources, list):
        raise fail(shown, "deployment.resources", "expected a list")
    out = []
    for i, rec in enumerate(resources):
        _require(rec, ("urn", "type"), shown, f"deployment.resources[{i}]")
        stack = stack_of(rec["urn"])
        if not stack:
            raise fail(shown, f"deployment.resources[{i}].urn", f"not a Pulumi URN: {rec['urn'][:80]}")
        outputs = rec.get("outputs")
        outputs = {} if outputs is None else outputs
        if not isinstance(outputs, dict):
            raise fail(shown, f"deployment.resources[{i}].outputs", "expected an object")
        out.append(
            Resource(
                urn=rec["urn"],
                type=rec["type"],
                name=_name_of(rec["urn"]),
                stack=stack,
                member=None if stack == "hub" else stack,
                props=outputs,
                parent=rec.get("parent"),
                id=rec.get("id"),
            )
        )
    return out


def load_states(paths: list[Path]) -> list[Resource]:
    """Every export given (a directory means each ``*.json`` in it); a stack may appear only once."""
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            found = sorted(p.glob("*.json"))
            if not found:
                raise fail(str(p), "", "directory holds no *.json stack exports")
            files.extend(found)
        else:
            files.append(p)
    resources: list[Resource] = []
    owner: dict[str, str] = {}
    for f in files:
        loaded = load_state_file(f)
        for stack in sorted({r.stack for r in loaded}):
            if stack in owner:
                raise fail(str(f), "", f"stack {stack} is also in {owner[stack]}")
            owner[stack] = str(f)
        resources.extend(loaded)
    return resources


# --------------------------------------------------------------------------- host evidence

HOST_FAILING = ("drift", "error", "unreachable")
# not_applicable: the role found the control does not apply to the host (the evidence says why);
# like not_checked it is no failure, and unlike compliant it claims nothing was verified.
HOST_STATUSES = ("compliant", "not_applicable", "not_checked", *HOST_FAILING)


@dataclass(frozen=True)
class HostControl:
    id: str
    title: str
    status: str
    safeguards: tuple[str, ...]
    reason: str = ""  # why the control is not applicable, or an error (where the run stopped), from the evidence


@dataclass(frozen=True)
class HostEvidence:
    """One host's baseline audit (``playbooks/baseline_audit.yml`` evidence JSON)."""

    host: str
    member: str  # from the registry's server list; "unknown" when no member lists the host
    reachable: bool
    controls: tuple[HostControl, ...]

    @property
    def failing(self) -> list[HostControl]:
        return [c for c in self.controls if c.status in HOST_FAILING]

    @property
    def not_applicable(self) -> list[HostControl]:
        return [c for c in self.controls if c.status == "not_applicable"]


def load_evidence(folder: Path, registry: Registry | None) -> list[HostEvidence]:
    """Every ``<host>.json`` the baseline audit wrote in ``folder``, tied to its member."""
    if not folder.is_dir():
        raise fail(str(folder), "", "not a directory of baseline evidence")
    owner = {s.name: e.member.slug for e in (registry.members if registry else ()) for s in e.member.servers}
    hosts = []
    for path in sorted(folder.glob("*.json")):
        shown = str(path)
        doc = read_json(path, shown)
        if not isinstance(doc, dict) or not isinstance(doc.get("host"), str):
            raise fail(shown, "host", "missing: not a baseline evidence file")
        if not isinstance(doc.get("controls"), dict):
            raise fail(shown, "controls", "expected an object")
        controls = []
        for cid, c in sorted(doc["controls"].items()):
            if not isinstance(c, dict) or c.get("status") not in HOST_STATUSES:
                raise fail(shown, f"controls.{cid}.status", f"expected one of {', '.join(HOST_STATUSES)}")
            controls.append(
                HostControl(
                    cid,
                    str(c.get("title", "")),
                    c["status"],
                    tuple(str(x) for x in c.get("safeguards") or ()),
                    str(c.get("reason") or ""),
                )
            )
        hosts.append(
            HostEvidence(
                doc["host"], owner.get(doc["host"], "unknown"), bool(doc.get("reachable", True)), tuple(controls)
            )
        )
    if not hosts:
        raise fail(str(folder), "", "holds no baseline evidence (*.json)")
    return hosts


# --------------------------------------------------------------------------- parameters


def registry_params(registry: Registry | None) -> dict[str, dict[str, Any]]:
    """Control parameters the registry knows, keyed by control id (unknown names are ignored)."""
    if registry is None:
        return {}
    c = registry.consortium
    values: dict[str, Any] = {
        "minimum_retention_days": c.backup.minimum_retention_days,
        "supernet": str(c.network.supernet),
        "firewall_subnet": str(hub_subnets(c.network.hub)["AzureFirewallSubnet"]),
        "member_ranges": {e.member.slug: [str(e.member.network.cidr)] for e in registry.members},
        # What the hub gateway sees of each town hall (translated where NAT), for members with site VPNs.
        "onprem_ranges": {
            e.member.slug: [str(n) for site in e.member.network.onprem for n in site.azure_cidrs]
            for e in registry.members
            if Service.NETWORKING in c.services_for(e.member.phase) and e.member.network.onprem
        },
        "consortium": c.slug,
        "phase_services": {str(p.phase): [s.value for s in p.services] for p in c.phases},
        "workload_subnets": list(WORKLOAD_SUBNETS),
        "hub_vnet_names": [naming.hub_vnet(c.slug)],
        "hub_workspace_names": [naming.hub_workspace(c.slug)],
    }
    return {ctrl.id: {k: v for k, v in values.items() if k in ctrl.params} for ctrl in CATALOG}


def pack_config(registry: Registry) -> dict[str, Any]:
    """The CrossGuard pack config with the registry's parameters (``--policy-pack-config``).

    Keys are policy names (``mcs-bak-005``); each value sets the enforcement level and the
    parameters, so ``pulumi preview --policy-pack policies`` judges with the same values as
    ``consortium audit``.
    """
    params = registry_params(registry)
    return {
        c.policy_name: {"enforcementLevel": c.enforcement.value, **params.get(c.id, {})}
        for c in CATALOG
        if c.crossguard
    }


# --------------------------------------------------------------------------- exemptions


def load_exemptions(path: Path, shown: str) -> list[Exemption]:
    if not path.is_file():
        return []
    data = load_mapping(path, shown)
    exemptions = parse_model(ExemptionsFile, data, shown).exemptions
    known = {c.id for c in CATALOG}
    bad = [
        Problem(shown, f"exemptions[{i}].control", f"{e.control} is not a control of the catalog")
        for i, e in enumerate(exemptions)
        if e.control not in known
    ]
    if bad:
        raise InputError(bad)
    return exemptions


def _matches(e: Exemption, f: Finding) -> bool:
    return e.control == f.control and e.member == f.member and e.resource in (None, f.resource_name)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Result:
    finding: Finding
    control: Control
    status: str  # "failed" (mandatory), "advisory", "exempted"
    exemption: Exemption | None = None


@dataclass
class Audit:
    source: str
    results: list[Result]
    checks: list[Check]
    expired: list[tuple[int, Exemption]] = field(default_factory=list)
    unused: list[tuple[int, Exemption]] = field(default_factory=list)
    today: date = field(default_factory=date.today)
    hosts: list[HostEvidence] = field(default_factory=list)

    @property
    def failed(self) -> list[Result]:
        return [r for r in self.results if r.status == "failed"]

    @property
    def exit_code(self) -> int:
        return 1 if self.failed or self.expired or any(h.failing for h in self.hosts) else 0

    def members(self) -> list[str]:
        return sorted(
            {c.member for c in self.checks} | {r.finding.member for r in self.results} | {h.member for h in self.hosts}
        )

    def score(self, member: str) -> tuple[int, int]:
        """(passed, total) checks of a member; a check fails on any violation that is not exempted."""
        return self._scores.get(member, (0, 0))

    @cached_property
    def _scores(self) -> dict[str, tuple[int, int]]:
        bad = {(r.finding.control, r.finding.urn) for r in self.results if r.status != "exempted"}
        bad_member = {(r.finding.control, r.finding.member) for r in self.results if r.status != "exempted"}
        totals: dict[str, list[int]] = {}
        for c in self.checks:
            counts = totals.setdefault(c.member, [0, 0])
            counts[1] += 1
            if not ((c.control, c.urn) in bad if c.urn else (c.control, c.member) in bad_member):
                counts[0] += 1
        return {m: (p, t) for m, (p, t) in totals.items()}


def run_audit(
    resources: list[Resource],
    *,
    source: str,
    registry: Registry | None,
    exemptions: list[Exemption],
    today: date | None = None,
    hosts: list[HostEvidence] | None = None,
) -> Audit:
    today = today or date.today()
    evaluation: Evaluation = evaluate(CATALOG, resources, registry_params(registry))
    controls = {c.id: c for c in CATALOG}
    active = [(i, e) for i, e in enumerate(exemptions) if e.expires >= today]
    expired = [(i, e) for i, e in enumerate(exemptions) if e.expires < today]
    used: set[int] = set()
    results = []
    for f in evaluation.findings:
        ctrl = controls[f.control]
        hit = next(((i, e) for i, e in active if _matches(e, f)), None)
        if hit:
            used.add(hit[0])
            results.append(Result(f, ctrl, "exempted", hit[1]))
        elif ctrl.enforcement == Enforcement.MANDATORY:
            results.append(Result(f, ctrl, "failed"))
        else:
            results.append(Result(f, ctrl, "advisory"))
    unused = [(i, e) for i, e in active if i not in used]
    return Audit(source, results, evaluation.checks, expired, unused, today, list(hosts or []))
