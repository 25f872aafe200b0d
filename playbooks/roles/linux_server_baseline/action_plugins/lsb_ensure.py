"""Action ``lsb_ensure``: run a module only when the state probe does not already prove its outcome.

Why: on a run that changes nothing, every module call is a round trip (~0.3-1 s per host) that ends
in "ok". The role's state probe (library/lsb_probe.py) reads units, packages and groups at the start
of the run in one trip; this action compares what the module is asked to do with that reading and
returns ``ok`` without contacting the host when the outcome is certain. Whenever it is not certain
(an option it does not understand, a state it cannot read, restarted/reloaded, versions or wildcards)
the module runs as usual, with check mode and --diff as the module supports them. So the decision can
only save a call, never change a result: "satisfied" is decided conservatively.

Task arguments:
  module: ansible.builtin.systemd_service | ansible.builtin.apt | ansible.builtin.group | ansible.builtin.file
          (state directory only; others always run)
  module_args: the module's arguments
  known: the probe's state (sections units, packages, groups, files)
"""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase


def _service_satisfied(args: dict, known: dict) -> bool:
    unit = (known.get("units") or {}).get(str(args.get("name", "")))
    if not unit or unit.get("load") != "loaded" or set(args) - {"name", "enabled", "state"}:
        return False
    if "enabled" in args and unit.get("enabled") != ("enabled" if boolean(args["enabled"]) else "disabled"):
        return False
    want = {"started": "active", "stopped": "inactive"}
    if "state" in args and want.get(str(args["state"])) != unit.get("active"):
        return False
    return "enabled" in args or "state" in args


def _apt_satisfied(args: dict, known: dict) -> bool:
    names = args.get("name") or args.get("pkg") or args.get("package")
    names = [names] if isinstance(names, str) else list(names or [])
    allowed = {"name", "state", "purge", "update_cache", "cache_valid_time", "install_recommends"}
    if not names or set(args) - allowed or any(c in n for n in names for c in "=*?[<>:/"):
        return False
    status = {n: (known.get("packages") or {}).get(n) for n in names}
    if any(s is None for s in status.values()):  # not read by the probe
        return False
    state = str(args.get("state", "present"))
    if state == "present":
        return all(s == "installed" for s in status.values())
    if state == "absent":
        gone = {"not-installed", "config-files"} if not boolean(args.get("purge", False)) else {"not-installed"}
        return all(s in gone for s in status.values())
    return False


def _group_satisfied(args: dict, known: dict) -> bool:
    groups = known.get("groups")
    if groups is None or set(args) - {"name", "gid", "system", "state"}:
        return False
    if str(args.get("state", "present")) != "present":
        return False
    gid = groups.get(str(args.get("name", "")))
    return gid is not None and (args.get("gid") in (None, "") or int(args["gid"]) == int(gid))


def _directory_satisfied(args: dict, known: dict) -> bool:
    """ansible.builtin.file with state directory: the probe saw a directory (no symlink) with exactly this
    owner, group and mode. The mode must be an octal string ("0750"): a symbolic or integer one runs."""
    seen = (known.get("files") or {}).get(str(args.get("path", "")))
    if not seen or seen.get("type") != "directory" or set(args) - {"path", "state", "owner", "group", "mode"}:
        return False
    wanted = [args.get(k) for k in ("owner", "group", "mode")]
    if str(args.get("state")) != "directory" or not all(isinstance(v, str) for v in wanted):
        return False
    try:
        mode = f"{int(args['mode'], 8):04o}"
    except ValueError:
        return False
    return (seen.get("owner"), seen.get("group"), seen.get("mode")) == (args["owner"], args["group"], mode)


SATISFIED = {
    "ansible.builtin.systemd_service": _service_satisfied,
    "ansible.builtin.systemd": _service_satisfied,
    "ansible.builtin.apt": _apt_satisfied,
    "ansible.builtin.group": _group_satisfied,
    "ansible.builtin.file": _directory_satisfied,
}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("module", "module_args", "known"))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        module = self._task.args.get("module")
        args = self._task.args.get("module_args") or {}
        known = self._task.args.get("known") or {}
        if not module or not isinstance(args, dict) or not isinstance(known, dict):
            raise AnsibleActionFail("lsb_ensure needs module (a name), module_args (a dict), known (the probe state)")
        # Whether this was only a check: the play keyword check_mode (baseline_audit.yml) shows here, not in
        # ansible_check_mode, and a later task must not take a "would install" for an installation.
        result["check_mode"] = bool(self._task.check_mode or self._play_context.check_mode)
        check = SATISFIED.get(str(module))
        if check is not None and check(args, known):
            result.update(changed=False, msg=f"{module}: already so (state probe); not called")
            return result
        result.update(self._execute_module(module_name=str(module), module_args=args, task_vars=task_vars))
        return result
