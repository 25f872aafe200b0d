#!/usr/bin/python
"""Enable pam-auth-update profiles of several controls in one call (one round trip, one stack rebuild).

Why one call: every ``pam-auth-update`` run regenerates the whole PAM stack (common-auth, -account,
-password, -session) from every enabled profile, about 1 s per host; the baseline has three profiles'
controls (pam_faillock, pam_pwhistory, pam_umask). The role passes only the profiles the state probe
found not enabled (or whose profile file this run changed), grouped by the control each serves, and
the result names those controls for the audit's evidence: only they are drift, not every control the
task is tagged with. Check mode reports what would be enabled and changes nothing.
"""

from __future__ import annotations

import re

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
module: lsb_pam_profiles
short_description: Enable pam-auth-update profiles, grouped by the control each serves, in one call
description:
  - Runs C(pam-auth-update --enable) once with every profile of I(by_control) (noninteractive).
    An empty I(by_control) changes nothing. Check mode reports the change and runs nothing.
options:
  by_control:
    description: Profile names (files of /usr/share/pam-configs) to enable, by control ID.
    type: dict
    required: true
author: [Municipal IT consortium]
"""

RETURN = r"""
enabled:
  description: The profiles enabled (or in check mode to be enabled), in the order given.
  returned: always
  type: list
consortium_evidence_drift:
  description: The control IDs whose profiles were (or would be) enabled; the evidence callback marks only these.
  returned: always
  type: list
"""

# A profile is a file name in /usr/share/pam-configs: never an option or a path.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$")


def main() -> None:
    module = AnsibleModule(argument_spec={"by_control": {"type": "dict", "required": True}}, supports_check_mode=True)
    by_control = module.params["by_control"] or {}
    names: list[str] = []
    for control, profiles in by_control.items():
        if not isinstance(profiles, list) or not profiles:
            module.fail_json(msg=f"by_control: {control}: expected a non-empty list of profile names")
        for name in profiles:
            if not isinstance(name, str) or not _NAME.match(name):
                module.fail_json(msg=f"by_control: {control}: not a profile name: {name!r}")
            if name not in names:
                names.append(name)
    result = {"changed": bool(names), "enabled": names, "consortium_evidence_drift": sorted(by_control)}
    if names and not module.check_mode:
        tool = module.get_bin_path("pam-auth-update", required=True)  # PATH first, then /usr/sbin
        rc, out, err = module.run_command(
            [tool, "--enable", *names], environ_update={"DEBIAN_FRONTEND": "noninteractive"}
        )
        if rc != 0:
            why = (err or out).strip()
            module.fail_json(msg=f"pam-auth-update --enable {' '.join(names)}: rc {rc}: {why}", **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
