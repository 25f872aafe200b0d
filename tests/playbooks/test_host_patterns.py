"""The audit playbook's plays pick the right hosts from ``baseline_hosts``, written "a,b" or "a:b":
the Linux play never a Windows host, the Windows play only Windows hosts (``--list-hosts``, no host
is contacted)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .ansible_run import PLAYBOOKS, run_playbook

INVENTORY = """\
[linux]
lin1
lin2
lin3
[windows]
win1
[town_a]
lin1
win1
[town_b]
lin2
"""


def plays(inventory: Path, *extra: str) -> list[set[str]]:
    run = run_playbook(PLAYBOOKS / "baseline_audit.yml", "-i", str(inventory), "--list-hosts", *extra)
    assert run.rc == 0, run.explain()
    chunks = re.split(r"^\s+play #\d+", run.stdout, flags=re.M)[1:]
    return [set(re.findall(r"^\s{6}(\S+)$", chunk, flags=re.M)) for chunk in chunks]


@pytest.mark.parametrize("hosts", ["town_a,town_b", "town_a:town_b"])
def test_two_groups_split_into_their_linux_and_windows_hosts(tmp_path: Path, hosts: str) -> None:
    inventory = tmp_path / "hosts.ini"
    inventory.write_text(INVENTORY)
    assert plays(inventory, "-e", f"baseline_hosts={hosts}") == [{"lin1", "lin2"}, {"win1"}]


def test_without_baseline_hosts_each_play_takes_its_kind(tmp_path: Path) -> None:
    inventory = tmp_path / "hosts.ini"
    inventory.write_text(INVENTORY)
    assert plays(inventory) == [{"lin1", "lin2", "lin3"}, {"win1"}]
