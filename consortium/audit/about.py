"""What an audit is about, for the people who read its report: the consortium and its members by
name, the source described in words (never a local path), and the versions that judged it.

A council member reads "Town of Whately", not ``whately``, and "plan of 2026-12-05", not
``/home/alice/out/plan.json``; the toolkit and catalog versions let an engineer reproduce the audit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib.metadata import PackageNotFoundError, version

from consortium.audit.evidence import HostEvidence
from consortium.registry.load import Registry
from policies.catalog import CATALOG
from policies.framework import Resource

DISTRIBUTION = "consortium-toolkit"  # pyproject.toml's project name


@dataclass(frozen=True)
class About:
    """The names and versions a report shows; an audit built without a registry shows slugs."""

    consortium: str = ""  # the consortium's name ("" when audited without a registry)
    names: Mapping[str, str] = field(default_factory=dict)  # member slug -> display name
    focus: tuple[str, ...] = ()  # the members the report is about (`--member`); empty: every member
    toolkit: str = field(default_factory=lambda: toolkit_version())
    catalog: str = field(default_factory=lambda: catalog_version())

    def name(self, slug: str) -> str:
        """A member's display name, its slug when the registry does not know it."""
        return self.names.get(slug, slug)


def about(registry: Registry | None, focus: Iterable[str] = ()) -> About:
    """The consortium's and members' names from the registry (none: slugs only)."""
    if registry is None:
        return About(focus=tuple(focus))
    names = {e.member.slug: e.member.name for e in registry.members}
    return About(registry.consortium.name, names, tuple(focus))


def toolkit_version() -> str:
    """The installed toolkit's version ("unknown" when run from a checkout that was never installed)."""
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        return "unknown"


@cache
def catalog_version() -> str:
    """The catalog's size and a fingerprint of its content (ids, levels, parameters' defaults, texts):
    two audits with the same fingerprint judged by the same standard."""
    from consortium.audit.reports.catalog import catalog  # here: the reports package imports the run, which imports us

    digest = hashlib.sha256(catalog("json").encode()).hexdigest()[:12]
    return f"{len(CATALOG)} controls, {digest}"


def _stacks(resources: Iterable[Resource]) -> str:
    """``the hub and 9 members`` / ``3 members`` / ``the hub``: what a set of resources covers."""
    stacks = {r.stack for r in resources}
    members = len(stacks - {"hub"})
    parts = (["the hub"] if "hub" in stacks else []) + (
        [f"{members} member{'s' if members != 1 else ''}"] if members else []
    )
    return " and ".join(parts) or "no resources"


def plan_source(made: date, resources: list[Resource]) -> str:
    """A plan file, by the day it was written and what it covers."""
    return f"plan of {made} ({_stacks(resources)})"


def offline_source(made: date, names: list[str], resources: list[Resource]) -> str:
    """An offline plan made for this audit, of the members named (none: the whole consortium)."""
    whom = ", ".join(names) if names else "the whole consortium"
    return f"offline plan of {whom}, made {made} ({_stacks(resources)})"


def state_source(resources: list[Resource]) -> str:
    """``pulumi stack export`` files, by the stacks they hold."""
    stacks = sorted({r.stack for r in resources}, key=lambda s: (s != "hub", s))
    return "state exports of " + (", ".join(stacks) or "no stacks")


def evidence_source(hosts: list[HostEvidence]) -> str:
    """Host baseline evidence, by the hosts it covers."""
    return "evidence of " + ", ".join(sorted(h.host for h in hosts))
