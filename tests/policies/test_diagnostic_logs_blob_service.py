"""MCS-LOG-006 (Checkov CKV2_AZURE_21): each backup account's blob service sends its read, write and
delete logs to the hub workspace, through a setting on the blob service itself.

Cases on Verona's account in the compliant example: each breaks one part of the setting.
"""

from __future__ import annotations

from typing import Any

import pytest

from consortium.wire import UNKNOWN
from policies.catalog import by_id

from .helpers import findings, messages, pick

CONTROL = by_id()["MCS-LOG-006"]
ACCOUNT = "azure-native:storage:StorageAccount"
DIAG = "azure-native:monitor:DiagnosticSetting"
NOTHING = "'s blob service sends no StorageRead, StorageWrite, StorageDelete logs to the hub workspace"


def blob_setting(records: list[dict[str, Any]], member: str = "verona") -> dict[str, Any]:
    return pick(records, DIAG, member=member, where=lambda r: "/blobServices/" in r["inputs"]["resourceUri"])


def account_messages(records: list[dict[str, Any]], registry: Any, member: str = "verona") -> list[str]:
    return messages("MCS-LOG-006", records, registry, pick(records, ACCOUNT, member=member)["urn"])


def test_every_backup_account_in_the_example_logs_its_blob_service(records, example_registry) -> None:
    assert findings(CONTROL, records, example_registry) == []
    accounts = {r["member"] for r in records if r["type"] == ACCOUNT}
    assert accounts and all(blob_setting(records, m) for m in accounts)


def test_a_setting_on_the_account_itself_does_not_count(records, example_registry) -> None:
    """The account's own setting carries metrics only: the blob logs come from the blob service's."""
    setting = blob_setting(records)
    setting["inputs"]["resourceUri"] = setting["inputs"]["resourceUri"].removesuffix("/blobServices/default")
    account = pick(records, ACCOUNT)["inputs"]["accountName"]
    assert account_messages(records, example_registry) == [f"{account}{NOTHING}"]


def test_a_setting_to_another_workspace_does_not_count(records, example_registry) -> None:
    setting = blob_setting(records)
    setting["inputs"]["workspaceId"] = setting["inputs"]["workspaceId"].rsplit("/", 1)[0] + "/law-verona-own"
    assert account_messages(records, example_registry)[0].endswith(NOTHING)


@pytest.mark.parametrize(
    ("logs", "fails"),
    [
        ([{"category": "StorageWrite", "enabled": True}, {"category": "StorageDelete", "enabled": True}], True),
        ([{"categoryGroup": "allLogs", "enabled": False}], True),
        ([{"category": c, "enabled": True} for c in ("StorageRead", "StorageWrite", "StorageDelete")], False),
        ([{"categoryGroup": "allLogs", "enabled": True}], False),
    ],
)
def test_reads_writes_and_deletes_must_all_be_collected(records, example_registry, logs, fails) -> None:
    blob_setting(records)["inputs"]["logs"] = logs
    assert bool(account_messages(records, example_registry)) is fails


def test_a_first_preview_cannot_judge_a_setting_whose_source_is_not_known_yet(records, example_registry) -> None:
    blob_setting(records)["inputs"]["resourceUri"] = UNKNOWN
    (message,) = account_messages(records, example_registry)
    assert "cannot be judged until deployed" in message


def test_the_other_diagnostic_controls_still_find_their_own_settings(records, example_registry) -> None:
    """The blob service's setting is a Microsoft.Storage one: it answers for no vault or NSG."""
    for cid in ("MCS-LOG-001", "MCS-LOG-002", "MCS-LOG-003", "MCS-LOG-005"):
        assert messages(cid, records, example_registry) == [], cid
