"""``consortium schema`` writes into the registry's ``schema/`` (``--registry``, ``$CONSORTIUM_REGISTRY``, cwd),
where member files' ``$schema=../schema/member.schema.json`` finds it; ``--out`` still overrides."""

from __future__ import annotations

import os
from pathlib import Path

from click.testing import CliRunner

from consortium.cli import main
from consortium.registry.schema import schemas


def _schema(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, ["schema", *args], env={"CONSORTIUM_REGISTRY": "", **(env or {})})


def test_schema_goes_to_the_registry_given(tmp_path: Path) -> None:
    result = _schema("--registry", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert {p.name for p in (tmp_path / "schema").iterdir()} == set(schemas())
    assert _schema("--registry", str(tmp_path), "--check").exit_code == 0


def test_schema_goes_to_the_registry_of_the_environment(tmp_path: Path) -> None:
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        registry = tmp_path / "ours"
        registry.mkdir()
        result = _schema(env={"CONSORTIUM_REGISTRY": str(registry / "consortium.yaml")})
        assert result.exit_code == 0, result.output
        assert (registry / "schema" / "member.schema.json").is_file()
        assert not (tmp_path / "schema").exists()
        # Stale in the registry: --check finds it there.
        (registry / "schema" / "member.schema.json").write_text("{}\n")
        stale = _schema("--check", env={"CONSORTIUM_REGISTRY": str(registry)})
        assert stale.exit_code == 1 and "member.schema.json" in stale.output
    finally:
        os.chdir(cwd)


def test_out_overrides_the_registry(tmp_path: Path) -> None:
    result = _schema("--registry", str(tmp_path / "reg"), "--out", str(tmp_path / "elsewhere"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "elsewhere" / "member.schema.json").is_file() and not (tmp_path / "reg").exists()


def test_a_schema_file_that_is_not_utf8_is_stale_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema/member.schema.json").write_bytes(b"\xff\xfe garbage")
    check = _schema("--registry", str(tmp_path), "--check")
    assert check.exit_code == 1, check.output
    assert "stale:" in check.output
    assert _schema("--registry", str(tmp_path)).exit_code == 0
    assert (tmp_path / "schema/member.schema.json").read_text() == schemas()["member.schema.json"]


def test_schema_writes_nothing_unless_every_file_can_be_written(tmp_path: Path) -> None:
    # A folder where member.schema.json belongs: consortium.schema.json was written before the refusal.
    (tmp_path / "schema/member.schema.json").mkdir(parents=True)
    result = _schema("--registry", str(tmp_path))
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().endswith("member.schema.json: not a regular file; refusing to replace it")
    assert not (tmp_path / "schema/consortium.schema.json").exists()
