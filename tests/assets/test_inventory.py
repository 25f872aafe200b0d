"""The host inventory reader: good files read, every kind of malformed file one line naming the file
and the field, exit 2 and nothing written; the reader and the published schema agree."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from consortium.assets.inventory import HOST_PATTERN, TIMESTAMP_PATTERN, load_inventories, parse_inventory
from consortium.registry.errors import InputError
from consortium.registry.fields import SLUG_PATTERN
from tests.registry.helpers import DELETE, cli, set_path

from .helpers import LINUX, SCHEMA, WINDOWS, doc, write

# With the format checker: "date-time" is an annotation otherwise, and a pattern cannot refuse a 13th month.
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def test_the_schema_is_valid_and_shares_the_readers_patterns() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    props = SCHEMA["properties"]
    assert props["member"]["pattern"] == SLUG_PATTERN
    assert props["host"]["pattern"] == HOST_PATTERN
    assert SCHEMA["$defs"]["timestamp"]["pattern"] == TIMESTAMP_PATTERN


@pytest.mark.parametrize("document", [LINUX, WINDOWS], ids=["linux", "windows"])
def test_good_files_are_schema_valid_and_read(tmp_path: Path, document: dict) -> None:
    VALIDATOR.validate(document)
    write(tmp_path, document)
    (inv,) = load_inventories(tmp_path)
    assert inv.host == document["host"] and inv.member == "verona" and inv.kind == "server"
    assert inv.os_family == document["os"]["family"]
    assert [s.name for s in inv.software] == [s["name"] for s in document["software"]]
    assert inv.collected_at.isoformat() == document["collected_at"].replace("Z", "+00:00")


def test_encryption_state_and_unknowns() -> None:
    linux = parse_inventory(LINUX, "x.json")
    assert linux.encryption_state == "partial" and linux.pending_updates == 3
    windows = parse_inventory(WINDOWS, "y.json")
    assert windows.encryption_state == "all" and windows.pending_updates is None
    assert windows.license == WINDOWS["os"]["license"]
    bare = doc(encryption={"disks": []})
    assert parse_inventory(bare, "z.json").encryption_state == "unknown"


# (dotted path, new value or DELETE, the field the one line names, a piece of its message)
MALFORMED = [
    ("schema_version", 2, "schema_version", "expected 1"),
    ("schema_version", True, "schema_version", "expected 1"),
    ("host", "", "host", "expected 1 to 512 characters, got 0"),
    ("host", "bad host", "host", "does not match"),
    ("member", "Verona", "member", "does not match"),
    ("member", None, "member", "expected a string, got null"),
    ("kind", "laptop", "kind", "expected one of server, endpoint"),
    ("collected_at", "2026-12-03 10:15:00", "collected_at", "does not match"),
    ("collected_at", "2026-13-40T10:15:00Z", "collected_at", "is not a date and time"),
    ("collected_at", DELETE, "collected_at", "missing"),
    ("os", [], "os", "expected an object, got a list"),
    ("os.family", "macos", "os.family", "expected one of linux, windows"),
    ("os.name", "", "os.name", "expected 1 to 512 characters"),
    ("os.kernel", 6, "os.kernel", "expected a string, got a number"),
    ("os.codename", "bookworm", "os.codename", "unknown field"),
    ("os.license", {"edition": "x", "channel": None}, "os.license.status", "missing"),
    (
        "os.license",
        {"edition": "x", "channel": None, "status": None, "product_key": "XXXXX"},
        "os.license.product_key",
        "unknown field",
    ),
    ("hardware.serial", 12345, "hardware.serial", "expected a string or null, got a number"),
    ("hardware.cpus", "8", "hardware.cpus", "expected a whole number, got a string"),
    ("hardware.cpus", -1, "hardware.cpus", "expected 0 or more"),
    ("hardware.memory_mb", 1.5, "hardware.memory_mb", "expected a whole number, got a number"),
    ("hardware.memory_mb", True, "hardware.memory_mb", "expected a whole number, got a boolean"),
    ("hardware.disks", {}, "hardware.disks", "expected a list, got an object"),
    ("hardware.disks[1].size_bytes", "2T", "hardware.disks[1].size_bytes", "expected a whole number"),
    ("patch.pending_updates", "3", "patch.pending_updates", "expected a whole number or null, got a string"),
    ("patch.last_update", "yesterday", "patch.last_update", "does not match"),
    ("encryption.disks[0].encrypted", "false", "encryption.disks[0].encrypted", "expected true or false, got a string"),
    ("encryption.disks[0].method", "veracrypt", "encryption.disks[0].method", "expected one of luks, dm-crypt"),
    ("encryption.disks[0].name", DELETE, "encryption.disks[0].name", "missing"),
    ("software", None, "software", "expected a list, got null"),
    ("software[1].source", "rpm", "software[1].source", "expected one of deb, msi, registry"),
    ("software[0].version", 5, "software[0].version", "expected a string or null, got a number"),
    ("software[0].name", "x" * 513, "software[0].name", "expected 1 to 512 characters, got 513"),
    ("software[0].env", {"PATH": "/bin"}, "software[0].env", "unknown field"),
    ("secrets", {"key": "x"}, "secrets", "unknown field"),
    # control characters went on into the CSV, the Snipe-IT import and the terminal table
    ("hardware.model", "R350\x00", "hardware.model", "holds a control character ('\\x00' at 4)"),
    ("software[0].name", "\x1b[2Jbash", "software[0].name", "holds a control character ('\\x1b' at 0)"),
    ("os.name", "Debian\nGNU", "os.name", "holds a control character"),
    ("hardware.serial", "7XK2\tQF3", "hardware.serial", "holds a control character"),
]


def _mutated(path: str, value: Any) -> dict:
    document = copy.deepcopy(LINUX)
    set_path(document, path, value)
    return document


IDS = [f"{m[0]}={m[1]!r}"[:50] for m in MALFORMED]


@pytest.mark.parametrize(("path", "value", "field", "message"), MALFORMED, ids=IDS)
def test_a_malformed_file_is_one_line_exit_2_and_nothing_written(
    registry_dir: Path, tmp_path: Path, path: str, value: Any, field: str, message: str
) -> None:
    folder = tmp_path / "inventory"
    bad = write(folder, _mutated(path, value), name="ver-app01")
    write(folder, WINDOWS)  # a good file next to it changes nothing
    out = tmp_path / "out" / "register.csv"
    result = cli("assets", "--registry", registry_dir, "--dir", folder, "--format", "csv", "--output", out)
    assert result.code == 2, result
    assert result.err_lines == [f"{bad}: {field}: {result.err_lines[0].split(': ', 2)[2]}"], result.err
    assert message in result.err_lines[0], result.err
    assert "Traceback" not in result.err and not out.exists() and not out.parent.exists()
    # The published schema refuses the same document (the reader is never looser than the schema).
    assert not VALIDATOR.is_valid(_mutated(path, value)), (path, value)


@pytest.mark.parametrize(
    ("content", "line"),
    [
        (b"{not json", "{file}: line 1: not valid JSON"),
        (b"", "{file}: line 1: not valid JSON"),
        (b"\x00\x01binary", "{file}: binary file"),
        (b"[]", "{file}: (document): expected an object, got a list"),
        # half a surrogate pair read fine, then crashed the output (UnicodeEncodeError)
        (b'{"host": "\\ud800"}', "{file}: a string holds half of a UTF-16 surrogate pair"),
    ],
)
def test_unreadable_files_are_one_line(registry_dir: Path, tmp_path: Path, content: bytes, line: str) -> None:
    path = tmp_path / "inventory" / "ver-app01.json"
    path.parent.mkdir()
    path.write_bytes(content)
    result = cli("assets", "--registry", registry_dir, "--dir", path.parent)
    assert result.code == 2 and len(result.err_lines) == 1, result
    assert result.err_lines[0].startswith(line.format(file=path)), result.err


def test_a_file_named_for_another_host_is_refused(registry_dir: Path, tmp_path: Path) -> None:
    bad = write(tmp_path / "inventory", LINUX, name="ver-dc01")
    result = cli("assets", "--registry", registry_dir, "--dir", bad.parent)
    assert result.code == 2
    assert result.err_lines == [f"{bad}: host: 'ver-app01' does not match the file name (expected ver-dc01.json)"]


def test_every_bad_file_is_named_once(registry_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "inventory"
    one = write(folder, _mutated("kind", "laptop"))
    two = write(folder, doc(WINDOWS, member="nowhere-town"))
    two.write_text(two.read_text().replace('"schema_version": 1', '"schema_version": "1"'))
    result = cli("assets", "--registry", registry_dir, "--dir", folder)
    assert result.code == 2
    assert [line.split(": ")[0:2] for line in result.err_lines] == [[str(one), "kind"], [str(two), "schema_version"]]


def test_an_empty_or_missing_folder_is_bad_input(registry_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = cli("assets", "--registry", registry_dir, "--dir", tmp_path / "empty")
    assert result.code == 2 and result.err_lines == [f"{tmp_path / 'empty'}: holds no host inventories (*.json)"]
    result = cli("assets", "--registry", registry_dir, "--dir", tmp_path / "nowhere")
    assert result.code == 2 and re.match(rf"^{re.escape(str(tmp_path / 'nowhere'))}: not a directory", result.err)
    with pytest.raises(InputError):
        load_inventories(tmp_path / "nowhere")


def test_json_of_the_register_gives_back_each_file_as_written(registry_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "inventory"
    write(folder, LINUX)
    write(folder, WINDOWS)
    result = cli("assets", "--registry", registry_dir, "--dir", folder, "--format", "json", "--member", "verona")
    assert result.code == 0, result
    (verona,) = json.loads(result.out)["members"]
    assert verona["inventories"] == [LINUX, WINDOWS]
    for document in verona["inventories"]:
        VALIDATOR.validate(document)
