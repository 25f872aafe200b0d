"""The policy pack's path as a user types it: relative in the toolkit's checkout, absolute elsewhere."""

from __future__ import annotations

from pathlib import Path

from consortium.paths import POLICY_PACK_DIR, policy_pack_argument
from tests.conftest import REPO


def test_inside_the_toolkit_checkout_the_pack_is_policies() -> None:
    assert policy_pack_argument(REPO) == "policies"
    assert (POLICY_PACK_DIR / "PulumiPolicy.yaml").is_file()


def test_from_a_consortium_repository_the_pack_is_the_installed_toolkit_s(tmp_path: Path) -> None:
    assert policy_pack_argument(tmp_path) == str(POLICY_PACK_DIR)
    assert Path(policy_pack_argument(tmp_path)).is_absolute()
