"""The CLI contract under bad input: exit 0, 1 or 2; on 2 one ``path: field: message`` line per problem naming
the file; never a traceback; nothing written. Targeted cases for each failure class the fuzzing of issue 12
found, then property-based tests over generated and mutated inputs (bounded; the long run is bench/fuzz_cli.py).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consortium.registry import files
from tests.conftest import tree_digest
from tests.registry.helpers import NEW_TOWN, Result, cli

MEMBER = "members/verona.yaml"
HOST = "vrn-fs01"


def plan_doc() -> dict[str, Any]:
    """A small, valid plan file: one member stack with a vault (far quicker than planning the example)."""
    urn = "urn:pulumi:verona::consortium::azure-native:recoveryservices:Vault::rsv-verona"
    record = {
        "stack": "verona",
        "member": "verona",
        "urn": urn,
        "id": "/subscriptions/0/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/rsv-verona",
        "type": "azure-native:recoveryservices:Vault",
        "name": "rsv-verona",
        "custom": True,
        "parent": None,
        "provider": None,
        "dependencies": [],
        "inputs": {"location": "centralus", "sku": {"name": "RS0", "tier": "Standard"}},
    }
    stacks = [{"stack": "verona", "member": "verona", "resources": 1, "by_type": {record["type"]: 1}}]
    return {"version": 1, "project": "consortium", "consortium": "dane-county", "stacks": stacks, "resources": [record]}


def evidence_doc() -> dict[str, Any]:
    control = {"title": "SSH root login off", "status": "compliant", "safeguards": ["4.7"], "reason": ""}
    return {"host": HOST, "reachable": True, "controls": {"LNX-001": control}}


def assert_contract(result: Result, root: Path, before: dict[str, str], shown: str | None = None) -> None:
    """Exit in {0,1,2}; no traceback; on 2, every line names ``shown`` (when given) and nothing changed."""
    assert result.code in (0, 1, 2), result
    assert "Traceback" not in result.err + result.out
    if result.code == 2:
        assert result.err_lines, result
        if shown is not None:
            assert all(line.startswith(f"{shown}: ") for line in result.err_lines), result.err
        assert tree_digest(root) == before


def run(root: Path, *args: str | Path) -> tuple[Result, dict[str, str]]:
    before = tree_digest(root)
    return cli(*args), before


# --------------------------------------------------------------------------- registry files (YAML)


@pytest.mark.parametrize(
    ("rel", "old", "new", "field"),
    [
        (MEMBER, "population:", "deep: " + "[" * 20000 + "]" * 20000 + "\npopulation:", "line "),
        (MEMBER, "population: ", "population: " + "9" * 5000 + "\n_was: ", "population: integer literal"),
        (MEMBER, "joined: ", "joined: 2026-02-30\n_was: ", "joined: '2026-02-30' is not a date"),
        ("consortium.yaml", "\n", "\nextra: " + "1" * 4400 + "\n", "extra: integer literal"),
    ],
)
def test_yaml_that_crashed_the_parser_is_one_line(registry_dir: Path, rel: str, old: str, new: str, field: str) -> None:
    path = registry_dir / rel
    path.write_text(path.read_text().replace(old, new, 1))
    result, before = run(registry_dir, "validate", "--registry", registry_dir)
    assert result.code == 2
    assert_contract(result, registry_dir, before, rel)
    assert result.err_lines[0].startswith(f"{rel}: {field}"), result.err


def test_an_exemption_expiring_on_a_day_that_does_not_exist(registry_dir: Path) -> None:
    (registry_dir / "plan.json").write_text(json.dumps(plan_doc()))
    (registry_dir / "exemptions.yaml").write_text(
        "exemptions:\n  - control: MCS-STO-001\n    member: verona\n    reason: r\n"
        "    approved_by: Board\n    expires: 2026-02-30\n"
    )
    result, before = run(registry_dir, "audit", "--registry", registry_dir, "--plan", registry_dir / "plan.json")
    assert result.code == 2
    assert_contract(result, registry_dir, before, "exemptions.yaml")
    assert "exemptions[0].expires: '2026-02-30' is not a date" in result.err


# --------------------------------------------------------------------------- plan, state and evidence files (JSON)


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100000 + "]" * 100000,
        '{"version": ' + "1" * 5000 + "}",
        json.dumps({**plan_doc(), "resources": [{**plan_doc()["resources"][0], "inputs": [1, 2]}]}),
        json.dumps({**plan_doc(), "stacks": "verona"}),
    ],
    ids=["nested", "long-int", "inputs-list", "stacks-string"],
)
def test_bad_plan_files_are_one_line(registry_dir: Path, text: str) -> None:
    plan = registry_dir / "plan.json"
    plan.write_text(text)
    result, before = run(registry_dir, "audit", "--registry", registry_dir, "--plan", plan)
    assert result.code == 2
    assert_contract(result, registry_dir, before, str(plan))


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        ({"reachable": "false"}, "reachable"),
        ({"controls": {"LNX-001": "compliant"}}, "controls.LNX-001.status"),
        ({"controls": {"LNX-001": {"status": "compliant", "safeguards": 5}}}, "controls.LNX-001.safeguards"),
        ({"controls": {"LNX-001": {"status": "compliant", "safeguards": [{}]}}}, "controls.LNX-001.safeguards[0]"),
        ({"controls": {"LNX-001": {"status": "compliant", "title": ["x"]}}}, "controls.LNX-001.title"),
    ],
)
def test_evidence_of_the_wrong_types_is_one_line(registry_dir: Path, edit: dict[str, Any], field: str) -> None:
    (registry_dir / "plan.json").write_text(json.dumps(plan_doc()))
    evidence = registry_dir / "evidence"
    evidence.mkdir()
    (evidence / f"{HOST}.json").write_text(json.dumps({**evidence_doc(), **edit}))
    args = ("audit", "--registry", registry_dir, "--plan", registry_dir / "plan.json", "--evidence", evidence)
    result, before = run(registry_dir, *args)
    assert result.code == 2
    assert_contract(result, registry_dir, before, str(evidence / f"{HOST}.json"))
    assert result.err_lines[0].startswith(f"{evidence / f'{HOST}.json'}: {field}: "), result.err


# --------------------------------------------------------------------------- --output


def _audit_to(registry_dir: Path, output: Path | str) -> tuple[Result, dict[str, str]]:
    (registry_dir / "plan.json").write_text(json.dumps(plan_doc()))
    args = ("audit", "--registry", registry_dir, "--plan", registry_dir / "plan.json", "--format", "json")
    return run(registry_dir, *args, "--output", output)


@pytest.mark.parametrize(
    ("target", "fragment"),
    [
        ("somefile/report.json", "cannot write below"),
        ("x" * 256 + ".json", "file name too long"),
        ("new/" + "x" * 256, "file name too long"),
    ],
)
def test_output_that_cannot_be_written_is_one_line(registry_dir: Path, target: str, fragment: str) -> None:
    (registry_dir / "somefile").write_text("keep\n")
    result, before = _audit_to(registry_dir, registry_dir / target)
    assert result.code == 2
    assert_contract(result, registry_dir, before, str(registry_dir / target))
    assert fragment in result.err


def test_output_onto_a_device_is_still_refused(registry_dir: Path) -> None:
    result, _ = _audit_to(registry_dir, "/dev/null")
    assert result.code == 2
    assert result.err_lines == ["/dev/null: not a regular file; refusing to replace it"]
    assert Path("/dev/null").is_char_device()


def test_output_with_the_longest_legal_name_is_written(registry_dir: Path) -> None:
    """Before, the temp file (``.NAME.xxxx.tmp``) was longer than NAME_MAX even when NAME was legal."""
    target = registry_dir / ("r" * 255)
    result, _ = _audit_to(registry_dir, target)
    assert result.code in (0, 1), result.err
    assert json.loads(target.read_text())


def _refuse_writes_under(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Simulate a folder the caller cannot write (as root, permission bits would not stop the write)."""
    real = tempfile.mkstemp

    def mkstemp(*args: Any, dir: str | os.PathLike[str] | None = None, **kwargs: Any) -> tuple[int, str]:
        if dir is not None and Path(dir).resolve().is_relative_to(folder.resolve()):
            raise PermissionError(13, "Permission denied")
        return real(*args, dir=dir, **kwargs)

    monkeypatch.setattr(files.tempfile, "mkstemp", mkstemp)


