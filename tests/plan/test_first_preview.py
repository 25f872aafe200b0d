"""A first preview (consortium/plan/first_preview.py, and the runner's ``first_preview`` mode).

The answers themselves (:func:`preview_outputs`, :func:`wire_unknowns`), then the real program:
every bundled stack completes in a first preview with the same URNs as the full plan, its inputs
are the full plan's with ``"[unknown]"`` wherever they depend on what Azure computes, and an
exception inside an ``apply`` fails the run (shown with a deliberately broken program).
"""

from __future__ import annotations

import gc
from functools import cache
from typing import Any

import pulumi
import pulumi_azure_native as azure_native
import pytest

from consortium.plan import records, runner
from consortium.plan.first_preview import preview_outputs, wire_unknowns
from consortium.plan.records import Plan, StackPlan
from consortium.registry.stackconfig import member_stack
from consortium.wire import SECRET, SECRET_SIG, SIG_KEY, UNKNOWN, UNKNOWN_VALUE
from tests.planned_example import AS_OF, BUDGET_START, _example_registry

# --------------------------------------------------------------------------- the answers


def test_inputs_are_echoed_and_everything_azure_computes_is_unknown():
    secret = {SIG_KEY: SECRET_SIG, "value": "hunter2"}
    sent = {
        "name": "vnet-a",
        "count": 3.0,
        "key": secret,
        "later": UNKNOWN_VALUE,
        "subnets": [{"name": "servers", "addressPrefix": "10.0.0.0/24"}],
        "tags": ["x"],
    }
    computed = {
        "name": "vnet-a",
        "count": 3,
        "key": SECRET,
        "later": UNKNOWN,
        "subnets": [{"name": "servers", "addressPrefix": "10.0.0.0/24", "id": "/sub/x/subnets/servers"}],
        "tags": ["x", "added"],
        "id": "/subscriptions/x",
    }
    assert preview_outputs(sent, computed) == {
        "name": "vnet-a",
        "count": 3.0,
        "key": secret,  # a secret input goes back as the secret the program sent
        "later": UNKNOWN_VALUE,  # the program's own unknowns stay unknown
        "subnets": [{"name": "servers", "addressPrefix": "10.0.0.0/24", "id": UNKNOWN_VALUE}],  # nested: unknown
        "tags": UNKNOWN_VALUE,  # a list Azure changed the length of: unknown as a whole
        "id": UNKNOWN_VALUE,
    }


def test_a_value_azure_changes_is_unknown():
    assert preview_outputs({"name": "pulumi-name"}, {"name": "azure-name"}) == {"name": UNKNOWN_VALUE}
    assert preview_outputs({"a": {"b": 1.0}}, {"a": "flattened"}) == {"a": UNKNOWN_VALUE}


def test_the_mask_read_back_is_the_engines_unknown():
    exported = {"vnet_id": UNKNOWN, "location": "centralus", "zones": {"a": UNKNOWN}, "ips": [UNKNOWN, "10.0.0.4"]}
    assert wire_unknowns(exported) == {
        "vnet_id": UNKNOWN_VALUE,
        "location": "centralus",
        "zones": {"a": UNKNOWN_VALUE},
        "ips": [UNKNOWN_VALUE, "10.0.0.4"],
    }


# --------------------------------------------------------------------------- the bundled program


@cache
def _first_preview() -> Plan:
    registry = _example_registry()
    return runner.plan_registry(
        registry, None, include_hub=True, budget_start=BUDGET_START, as_of=AS_OF, first_preview=True
    )


@pytest.fixture(scope="module")
def first_preview() -> Plan:
    """The hub and every member of the example, as a first preview of stacks never deployed."""
    return _first_preview()


def _differences(full: Any, preview: Any, path: str = "") -> list[str]:
    """Where ``preview`` is neither ``full`` nor ``full`` with some values replaced by the unknown mask."""
    if preview in (UNKNOWN, full):
        return []
    if isinstance(full, dict) and isinstance(preview, dict) and full.keys() == preview.keys():
        return [d for key in full for d in _differences(full[key], preview[key], f"{path}.{key}")]
    if isinstance(full, list) and isinstance(preview, list) and len(full) == len(preview):
        pairs = enumerate(zip(full, preview, strict=True))
        return [d for i, (f, p) in pairs for d in _differences(f, p, f"{path}[{i}]")]
    return [f"{path}: {full!r} became {preview!r}"]


def test_every_bundled_stack_registers_the_same_resources(example_plan, first_preview):
    assert [s.stack for s in first_preview.stacks] == [s.stack for s in example_plan.stacks]
    for full, preview in zip(example_plan.stacks, first_preview.stacks, strict=True):
        assert [r.urn for r in preview.records] == [r.urn for r in full.records], preview.stack
        for a, b in zip(full.records, preview.records, strict=True):
            assert (a.type, a.name, a.parent, a.provider, a.custom) == (b.type, b.name, b.parent, b.provider, b.custom)


def test_inputs_are_the_full_plans_with_unknowns_in_place(example_plan, first_preview):
    full = {r.urn: r for r in example_plan.records}
    problems = [f"{r.urn}{d}" for r in first_preview.records for d in _differences(full[r.urn].inputs, r.inputs)]
    assert problems == []


def test_nothing_azure_computes_is_known(first_preview):
    custom = [r for r in first_preview.records if r.custom and r.type != "pulumi:pulumi:StackReference"]
    assert custom and {r.id for r in custom} == {UNKNOWN}
    assert {r.id for r in first_preview.records if not r.custom} == {None}
    hub = first_preview.stacks[0]
    assert hub.stack == "hub"
    for key in ("vnet_id", "firewall_private_ip", "log_analytics_workspace_id", "service_desk_group_id"):
        assert hub.outputs[key] == UNKNOWN, key
    assert hub.outputs["shared_services_prefix"] == "10.64.1.0/24"  # from config: known before anything exists


