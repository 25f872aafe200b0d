"""The audit of a real offline first preview (`consortium plan --first-preview`): nothing exists yet.

Every id and everything Azure computes is unknown; the policies must judge what they can, call the rest
"cannot be judged until deployed" (advisory), and still catch a planted violation.
"""

from __future__ import annotations

from typing import Any

from consortium.audit.run import Audit, run_audit
from consortium.audit.sources import plan_resources
from consortium.registry.load import Registry
from consortium.wire import UNKNOWN
from tests.planned_example import first_preview_records
from tests.policies.mutations import planted_spoke_peering

Record = dict[str, Any]


def _audit(records: list[Record], registry: Registry) -> Audit:
    return run_audit(plan_resources(records), source="first preview", registry=registry, exemptions=[])


def test_a_first_preview_of_the_whole_consortium_fails_nothing_it_cannot_see(example_registry: Registry) -> None:
    records = first_preview_records()
    assert any(r["id"] == UNKNOWN for r in records)
    result = _audit(records, example_registry)
    assert [f"{r.finding.control} {r.finding.resource_name}: {r.finding.message}" for r in result.failed] == []
    advisories = [r for r in result.results if r.status == "advisory"]
    assert advisories, "unknown values must show as advisories, not vanish"
    assert all(
        "cannot be judged until deployed" in r.finding.message
        for r in advisories
        if r.control.enforcement.value == "mandatory"
    )


def test_a_first_preview_still_flags_a_peering_to_another_spoke(example_registry: Registry) -> None:
    records = first_preview_records()
    records.append(planted_spoke_peering(records))
    failed = {(r.finding.control, r.finding.resource_name) for r in _audit(records, example_registry).failed}
    assert ("MCS-ISO-002", "peer-verona-to-fitchburg") in failed
