"""The Ansible inventory of a running lab."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from .hosts import SSH_OPTIONS, Host


def write_inventory(path: Path, hosts: Sequence[Host], key_path: Path, control_dir: Path) -> None:
    """YAML inventory; values are JSON strings, which are valid YAML scalars (no PyYAML needed).

    Root, the lab key, no host key checking; Ansible's ControlMaster sockets go to ``control_dir`` (made
    here), inside the run dir, so teardown finds their ssh processes.
    """
    q = json.dumps
    lines = ["all:", "  hosts:"]
    for h in hosts:
        lines += [f"    {h.name}:", f"      ansible_host: {q(h.ip)}"]
    lines += [
        "  vars:",
        "    ansible_user: root",
        f"    ansible_ssh_private_key_file: {q(str(key_path))}",
        f"    ansible_ssh_common_args: {q(' '.join(SSH_OPTIONS))}",
        "    ansible_python_interpreter: /usr/bin/python3",
        # Ansible's ControlMaster sockets inside the run dir, so teardown finds their ssh processes.
        f"    ansible_control_path_dir: {q(str(control_dir))}",
    ]
    control_dir.mkdir(exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
