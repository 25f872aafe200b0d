"""The register: inventories tied to the registry's members, per member and consortium-wide."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from consortium.assets.inventory import load_inventories
from consortium.assets.register import build_register
from consortium.assets.report import CSV_COLUMNS
from consortium.registry.load import load_registry
from tests.registry.helpers import cli

from .helpers import LINUX, WINDOWS, doc, write

ENDPOINT = doc(host="MON-LT-0042", member="monona", kind="endpoint")


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "inventory"
    for document in (LINUX, WINDOWS, ENDPOINT):
        write(folder, document)
    return folder


def test_consortium_wide_register_counts_every_member_and_names_missing_servers(registry_dir: Path, tmp_path: Path):
    register = build_register(load_inventories(_folder(tmp_path)), load_registry(registry_dir))
    by_slug = {m.slug: m for m in register.members}
    assert list(by_slug) == sorted(by_slug)  # registry order (alphabetical in the example)
    assert [h.host for h in by_slug["verona"].hosts] == ["ver-app01", "ver-dc01"]
    assert by_slug["verona"].missing == ()  # both of Verona's servers reported
    assert [h.host for h in by_slug["monona"].hosts] == ["MON-LT-0042"]
    assert by_slug["monona"].missing == ("mon-fs01",)  # listed in members/monona.yaml, not collected
    assert by_slug["verona"].pending_updates == 3  # unknown (null) counts as nothing, never as a number
    assert len(register.hosts) == 3


def test_csv_is_one_row_per_host_with_the_documented_columns(registry_dir: Path, tmp_path: Path) -> None:
    result = cli("assets", "--registry", registry_dir, "--dir", _folder(tmp_path), "--format", "csv")
    assert result.code == 0, result
    rows = list(csv.DictReader(io.StringIO(result.out)))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [(r["member"], r["host"], r["kind"]) for r in rows] == [
        ("monona", "MON-LT-0042", "endpoint"),
        ("verona", "ver-app01", "server"),
        ("verona", "ver-dc01", "server"),
    ]
    app = rows[1]
    assert (app["encryption"], app["disks_encrypted"], app["disks"]) == ("partial", "1", "2")
    assert app["disk_bytes"] == str(480103981056 + 1920383410176)
    assert (rows[2]["pending_updates"], rows[2]["encryption"]) == ("", "all")  # unknown stays empty


def test_one_member(registry_dir: Path, tmp_path: Path) -> None:
    result = cli("assets", "--registry", registry_dir, "--dir", _folder(tmp_path), "--member", "monona")
    assert result.code == 0, result
    assert "1 host in 1 member: 0 servers, 1 endpoint" in result.out
    assert "MON-LT-0042" in result.out and "ver-app01" not in result.out
    assert "no inventory yet: mon-fs01" in result.out


def test_an_unknown_member_flag_or_file_member_is_one_line(registry_dir: Path, tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    result = cli("assets", "--registry", registry_dir, "--dir", folder, "--member", "atlantis")
    assert result.code == 2 and len(result.err_lines) == 1 and "atlantis" in result.err, result
    stray = write(folder, doc(host="x-01", member="atlantis"))
    result = cli("assets", "--registry", registry_dir, "--dir", folder)
    assert result.code == 2
    assert result.err_lines == [f"{stray}: member: 'atlantis' is not a member of the registry"]


def test_a_server_under_another_member_is_refused(registry_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "inventory"
    copied = write(folder, doc(member="monona"))  # ver-app01 is Verona's server in the registry
    out = tmp_path / "register.json"
    result = cli("assets", "--registry", registry_dir, "--dir", folder, "--format", "json", "--output", out)
    assert result.code == 2 and not out.exists()
    assert result.err_lines == [f"{copied}: member: ver-app01 is a server of verona in the registry, not of monona"]


def test_output_goes_to_a_file_atomically_and_never_onto_a_device(registry_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "reports" / "register.csv"
    result = cli("assets", "--registry", registry_dir, "--dir", _folder(tmp_path), "--format", "csv", "--output", out)
    assert result.code == 0 and result.out == "" and out.read_text().startswith(",".join(CSV_COLUMNS))
    result = cli("assets", "--registry", registry_dir, "--dir", _folder(tmp_path), "--output", "/dev/null")
    assert result.code == 2 and result.err_lines == ["/dev/null: not a regular file; refusing to replace it"]