def _inputs(plan: Plan, stack: str, type_: str, name: str) -> dict[str, Any]:
    (record,) = [r for r in plan.records if r.stack == stack and r.type == type_ and r.name == name]
    return record.inputs


def test_what_depends_on_the_hub_is_unknown_in_a_member(first_preview):
    peering = _inputs(first_preview, "verona", "azure-native:network:VirtualNetworkPeering", "peer-verona-to-hub")
    assert peering["remoteVirtualNetwork"] == {"id": UNKNOWN}
    assert peering["allowForwardedTraffic"] is True  # what the program decides stays known
    vnet = _inputs(first_preview, "verona", "azure-native:network:VirtualNetwork", "vnet-verona")
    assert vnet["dhcpOptions"] == {"dnsServers": UNKNOWN}  # the hub firewall's address
    assert vnet["addressSpace"]["addressPrefixes"] and UNKNOWN not in vnet["addressSpace"]["addressPrefixes"]


def test_the_plan_file_has_the_same_format(first_preview, tmp_path):
    text = records.plan_json(first_preview)
    assert f'"{UNKNOWN}"' in text and UNKNOWN_VALUE not in text
    path = tmp_path / "first-preview.json"
    path.write_text(text, encoding="utf-8")
    indexed = records.read_plan(path)
    assert sorted(indexed) == sorted(s.stack for s in first_preview.stacks)


def test_parallel_first_preview_is_the_same(first_preview):
    parallel = runner.plan_registry(
        _example_registry(), None, include_hub=True, budget_start=BUDGET_START, as_of=AS_OF, first_preview=True, jobs=2
    )
    assert records.plan_json(parallel) == records.plan_json(first_preview)


def test_a_translated_member_in_the_networking_phase(example_registry, first_preview, plan_member_at):
    """The one member shape the example does not plan (NAT rules on the hub gateway), in a first preview."""
    member = example_registry.entry("monona").member.model_copy(update={"phase": 4})
    hub = first_preview.stacks[0]
    preview = runner.plan_stack(
        member_stack(example_registry, member),
        hub_outputs=hub.outputs,
        budget_start=BUDGET_START,
        as_of=AS_OF,
        first_preview=True,
    )
    full = plan_member_at("monona", 4)
    assert [r.urn for r in preview.records] == [r.urn for r in full.records]
    assert any(r.type == "azure-native:network:VirtualNetworkGatewayNatRule" for r in preview.records)


def test_the_default_sdk_path_gives_the_same_first_preview(example_registry, first_preview):
    hub = first_preview.stacks[0]
    config = member_stack(example_registry, example_registry.entry("verona").member)
    slow = runner.plan_stack(
        config, hub_outputs=hub.outputs, budget_start=BUDGET_START, as_of=AS_OF, fast=False, first_preview=True
    )
    fast = next(s for s in first_preview.stacks if s.stack == "verona")
    assert slow.records == fast.records


# --------------------------------------------------------------------------- an apply that raises


def _broken_program(use_the_result: bool):
    """A program whose apply breaks only on an unknown: it reads the resource group's id even then."""

    def main() -> None:
        rg = azure_native.resources.ResourceGroup("rg-test", resource_group_name="rg-test")
        # run_with_unknowns: the callback also runs when the id is not known (a first preview).
        last = rg.id.apply(lambda rid: rid.rsplit("/", 1)[-1], run_with_unknowns=True)
        if use_the_result:
            azure_native.resources.ResourceGroup("rg-second", resource_group_name=last)

    return main


def _verona() -> Any:
    registry = _example_registry()
    return member_stack(registry, registry.entry("verona").member)


@pytest.mark.parametrize("use_the_result", [True, False], ids=["feeding-a-resource", "exported-nowhere"])
@pytest.mark.parametrize("fast", [True, False], ids=["fast", "sdk-default"])
def test_an_exception_inside_an_apply_fails_the_first_preview(use_the_result, fast):
    program = _broken_program(use_the_result)
    full: StackPlan = runner.plan_stack(_verona(), budget_start=BUDGET_START, as_of=AS_OF, fast=fast, program=program)
    assert len(full.records) == (2 if use_the_result else 1)  # fine while every id is known
    with pytest.raises(AttributeError, match="rsplit"):
        runner.plan_stack(
            _verona(), budget_start=BUDGET_START, as_of=AS_OF, fast=fast, program=program, first_preview=True
        )
    gc.collect()  # the failed run's futures go now: asyncio logs them here, not at the end of the session
    # A stack planned after a failed one starts clean.
    again = runner.plan_stack(_verona(), budget_start=BUDGET_START, as_of=AS_OF, fast=fast, program=program)
    assert [r.urn for r in again.records] == [r.urn for r in full.records]


def test_an_apply_on_an_unknown_does_not_run():
    """Why the program's own applies are safe: without run_with_unknowns, a preview skips them."""
    ran: list[str] = []

    def main() -> None:
        rg = azure_native.resources.ResourceGroup("rg-test", resource_group_name="rg-test")
        rg.id.apply(ran.append)
        pulumi.export("rg", rg.id)

    preview = runner.plan_stack(_verona(), budget_start=BUDGET_START, as_of=AS_OF, program=main, first_preview=True)
    assert ran == [] and preview.outputs == {"rg": UNKNOWN}
    runner.plan_stack(_verona(), budget_start=BUDGET_START, as_of=AS_OF, program=main)
    assert len(ran) == 1 and ran[0].startswith("/subscriptions/")
