#!/usr/bin/python
"""Read, in one round trip, what the baseline needs to know about a host.

Why a module: every task that runs something on a host costs a round trip (an SSH exchange, a Python
start on the host, a worker on the controller): about 0.3-1 s per host on the lab machines. A run that
changes nothing used to spend ~45 such trips reading state piece by piece (stat per file, systemctl per
unit, dpkg per package list, sysctl, grep, sshd -T). This module reads all of it at once; the role's
``lsb_files`` and ``lsb_ensure`` actions then skip the trips whose outcome the probe already proves.
It only reads: safe in check mode.
"""

from __future__ import annotations

import contextlib
import grp
import hashlib
import os
import pwd
import re
import stat

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
module: lsb_probe
short_description: Read host state for linux_server_baseline in one round trip
description:
  - Read-only. With I(connection=true) it reports who the connection logs in as, where from, the
    capability bounding set, /etc/os-release, the machine and the container type (run it without become).
  - Otherwise it reports the files, units, packages, groups, kernel parameters, line counts and the
    effective sshd configuration asked for (run it with become; some files are root-only).
options:
  connection:
    description: Report the connection facts (login account, SSH_CONNECTION, CapBnd, os-release, machine, container).
    type: bool
    default: false
  files:
    description: Paths (C(~user) expanded); for each existing regular file its sha1, mode, owner and group.
    type: list
    elements: str
    default: []
  units:
    description: systemd units; for each its LoadState, UnitFileState and ActiveState.
    type: list
    elements: str
    default: []
  packages:
    description: Debian packages; for each its dpkg status (installed, config-files, ...; not-installed if unknown).
    type: list
    elements: str
    default: []
  groups:
    description: Group names; for each existing group its gid.
    type: list
    elements: str
    default: []
  sysctl:
    description: Kernel parameters; for each readable key its current value (whitespace normalised).
    type: list
    elements: str
    default: []
  counts:
    description: "{path: regex}: how many lines of each file match (-1 when the file is unreadable)."
    type: dict
    default: {}
  sshd_config:
    description: Report the effective sshd configuration (C(sshd -T) lines), or null when sshd -T fails.
    type: bool
    default: false
  sizes:
    description:
      - Paths of files too large to hash on every run (AIDE's database); for each its size in bytes when it is
        a regular file, null otherwise. Nothing is read from them.
    type: list
    elements: str
    default: []
  texts:
    description: Paths of small text files to return whole (null when missing); not for secrets.
    type: list
    elements: str
    default: []
  statoverride:
    description:
      - Paths of programs (symlinks allowed); for each existing one the real file behind it (what dpkg's
        statoverride and Lynis judge), its mode, owner and group, and dpkg's override of that file (null if none).
    type: list
    elements: str
    default: []
  accounts:
    description:
      - Report the local accounts from UID_MIN up (not nobody) with their password ageing (days) and
        whether they have a usable password - never the password hash itself.
    type: bool
    default: false
author: [Municipal IT consortium]
"""

RETURN = r"""
state:
  description: >-
    What was asked for, by section (connection, files, units, packages, groups, sysctl, counts,
    sizes, texts, statoverride, accounts, sshd_config).
  returned: always
  type: dict
"""


def file_state(path: str) -> dict | None:
    """sha1, mode ("0644"), owner and group of a regular file; None when it does not exist. A directory
    (not a symlink to one) gives its mode, owner and group with ``type: directory`` (lsb_ensure's file
    check), anything else only ``type: other``."""
    full = os.path.expanduser(path)
    try:
        st = os.lstat(full)
    except (FileNotFoundError, NotADirectoryError):  # below a regular file: it cannot exist either
        return None
    if stat.S_ISDIR(st.st_mode):
        return {
            "type": "directory",
            "mode": f"{stat.S_IMODE(st.st_mode):04o}",
            "owner": _name(pwd.getpwuid, st.st_uid),
            "group": _name(grp.getgrgid, st.st_gid),
        }
    if not stat.S_ISREG(st.st_mode):
        return {"type": "other"}
    digest = hashlib.sha1()
    with open(full, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            digest.update(chunk)
    return {
        "sha1": digest.hexdigest(),
        "mode": f"{stat.S_IMODE(st.st_mode):04o}",
        "owner": _name(pwd.getpwuid, st.st_uid),
        "group": _name(grp.getgrgid, st.st_gid),
    }


def _name(lookup, ident: int) -> str:
    try:
        return lookup(ident)[0]
    except KeyError:
        return str(ident)


def units_state(module: AnsibleModule, units: list[str]) -> dict:
    systemctl = module.get_bin_path("systemctl")
    if not units or not systemctl:
        return {}
    rc, out, _ = module.run_command(
        [systemctl, "show", "--property=Id,LoadState,UnitFileState,ActiveState", "--", *units]
    )
    blocks = out.strip().split("\n\n") if rc == 0 else []
    if len(blocks) != len(units):
        return {}  # unreadable: every unit counts as unknown (lsb_ensure then calls its module)
    result = {}
    # systemctl show prints one block per unit, in the order asked.
    for name, block in zip(units, blocks, strict=True):
        props = dict(line.split("=", 1) for line in block.splitlines() if "=" in line)
        result[name] = {
            "load": props.get("LoadState", ""),
            "enabled": props.get("UnitFileState", ""),
            "active": props.get("ActiveState", ""),
        }
    return result


def packages_state(module: AnsibleModule, packages: list[str]) -> dict:
    dpkg_query = module.get_bin_path("dpkg-query")
    if not packages or not dpkg_query:
        return {}
    result = dict.fromkeys(packages, "not-installed")
    # Unknown names make dpkg-query exit 1 but it still lists the known ones.
    _, out, _ = module.run_command([dpkg_query, "-W", "-f=${Package}\t${db:Status-Status}\n", "--", *packages])
    for line in out.splitlines():
        name, _, status = line.partition("\t")
        name = name.split(":")[0]
        if name in result and status:
            result[name] = status
    return result


def groups_state(groups: list[str]) -> dict:
    result = {}
    for name in groups:
        with contextlib.suppress(KeyError):
            result[name] = grp.getgrnam(name).gr_gid
    return result


def sysctl_state(keys: list[str]) -> dict:
    result = {}
    for key in keys:
        try:
            with open("/proc/sys/" + key.replace(".", "/"), encoding="utf-8") as fh:
                result[key] = " ".join(fh.read().split())
        except OSError:
            pass
    return result


def counts_state(counts: dict) -> dict:
    result = {}
    for path, pattern in counts.items():
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                result[path] = sum(1 for line in fh if re.search(pattern, line))
        except OSError:
            result[path] = -1
    return result


def sizes_state(paths: list[str]) -> dict:
    """Size in bytes of each regular file, None when missing or not a regular file (never read)."""
    result: dict = {}
    for path in paths:
        try:
            st = os.stat(path)
        except (FileNotFoundError, NotADirectoryError):
            result[path] = None
            continue
        result[path] = st.st_size if stat.S_ISREG(st.st_mode) else None
    return result


def texts_state(paths: list[str]) -> dict:
    result: dict = {}
    for path in paths:
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                result[path] = fh.read(1 << 20)
        except FileNotFoundError:
            result[path] = None
    return result


# dpkg's own database of overrides (dpkg-statoverride): "owner group mode path" per line, mode in octal.
STATOVERRIDE_DB = "/var/lib/dpkg/statoverride"


def statoverride_state(paths: list[str], db: str = STATOVERRIDE_DB) -> dict:
    """For each existing path: the real file behind its symlinks (``cc`` -> ``x86_64-linux-gnu-gcc-12``),
    that file's mode, owner and group, and dpkg's override of it (None when it has none)."""
    overrides: dict[str, dict] = {}
    if paths:
        with contextlib.suppress(FileNotFoundError), open(db, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                fields = line.rstrip("\n").split(" ", 3)
                if len(fields) == 4 and re.fullmatch(r"[0-7]+", fields[2]):
                    overrides[fields[3]] = {"owner": fields[0], "group": fields[1], "mode": f"{int(fields[2], 8):04o}"}
    result = {}
    for path in paths:
        real = os.path.realpath(path)
        try:
            st = os.stat(real)
        except (FileNotFoundError, NotADirectoryError):  # not installed (or a dangling alternative)
            continue
        result[path] = {
            "real": real,
            "mode": f"{stat.S_IMODE(st.st_mode):04o}",
            "owner": _name(pwd.getpwuid, st.st_uid),
            "group": _name(grp.getgrgid, st.st_gid),
            "override": overrides.get(real),
        }
    return result


def accounts_state() -> list[dict]:
    """Accounts from UID_MIN up with their ageing fields; ``usable_password`` instead of the hash."""
    uid_min = 1000
    with contextlib.suppress(OSError), open("/etc/login.defs", encoding="utf-8", errors="replace") as fh:
        for line in fh:
            fields = line.split()
            if len(fields) >= 2 and fields[0] == "UID_MIN" and fields[1].isdigit():
                uid_min = int(fields[1])
    shadow: dict[str, list[str]] = {}
    with open("/etc/shadow", encoding="utf-8", errors="replace") as fh:
        for line in fh:
            fields = line.rstrip("\n").split(":")
            if len(fields) >= 6:
                shadow[fields[0]] = fields
    accounts = []
    for entry in pwd.getpwall():
        if entry.pw_uid < uid_min or entry.pw_name == "nobody" or entry.pw_name not in shadow:
            continue
        fields = shadow[entry.pw_name]
        hashed = fields[1]
        accounts.append(
            {
                "name": entry.pw_name,
                "uid": entry.pw_uid,
                "usable_password": bool(hashed) and hashed[0] not in "!*",
                "min_days": int(fields[3]) if fields[3].isdigit() else None,
                "max_days": int(fields[4]) if fields[4].isdigit() else None,
                "warn_days": int(fields[5]) if fields[5].isdigit() else None,
            }
        )
    return accounts


def connection_state(module: AnsibleModule) -> dict:
    cap_bnd = ""
    with open("/proc/self/status", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("CapBnd:"):
                cap_bnd = line.split(":", 1)[1].strip()
    os_release = {}
    for path in ("/etc/os-release", "/usr/lib/os-release"):
        if os.path.exists(path):
            with open(path, encoding="utf-8") as fh:
                for line in fh:
                    key, sep, value = line.strip().partition("=")
                    if sep and not key.startswith("#"):
                        os_release[key] = value.strip().strip("\"'")
            break
    # "none" (exit 1) outside containers; the container manager's name (systemd-nspawn, lxc, docker ...) inside.
    detect = module.get_bin_path("systemd-detect-virt")
    out = module.run_command([detect, "--container"])[1] if detect else ""
    return {
        "user": pwd.getpwuid(os.getuid())[0],
        "ssh_connection": os.environ.get("SSH_CONNECTION", ""),
        "cap_bnd": cap_bnd,
        "os_release": os_release,
        "machine": os.uname().machine,
        "container": out.strip() if out.strip() else "none",
    }


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "connection": {"type": "bool", "default": False},
            "files": {"type": "list", "elements": "str", "default": []},
            "units": {"type": "list", "elements": "str", "default": []},
            "packages": {"type": "list", "elements": "str", "default": []},
            "groups": {"type": "list", "elements": "str", "default": []},
            "sysctl": {"type": "list", "elements": "str", "default": []},
            "counts": {"type": "dict", "default": {}},
            "sshd_config": {"type": "bool", "default": False},
            "sizes": {"type": "list", "elements": "str", "default": []},
            "texts": {"type": "list", "elements": "str", "default": []},
            "statoverride": {"type": "list", "elements": "str", "default": []},
            "accounts": {"type": "bool", "default": False},
        },
        supports_check_mode=True,
    )
    p = module.params
    state: dict = {}
    if p["connection"]:
        state["connection"] = connection_state(module)
    state["files"] = {path: file_state(path) for path in p["files"]}
    state["units"] = units_state(module, p["units"])
    state["packages"] = packages_state(module, p["packages"])
    state["groups"] = groups_state(p["groups"])
    state["sysctl"] = sysctl_state(p["sysctl"])
    state["counts"] = counts_state(p["counts"])
    state["sizes"] = sizes_state(p["sizes"])
    state["texts"] = texts_state(p["texts"])
    state["statoverride"] = statoverride_state(p["statoverride"])
    if p["accounts"]:
        state["accounts"] = accounts_state()
    if p["sshd_config"]:
        sshd = module.get_bin_path("sshd", opt_dirs=["/usr/sbin"])
        rc, out, _ = module.run_command([sshd, "-T"]) if sshd else (1, "", "")
        state["sshd_config"] = out.splitlines() if rc == 0 else None
    module.exit_json(changed=False, state=state)


if __name__ == "__main__":
    main()
