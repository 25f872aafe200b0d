"""The offline runner's fast path (consortium/plan/fastpath.py) changes nothing a plan shows.

The decisive test compares whole stacks planned both ways: the fast path as ``consortium plan``
runs it (collector session, forked workers) and the SDK's default path. The others pin each
shortcut on its own, so a change of the SDK that breaks one shows here by name.
"""

from __future__ import annotations

import asyncio
import gc
import weakref

import pulumi
import pytest
from pulumi import _types as sdk_types
from pulumi.output import UNKNOWN, Unknown
from pulumi.runtime import resource as sdk_resource
from pulumi.runtime import rpc as sdk_rpc

from consortium.plan import fastpath, records, runner
from consortium.plan.monitor import RecordingMonitor
from consortium.registry.stackconfig import member_stack
from tests.planned_example import AS_OF, BUDGET_START

ONE_PER_PHASE = ["cottage-grove", "sun-prairie", "mcfarland", "verona"]  # phases 1, 2, 3, 4


def test_fast_path_equals_the_sdk_default_path_for_every_phase(example_registry):
    """Hub and one member of each phase: identical records (URNs, inputs, dependencies, ...) and exports."""
    runner.clear_hub_cache()
    fast = runner.plan_registry(example_registry, ONE_PER_PHASE, budget_start=BUDGET_START, as_of=AS_OF, jobs=2)
    runner.clear_hub_cache()
    slow = runner.plan_registry(example_registry, ONE_PER_PHASE, budget_start=BUDGET_START, as_of=AS_OF, fast=False)
    runner.clear_hub_cache()
    assert [s.stack for s in fast.stacks] == [s.stack for s in slow.stacks] == ["hub", *sorted(ONE_PER_PHASE)]
    for quick, default in zip(fast.stacks, slow.stacks, strict=True):
        assert quick.records == default.records, quick.stack
        assert quick.outputs == default.outputs, quick.stack
    assert records.plan_json(fast) == records.plan_json(slow)


def test_fast_path_equals_the_sdk_default_path_for_a_translated_town(example_registry):
    """A NAT town in the networking phase (rules on the hub gateway, ids the connection refers to)."""
    runner.clear_hub_cache()
    hub = runner.plan_hub(example_registry, budget_start=BUDGET_START, as_of=AS_OF, fast=False)
    config = member_stack(example_registry, example_registry.entry("monona").member.model_copy(update={"phase": 4}))
    fast = runner.plan_stack(config, hub_outputs=hub.outputs, budget_start=BUDGET_START, as_of=AS_OF)
    slow = runner.plan_stack(config, hub_outputs=hub.outputs, budget_start=BUDGET_START, as_of=AS_OF, fast=False)
    runner.clear_hub_cache()
    assert any(r.type == "azure-native:network:VirtualNetworkGatewayNatRule" for r in fast.records)
    assert fast.records == slow.records
    assert fast.outputs == slow.outputs


def test_the_fast_path_changes_nothing_but_speed(example_registry, stack_plan, hub_plan):
    """The runner's fast path (aliases dropped, ...) and the SDK's default path give the same records."""
    slow = runner.plan_stack(
        member_stack(example_registry, example_registry.entry("verona").member),
        hub_outputs=hub_plan.outputs,
        budget_start=BUDGET_START,
        as_of=AS_OF,
        fast=False,
    )
    assert slow.records == stack_plan("verona").records


# --------------------------------------------------------------------------- the pieces


def test_inline_loop_runs_default_executor_jobs_at_once():
    def fails() -> None:
        raise RuntimeError("boom")

    with fastpath.event_loop(inline=True) as loop:
        assert isinstance(loop, fastpath.InlineLoop)
        done = loop.run_in_executor(None, lambda a, b: a + b, 2, 3)
        failed = loop.run_in_executor(None, fails)
        assert done.done() and failed.done()  # before the loop ran at all
        assert loop.run_until_complete(done) == 5
        with pytest.raises(RuntimeError, match="boom"):
            loop.run_until_complete(failed)
    assert loop.is_closed()


def test_shortcut_create_urn_equals_the_sdks(monkeypatch):
    original = sdk_resource.create_urn
    with fastpath.event_loop(inline=True) as loop:
        monkeypatch.setattr(pulumi.runtime.settings, "get_stack", lambda: "verona")
        monkeypatch.setattr(pulumi.runtime.settings, "get_project", lambda: "consortium")
        shortcut = fastpath._create_urn(original)
        parent = "urn:pulumi:verona::consortium::consortium:member:Member::verona"
        for args in [("vnet", "azure-native:network:VirtualNetwork", parent), ("hub", "consortium:hub:Hub", None)]:
            want = loop.run_until_complete(original(*args).future())
            assert loop.run_until_complete(shortcut(*args).future()) == want
        assert want == "urn:pulumi:verona::consortium::consortium:hub:Hub::hub"


