"""Host evidence: the JSON ``playbooks/baseline_audit.yml`` writes per host, tied to its member."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from consortium.registry.errors import fail
from consortium.registry.files import read_json
from consortium.registry.load import Registry

HOST_FAILING = ("drift", "error", "unreachable")
# not_applicable: the role found the control does not apply to the host (the evidence says why);
# like not_checked it is no failure, and unlike compliant it claims nothing was verified.
HOST_STATUSES = ("compliant", "not_applicable", "not_checked", *HOST_FAILING)


@dataclass(frozen=True)
class HostControl:
    """One baseline control on one host, as its evidence reports it."""

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
