"""Action ``lsb_files``: render a control's templates on the controller and write them in one round trip.

Why: ``ansible.builtin.template`` costs two round trips per file on a run that changes nothing, and
the baseline has ~15 files. Here the templates are rendered exactly as the template action renders
them, and compared with what the role's state probe (library/lsb_probe.py) read at the start of the
run: when every file already has that content, owner, group and mode, the task returns ``ok`` without
contacting the host. Otherwise the differing files go to the ``lsb_files`` module in one call (atomic,
validated, check mode and --diff honoured). A task per control keeps the evidence per control.

With ``batch: true`` it is the role's one write of every enabled concern's files right after the
state probe (tasks/state.yml): a file that fails validation is left for its control's task (which
then fails on it), and in check mode it does nothing - each control's task reports its own drift.

Task arguments:
  files: [{src: template (or content: text, or from_file: controller path copied as is), dest: path,
           mode: "0644", owner: root, group: root, validate: "cmd %s", read_after: "cmd"}]
           (read_after: a command whose output lines the module returns once it wrote the file, such as
           the effective configuration a service will load from it: no second round trip to read it)
  known: the probe's ``files`` section ({dest: {sha1, mode, owner, group} | null}); missing = unknown
  batch: true for the role's batch write (see above)
"""

from __future__ import annotations

import hashlib
import os

from ansible.errors import AnsibleActionFail, AnsibleError
from ansible.plugins.action import ActionBase
from ansible.template import trust_as_template

try:  # ansible-core >= 2.19
    from ansible.template import _template_vars
except ImportError:  # pragma: no cover
    _template_vars = None


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("files", "known", "batch"))

    def _read(self, path: str) -> str:
        """A file of the controller, as is (an absolute path, or one found like ``copy``'s src)."""
        try:
            return self._loader.get_text_file_contents(self._find_needle("files", path))
        except AnsibleError as exc:
            raise AnsibleActionFail(str(exc)) from exc

    def _render(self, src: str, dest: str, task_vars: dict) -> str:
        try:
            source = self._find_needle("templates", src)
        except AnsibleError as exc:
            raise AnsibleActionFail(str(exc)) from exc
        data = trust_as_template(self._loader.get_text_file_contents(source))
        searchpath = []
        for p in [*task_vars.get("ansible_search_path", []), self._loader._basedir, os.path.dirname(source)]:
            searchpath += [os.path.join(p, "templates"), p]
        variables = task_vars.copy()
        if _template_vars is not None:
            managed = "ansible_managed" not in variables
            variables.update(
                _template_vars.generate_ansible_template_vars(
                    path=src, fullpath=source, dest_path=dest, include_ansible_managed=managed
                )
            )
        templar = self._templar.copy_with_new_env(searchpath=searchpath, available_variables=variables)
        # The template action's defaults: trim_blocks on, lstrip_blocks off, "\n" newlines.
        overrides = {"trim_blocks": True, "lstrip_blocks": False, "newline_sequence": "\n"}
        rendered = templar.template(data, escape_backslashes=False, overrides=overrides)
        return "" if rendered is None else str(rendered)

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        files = self._task.args.get("files") or []
        known = self._task.args.get("known") or {}
        batch = bool(self._task.args.get("batch", False))
        if batch and (self._task.check_mode or self._play_context.check_mode):
            # The play keyword check_mode (baseline_audit.yml) shows here, not in ansible_check_mode.
            result.update(skipped=True, changed=False, msg="check mode: each control's task checks its own files")
            return result
        if not isinstance(files, list) or not all(
            isinstance(f, dict) and f.get("dest") and (f.get("src") or f.get("from_file") or "content" in f)
            for f in files
        ):
            raise AnsibleActionFail("files must be a list of {src (a template), from_file or content, dest, mode, ...}")
        todo = []
        for f in files:
            dest = str(f["dest"])
            if "content" in f:
                content = str(f["content"])
            elif f.get("from_file"):
                content = self._read(str(f["from_file"]))
            else:
                content = self._render(str(f["src"]), dest, task_vars)
            spec = {
                "dest": dest,
                "content": content,
                "owner": str(f.get("owner") or "root"),
                "group": str(f.get("group") or "root"),
                "mode": str(f.get("mode") or ""),
                "validate": str(f.get("validate") or ""),
                "read_after": str(f.get("read_after") or ""),
            }
            if len(spec["mode"].lstrip("0")) > 4 or not spec["mode"].isdigit():
                raise AnsibleActionFail(f"{dest}: mode must be an octal string such as '0644', not {f.get('mode')!r}")
            if not _matches(spec, known.get(dest)):
                todo.append(spec)
        if not todo:
            result.update(
                changed=False,
                changed_files=[],
                written_state={},
                refused={},
                read_after={},
                msg=f"{len(files)} file(s) as the state probe read them: nothing to do",
            )
            return result
        module_args = {"files": todo, "refuse_invalid": batch}
        result.update(self._execute_module(module_name="lsb_files", module_args=module_args, task_vars=task_vars))
        return result


def _matches(spec: dict, seen: dict | None) -> bool:
    """Does the probe's view of the file (sha1, mode, owner, group) equal what the task wants?"""
    if not seen or "sha1" not in seen:
        return False
    return (
        seen["sha1"] == hashlib.sha1(spec["content"].encode("utf-8")).hexdigest()
        and int(seen["mode"], 8) == int(spec["mode"], 8)
        and seen["owner"] == spec["owner"]
        and seen["group"] == spec["group"]
    )
