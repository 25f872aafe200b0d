"""The same controls under CrossGuard: the pack's policies, called as `pulumi preview` would call them.

CrossGuard hands a policy one resource (or one stack) at a time, with the pack's config. These
tests call each policy's ``validate`` directly with the public ``pulumi_policy`` argument classes
(constructing ``PolicyPack`` would start its gRPC server and block).
"""

from __future__ import annotations

from typing import Any

import pytest
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)

from consortium.audit.params import registry_params
from consortium.registry.load import Registry
from policies.catalog import CATALOG
from policies.crossguard import policies

from .mutations import MUTATIONS

OPTS = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])
BY_NAME = {p.name: p for p in policies()}


def _resource_args(rec: dict[str, Any], config: dict[str, Any]) -> ResourceValidationArgs:
    return ResourceValidationArgs(rec["type"], rec["inputs"], rec["urn"], rec["name"], OPTS, None, config)


def _stack_args(records: list[dict[str, Any]], stack: str, config: dict[str, Any]) -> StackValidationArgs:
    mine = [r for r in records if r["stack"] == stack]
    return StackValidationArgs(
        [PolicyResource(r["type"], r["inputs"], r["urn"], r["name"], OPTS, None, None, [], {}) for r in mine],
        config,
    )


def _violations(cid: str, records: list[dict[str, Any]], target: dict[str, Any], config: dict[str, Any]) -> list:
    ctrl = next(c for c in CATALOG if c.id == cid)
    policy = BY_NAME[ctrl.policy_name]
    seen: list[tuple[str, str | None]] = []

    def report(message: str, urn: str | None = None) -> None:
        seen.append((message, urn))

    if ctrl.scope == "resource":
        policy.validate(_resource_args(target, config), report)
    else:
        policy.validate(_stack_args(records, target["stack"], config), report)
    return seen


def test_pack_holds_every_control_crossguard_can_judge() -> None:
    assert len(BY_NAME) == sum(1 for c in CATALOG if c.crossguard)
    assert all(p.name == p.name.lower() and p.name.startswith("mcs-") for p in policies())


# Every control, the isolation ones included: a stack policy sees one stack, and the other members
# through the pack config (registry_params).
@pytest.mark.parametrize("cid", sorted(c.id for c in CATALOG if c.crossguard))
def test_policy_fires_and_stays_quiet_like_the_audit(
    cid: str, records: list[dict[str, Any]], example_registry: Registry
) -> None:
    import copy

    config = registry_params(example_registry)[cid]
    mutate, fragment = MUTATIONS[cid]
    pristine = copy.deepcopy(records)
    target = mutate(records)
    original = next((r for r in pristine if r["urn"] == target["urn"]), None)
    if original is not None:  # the mutation edited a resource: the unedited one passes
        assert _violations(cid, pristine, original, config) == []
    found = _violations(cid, records, target, config)
    assert any(fragment in message and message.startswith(cid) and urn == target["urn"] for message, urn in found), (
        found
    )
