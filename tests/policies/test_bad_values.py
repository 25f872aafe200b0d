"""A plan or a stack export whose values have the wrong type (text where Azure wants a number, a list
where a name belongs) is judged, never a crash: the control reading the value fails the resource with a
message naming the property, in-process as through CrossGuard (both judge through framework.verdicts).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consortium.audit.params import registry_params
from consortium.audit.sources import plan_resources
from policies.catalog import CATALOG
from policies.framework import UNJUDGED, evaluate

from .helpers import messages, pick

#: (control, type, member, path under inputs) of the numbers the controls compare with a minimum
NUMBERS = [
    ("MCS-KV-002", "azure-native:keyvault:Vault", None, "properties.softDeleteRetentionInDays"),
    ("MCS-LOG-004", "azure-native:operationalinsights:Workspace", None, "retentionInDays"),
    ("MCS-STO-010", "azure-native:storage:BlobServiceProperties", "verona", "deleteRetentionPolicy.days"),
    ("MCS-STO-013", "azure-native:storage:BlobServiceProperties", "verona", "containerDeleteRetentionPolicy.days"),
    ("MCS-LOG-007", "azure-native:network:FlowLog", "verona", "retentionPolicy.days"),
    ("MCS-BAK-005", "azure-native:recoveryservices:ProtectionPolicy", "verona",
     "properties.retentionPolicy.dailySchedule.retentionDuration.count"),
]  # fmt: skip


def _set(inputs: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        inputs = inputs[part]
    inputs[last] = value


@pytest.mark.parametrize("bad", ["ninety", [90], {"days": 90}, True])
@pytest.mark.parametrize(("cid", "type_", "member", "path"), NUMBERS)
def test_a_number_of_the_wrong_type_fails_its_control_naming_the_property(
    records, example_registry, cid: str, type_: str, member: str | None, path: str, bad: Any
) -> None:
    record = pick(records, type_, member=member)
    _set(record["inputs"], path, bad)
    found = messages(cid, records, example_registry)
    assert any(path.rsplit(".", 1)[-1] in m and "not a number" in m for m in found), found


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _leaves(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _leaves(v, (*path, i))]
    return [path]


BAD = st.one_of(
    st.text(max_size=5),
    st.booleans(),
    st.none(),
    st.integers(-(10**6), 10**6),
    st.floats(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_value_of_any_type_anywhere_is_judged_not_a_crash(records, example_registry, data) -> None:
    mutated = copy.deepcopy(records)
    record = data.draw(st.sampled_from(mutated))
    paths = _leaves(record.get("inputs") or {})
    if not paths or paths == [()]:
        return
    path = data.draw(st.sampled_from(paths))
    node = record["inputs"]
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = data.draw(BAD)
    result = evaluate(CATALOG, plan_resources(mutated), registry_params(example_registry))
    # the safety net for a type no control reads through number() stays unused on the example's values
    assert not [f for f in result.findings if UNJUDGED in f.message and f.urn != record["urn"]]
