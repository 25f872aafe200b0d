"""playbooks/inventory.yml's Windows play on a simulated Windows host (no Windows here).

The real playbook, the rendered Fitchburg inventory and the real consortium_inventory callback run
through ansible-playbook; only ansible.windows.setup, win_product_facts and win_powershell are test
doubles (tests/assets/inventory_winsim_module.py) answering from a recorded host
(tests/assets/data/windows-fit-fs01.json), over a local connection - as the windows_baseline
simulation does. This tests what the play keeps and leaves out, not PowerShell or Windows.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sys
from pathlib import Path

import jsonschema
import pytest

from tests.registry.helpers import cli

from .ansible_run import PLAYBOOKS, REPO, changed_tasks, run_playbook

HOST = "fit-fs01"  # a Windows file server of Fitchburg in the example registry
RECORDED = REPO / "tests/assets/data/windows-fit-fs01.json"
SCHEMA = json.loads((REPO / "schema/host-inventory.schema.json").read_text())

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> tuple[list, Path]:
    root = tmp_path_factory.mktemp("inventory-winsim")
    modules = root / "ansible_collections/ansible/windows/plugins/modules"
    modules.mkdir(parents=True)
    for name in ("setup", "win_product_facts", "win_powershell"):
        shutil.copy(REPO / "tests/assets/inventory_winsim_module.py", modules / f"{name}.py")
    out = root / "out"
    overrides = {
        "ansible_connection": "local",
        "ansible_python_interpreter": sys.executable,
        "vault_fitchburg_windows_user": "unused",
        "vault_fitchburg_windows_password": "unused",
        "inventory_hosts": HOST,
        "consortium_inventory_dir": str(out),
    }
    env = {**os.environ, "ANSIBLE_COLLECTIONS_PATH": str(root), "INVENTORY_WINSIM": str(RECORDED)}
    args = ("-i", str(REPO / "playbooks/inventories/fitchburg.yml"), "--limit", HOST, "-e", json.dumps(overrides))
    results = [run_playbook(PLAYBOOKS / "inventory.yml", *args, env=env, timeout=600) for _ in range(2)]
    return results, out


def test_two_runs_change_nothing(runs) -> None:
    for run in runs[0]:
        assert run.rc == 0 and run.recap[HOST]["changed"] == 0, run.explain() + str(changed_tasks(run.stdout))


def test_the_file_keeps_what_the_register_needs_and_no_secret(runs) -> None:
    results, out = runs
    text = (out / f"{HOST}.json").read_text()
    doc = json.loads(text)
    jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER).validate(doc)
    assert (doc["host"], doc["member"], doc["kind"]) == (HOST, "fitchburg", "server")
    assert doc["os"] == {
        "family": "windows",
        "name": "Microsoft Windows Server 2019 Standard",
        "version": "10.0.17763.0",
        "kernel": "10.0.17763.0",
        "license": {"edition": "Windows(R), ServerStandard edition", "channel": "Volume:GVLK", "status": "Licensed"},
    }
    assert doc["hardware"]["virtualization"] == "VMware" and doc["hardware"]["cpus"] == 4
    assert doc["hardware"]["disks"] == [{"name": "disk0", "size_bytes": 107374182400},
                                        {"name": "disk1", "size_bytes": 2199023255552}]  # fmt: skip
    assert doc["patch"] == {"pending_updates": 2, "last_update": "2026-11-12T08:00:00Z"}
    assert doc["encryption"]["disks"] == [
        {"name": "C:", "encrypted": True, "method": "bitlocker"},
        {"name": "D:", "encrypted": False, "method": None},
    ]
    # As "Programs and Features" lists them: no system component, no update of another program, no
    # unnamed key, the 32- and 64-bit views of Edge once; msi for Windows Installer products.
    assert [(s["name"], s["source"]) for s in doc["software"]] == [
        ("7-Zip 23.01 (x64)", "registry"),
        ("Microsoft Edge", "msi"),
        ("Veeam Agent for Microsoft Windows", "msi"),
        ("VMware Tools", "msi"),
    ]
    recorded = json.loads(RECORDED.read_text())
    secrets = [recorded["product"]["ansible_os_product_key"], recorded["product"]["ansible_os_product_id"],
               recorded["setup"]["ansible_env"]["ADMIN_PASSWORD_HINT"]]  # fmt: skip
    for secret in secrets:
        assert secret not in text
        assert all(secret not in run.output for run in results)  # no_log hides the product facts' answer


def test_the_register_reads_it(runs, registry_dir: Path) -> None:
    _, out = runs
    result = cli("assets", "--registry", registry_dir, "--dir", out, "--member", "fitchburg", "--format", "snipeit")
    assert result.code == 0, result
    serial = json.loads(RECORDED.read_text())["setup"]["ansible_product_serial"]
    (row,) = list(csv.DictReader(io.StringIO(result.out)))
    assert [row[k] for k in ("Asset Tag", "Serial Number", "Model Name", "Category")] == [
        HOST,
        serial,
        "VMware7,1",
        "Servers",
    ]
