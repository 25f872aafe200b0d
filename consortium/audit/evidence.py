"""Host evidence: the JSON ``playbooks/baseline_audit.yml`` writes per host, tied to its member."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from consortium.audit.deliberate import DeliberateRules, mark_deliberate, read_deliberate
from consortium.audit.scanner_evidence import ScannerEvidence, read_scanners
from consortium.paths import ROLES_DIR
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
    # what Lynis / OpenSCAP said, when the audit ran them (its opt-in); None otherwise
    scanners: ScannerEvidence | None = None

    @property
    def failing(self) -> list[HostControl]:
        return [c for c in self.controls if c.status in HOST_FAILING]

    @property
    def not_applicable(self) -> list[HostControl]:
        return [c for c in self.controls if c.status == "not_applicable"]


def _optional(doc: dict[str, Any], key: str, kind: type, shown: str, field: str) -> Any:
    """``doc[key]`` if present and not null, which must then be a ``kind``; None otherwise."""
    value = doc.get(key)
    if value is not None and not isinstance(value, kind):
        raise fail(shown, field, f"expected {_KIND_NAMES[kind]}, got {_json_type(value)}")
    return value


_KIND_NAMES = {str: "a string", bool: "true or false", list: "a list of strings", dict: "an object"}


def _json_type(value: Any) -> str:
    kinds = {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list", dict: "an object"}
    return kinds.get(type(value), type(value).__name__)


def _control(cid: str, c: Any, shown: str) -> HostControl:
    """One control of an evidence file, every field of the type the baseline audit writes."""
    if not isinstance(c, dict) or c.get("status") not in HOST_STATUSES:
        raise fail(shown, f"controls.{cid}.status", f"expected one of {', '.join(HOST_STATUSES)}")
    title = _optional(c, "title", str, shown, f"controls.{cid}.title")
    safeguards = _optional(c, "safeguards", list, shown, f"controls.{cid}.safeguards") or []
    for i, s in enumerate(safeguards):
        if not isinstance(s, str):
            raise fail(shown, f"controls.{cid}.safeguards[{i}]", f"expected a string, got {_json_type(s)}")
    reason = _optional(c, "reason", str, shown, f"controls.{cid}.reason")
    return HostControl(cid, title or "", c["status"], tuple(safeguards), reason or "")


def load_evidence(folder: Path, registry: Registry | None, roles_dir: Path = ROLES_DIR) -> list[HostEvidence]:
    """Every ``<host>.json`` the baseline audit wrote in ``folder``, tied to its member.

    Every field is checked for the type the baseline audit writes: a ``reachable`` of ``"false"``
    (a string, truthy) must not count as a reachable host. Scanner findings the roles' controls.yml
    (in ``roles_dir``) calls deliberate are set apart, with the reason.
    """
    deliberate: DeliberateRules | None = None  # read once, and only when a host has scanner evidence
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
        reachable = _optional(doc, "reachable", bool, shown, "reachable")
        controls = [_control(cid, c, shown) for cid, c in sorted(doc["controls"].items())]
        scanners = read_scanners(doc.get("scanners"), shown)
        if scanners is not None:
            deliberate = read_deliberate(roles_dir) if deliberate is None else deliberate
            scanners = mark_deliberate(scanners, deliberate)
        hosts.append(
            HostEvidence(
                doc["host"], owner.get(doc["host"], "unknown"), reachable is not False, tuple(controls), scanners
            )
        )
    if not hosts:
        raise fail(str(folder), "", "holds no baseline evidence (*.json)")
    return hosts
