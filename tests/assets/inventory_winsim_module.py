#!/usr/bin/python
# WANT_JSON
"""A test double of the three Windows modules playbooks/inventory.yml calls, for running its Windows
play without Windows (as tests/playbooks/winsim_module.py does for windows_baseline).

tests/playbooks/test_inventory_windows.py copies this file as ansible.windows.setup,
ansible.windows.win_product_facts and ansible.windows.win_powershell into a throw-away collections
folder and points INVENTORY_WINSIM at a recorded host (tests/assets/data/windows-fit-fs01.json). Each
copy answers what its module answers on that host; win_powershell checks that the script is the
playbook's inventory script before answering. This proves the play's control flow, what it keeps and
what it leaves out - not PowerShell, the real modules or Windows.
"""

from __future__ import annotations

import json
import os
import sys

MODULE = os.path.basename(__file__).removesuffix(".py").removeprefix("AnsiballZ_")


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as fh:
        args = json.load(fh)
    with open(os.environ["INVENTORY_WINSIM"], encoding="utf-8") as fh:
        host = json.load(fh)
    if MODULE == "setup":
        result = {"changed": False, "ansible_facts": host["setup"]}
    elif MODULE == "win_product_facts":
        result = {"changed": False, "ansible_facts": host["product"]}
    elif MODULE == "win_powershell":
        script = args.get("script") or ""
        wanted = ("CurrentVersion\\Uninstall", "Get-BitLockerVolume", "Get-Disk", "Get-HotFix")
        missing = [w for w in wanted if w not in script]
        if missing:
            result = {"changed": False, "failed": True, "msg": f"inventory winsim: not the inventory script: {missing}"}
        else:
            result = {"changed": False, "result": host["powershell"], "output": [], "error": []}
    else:
        result = {"failed": True, "msg": f"inventory winsim: no simulation for {MODULE}"}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
