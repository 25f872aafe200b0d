"""The PowerShell scripts of windows_baseline, checked without PowerShell.

PowerShell itself cannot be installed here (no Debian package, and the npm/PyPI "pwsh" installers
download the binary at install time), so the scripts are parsed with the tree-sitter PowerShell
grammar (PyPI tree-sitter-powershell): an independent grammar, not PowerShell's own parser - it
catches syntax slips (unbalanced blocks, broken strings), not every error PowerShell would raise.
On the parse tree the audit's safety rule is checked too: the scripts run on real hosts in check
mode, so every command that changes a host must sit inside an ``if ($PSCmdlet.ShouldProcess(...))``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import tree_sitter_powershell
import yaml
from tree_sitter import Language, Node, Parser

from .ansible_run import PLAYBOOKS

ROLE = PLAYBOOKS / "roles/windows_baseline"
PARSER = Parser(Language(tree_sitter_powershell.language()))
# Verbs of cmdlets that change a machine (New-Object only builds objects in memory: not listed).
CHANGING_VERBS = {
    "add", "backup", "backuptoaad", "clear", "disable", "enable", "install", "register", "remove",
    "restart", "resume", "set", "start", "stop", "suspend", "uninstall", "unregister", "update",
}  # fmt: skip
# Methods that change the machine: those of the ADSI group (WinNT provider) of local_admins.
CHANGING_METHODS = tuple(f"$group.{m}(" for m in ("Add", "Remove", "Put", "SetInfo", "Rename"))


def _scripts() -> list[tuple[str, str]]:
    found = []
    for path in sorted([*(ROLE / "tasks").glob("*.yml"), ROLE / "handlers/main.yml"]):
        for task in yaml.safe_load(path.read_text()) or []:
            module = task.get("ansible.windows.win_powershell")
            if module:
                found.append((f"{path.name}: {task['name']}", module["script"]))
    return found


SCRIPTS = _scripts()


def _walk(node: Node) -> Iterator[Node]:
    yield node
    for child in node.children:
        yield from _walk(child)


def _problems(script: str) -> list[str]:
    tree = PARSER.parse(script.encode())
    return [
        f"{'missing' if n.is_missing else 'error'} at line {n.start_point[0] + 1}: {n.text[:60]!r}"
        for n in _walk(tree.root_node)
        if n.type == "ERROR" or n.is_missing
    ]


def test_the_role_has_its_three_scripts() -> None:
    assert len(SCRIPTS) == 3, [name for name, _ in SCRIPTS]


@pytest.mark.parametrize(("name", "script"), SCRIPTS, ids=[n for n, _ in SCRIPTS])
def test_script_parses(name: str, script: str) -> None:
    assert _problems(script) == []


@pytest.mark.parametrize(("name", "script"), SCRIPTS, ids=[n for n, _ in SCRIPTS])
def test_a_slip_in_the_script_is_caught(name: str, script: str) -> None:
    """The parse check can fail: the same script with its last closing brace or a quote dropped."""
    cut = script.rindex("}")
    assert _problems(script[:cut] + script[cut + 1 :])
    quote = script.index("'")
    assert _problems(script[:quote] + script[quote + 1 :])


def _should_process_guarded(node: Node) -> bool:
    while node.parent is not None:
        node = node.parent
        if node.type == "if_statement":
            condition = next(c for c in node.children if c.type == "pipeline")
            if b"$PSCmdlet.ShouldProcess(" in condition.text:
                return True
    return False


@pytest.mark.parametrize(("name", "script"), SCRIPTS, ids=[n for n, _ in SCRIPTS])
def test_every_change_waits_for_should_process(name: str, script: str) -> None:
    """win_powershell runs a script in check mode only when it declares SupportsShouldProcess, and
    then ShouldProcess answers false: that is what keeps the audit from changing anything."""
    root = PARSER.parse(script.encode()).root_node
    binding = [n for n in _walk(root) if n.type == "attribute" and n.text.startswith(b"[CmdletBinding(")]
    assert binding and b"SupportsShouldProcess" in binding[0].text, "not run in check mode without it"
    changes = [
        n
        for n in _walk(root)
        if (n.type == "command_name" and n.text.decode().split("-")[0].lower() in CHANGING_VERBS)
        or (n.type == "invokation_expression" and n.text.decode().startswith(CHANGING_METHODS))
    ]
    unguarded = [n.text.decode() for n in changes if not _should_process_guarded(n)]
    assert unguarded == [], f"{name}: changes outside if ($PSCmdlet.ShouldProcess(...)): {unguarded}"
    if "ShouldProcess(" in script:
        assert changes, "the rule found nothing to check"


def test_the_guard_rule_can_fail() -> None:
    script = "[CmdletBinding(SupportsShouldProcess)]\nparam ()\nif ($x) { Update-MpSignature }\n"
    root = PARSER.parse(script.encode()).root_node
    command = next(n for n in _walk(root) if n.type == "command_name")
    assert not _should_process_guarded(command)
