#!/usr/bin/python
"""Write a control's configuration files in one round trip (the module behind the lsb_files action).

Why not ansible.builtin.template: it costs two round trips per file even when nothing changes (a stat,
then the file module for the attributes) and three steps when it writes (stat, an SFTP transfer, the
copy module). The action renders the templates on the controller and sends their content here; this
module compares, validates and replaces only what differs, keeping template's guarantees: a file is
checked (``validate``, ``%s`` = the new file) before it replaces the old one, replacement is atomic
(rename in the same directory, mode and owner set before), check mode changes nothing, and --diff
shows the difference.
"""

from __future__ import annotations

import grp
import hashlib
import os
import pwd
import shlex
import stat
import tempfile

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
module: lsb_files
short_description: Write whole files (content, owner, group, mode) atomically, validated, in one round trip
description:
  - Used through the linux_server_baseline action of the same name, which renders the templates.
options:
  files:
    description: The files.
    type: list
    elements: dict
    required: true
    suboptions:
      dest: {description: Path on the host (C(~user) expanded)., type: str, required: true}
      content: {description: The whole content., type: str, required: true}
      owner: {description: Owner name., type: str, default: root}
      group: {description: Group name., type: str, default: root}
      mode: {description: Octal mode as a string (C("0644"))., type: str, required: true}
      validate:
        description: Command run on the new file before it replaces the old (C(%s) = its path); empty = none.
        type: str
        default: ""
      read_after:
        description:
          - Command run once every file is written, when this one was (not in check mode); its output
            lines are returned in C(read_after), or null when it fails. Empty = none.
        type: str
        default: ""
  refuse_invalid:
    description:
      - A file that fails its validation (or cannot be written) is left alone and listed in C(refused)
        instead of failing the task (the batch write: the control's own task then fails on it).
    type: bool
    default: false
author: [Municipal IT consortium]
"""

RETURN = r"""
changed_files:
  description: Paths that were (or in check mode would be) written or had their owner, group or mode fixed.
  returned: always
  type: list
written_state:
  description: sha1, mode, owner and group of each changed file, as lsb_probe reports them.
  returned: always
  type: dict
refused:
  description: "{path: reason} of the files that failed validation (with refuse_invalid)."
  returned: always
  type: dict
read_after:
  description: "{path: output lines of its read_after command, or null when it failed} of the files written."
  returned: always
  type: dict
"""


def _current(path: str) -> tuple[bytes | None, os.stat_result | None]:
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None, None
    if not stat.S_ISREG(st.st_mode):
        return None, st
    with open(path, "rb") as fh:
        return fh.read(), st


class Refused(Exception):
    """The new content failed its validation command."""


def _write(module: AnsibleModule, path: str, data: bytes, uid: int, gid: int, mode: int, validate: str) -> None:
    directory = os.path.dirname(path) or "."
    # A drop-in directory the distribution creates only with an optional package (/etc/modprobe.d
    # without kmod, in minimal images): made as its package would, root's and world-readable.
    os.makedirs(directory, mode=0o755, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".lsb-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fchown(fh.fileno(), uid, gid)
            os.fchmod(fh.fileno(), mode)
            os.fsync(fh.fileno())
        if validate:
            if "%s" not in validate:
                module.fail_json(msg=f"{path}: validate must contain %s: {validate}")
            rc, out, err = module.run_command(shlex.split(validate.replace("%s", shlex.quote(tmp))))
            if rc != 0:
                raise Refused(f"{path}: failed validation ({validate}): {(err or out).strip()}")
        os.replace(tmp, path)
        tmp = ""
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    finally:
        if tmp:
            os.unlink(tmp)


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "files": {
                "type": "list",
                "elements": "dict",
                "required": True,
                "options": {
                    "dest": {"type": "str", "required": True},
                    "content": {"type": "str", "required": True},
                    "owner": {"type": "str", "default": "root"},
                    "group": {"type": "str", "default": "root"},
                    "mode": {"type": "str", "required": True},
                    "validate": {"type": "str", "default": ""},
                    "read_after": {"type": "str", "default": ""},
                },
            },
            "refuse_invalid": {"type": "bool", "default": False},
        },
        supports_check_mode=True,
    )
    changed_files: list[str] = []
    written_state: dict[str, dict] = {}
    refused: dict[str, str] = {}
    diffs: list[dict] = []
    to_read: dict[str, str] = {}  # dest -> read_after command, for the files written
    for f in module.params["files"]:
        dest = os.path.expanduser(f["dest"])
        data = f["content"].encode("utf-8")
        try:
            uid, gid = pwd.getpwnam(f["owner"]).pw_uid, grp.getgrnam(f["group"]).gr_gid
            mode = int(f["mode"], 8)
        except (KeyError, ValueError) as exc:
            module.fail_json(msg=f"{dest}: bad owner, group or mode: {exc}")
        old, st = _current(dest)
        if st is not None and old is None:
            module.fail_json(msg=f"{dest}: exists and is not a regular file")
        same_content = old == data
        same_attrs = st is not None and (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (uid, gid, mode)
        if same_content and same_attrs:
            continue
        if not module.check_mode and not same_content:
            try:
                _write(module, dest, data, uid, gid, mode, f["validate"])
            except (Refused, OSError) as exc:
                reason = str(exc) if isinstance(exc, Refused) else f"{dest}: {exc}"
                if not module.params["refuse_invalid"]:
                    module.fail_json(msg=reason)
                refused[f["dest"]] = reason
                continue
        elif not module.check_mode:
            os.chown(dest, uid, gid)
            os.chmod(dest, mode)
        if f["read_after"] and not module.check_mode:
            to_read[f["dest"]] = f["read_after"]
        changed_files.append(f["dest"])
        written_state[f["dest"]] = {
            "sha1": hashlib.sha1(data).hexdigest(),
            "mode": f"{mode:04o}",
            "owner": f["owner"],
            "group": f["group"],
        }
        if module._diff:
            if not same_content:
                diffs.append(
                    {
                        "before_header": dest,
                        "after_header": dest,
                        "before": (old or b"").decode("utf-8", "replace"),
                        "after": f["content"],
                    }
                )
            else:
                before = f"{dest}: owner {_name(pwd.getpwuid, st.st_uid)}, group {_name(grp.getgrgid, st.st_gid)}, "
                diffs.append(
                    {
                        "before": before + f"mode {stat.S_IMODE(st.st_mode):04o}\n",
                        "after": f"{dest}: owner {f['owner']}, group {f['group']}, mode {mode:04o}\n",
                    }
                )
    # After every write: what such a command reads may come from several of these files.
    read_after: dict[str, list[str] | None] = {}
    for dest, command in to_read.items():
        rc, out, _ = module.run_command(shlex.split(command))
        read_after[dest] = out.splitlines() if rc == 0 else None
    result: dict = {
        "changed": bool(changed_files),
        "changed_files": changed_files,
        "written_state": written_state,
        "refused": refused,
        "read_after": read_after,
    }
    if diffs:
        result["diff"] = diffs
    module.exit_json(**result)


def _name(lookup, ident: int) -> str:
    try:
        return lookup(ident)[0]
    except KeyError:
        return str(ident)


if __name__ == "__main__":
    main()
