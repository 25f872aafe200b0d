#!/usr/bin/python
# WANT_JSON
"""A test double of one Windows module, for running windows_baseline without Windows.

tests/playbooks/test_windows_simulated.py copies this file under the names of the modules the role
uses (ansible.windows.win_regedit, community.windows.win_firewall_rule, ...) into a throw-away
collections folder that shadows the real collections, and points the "host" (connection local)
at a JSON file holding its simulated state. Each copy answers like the real module would on that
state - changed when the state differs, nothing written in check mode, idempotent - so the role's
own control flow (conditions, registered results, check mode, report-only warnings, the evidence
callback) runs for real. The three PowerShell scripts are NOT run: win_powershell recognises each
script and reproduces its documented outcome from the state (see _powershell). This proves nothing
about PowerShell, the real modules or Windows itself.
"""

from __future__ import annotations

import json
import os
import sys

MODULE = os.path.basename(__file__).removesuffix(".py").removeprefix("AnsiballZ_")


def _regedit(args: dict, state: dict) -> tuple[bool, dict]:
    key = f"{args['path']}\\{args['name']}"
    reg = state.setdefault("registry", {})
    want = None if args.get("state", "present") == "absent" else str(args.get("data"))
    if reg.get(key) == want:
        return False, {}
    if want is None:
        reg.pop(key, None)
    else:
        reg[key] = want
    return True, {}


def _keyed(section: str, key: str, value: object, state: dict) -> tuple[bool, dict]:
    table = state.setdefault(section, {})
    if table.get(key) == value:
        return False, {}
    table[key] = value
    return True, {}


def _powershell(args: dict, state: dict, check: bool) -> tuple[bool, dict, bool]:
    """(changed, result, failed) of the role's three scripts, from the simulated state."""
    script, params = args["script"], args.get("parameters") or {}
    enforce = str(params.get("Enforce")).lower() == "true"
    if "Get-BitLockerVolume" in script:
        bl = state.setdefault("bitlocker", {"protected": False, "tpm": True})
        result = {"mount_point": "C:", "available": True, "protected": bl["protected"], "action": "none"}
        result["check_mode"] = check  # $Ansible.CheckMode
        result["volume_status"] = "FullyEncrypted" if bl["protected"] else "FullyDecrypted"
        if enforce and not bl["protected"]:
            if not bl["tpm"]:
                return False, {**result, "action": "refused: no ready TPM"}, True
            if not check:
                bl["protected"] = True
            return True, {**result, "action": "enable BitLocker"}, False
        return False, result, False
    if "Get-MpComputerStatus" in script:
        av = state.setdefault("defender", {"real_time": True, "signature_age_days": 0, "mode": "Normal"})
        changed = not av["real_time"] or av["signature_age_days"] > int(params["MaxAgeDays"])
        if changed and not check:
            av.update(real_time=True, signature_age_days=0)
        passive = av["mode"] != "Normal" and str(params.get("PassiveAllowed")).lower() != "true"
        return changed, {"running_mode": av["mode"], "problems": ["passive"] if passive else []}, passive
    if "S-1-5-32-544" in script:
        admins = state.setdefault("local_admins", {"extra": []})
        extra = list(admins["extra"])
        result = {"extra": extra, "removed": [], "enforce": enforce, "ansible_account_stays": True, "check_mode": check}
        if extra and enforce:
            if not check:
                admins["extra"] = []
                result["removed"] = extra
            return True, result, False
        return False, result, False
    raise SystemExit(f"winsim: unknown script for {MODULE}")


def main() -> None:
    # An old-style module (WANT_JSON: arguments in a JSON file): no AnsiballZ packaging, so each
    # call is cheap, and it takes whatever arguments the real module takes.
    with open(sys.argv[1], encoding="utf-8") as fh:
        args = json.load(fh)
    check = bool(args.get("_ansible_check_mode"))
    path = os.environ["WINSIM_STATE"]  # the simulated host's state, set by the test
    with open(path, encoding="utf-8") as fh:
        state = json.load(fh)
    broken = (state.get("broken") or {}).get(MODULE)  # a module error the test injects: {"<module>": "<message>"}
    if broken:
        print(json.dumps({"changed": False, "failed": True, "msg": broken}))
        return
    before = json.dumps(state, sort_keys=True)
    failed = False
    if MODULE == "win_regedit":
        changed, result = _regedit(args, state)
    elif MODULE == "win_security_policy":
        changed, result = _keyed("security_policy", f"{args['section']}/{args['key']}", str(args["value"]), state)
    elif MODULE == "win_audit_policy_system":
        changed, result = _keyed("audit_policy", args["subcategory"], sorted(args["audit_type"]), state)
    elif MODULE == "win_firewall":
        want = {"state": args["state"], "inbound": args.get("inbound_action"), "outbound": args.get("outbound_action")}
        changed = False
        for profile in args["profiles"]:
            changed |= _keyed("firewall_profiles", profile, want, state)[0]
        result = {}
    elif MODULE == "win_firewall_rule":
        key = args.get("name") or f"group:{args['group']}"
        want = {k: args.get(k) for k in ("direction", "action", "protocol", "localport", "remoteip", "enabled")}
        changed, result = _keyed("firewall_rules", key, want, state)
    elif MODULE == "win_service":
        changed, result = True, {}  # a restart always changes
    elif MODULE == "win_powershell":
        changed, inner, failed = _powershell(args, state, check)
        result = {"result": inner}
    else:
        raise SystemExit(f"winsim: no simulation for {MODULE}")
    if not check and json.dumps(state, sort_keys=True) != before:
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(state, fh, indent=1, sort_keys=True)
    if failed:
        result["msg"] = f"winsim: {MODULE} failed on the simulated state"
    print(json.dumps({"changed": changed, "failed": failed, **result}))


if __name__ == "__main__":
    main()
