"""MCS-BAK-007: VM backup policies are Enhanced (V2); Azure Files policies are not judged."""

from __future__ import annotations

from typing import Any

from .helpers import Record, messages, pick

POLICY = "azure-native:recoveryservices:ProtectionPolicy"


def _vm_policy(records: list[Record], member: str = "verona") -> Record:
    return pick(records, POLICY, member=member, where=lambda r: r["name"].endswith("-vm-daily"))


def _props(record: Record) -> dict[str, Any]:
    return record["inputs"]["properties"]


def test_enhanced_vm_policies_pass(records, example_registry):
    assert messages("MCS-BAK-007", records, example_registry) == []
    assert _props(_vm_policy(records))["policyType"] == "V2"


def test_the_standard_v1_vm_policy_fails(records, example_registry):
    """Exactly what the program declared before: no policyType (V1) and the V1 schedule."""
    policy = _vm_policy(records, "sun-prairie")
    props = _props(policy)
    props.pop("policyType")
    props["schedulePolicy"] = {
        "schedulePolicyType": "SimpleSchedulePolicy",
        "scheduleRunFrequency": "Daily",
        "scheduleRunTimes": ["2024-01-01T01:00:00Z"],
    }
    assert messages("MCS-BAK-007", records, example_registry, policy["urn"]) == [
        "policyType is not set (V1, Standard); VM policies must be Enhanced (V2)"
    ]


def test_a_v2_policy_with_a_v1_schedule_fails(records, example_registry):
    policy = _vm_policy(records)
    _props(policy)["schedulePolicy"]["schedulePolicyType"] = "SimpleSchedulePolicy"
    assert messages("MCS-BAK-007", records, example_registry, policy["urn"]) == [
        "schedulePolicyType is SimpleSchedulePolicy; an Enhanced policy takes SimpleSchedulePolicyV2"
    ]


def test_file_share_policies_are_not_judged(records, example_registry):
    files = pick(records, POLICY, where=lambda r: r["name"].endswith("-files-daily"))
    assert "policyType" not in _props(files)
    assert _props(files)["schedulePolicy"]["schedulePolicyType"] == "SimpleSchedulePolicy"
    assert messages("MCS-BAK-007", records, example_registry, files["urn"]) == []
