"""The offsite room's two import contracts can fail: boto3 outside the room, the room reaching the audit."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_architecture import test_a_forbidden_import_breaks_a_contract as breaks_a_contract


@pytest.mark.parametrize(
    ("module", "line", "contract", "import_chain"),
    [
        (
            "audit/run.py",
            "import boto3",
            "only the offsite store room talks to S3 and IAM (boto3) BROKEN",
            "consortium.audit.run -> boto3",
        ),
        (
            "offsite/spec.py",
            "import consortium.audit.run",
            "BROKEN",
            "consortium.offsite.spec -> consortium.audit.run",
        ),
    ],
)
def test_an_offsite_contract_breaks(tmp_path: Path, module: str, line: str, contract: str, import_chain: str) -> None:
    breaks_a_contract(tmp_path, module, line, contract, import_chain)
