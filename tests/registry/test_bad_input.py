"""The bad-input contract: one line per problem naming the file, exit 2, no traceback, no file touched."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import tree_digest

from .helpers import cli

VERONA = "members/verona.yaml"


def _bomb() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        prev = chr(ord("a") + i - 1)
        cur = chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def _replace(text: str) -> Callable[[Path], None]:
    return lambda p: p.write_text(text)


def _append(text: str) -> Callable[[Path], None]:
    return lambda p: p.write_text(p.read_text() + text)


# (id, file to damage, damage, fragment of the one error line for that file)
CASES: list[tuple[str, str, Callable[[Path], None], str]] = [
    ("yaml-syntax", VERONA, _append("notes: [unclosed\n"), "YAML syntax error"),
    (
        "tab-indent",
        VERONA,
        lambda p: p.write_text(p.read_text().replace("\n  - {name: ver-dc01", "\n\t- {name: ver-dc01")),
        "column 1: tab used for indentation",
    ),
    ("empty", VERONA, _replace(""), "file is empty"),
    ("only-comments", VERONA, _replace("# nothing here\n"), "file is empty"),
    ("binary", VERONA, lambda p: p.write_bytes(b"\x7fELF\x02\x01\x01\x00" * 64), "binary file"),
    ("not-utf8", VERONA, lambda p: p.write_bytes(b"slug: v\xe9rona\n"), "not UTF-8"),
    ("over-1mib", VERONA, _append("# " + "x" * (1024 * 1024) + "\n"), "limited to 1048576 bytes"),
    ("alias-bomb", VERONA, _replace(_bomb()), "aliases"),
    ("duplicate-key", VERONA, _append("population: 99\n"), "population: duplicate key"),
    ("top-level-list", VERONA, _replace("- slug: verona\n"), "expected a YAML mapping"),
    ("two-documents", VERONA, _append("---\nslug: x\n"), "several YAML documents"),
    ("python-tag", VERONA, _append("evil: !!python/object/apply:os.system ['true']\n"), "YAML syntax error"),
    ("misspelt-field", VERONA, _append("endpoint: {windows: 3}\n"), "did you mean 'endpoints'"),
    (
        "wrong-type",
        VERONA,
        lambda p: p.write_text(p.read_text().replace("phase: 4", "phase: four")),
        "valid integer",
    ),
    (
        "nat-wrong-size",
        "members/monona.yaml",
        lambda p: p.write_text(p.read_text().replace("nat_cidrs: [100.64.0.0/24]", "nat_cidrs: [100.64.0.0/23]")),
        "is a /23 but cidrs[0] 192.168.1.0/24 is a /24",
    ),
    ("consortium-syntax", "consortium.yaml", _append("extras: [\n"), "YAML syntax error"),
    ("consortium-missing", "consortium.yaml", lambda p: p.unlink(), "not found"),
    ("member-dir-entry", "members/notes.txt", _replace("hello\n"), "member files are <slug>.yaml"),
    ("path-trick-file-name", "members/a..b.yaml", _replace("slug: a..b\n"), "file name is not <slug>.yaml"),
]

COMMANDS = [
    ("validate",),
    ("members",),
    ("members", "--json"),
    ("render",),
    ("render", "--check"),
    ("onboard", VERONA),
]


@pytest.mark.parametrize(("case", "rel", "damage", "fragment"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_bad_input_contract(
    registry_dir: Path,
    command: tuple[str, ...],
    case: str,
    rel: str,
    damage: Callable[[Path], None],
    fragment: str,
) -> None:
    target = registry_dir / rel
    damage(target)
    before = tree_digest(registry_dir)
    args = [a if a != VERONA else str(registry_dir / VERONA) for a in command]
    result = cli(*args, "--registry", registry_dir)
    assert result.code == 2, (result.out, result.err)
    errors = [line for line in result.err_lines if not line.startswith("warning: ")]
    mine = [line for line in errors if line.startswith(f"{rel}: ")]
    assert len(mine) == 1, errors
    assert fragment in mine[0], mine[0]
    assert "Traceback" not in result.err and "Traceback" not in result.out
    assert tree_digest(registry_dir) == before, "a failed command changed files"


def test_bad_flag_exits_2_without_traceback(registry_dir: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "consortium", "validate", "--registry", str(registry_dir), "--bogus"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert "No such option '--bogus'" in proc.stderr and "Traceback" not in proc.stderr


def test_missing_registry_dir_is_one_line(tmp_path: Path) -> None:
    result = cli("validate", "--registry", tmp_path / "nowhere")
    assert result.code == 2
    assert len(result.err_lines) == 1 and result.err_lines[0].startswith("consortium.yaml: not found")


def test_real_console_script_prints_one_line(registry_dir: Path) -> None:
    (registry_dir / VERONA).write_text("slug: [\n")
    exe = Path(sys.executable).parent / "consortium"
    proc = subprocess.run([str(exe), "validate", "--registry", str(registry_dir)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1].startswith("members/verona.yaml: line ")
    assert "Traceback" not in proc.stderr