def test_output_in_an_unwritable_folder_is_one_line(registry_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = registry_dir / "locked"
    locked.mkdir()
    if os.geteuid() != 0:
        locked.chmod(0o555)
    _refuse_writes_under(monkeypatch, locked)
    result, before = _audit_to(registry_dir, locked / "r.json")
    assert result.code == 2
    assert result.err_lines == [f"{locked / 'r.json'}: cannot write: Permission denied"]
    assert tree_digest(registry_dir) == before


# --------------------------------------------------------------------------- unreadable and unwritable registries


def test_an_unreadable_member_file_is_one_line(registry_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    member = registry_dir / MEMBER
    if os.geteuid() != 0:
        member.chmod(0)
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == member.name:
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    result = cli("validate", "--registry", registry_dir)
    assert result.code == 2
    assert result.err_lines == [f"{MEMBER}: cannot read: Permission denied"]


def test_render_into_an_unwritable_folder_is_one_line(registry_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (registry_dir / "stacks" / "Pulumi.verona.yaml").unlink()
    _refuse_writes_under(monkeypatch, registry_dir / "stacks")
    result, before = run(registry_dir, "render", "--registry", registry_dir)
    assert result.code == 2
    assert_contract(result, registry_dir, before)
    assert "stacks/Pulumi.verona.yaml: cannot write: Permission denied" in result.err


def test_render_writes_nothing_unless_every_file_can_be_written(
    registry_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """stacks/ writable, docs/ not: before, the stack was rewritten, then render stopped at the runbook."""
    (registry_dir / "stacks" / "Pulumi.verona.yaml").unlink()
    (registry_dir / "docs" / "members" / "verona.md").unlink()
    _refuse_writes_under(monkeypatch, registry_dir / "docs")
    result, before = run(registry_dir, "render", "--registry", registry_dir)
    assert result.code == 2
    assert_contract(result, registry_dir, before)
    assert not (registry_dir / "stacks" / "Pulumi.verona.yaml").exists()
    assert result.err_lines == ["docs/members/verona.md: cannot write: Permission denied"]


def test_onboarding_is_all_or_nothing(registry_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """members/ writable, the rendered folders not: before, the CIDR was written and nothing rendered."""
    new = registry_dir / "members" / "dunn.yaml"
    new.write_text(NEW_TOWN)
    _refuse_writes_under(monkeypatch, registry_dir / "docs")
    result, before = run(registry_dir, "onboard", "--registry", registry_dir, new)
    assert result.code == 2, result
    assert_contract(result, registry_dir, before)
    assert result.err_lines == ["docs/members/dunn.md: cannot write: Permission denied"]
    assert "cidr" not in new.read_text().split("admins")[1]


# --------------------------------------------------------------------------- not a regular file where one belongs


def _make(path: Path, kind: str) -> None:
    """Put something that is not a regular file at ``path``: what a careless copy or a fuzzer leaves."""
    if path.is_dir():
        shutil.rmtree(path)
    elif os.path.lexists(path):
        path.unlink()
    if kind == "dir":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)  # reading it would block for ever: refused before it is opened
    elif kind == "dangling":
        path.symlink_to(path.parent / "nowhere")
    else:
        path.symlink_to(path)  # a loop: Python 3.11's resolve() raises RuntimeError on it


KINDS = ["dir", "fifo", "dangling", "loop"]


@pytest.fixture(autouse=False)
def no_hang() -> Iterator[None]:
    """Fail (not hang) when a command blocks: a FIFO read waits for a writer that never comes."""

    def stop(*_: object) -> None:
        raise TimeoutError("the command blocked for 60 s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(60)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


PLACES = [
    # Each was silently taken as absent (no members, no estimates, no exemptions, default parameters).
    ("members", "validate"),
    ("estimates.json", "validate"),
    ("exemptions.yaml", "audit-plan"),
    ("consortium.yaml", "audit-plan"),
    # Render hung reading a FIFO for its generated marker, and a link loop was a traceback.
    ("stacks/Pulumi.verona.yaml", "render"),
    ("playbooks/inventories/verona.yml", "render"),
]
# Valid, so not cases: a members folder, and a rendered file's link to a file not there yet (render writes through it).
BAD_PLACES = [
    (rel, command, kind)
    for rel, command in PLACES
    for kind in KINDS
    if not ((rel, kind) == ("members", "dir") or (rel.startswith(("stacks/", "playbooks/")) and kind == "dangling"))
]


@pytest.mark.parametrize(("rel", "command", "kind"), BAD_PLACES)
def test_something_else_where_a_file_belongs_is_one_line(
    registry_dir: Path, rel: str, command: str, kind: str, no_hang: None
) -> None:
    (registry_dir / "plan.json").write_text(json.dumps(plan_doc()))
    _make(registry_dir / rel, kind)
    args = {
        "validate": ["validate"],
        "render": ["render"],
        "audit-plan": ["audit", "--plan", registry_dir / "plan.json"],
    }[command]
    result, before = run(registry_dir, *args, "--registry", registry_dir)
    assert result.code == 2, result
    assert_contract(result, registry_dir, before)
    assert any(line.startswith(f"{rel}: ") for line in result.err_lines), result.err


@pytest.mark.parametrize("kind", ["fifo", "loop"])
def test_drill_evidence_that_is_not_a_folder_is_one_line(registry_dir: Path, kind: str, no_hang: None) -> None:
    # A FIFO named drills/ beside the evidence read as "no drills": MCS-BAK-009 silently not judged.
    evidence = registry_dir / "ev"
    evidence.mkdir()
    (evidence / f"{HOST}.json").write_text(json.dumps(evidence_doc()))
    (registry_dir / "plan.json").write_text(json.dumps(plan_doc()))
    _make(evidence / "drills", kind)
    plan = registry_dir / "plan.json"
    result, before = run(registry_dir, "audit", "--registry", registry_dir, "--plan", plan, "--evidence", evidence)
    assert result.code == 2, result
    assert_contract(result, registry_dir, before, str(evidence / "drills"))


@pytest.mark.parametrize("text", ["a: 2026-13-40\n", "a: " + "9" * 5000 + "\n", "- 1\n"])
def test_a_broken_stack_file_is_one_line_not_a_traceback(registry_dir: Path, text: str) -> None:
    # render reads the existing stack file for its secrets: PyYAML's bare ValueError escaped it.
    (registry_dir / "stacks/Pulumi.verona.yaml").write_text(text)
    result, before = run(registry_dir, "render", "--registry", registry_dir)
    assert result.code == 2, result
    assert_contract(result, registry_dir, before, "stacks/Pulumi.verona.yaml")


# ------------------------------------------------------------------- property-based: generated and mutated inputs

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=12),
    st.sampled_from(["2026-02-30", "1" * 80, "[" * 80, "{a: *x}", "\t- x", "0x" + "f" * 70, "!!binary AAAA"]),
)
JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=8)),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _mutate_yaml(text: str, line: int, value: str, mode: int) -> str:
    lines = text.splitlines()
    i = line % len(lines)
    key = lines[i].split(":", 1)[0]
    if mode == 0 and ":" in lines[i]:
        lines[i] = f"{key}: {value}"
    elif mode == 1:
        lines.insert(i, value)
    else:
        del lines[i]
    return "\n".join(lines) + "\n"


@FAST
@given(
    rel=st.sampled_from([MEMBER, "consortium.yaml", "members/oregon.yaml"]),
    line=st.integers(0, 400),
    value=SCALARS.map(lambda v: v if isinstance(v, str) else json.dumps(v)),
    mode=st.integers(0, 2),
)
def test_mutated_registry_files_keep_the_contract(
    registry_dir: Path, rel: str, line: int, value: str, mode: int
) -> None:
    path = registry_dir / rel
    original = path.read_text()
    path.write_text(_mutate_yaml(original, line, value, mode))
    try:
        result, before = run(registry_dir, "validate", "--registry", registry_dir)
        assert_contract(result, registry_dir, before)
        if result.code == 2:  # every line names a registry file (one problem, one line)
            assert all(re.match(r"[\w.-]+(/[\w.-]+)*: ", line) for line in result.err_lines), result.err
    finally:
        path.write_text(original)


def _mutate_json(doc: Any, path: list[Any], value: Any) -> Any:
    """``doc`` with the node that ``path`` (indexes, taken modulo) reaches replaced by ``value``."""
    if not path or not isinstance(doc, dict | list) or not doc:
        return value
    keys = list(doc) if isinstance(doc, dict) else list(range(len(doc)))
    key = keys[path[0] % len(keys)]
    doc[key] = _mutate_json(doc[key], path[1:], value)
    return doc


@FAST
@given(kind=st.sampled_from(["plan", "evidence"]), path=st.lists(st.integers(0, 20), max_size=4), value=JSON_VALUES)
def test_mutated_plan_and_evidence_files_keep_the_contract(
    registry_dir: Path, kind: str, path: list[int], value: Any
) -> None:
    plan = registry_dir / "plan.json"
    evidence = registry_dir / "evidence"
    evidence.mkdir(exist_ok=True)
    host = evidence / f"{HOST}.json"
    plan.write_text(json.dumps(_mutate_json(plan_doc(), path, value) if kind == "plan" else plan_doc()))
    host.write_text(json.dumps(_mutate_json(evidence_doc(), path, value) if kind == "evidence" else evidence_doc()))
    result, before = run(registry_dir, "audit", "--registry", registry_dir, "--plan", plan, "--evidence", evidence)
    assert_contract(result, registry_dir, before, str(plan if kind == "plan" else host))
