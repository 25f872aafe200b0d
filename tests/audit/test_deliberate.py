"""Deliberate differences from the scanners: read from the roles' controls.yml (one list), matched
against a host's scanner evidence, shown apart from the failures; a bad entry is one line, exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from consortium.audit.deliberate import mark_deliberate, read_deliberate
from consortium.audit.scanner_evidence import LynisEvidence, OscapEvidence, ScannerEvidence
from consortium.registry.errors import InputError
from tests.audit.test_evidence import _evidence
from tests.conftest import REPO
from tests.registry.helpers import cli

SSH_SUGGESTION = ("SSH-7408", "Consider hardening SSH configuration")


def test_the_roles_controls_yml_is_the_list() -> None:
    rules = read_deliberate()
    assert [d.control for d in rules[("openscap", "sshd_disable_root_login")]] == ["LNX-SSH-007"]
    # one Lynis test, two settings: MaxSessions and Port, each with its own reason
    assert [d.detail for d in rules[("lynis", "SSH-7408")]] == ["MaxSessions", "Port"]
    # the two scanner rules issue 16 found failing despite the settings: one fixed, one deliberate
    assert ("openscap", "sysctl_net_ipv4_conf_all_arp_filter") in rules
    assert ("openscap", "accounts_tmout") not in rules
    assert all(d.why for entries in rules.values() for d in entries)


def test_findings_are_set_apart_up_to_the_entries_a_lynis_test_has() -> None:
    rules = read_deliberate()
    evidence = ScannerEvidence(
        LynisEvidence(80, (("PKGS-7388", "no security repository"),), (SSH_SUGGESTION,) * 3),
        (OscapEvidence("p", 1, 3, 0, ("sshd_disable_root_login", "partition_for_var", "sudo_add_umask")),),
        (),
    )
    marked = mark_deliberate(evidence, rules)
    assert marked.lynis is not None
    # two entries for SSH-7408 (MaxSessions, Port): a third finding of that test is a finding
    assert [tid for tid, _, _ in marked.lynis.deliberate] == ["SSH-7408", "SSH-7408"]
    warnings, suggestions = marked.lynis.open_findings()
    assert warnings == (("PKGS-7388", "no security repository"),) and suggestions == (SSH_SUGGESTION,)
    (oscap,) = marked.openscap
    assert oscap.findings == ("partition_for_var",)
    assert [(rule, control) for rule, control, _ in oscap.deliberate] == [
        ("sshd_disable_root_login", "LNX-SSH-007"),
        ("sudo_add_umask", "LNX-ADM-001"),
    ]
    # the scanner's own figures are unchanged
    assert (oscap.failed, oscap.failing) == (3, evidence.openscap[0].failing)


def test_without_the_roles_nothing_is_deliberate(tmp_path: Path) -> None:
    assert read_deliberate(tmp_path / "no-roles") == {}


def _roles_with(tmp_path: Path, entry: object) -> Path:
    """A roles folder whose one controls.yml has one control with ``entry`` as its deliberate entries."""
    roles = tmp_path / "roles"
    role = roles / "linux_server_baseline"
    role.mkdir(parents=True)
    head = "controls:\n  - id: LNX-X-001\n    title: t\n    concern: ssh\n    safeguards: ['4.1']\n    check: c\n"
    (role / "controls.yml").write_text(head + f"    deliberate: {json.dumps(entry)}\n")
    return roles


@pytest.mark.parametrize(
    ("entry", "fragment"),
    [
        ([{"scanner": "nessus", "rules": ["x"], "why": "w"}], "deliberate[0].scanner: expected one of lynis"),
        ([{"scanner": "lynis", "why": "w"}], "controls[0].deliberate[0].rules: expected a non-empty list"),
        ([{"scanner": "lynis", "rules": [3], "why": "w"}], "controls[0].deliberate[0].rules[0]: expected a non-empty"),
        ([{"scanner": "lynis", "rules": ["x"], "why": " "}], "controls[0].deliberate[0].why: expected a non-empty"),
        ([{"scanner": "lynis", "rule": "x", "why": "w"}], "controls[0].deliberate[0].rule: unknown"),
        ({"scanner": "lynis"}, "controls[0].deliberate: expected a list"),
    ],
)
def test_a_bad_entry_is_one_line(tmp_path: Path, entry: object, fragment: str) -> None:
    roles = _roles_with(tmp_path, entry)
    with pytest.raises(InputError) as caught:
        read_deliberate(roles)
    (line,) = str(caught.value).splitlines()
    assert line.startswith(f"{roles / 'linux_server_baseline' / 'controls.yml'}: ") and fragment in line, line


def test_the_audit_exits_2_on_a_bad_entry_without_a_traceback(tmp_path: Path, monkeypatch) -> None:
    """The CLI reads the roles of the toolkit it runs from: a broken copy of the toolkit's roles."""
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    doc = _evidence("ver-app01", {"LNX-SSH-001": "compliant"})
    doc["scanners"] = {"openscap": {"p": {"pass": 0, "fail": 1, "other": 0, "failing": ["sshd_disable_root_login"]}}}
    (evidence / "ver-app01.json").write_text(json.dumps(doc))
    roles = _roles_with(tmp_path, [{"scanner": "lynis", "rules": [], "why": "w"}])
    monkeypatch.setattr("consortium.audit.evidence.read_deliberate", lambda _roles_dir: read_deliberate(roles))
    result = cli("audit", "--evidence", evidence, "--registry", REPO)
    assert result.code == 2 and len(result.err_lines) == 1, result.err
    assert "controls[0].deliberate[0].rules: expected a non-empty list" in result.err_lines[0]
    assert "Traceback" not in result.err
