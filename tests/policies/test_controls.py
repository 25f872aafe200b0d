"""The auditor's suite: every control fires on a bad resource and stays quiet on a good one.

The good resources are the compliant offline plan of every bundled member (and the hub); the bad
ones are that plan with one mutation each (``mutations.py``). Run it offline: no cloud, no CLI.
"""

from __future__ import annotations

from typing import Any

import pytest

from consortium.audit.params import registry_params
from consortium.audit.sources import plan_resources
from consortium.registry.load import Registry
from policies.catalog import CATALOG, by_id, check_catalog
from policies.framework import Enforcement, evaluate

from .helpers import findings
from .mutations import MUTATIONS

CONTROLS = by_id()


def test_catalog_is_sound() -> None:
    assert check_catalog() == []
    assert len(CATALOG) >= 40


def test_every_control_has_a_mutation() -> None:
    assert sorted(MUTATIONS) == sorted(CONTROLS)


@pytest.mark.parametrize("cid", sorted(CONTROLS))
def test_quiet_on_the_compliant_plan(cid: str, records: list[dict[str, Any]], example_registry: Registry) -> None:
    assert findings(CONTROLS[cid], records, example_registry) == []


@pytest.mark.parametrize("cid", sorted(MUTATIONS))
def test_fires_on_the_violating_resource(cid: str, records: list[dict[str, Any]], example_registry: Registry) -> None:
    mutate, fragment = MUTATIONS[cid]
    target = mutate(records)
    found = findings(CONTROLS[cid], records, example_registry)
    assert found, f"{cid} did not fire"
    on_target = [f for f in found if f.urn == target["urn"]]
    assert on_target, f"{cid} fired on {[f.urn for f in found]}, not on {target['urn']}"
    assert any(fragment in f.message for f in on_target), [f.message for f in on_target]


def test_mutation_score(
    records: list[dict[str, Any]], example_registry: Registry, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each mutation, against the whole catalog: the intended control must catch it. Reported as a figure."""
    import copy

    params = registry_params(example_registry)
    caught = []
    for cid, (mutate, _) in sorted(MUTATIONS.items()):
        mutated = copy.deepcopy(records)
        target = mutate(mutated)
        result = evaluate(CATALOG, plan_resources(mutated), params)
        if any(f.control == cid and f.urn == target["urn"] for f in result.findings):
            caught.append(cid)
    with capsys.disabled():
        print(
            f"\nmutation score: {len(caught)}/{len(MUTATIONS)} mutations caught "
            f"({100 * len(caught) / len(MUTATIONS):.0f} %)"
        )
    assert sorted(caught) == sorted(MUTATIONS)


def test_whole_example_consortium_audits_clean(records: list[dict[str, Any]], example_registry: Registry) -> None:
    result = evaluate(CATALOG, plan_resources(records), registry_params(example_registry))
    mandatory = [f for f in result.findings if CONTROLS[f.control].enforcement == Enforcement.MANDATORY]
    assert mandatory == []
    assert result.findings == []  # no advisory either: the example is the reference tenancy
    assert len(result.checks) > 500
