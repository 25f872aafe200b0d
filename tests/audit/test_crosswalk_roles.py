"""The CIS crosswalk reads the baselines' controls from the toolkit's roles; without them (a
pip-installed toolkit has no playbooks) it says so instead of listing fewer controls."""

from __future__ import annotations

from pathlib import Path

import pytest

from consortium.audit.reports.crosswalk import baseline_controls
from consortium.registry.errors import InputError


def test_the_roles_give_the_baseline_controls() -> None:
    assert {c["source"] for c in baseline_controls()} >= {"linux_server_baseline"}


def test_missing_roles_are_named_not_skipped(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="roles are not installed here"):
        baseline_controls(tmp_path / "playbooks" / "roles")
