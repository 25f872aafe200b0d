"""The evidence of a host that cannot be reached, through the real baseline_audit.yml.

Both baselines (Linux and Windows) hand the evidence callback their concern switches before any
connection, so a host whose first connection fails lists every control of its enabled concerns as
unreachable, and none of a switched-off concern. The hosts are an address with nothing listening:
no lab, no Windows.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from .ansible_run import PLAYBOOKS, run_playbook

# role -> (inventory group, the concern switched off in the run)
ROLES = {"linux_server_baseline": ("linux", "ssh"), "windows_baseline": ("windows", "laps")}


@pytest.mark.parametrize("role", sorted(ROLES))
def test_an_unreachable_host_lists_every_enabled_control_of_its_role(tmp_path: Path, role: str) -> None:
    group, off = ROLES[role]
    host = f"down-{group}"
    inventory = tmp_path / "inventory.yml"
    down = {"ansible_connection": "ssh", "ansible_host": "127.0.0.1", "ansible_port": 9, "ansible_user": "nobody"}
    # The Windows preflight refuses an empty RDP source list before it would connect.
    hostvars = {**down, "consortium_mgmt_cidrs": ["10.0.0.0/24"]}
    inventory.write_text(yaml.safe_dump({"all": {"children": {group: {"hosts": {host: hostvars}}}}}))
    evidence = tmp_path / "evidence"
    run = run_playbook(
        PLAYBOOKS / "baseline_audit.yml",
        "-i",
        str(inventory),
        "-e",
        json.dumps({"consortium_evidence_dir": str(evidence), f"{role}_{off}_enabled": False}),
        timeout=120,
    )
    assert run.recap[host]["unreachable"] == 1, run.explain()
    doc = json.loads((evidence / f"{host}.json").read_text())
    controls = yaml.safe_load((PLAYBOOKS / "roles" / role / "controls.yml").read_text())["controls"]
    assert doc["reachable"] is False
    assert doc["summary"]["unreachable"] == sorted(c["id"] for c in controls if c["concern"] != off)
    assert {status for status, ids in doc["summary"].items() if ids} == {"unreachable"}
