"""Running the Pulumi program offline: one stack, the hub, or a whole registry in forked workers.

``consortium plan`` cannot reach Azure, the Pulumi CLI or any provider plugin, so it runs the
real program (:func:`infra.program.main`) in-process under ``pulumi.runtime`` mocks: the
:class:`~consortium.plan.monitor.RecordingMonitor` records every resource the program registers
and answers from the :class:`~consortium.plan.fake_azure.FakeAzure`. The plan file's format is in
:mod:`consortium.plan.records`.

Speed (see ``bench/plan_scale.py``). The SDK's default path costs about 25 ms of CPU per
azure-native resource; with ``fast=True`` (the default) the runner changes only work whose result
a plan never sees — aliases dropped, monitor calls answered inline, per-resource SDK overheads
skipped or memoised, one garbage collection per stack — all in :mod:`consortium.plan.fastpath`,
which lists them and why each is safe (``tests/plan/test_fastpath.py`` compares both paths stack
by stack).

Between runs the SDK's global state (root resource, RPC manager, outputs, config) is reset, so
any number of stacks can be planned in one process, and member stacks in parallel processes.

``first_preview=True`` plans stacks never deployed, as a first ``pulumi preview`` sees them: the
fake Azure fills in nothing it computes (:mod:`consortium.plan.first_preview`), members read the
hub's first-preview exports, and inputs that depend on those unknowns are ``"[unknown]"``. Same
URNs as the full plan; an exception inside an ``apply`` fails the run, as it fails a preview.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import json
import multiprocessing
import sys
from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext, suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pulumi
from pulumi.runtime import config as runtime_config
from pulumi.runtime import mocks, settings
from pulumi.runtime.stack import run_in_stack
from pulumi.runtime.sync_await import _sync_await

from consortium.paths import PROGRAM_DIR
from consortium.plan import fastpath
from consortium.plan.fake_azure import FakeAzure
from consortium.plan.monitor import RecordingMonitor
from consortium.plan.records import Plan, StackPlan
from consortium.registry.errors import InputError, Problem
from consortium.registry.load import Registry
from consortium.registry.stackconfig import (
    AS_OF_KEY,
    BUDGET_START_KEY,
    CONFIG_KEY,
    HUB_STACK,
    PROJECT,
    HubStack,
    MemberStack,
    hub_stack,
    member_stack,
)

ORGANIZATION = "organization"  # what a self-managed backend calls the organization
# The value of every VPN shared key in an offline run: marked secret, so it never reaches a plan.
PLACEHOLDER_SECRET = "offline-placeholder-not-a-real-key"


# --------------------------------------------------------------------------- one stack


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


def stack_config(
    config: HubStack | MemberStack, budget_start: date | None = None, as_of: date | None = None
) -> tuple[dict[str, str], list[str]]:
    """The config the program would read from ``stacks/Pulumi.<stack>.yaml``, and its secret keys.

    The VPN shared keys (set with ``pulumi config set --secret``, never rendered) get a placeholder
    marked secret, so the program reads them as secrets and the plan shows ``"[secret]"``. The
    budget start is pinned (default: the first of the current month) so a plan is reproducible, and
    so is the run's date (``as_of``, default today: when a leaving town is unhooked).
    """
    values = {
        f"{PROJECT}:{CONFIG_KEY}": json.dumps(config.model_dump(mode="json")),
        "azure-native:location": config.location,
    }
    secret_keys = []
    if isinstance(config, MemberStack):
        for key in sorted(config.vpn_secret_keys.values()):
            values[f"{PROJECT}:{key}"] = PLACEHOLDER_SECRET
            secret_keys.append(f"{PROJECT}:{key}")
    start = budget_start or datetime.now(UTC).date().replace(day=1)
    values[f"{PROJECT}:{BUDGET_START_KEY}"] = start.isoformat()
    values[f"{PROJECT}:{AS_OF_KEY}"] = (as_of or datetime.now(UTC).date()).isoformat()
    return values, secret_keys


def plan_stack(
    config: HubStack | MemberStack,
    *,
    hub_outputs: dict[str, Any] | None = None,
    budget_start: date | None = None,
    fast: bool = True,
    program: Callable[[], None] | None = None,
    first_preview: bool = False,
    as_of: date | None = None,
) -> StackPlan:
    """Run the program for one stack under the mock runtime; return what it would register.

    ``hub_outputs`` answers the member's ``StackReference`` (normally the hub plan's outputs;
    ``"[unknown]"`` values are read as unknowns); ``program`` replaces :func:`infra.program.main`
    (tests of single components use it); ``fast=False`` is the SDK's default path (for
    comparison: same records, much slower); ``first_preview=True`` answers as a first preview
    (nothing Azure computes is known; the exports keep ``"[unknown]"`` where they depend on it).
    """
    main = program or load_program().main
    name = stack_name(config)
    member = None if isinstance(config, HubStack) else config.member.slug
    fake = FakeAzure(config.consortium.slug)
    monitor = RecordingMonitor(name, member, fake, dict(hub_outputs or {}), first_preview=first_preview)

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
    runtime_config.set_all_config(*stack_config(config, budget_start, as_of))

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
    # An apply does not run on unknowns, so in a first preview only the engine's view has every export.
    outputs = monitor.stack_outputs if first_preview else exports
    return StackPlan(name, member, records, json.loads(json.dumps(outputs)))


# --------------------------------------------------------------------------- whole registries

_HUB_CACHE: dict[str, StackPlan] = {}


def clear_hub_cache() -> None:
    """Forget the hub plans computed so far (benchmarks and tests that time or compare a fresh hub)."""
    _HUB_CACHE.clear()


def plan_hub(
    registry: Registry,
    *,
    budget_start: date | None = None,
    fast: bool = True,
    first_preview: bool = False,
    as_of: date | None = None,
) -> StackPlan:
    """The hub's plan, computed once per process, configuration and day (members read its outputs;
    the run's date starts the gateway's maintenance window)."""
    config = hub_stack(registry)
    as_of = as_of or datetime.now(UTC).date()
    key = json.dumps([config.model_dump(mode="json"), str(budget_start), fast, first_preview, str(as_of)])
    if key not in _HUB_CACHE:
        _HUB_CACHE[key] = plan_stack(
            config, budget_start=budget_start, fast=fast, first_preview=first_preview, as_of=as_of
        )
    return _HUB_CACHE[key]


def select_members(registry: Registry, slugs: Iterable[str] | None) -> list[str]:
    """The members to plan, in slug order; every unknown slug is reported (one line each). A town
    that has left has no stack any more (its file is only the record): it is never planned."""
    chosen = registry.members if slugs is None else registry.select(slugs)
    served = {e.member.slug for e in registry.served}
    return sorted(e.member.slug for e in chosen if e.member.slug in served)


def _plan_members(
    registry: Registry,
    slugs: Sequence[str],
    hub_outputs: dict[str, Any],
    budget_start: date | None,
    fast: bool,
    first_preview: bool = False,
    as_of: date | None = None,
) -> list[StackPlan]:
    return [
        plan_stack(
            member_stack(registry, registry.entry(slug).member),
            hub_outputs=hub_outputs,
            budget_start=budget_start,
            fast=fast,
            first_preview=first_preview,
            as_of=as_of,
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
    first_preview: bool = False
    as_of: date | None = None


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
    return _plan_members(job.registry, slugs, job.hub_outputs, job.budget_start, job.fast, job.first_preview, job.as_of)


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
    first_preview: bool = False,
    on_stack: Callable[[StackPlan], None] | None = None,
    as_of: date | None = None,
) -> Plan:
    """Plan the hub (if asked) and the given members (all when ``members`` is None).

    Member stacks are independent once the hub's outputs are known, so with ``jobs > 1`` they are
    planned in that many forked processes, which take small chunks of members as they free up.
    The result does not depend on ``jobs``: stacks and records are sorted. ``first_preview``: every
    stack as in a first ``pulumi preview``, members reading the hub's first-preview exports.
    ``on_stack`` is called in this process with each member stack as it is done (a progress bar).
    """
    slugs = select_members(registry, members)
    done = on_stack or (lambda _plan: None)
    as_of = as_of or datetime.now(UTC).date()  # one day for the hub and every member, even across midnight
    jobs = max(1, min(jobs, len(slugs)))
    with fastpath.collector_session() if fast else nullcontext():
        hub = (
            plan_hub(registry, budget_start=budget_start, fast=fast, first_preview=first_preview, as_of=as_of)
            if (slugs or include_hub)
            else None
        )
        hub_outputs = hub.outputs if hub else {}
        if jobs == 1:
            plans = []
            for slug in slugs:
                plans += _plan_members(registry, [slug], hub_outputs, budget_start, fast, first_preview, as_of)
                done(plans[-1])
        else:
            job = _Job(registry, hub_outputs, budget_start, fast, -(-len(slugs) // jobs), first_preview, as_of)
            context = multiprocessing.get_context("fork")
            with context.Pool(jobs, initializer=_worker_init, initargs=(job,)) as pool:
                plans = []
                for chunk in pool.imap_unordered(_worker, _chunks(slugs, jobs)):
                    plans += chunk
                    for plan in chunk:
                        done(plan)
    plans.sort(key=lambda p: p.stack)
    stacks = ([hub] if include_hub and hub else []) + plans
    return Plan(registry.consortium.slug, tuple(stacks))
