"""Shared CLI behaviour: member-slug completion (through click's completion protocol) and the
progress bar of ``plan`` / ``audit`` (only on a terminal, never in pipes or CI, same output)."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from consortium.cli import main

from ..conftest import copy_registry

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_SLUGS = sorted(p.stem for p in (REPO / "members").glob("*.yaml"))


# --------------------------------------------------------------------------- completion


def _complete(words: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> list[str]:
    """What bash completion offers for ``words`` (the last word being completed), as click answers it."""
    parts = words.split(" ")
    env = {
        "_CONSORTIUM_COMPLETE": "bash_complete",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(parts) - 1),
        **(env or {}),
    }
    old = Path.cwd()
    os.chdir(cwd or old)
    try:
        result = CliRunner().invoke(main, [], prog_name="consortium", env=env)
    finally:
        os.chdir(old)
    assert result.exit_code == 0, result.output
    return [line.split(",", 1)[1] for line in result.output.splitlines() if line.startswith("plain,")]


@pytest.mark.parametrize("command", ["plan", "audit", "up"])
def test_member_completes_the_registrys_slugs(command: str) -> None:
    assert _complete(f"consortium {command} --registry {REPO} --member ") == EXAMPLE_SLUGS
    assert _complete(f"consortium {command} --registry {REPO} --member m") == ["mcfarland", "middleton", "monona"]


def test_completion_reads_the_registry_from_the_environment_then_the_working_directory(tmp_path: Path) -> None:
    registry = copy_registry(tmp_path / "ours")
    (registry / "members" / "greenfield.yaml").write_text("slug: greenfield\n")
    assert "greenfield" in _complete("consortium plan --member g", env={"CONSORTIUM_REGISTRY": str(registry)})
    assert _complete("consortium plan --member g", env={"CONSORTIUM_REGISTRY": ""}, cwd=registry) == ["greenfield"]


def test_completion_never_fails_on_a_bad_registry(tmp_path: Path) -> None:
    # A member file that does not validate still completes; a registry that is not there offers nothing.
    (tmp_path / "members").mkdir()
    (tmp_path / "members" / "broken.yaml").write_text("slug: [unclosed\n")
    assert _complete(f"consortium audit --registry {tmp_path} --member ") == ["broken"]
    assert _complete(f"consortium plan --registry {tmp_path / 'nowhere'} --member ") == []
    (tmp_path / "members").chmod(0)
    try:
        assert _complete(f"consortium plan --registry {tmp_path} --member ") in ([], ["broken"])  # root reads anyway
    finally:
        (tmp_path / "members").chmod(0o755)


# --------------------------------------------------------------------------- progress


def _run(args: list[str], *, tty: bool, ci: bool, cwd: Path) -> tuple[bytes, bytes, int]:
    """Run the CLI with stdout on a pipe and stderr on a pseudo-terminal (``tty``) or a pipe."""
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env.update(
        {"TERM": "xterm", "PYTHONPATH": str(REPO), "CONSORTIUM_REGISTRY": str(REPO), **({"CI": "true"} if ci else {})}
    )
    cmd = [sys.executable, "-m", "consortium", *args]
    if not tty:
        proc = subprocess.run(cmd, capture_output=True, env=env, cwd=cwd, timeout=300)
        return proc.stdout, proc.stderr, proc.returncode
    leader, follower = pty.openpty()
    chunks: list[bytes] = []

    def drain() -> None:  # the bar redraws often: read as it comes, or a full pty blocks the CLI
        while True:
            try:
                data = os.read(leader, 4096)
            except OSError:  # EIO: every writer closed the terminal
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain)
    reader.start()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=follower, env=env, cwd=cwd)
    os.close(follower)
    out, _ = proc.communicate(timeout=300)
    reader.join(timeout=30)
    os.close(leader)
    return out, b"".join(chunks), proc.returncode


@pytest.mark.parametrize(
    "args",
    [
        ["plan", "--all", "--summary", "--jobs", "2", "--json", "plan.json"],
        ["plan", "--member", "verona", "--member", "monona", "--json", "plan.json"],
        ["audit", "--member", "verona", "--member", "monona", "--format", "json"],
    ],
    ids=["plan-all-jobs", "plan-tree", "audit"],
)
def test_progress_only_on_a_terminal_and_the_output_unchanged(tmp_path: Path, args: list[str]) -> None:
    runs = {}
    for name, tty, ci in (("pipe", False, False), ("terminal", True, False), ("ci", True, True)):
        cwd = tmp_path / name
        cwd.mkdir()
        out, err, rc = _run(args, tty=tty, ci=ci, cwd=cwd)
        plan_file = cwd / "plan.json"
        runs[name] = (out, err, rc, plan_file.read_bytes() if plan_file.exists() else None)
    pipe, terminal, ci = runs["pipe"], runs["terminal"], runs["ci"]
    assert pipe[2] in (0, 1) and pipe[0], pipe[1][-400:]
    assert b"planning" not in pipe[1] and b"\x1b[" not in pipe[1]
    assert b"planning" in terminal[1], terminal[1][-400:]
    assert b"planning" not in ci[1]
    # Same standard output, exit code and plan file with or without the bar.
    for other in (terminal, ci):
        assert other[0] == pipe[0] and other[2] == pipe[2] and other[3] == pipe[3]
