"""MCS-BAK-008: a leaving town's data-bearing resources are protected, known as leaving from the
registry's parameters or from the resource's own tag."""

from __future__ import annotations

import copy
from typing import Any

from consortium.audit.sources import plan_resources
from policies.backup import DATA_BEARING, leaving_data_kept
from policies.framework import evaluate

LEAVING = {"MCS-BAK-008": {"leaving_members": {"verona": "2026-06-01"}}}


def _data_of(records: list[dict[str, Any]], member: str) -> list[dict[str, Any]]:
    return [r for r in records if r.get("member") == member and r["type"] in DATA_BEARING]


def test_fires_on_each_unprotected_data_resource_of_a_leaving_member(records: list[dict[str, Any]]) -> None:
    found = evaluate([leaving_data_kept], plan_resources(records), LEAVING).findings
    verona = _data_of(records, "verona")
    assert {r["type"] for r in verona} == set(DATA_BEARING)  # phase 4: vault, storage account, Key Vault
    assert sorted(f.urn for f in found) == sorted(r["urn"] for r in verona)
    assert all("kept until 2026-06-01, but is not protected" in f.message for f in found)


def test_quiet_once_protected_and_for_members_not_leaving(records: list[dict[str, Any]]) -> None:
    protected = copy.deepcopy(records)
    for r in _data_of(protected, "verona"):
        r["protect"] = True
    assert evaluate([leaving_data_kept], plan_resources(protected), LEAVING).findings == []
    assert (
        evaluate([leaving_data_kept], plan_resources(records), {"MCS-BAK-008": {"leaving_members": {}}}).findings == []
    )
