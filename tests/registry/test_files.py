"""Reading the files people hand the toolkit, and writing its outputs (consortium/registry/files.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from consortium.registry import files
from consortium.registry.errors import InputError
from tests.conftest import REPO, tree_digest

from .helpers import cli


def _one_line(exc: pytest.ExceptionInfo[InputError]) -> str:
    assert len(exc.value.problems) == 1
    return str(exc.value.problems[0])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "file not found"),
        (b"x" * 11, "file is 11 bytes; such files are limited to 10 bytes"),
        (b"ab\x00c", "binary file (contains NUL bytes)"),
        (b"caf\xe9", "not UTF-8 text (bad byte at offset 3)"),
    ],
)
def test_read_text_refuses_what_is_not_small_utf8_text(tmp_path: Path, content: bytes | None, message: str) -> None:
    path = tmp_path / "in.txt"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError) as exc:
        files.read_text(path, "shown/in.txt", max_bytes=10)
    line = _one_line(exc)
    assert line.startswith("shown/in.txt: ") and message in line


def test_read_text_refuses_a_directory_and_a_fifo(tmp_path: Path) -> None:
    with pytest.raises(InputError) as exc:
        files.read_text(tmp_path, "dir", max_bytes=10)
    assert _one_line(exc) == "dir: is a directory, expected a file"
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(InputError) as exc:  # reading it would wait for a writer forever
        files.read_text(tmp_path / "pipe", "pipe", max_bytes=10)
    assert _one_line(exc) == "pipe: not a regular file"


def test_read_json_names_the_line_of_bad_json(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text('{"a": 1,\n  nope}')
    with pytest.raises(InputError) as exc:
        files.read_json(path, "p.json")
    assert _one_line(exc).startswith("p.json: line 2: not valid JSON: ")
    path.write_text('{"a": [1, 2]}')
    assert files.read_json(path, "p.json") == {"a": [1, 2]}


def test_atomic_write_leaves_the_old_file_when_the_rename_fails(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "f.yaml"
    target.write_text("old\n")

    def boom(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(files.os, "replace", boom)
    with pytest.raises(InputError, match="cannot write: disk full"):  # one line for the CLI, not a traceback
        files.write_atomic(target, "new\n")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["f.yaml"]


@pytest.mark.parametrize("kind", ["fifo", "directory"])
def test_atomic_write_refuses_what_is_not_a_regular_file(tmp_path: Path, kind: str) -> None:
    """A rename onto a FIFO or a device would replace it with a plain file: bad input, nothing changed."""
    target = tmp_path / "out"
    os.mkfifo(target) if kind == "fifo" else target.mkdir()
    before = tree_digest(tmp_path)
    with pytest.raises(InputError) as exc:
        files.write_atomic(target, "text\n")
    assert _one_line(exc) == f"{target}: not a regular file; refusing to replace it"
    assert tree_digest(tmp_path) == before
    assert target.is_fifo() if kind == "fifo" else target.is_dir()


def test_atomic_write_through_a_symlink_replaces_its_target(tmp_path: Path) -> None:
    real = tmp_path / "real.txt"
    real.write_text("old\n")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    files.write_atomic(link, "new\n")
    assert link.is_symlink() and real.read_text() == "new\n"


def test_a_report_onto_a_fifo_is_one_line_and_exit_2(tmp_path: Path) -> None:
    fifo = tmp_path / "report.md"
    os.mkfifo(fifo)
    result = cli("audit", "--catalog", "--format", "markdown", "--output", fifo, "--registry", REPO)
    assert result.code == 2
    assert result.err_lines == [f"{fifo}: not a regular file; refusing to replace it"]
    assert fifo.is_fifo()
