#!/usr/bin/python
"""Give files dpkg's stat override (owner, group, mode) in one round trip.

Why dpkg-statoverride and not chmod: dpkg reinstates a package's own modes on every upgrade, so a
chmod'ed compiler would be world-executable again after the next binutils or gcc security update.
An override is dpkg's record of the local choice: it applies it now (``--update``) and on every later
unpack. The role calls this module only for the files whose override or mode the state probe saw
differ (library/lsb_probe.py), so a host already so costs no round trip.
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import stat

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
module: lsb_statoverride
short_description: Record and apply dpkg stat overrides (owner, group, mode) for files
description:
  - For each path, makes dpkg's override exactly I(owner) I(group) I(mode) and applies it to the file
    (C(dpkg-statoverride --update --add)); an override with other values is replaced. Check mode
    reports what would change and changes nothing.
options:
  paths:
    description: Real files (not symlinks, whose mode is not theirs to give).
    type: list
    elements: path
    required: true
  owner: {description: Owner name., type: str, default: root}
  group: {description: Group name., type: str, default: root}
  mode: {description: Octal mode as a string (C("0750"))., type: str, required: true}
author: [Municipal IT consortium]
"""

RETURN = r"""
changed_paths:
  description: Paths whose override was (or in check mode would be) added, replaced or applied again.
  returned: always
  type: list
"""


def current_override(module: AnsibleModule, tool: str, path: str) -> tuple[str, str, str] | None:
    """dpkg's override of ``path`` as (owner, group, "0750"), or None (``--list`` exits 1 then)."""
    rc, out, _ = module.run_command([tool, "--list", path])
    for line in out.splitlines() if rc == 0 else []:
        fields = line.split(" ", 3)
        if len(fields) == 4 and fields[3] == path and re.fullmatch(r"[0-7]+", fields[2]):
            return fields[0], fields[1], f"{int(fields[2], 8):04o}"
    return None


def file_matches(path: str, owner: str, group: str, mode: str) -> bool:
    """Does the file already carry the override's values (an override added with --update does)?"""
    st = os.stat(path)
    try:
        names = (pwd.getpwuid(st.st_uid)[0], grp.getgrgid(st.st_gid)[0])
    except KeyError:
        return False
    return names == (owner, group) and f"{stat.S_IMODE(st.st_mode):04o}" == mode


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "paths": {"type": "list", "elements": "path", "required": True},
            "owner": {"type": "str", "default": "root"},
            "group": {"type": "str", "default": "root"},
            "mode": {"type": "str", "required": True},
        },
        supports_check_mode=True,
    )
    p = module.params
    if not re.fullmatch(r"0?[0-7]{3,4}", p["mode"]):
        module.fail_json(msg=f"mode: {p['mode']!r} is not an octal mode such as 0750")
    mode = f"{int(p['mode'], 8):04o}"
    tool = module.get_bin_path("dpkg-statoverride", required=True)
    wanted = (p["owner"], p["group"], mode)
    changed = []
    for path in p["paths"]:
        have = current_override(module, tool, path)
        if have == wanted and file_matches(path, *wanted):
            continue
        changed.append(path)
        if module.check_mode:
            continue
        # --add refuses a path that already has an override: replace it (--remove exits 2 without one).
        if have is not None:
            module.run_command([tool, "--remove", path], check_rc=True)
        module.run_command([tool, "--update", "--add", p["owner"], p["group"], mode, path], check_rc=True)
    module.exit_json(changed=bool(changed), changed_paths=changed)


if __name__ == "__main__":
    main()