def test_contains_unknowns_answers_like_the_sdk():
    class Typed(dict):
        """Like an SDK output type: a dict subclass."""

    cycle: dict[str, object] = {"a": 1}
    cycle["self"] = cycle
    cases = [
        1,
        "x",
        None,
        [],
        {},
        UNKNOWN,
        Unknown(),
        [1, [2, {"a": UNKNOWN}]],
        {"a": {"b": [1, 2, 3]}},
        cycle,
        [cycle, [UNKNOWN]],
        Typed(a=UNKNOWN),
        Typed(a=1),
        (UNKNOWN,),  # tuples are not searched
        {"k": (1, UNKNOWN)},
    ]
    for case in cases:
        assert fastpath._contains_unknowns(case) == sdk_rpc.contains_unknowns(case), case


def test_sdk_shortcuts_are_restored():
    before = (sdk_resource._get_stack_trace, sdk_resource.create_urn, sdk_types.resource_types, sdk_types.unwrap_type)
    debug, track, transfer = pulumi.log.debug, pulumi.Output._track, sdk_rpc.transfer_properties
    unknowns = sdk_rpc.contains_unknowns
    with fastpath.sdk_shortcuts():
        assert sdk_types.unwrap_type is not before[3]
        assert pulumi.Output._track is not track and sdk_rpc.transfer_properties is not transfer
    assert (
        sdk_resource._get_stack_trace,
        sdk_resource.create_urn,
        sdk_types.resource_types,
        sdk_types.unwrap_type,
    ) == before
    assert pulumi.log.debug is debug
    assert pulumi.Output._track is track and sdk_rpc.transfer_properties is transfer
    assert sdk_rpc.contains_unknowns is unknowns


def test_memo_by_identity_answers_like_the_function():
    calls: list[object] = []

    def unwrap(value: object) -> object:
        calls.append(value)
        return sdk_types.unwrap_type(value)  # type: ignore[arg-type]

    memo = fastpath._memo_by_identity(unwrap, limit=2)
    hint = pulumi.Output[str]
    assert memo(hint) is sdk_types.unwrap_type(hint) is str
    assert memo(hint) is str and len(calls) == 1
    assert memo(int) is int and memo(float) is float and memo(hint) is str  # past the limit: recomputed
    assert len(calls) == 4


class _Node:
    """A weak-referenceable object to put in a reference cycle."""

    def __init__(self) -> None:
        self.me = self


def test_collector_session_collects_each_stack_and_restores_the_collector():
    assert gc.isenabled()
    with fastpath.collector_session():
        assert not gc.isenabled()
        with fastpath.collector_session():  # nested: no-op
            pass
        assert not gc.isenabled()
        with fastpath.collect_stack():
            cycle = weakref.ref(_Node())
            assert cycle() is not None  # no collection while the stack runs
        assert cycle() is None  # collected right after it
        assert gc.get_freeze_count() > 0  # survivors frozen
    assert gc.isenabled() and gc.get_freeze_count() == 0 and not fastpath._SESSION


def test_worker_session_collects_only_when_its_run_would_exceed_the_budget(monkeypatch):
    monkeypatch.setattr(fastpath, "PROJECTION_WINDOW", 2)
    monkeypatch.setattr(fastpath, "_SESSION", [])
    enabled = gc.isenabled()
    try:
        fastpath.start_worker_session(stacks=100)
        session = fastpath._SESSION[0]
        with fastpath.collect_stack():
            kept = weakref.ref(_Node())
        assert kept() is not None and not session.collecting  # too early to project: not collected
        session.after_stack(10**6)  # the first stacks import modules: no projection from them
        session.after_stack(1_000)
        assert not session.collecting  # the window averages 500,500 but holds the first stacks
        session.after_stack(1_000)
        assert not session.collecting  # 1,000 objects a stack for 96 more stacks: fits
        assert kept() is not None
        session.after_stack(100_000)  # the window now averages 50,500: 95 more stacks do not fit
        assert session.collecting and kept() is None
        with fastpath.collect_stack():
            again = weakref.ref(_Node())
        assert again() is None  # from then on every stack is collected
    finally:
        gc.unfreeze()
        if enabled:
            gc.enable()


def test_event_loop_leaves_the_callers_loop_alone():
    outer = asyncio.new_event_loop()
    asyncio.set_event_loop(outer)
    try:
        with fastpath.event_loop(inline=True) as inner:
            assert asyncio.get_event_loop() is inner
        assert asyncio.get_event_loop() is outer and not outer.is_closed()
    finally:
        asyncio.set_event_loop(None)
        outer.close()


@pytest.mark.parametrize("fast", [True, False])
def test_a_failed_registration_fails_the_plan_on_both_paths(example_registry, monkeypatch, fast):
    """Output properties the fast path resolves untracked still fail the run with their resource."""
    from pulumi_azure_native import resources

    from consortium.registry.stackconfig import member_stack

    original = RecordingMonitor.RegisterResource

    def register(self, request):
        if request.name == "rg-broken":
            raise RuntimeError("the engine refused rg-broken")
        return original(self, request)

    def build() -> None:
        broken = resources.ResourceGroup("rg-broken", location="centralus")
        resources.ResourceGroup("rg-after", location=broken.location)

    monkeypatch.setattr(RecordingMonitor, "RegisterResource", register)
    config = member_stack(example_registry, example_registry.entry("verona").member)
    with pytest.raises(Exception, match="the engine refused rg-broken"):
        runner.plan_stack(config, budget_start=BUDGET_START, as_of=AS_OF, program=build, fast=fast)
