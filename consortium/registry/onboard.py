"""Onboarding: give new members their address block, in their own file, without touching anyone else.

The new ``network.cidr`` is written into the member's file with a round-trip YAML editor, so the
operator's comments and key order survive. Everything is validated (the whole registry with the
new allocation, and the edited file parsed back) before the first byte is written.

A site of the member whose LAN overlaps another town's untranslated LAN also gets ``nat_cidrs``
(same sizes, lowest free in ``network.nat_pool``), whatever the phases: NAT ranges cost nothing
and this way the clash never becomes an error when both towns reach networking. It is always the
member being onboarded that is translated, never the town already connected. Without a NAT pool
nothing is allocated and validation reports the clash.

All or nothing: before returning, every file the command will write (the member files and the
rendered folders) is probed for writing (:func:`consortium.registry.files.check_writable`), so a
registry whose ``members/`` is writable but whose rendered folders are not is refused with nothing
written, instead of a CIDR written and nothing rendered.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Network
from pathlib import Path

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from consortium.registry.errors import InputError, Problem, fail
from consortium.registry.files import check_all_writable
from consortium.registry.ipam import allocate
from consortium.registry.load import Registry, load_member, load_registry
from consortium.registry.models import MEMBERS_DIR, Member
from consortium.registry.render import inventory_path, runbook_path, stack_path
from consortium.registry.safeyaml import parse_mapping, read_text
from consortium.registry.validation import parse_model
from consortium.registry.yaml_edit import edited


@dataclass(frozen=True)
class Allocation:
    path: str
    slug: str
    cidr: IPv4Network
    new: bool  # False: the member already had this block (onboarding is idempotent)
    nat: tuple[tuple[str, tuple[IPv4Network, ...]], ...] = ()  # (field, translated ranges) newly allocated


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


def _with_nat(text: str, nat: dict[int, list[IPv4Network]]) -> str:
    """The member file's text with ``nat_cidrs`` after ``cidrs`` in the given sites (flow style, like cidrs)."""

    def change(data: CommentedMap) -> None:
        for index, ranges in nat.items():
            site = data["network"]["onprem"][index]
            value = CommentedSeq(str(n) for n in ranges)
            value.fa.set_flow_style()
            site.insert(list(site).index("cidrs") + 1, "nat_cidrs", value)

    return edited(text, change)


def _needs_nat(member: Member, others: list[Member]) -> list[int]:
    """Indexes of the member's untranslated sites whose LAN overlaps another town's untranslated LAN."""
    theirs = [
        net
        for o in others
        if o.slug != member.slug
        for site in o.network.onprem
        if site.nat_cidrs is None
        for net in site.cidrs
    ]
    return [
        i
        for i, site in enumerate(member.network.onprem)
        if site.nat_cidrs is None and any(c.overlaps(t) for c in site.cidrs for t in theirs)
    ]


def _with_cidr(text: str, rel: str, cidr: IPv4Network) -> str:
    """The member file's text with ``network.cidr`` set, keeping comments and key order."""

    def change(data: CommentedMap) -> None:
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

    return edited(text, change)


class Allocator:
    """Hands out address blocks and NAT ranges the way onboarding does, in memory: each call reserves
    what it hands out, so members allocated one after another never overlap. ``consortium costs
    --what-if-add`` uses it too, to see a new member with its block without writing its file."""

    def __init__(self, registry: Registry) -> None:
        self.network = registry.consortium.network
        self.reserved = [self.network.hub] + [
            e.member.network.cidr for e in registry.members if e.member.network.cidr is not None
        ]
        self.current = {e.member.slug: e.member for e in registry.members}
        self.nat_reserved = [
            n for m in self.current.values() for site in m.network.onprem for n in site.cidrs + (site.nat_cidrs or [])
        ]

    def allocate(self, member: Member, rel: str) -> tuple[IPv4Network, dict[int, list[IPv4Network]]]:
        """The member's block (its own, or the lowest free one) and the NAT ranges its sites need, by
        site index (see the module); ``rel`` names the member's file in an error."""
        network = self.network
        cidr = member.network.cidr
        if cidr is None:
            cidr = allocate(network.supernet, network.member_prefix, self.reserved, who=rel)
            self.reserved.append(cidr)
        nat: dict[int, list[IPv4Network]] = {}
        if network.nat_pool is not None:
            for i in _needs_nat(member, list(self.current.values())):
                nat[i] = []
                for c, lan in enumerate(member.network.onprem[i].cidrs):
                    field = f"network.onprem[{i}].nat_cidrs[{c}]"
                    out = allocate(
                        network.nat_pool, lan.prefixlen, self.nat_reserved, who=rel, field=field, space="the NAT pool"
                    )
                    self.nat_reserved.append(out)
                    nat[i].append(out)
        return cidr, nat

    def allocated(self, member: Member, rel: str) -> Member:
        """``member`` as onboarding would leave it (block and NAT ranges set), validated, in memory only."""
        cidr, nat = self.allocate(member, rel)
        data = member.model_dump(mode="json", by_alias=True, exclude_unset=True)
        data.setdefault("network", {})["cidr"] = str(cidr)
        for i, ranges in nat.items():
            data["network"]["onprem"][i]["nat_cidrs"] = [str(n) for n in ranges]
        updated: Member = parse_model(Member, data, rel)
        self.current[updated.slug] = updated
        return updated


def onboard(root: Path, files: list[Path]) -> tuple[Registry, list[Allocation], dict[str, str]]:
    """Allocate blocks (and NAT ranges) for ``files`` (in the order given); return the registry as it will be.

    Returns the validated registry including the allocations, the allocations, and the new texts
    of the member files that change (``{rel: text}``). Nothing is written here.
    """
    root = root.resolve()
    rels = [_member_rel(root, f) for f in files]
    if len(set(rels)) != len(rels):
        raise InputError([Problem(r, "", "given more than once") for r in rels if rels.count(r) > 1])
    targets = {rel: load_member(root / rel, rel) for rel in rels}
    registry = load_registry(root, allow_unallocated=frozenset(m.slug for m in targets.values()))
    allocator = Allocator(registry)
    overrides: dict[str, Member] = {}
    texts: dict[str, str] = {}
    allocations = []
    for rel, member in targets.items():
        text = read_text(root / rel, rel)
        new = member.network.cidr is None
        cidr, nat = allocator.allocate(member, rel)
        if new:
            text = _with_cidr(text, rel, cidr)
        if nat:
            text = _with_nat(text, nat)
        if new or nat:
            updated: Member = parse_model(Member, parse_mapping(text, rel), rel)
            if updated.network.cidr != cidr or any(updated.network.onprem[i].nat_cidrs != n for i, n in nat.items()):
                raise fail(rel, "network", "could not be written back into the file")
            overrides[member.slug] = allocator.current[member.slug] = updated
            texts[rel] = text
        found = tuple((f"network.onprem[{i}].nat_cidrs", tuple(n)) for i, n in nat.items())
        allocations.append(Allocation(rel, member.slug, cidr, new=new, nat=found))
    registry = load_registry(root, overrides=overrides)
    _check_targets(root, list(texts), [a.slug for a in allocations])
    return registry, allocations, texts


def _check_targets(root: Path, member_files: list[str], slugs: list[str]) -> None:
    """Refuse before writing anything if a member file or a rendered file of the members cannot be written."""
    rendered = [f(slug) for slug in slugs for f in (stack_path, inventory_path, runbook_path)]
    check_all_writable(root, [*member_files, stack_path("hub"), *rendered])
