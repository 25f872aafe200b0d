"""Onboarding: give new members their address block, in their own file, without touching anyone else.

The new ``network.cidr`` is written into the member's file with a round-trip YAML editor, so the
operator's comments and key order survive. Everything is validated (the whole registry with the
new allocation, and the edited file parsed back) before the first byte is written.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from ipaddress import IPv4Network
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from .errors import InputError, Problem, fail
from .ipam import allocate
from .models import Member
from .registry import MEMBERS_DIR, Registry, load_member, load_registry, parse_model
from .safeyaml import parse_mapping, read_text


@dataclass(frozen=True)
class Allocation:
    path: str
    slug: str
    cidr: IPv4Network
    new: bool  # False: the member already had this block (onboarding is idempotent)


def _member_rel(root: Path, file: Path) -> str:
    """The registry-relative path of ``file``, which must be ``members/<name>.yaml`` in this registry."""
    shown = str(file)
    try:
        resolved = file.resolve()
        rel = resolved.relative_to(root / MEMBERS_DIR)
    except (ValueError, OSError):
        raise fail(
            shown, "", f"not a member file of this registry (expected {root / MEMBERS_DIR}/<slug>.yaml)"
        ) from None
    if len(rel.parts) != 1 or resolved.suffix != ".yaml":
        raise fail(shown, "", "member files are members/<slug>.yaml")
    return f"{MEMBERS_DIR}/{rel.name}"


def _with_cidr(text: str, rel: str, cidr: IPv4Network) -> str:
    """The member file's text with ``network.cidr`` set, keeping comments and key order."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    data = yaml.load(text)
    network = data.get("network")
    if network is None:
        keys = list(data)
        position = keys.index("admins") + 1 if "admins" in keys else len(keys)
        network = CommentedMap()
        data.insert(position, "network", network)
    if "cidr" in network:
        network["cidr"] = str(cidr)
    else:
        network.insert(0, "cidr", str(cidr))
    buf = io.StringIO()
    yaml.dump(data, buf)
    return buf.getvalue()


def onboard(root: Path, files: list[Path]) -> tuple[Registry, list[Allocation], dict[str, str]]:
    """Allocate blocks for ``files`` (in the order given) and return the registry as it will be.

    Returns the validated registry including the allocations, the allocations, and the new texts
    of the member files that change (``{rel: text}``). Nothing is written here.
    """
    root = root.resolve()
    rels = [_member_rel(root, f) for f in files]
    if len(set(rels)) != len(rels):
        raise InputError([Problem(r, "", "given more than once") for r in rels if rels.count(r) > 1])
    targets = {rel: load_member(root / rel, rel) for rel in rels}
    registry = load_registry(root, allow_unallocated=frozenset(m.slug for m in targets.values()))
    reserved = [registry.consortium.network.hub] + [
        e.member.network.cidr for e in registry.members if e.member.network.cidr is not None
    ]
    plan = registry.consortium.network
    overrides: dict[str, Member] = {}
    texts: dict[str, str] = {}
    allocations = []
    for rel, member in targets.items():
        if member.network.cidr is not None:
            allocations.append(Allocation(rel, member.slug, member.network.cidr, new=False))
            continue
        cidr = allocate(plan.supernet, plan.member_prefix, reserved, who=rel)
        reserved.append(cidr)
        text = _with_cidr(read_text(root / rel, rel), rel, cidr)
        updated: Member = parse_model(Member, parse_mapping(text, rel), rel)
        if updated.network.cidr != cidr:
            raise fail(rel, "network.cidr", "could not be written back into the file")
        overrides[member.slug] = updated
        texts[rel] = text
        allocations.append(Allocation(rel, member.slug, cidr, new=True))
    registry = load_registry(root, overrides=overrides)
    return registry, allocations, texts
