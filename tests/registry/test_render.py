"""Rendering: golden files for one member, staleness checks, orphans, kept secrets."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consortium.registry.errors import InputError
from consortium.registry.load import load_registry
from consortium.registry.render import render_registry
from tests.conftest import REPO, tree_digest

from .helpers import cli, read, write

GOLDEN = Path(__file__).parent / "golden"
GOLDEN_FILES = {
    "stacks/Pulumi.verona.yaml": "Pulumi.verona.yaml",
    "playbooks/inventories/verona.yml": "verona.yml",
    "docs/members/verona.md": "verona.md",
    "stacks/Pulumi.hub.yaml": "Pulumi.hub.yaml",
}


def test_golden_files_for_verona_and_the_hub() -> None:
    """Template changes must be deliberate: regenerate with UPDATE_GOLDEN=1 and review the diff."""
    rendered = render_registry(load_registry(REPO))
    for rel, name in GOLDEN_FILES.items():
        if os.environ.get("UPDATE_GOLDEN"):
            GOLDEN.mkdir(exist_ok=True)
            (GOLDEN / name).write_text(rendered[rel])
        assert rendered[rel] == (GOLDEN / name).read_text(), f"{rel} differs from tests/registry/golden/{name}"


def test_committed_rendered_files_match_the_registry() -> None:
    result = cli("render", "--check", "--registry", REPO)
    assert result.code == 0, result.out
    assert result.out == "ok: 28 rendered files match the registry\n"


def test_render_is_deterministic(registry_dir: Path) -> None:
    reg = load_registry(registry_dir)
    assert render_registry(reg) == render_registry(reg)


def test_check_lists_a_hand_edited_file_and_writes_nothing(registry_dir: Path) -> None:
    inv = registry_dir / "playbooks/inventories/monona.yml"
    inv.write_text(inv.read_text().replace("consortium_member_phase: 3", "consortium_member_phase: 4"))
    before = tree_digest(registry_dir)
    result = cli("render", "--check", "--registry", registry_dir)
    assert result.code == 1
    assert result.out.splitlines() == [
        "stale: playbooks/inventories/monona.yml: out of date",
        "1 rendered file disagrees with the registry; run: consortium render",
    ]
    assert tree_digest(registry_dir) == before


def test_check_lists_what_a_member_change_affects(registry_dir: Path) -> None:
    data = read(registry_dir / "members/verona.yaml")
    data["population"] = 15000
    write(registry_dir / "members/verona.yaml", data)
    result = cli("render", "--check", "--registry", registry_dir, "--json")
    assert result.code == 1
    assert json.loads(result.out)["changed"] == ["docs/members/verona.md", "stacks/Pulumi.verona.yaml"]
    assert cli("render", "--registry", registry_dir).code == 0
    assert cli("render", "--check", "--registry", registry_dir).code == 0


def test_a_deleted_member_file_is_refused_not_its_stack_deleted(registry_dir: Path) -> None:
    (registry_dir / "members/oregon.yaml").unlink()
    before = tree_digest(registry_dir)
    for args in (("render",), ("render", "--check")):
        result = cli(*args, "--registry", registry_dir)
        assert result.code == 2, args
        assert result.err.strip().splitlines() == [
            "stacks/Pulumi.oregon.yaml: members/oregon.yaml is gone but this file holds the stack's encrypted "
            "secrets; restore the member file and offboard the town (`consortium offboard oregon`) instead of "
            "deleting its file"
        ]
    assert tree_digest(registry_dir) == before


def test_orphans_without_a_stack_file_are_removed(registry_dir: Path) -> None:
    # An inventory or runbook holds nothing of its own: with the stack file gone too, render tidies up.
    (registry_dir / "members/oregon.yaml").unlink()
    (registry_dir / "stacks/Pulumi.oregon.yaml").unlink()
    keep = registry_dir / "stacks/Pulumi.sandbox.yaml"  # hand-made, no generated marker: never touched
    keep.write_text("config: {}\n")
    result = cli("render", "--check", "--registry", registry_dir)
    assert result.code == 1
    assert "stale: playbooks/inventories/oregon.yml: generated for a member that no longer exists" in result.out
    assert "sandbox" not in result.out
    result = cli("render", "--registry", registry_dir)
    assert result.code == 0
    assert "removed playbooks/inventories/oregon.yml" in result.out
    assert not (registry_dir / "docs/members/oregon.md").exists() and keep.exists()


def test_secrets_set_by_pulumi_are_kept_and_not_stale(registry_dir: Path) -> None:
    stack = registry_dir / "stacks/Pulumi.fitchburg.yaml"
    text = stack.read_text()
    # what `pulumi stack init` + `pulumi config set --secret` add to the file
    text = text.replace("config:\n", "config:\n  consortium:vpn-psk-police:\n    secure: v1:c2VjcmV0LXBvbGljZQ==\n")
    text += "encryptionsalt: v1:Zm9vYmFy:v1:abcd\n"
    stack.write_text(text)
    assert cli("render", "--registry", registry_dir).code == 0
    after = stack.read_text()
    assert "  consortium:vpn-psk-police:\n    secure: v1:c2VjcmV0LXBvbGljZQ==\n" in after
    assert after.endswith("encryptionsalt: v1:Zm9vYmFy:v1:abcd\n")
    assert cli("render", "--check", "--registry", registry_dir).code == 0
    data = read(stack)
    assert data["config"]["consortium:stack"]["member"]["slug"] == "fitchburg"


def test_no_secret_values_are_rendered() -> None:
    rendered = render_registry(load_registry(REPO))
    for rel, text in rendered.items():
        assert "secure:" not in text, rel
        if rel.startswith("playbooks/inventories/"):
            for line in text.splitlines():
                if any(word in line for word in ("password", "secret", "access_key")):
                    assert '"{{ vault_' in line, f"{rel}: {line.strip()} is not a vault reference"


def test_every_rendered_yaml_parses_back(registry_dir: Path) -> None:
    import yaml

    for rel, text in render_registry(load_registry(registry_dir)).items():
        if rel.endswith((".yaml", ".yml")):
            assert isinstance(yaml.safe_load(text), dict), rel


def test_broken_template_is_caught_before_writing(registry_dir: Path, tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    for t in (REPO / "consortium/registry/templates").iterdir():
        (templates / t.name).write_text(t.read_text())
    inv = templates / "inventory.yml.j2"
    inv.write_text(inv.read_text().replace("all:\n", "all: [\n", 1))
    before = tree_digest(registry_dir)
    result = cli("render", "--registry", registry_dir, "--templates", templates)
    assert result.code == 2
    assert "not valid YAML" in result.err
    assert tree_digest(registry_dir) == before


def test_undefined_template_variable_is_an_error_not_blank(registry_dir: Path, tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    for t in (REPO / "consortium/registry/templates").iterdir():
        (templates / t.name).write_text(t.read_text())
    runbook = templates / "runbook.md.j2"
    runbook.write_text(runbook.read_text() + "{{ member.mayor }}\n")
    with pytest.raises(InputError, match="mayor"):
        render_registry(load_registry(registry_dir), templates)
    result = cli("render", "--registry", registry_dir, "--templates", templates)
    assert result.code == 2
    wanted = f"{templates / 'runbook.md.j2'}: template error: 'dict object' has no attribute 'mayor'"
    assert result.err_lines == [wanted]


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"{% if %}", "line 1: template syntax error: Expected an expression"),
        (b"\xff\xfe", "not UTF-8 text (bad byte at offset 0)"),
        (None, "template not found"),
    ],
    ids=["syntax", "binary", "missing"],
)
def test_a_bad_template_folder_is_one_line_per_template(
    registry_dir: Path, tmp_path: Path, content: bytes | None, fragment: str
) -> None:
    # --templates is a person's input: each of these was a jinja2 traceback.
    templates = tmp_path / "templates"
    templates.mkdir()
    for t in (REPO / "consortium/registry/templates").iterdir():
        (templates / t.name).write_text(t.read_text())
    inventory = templates / "inventory.yml.j2"
    inventory.unlink()
    if content is not None:
        inventory.write_bytes(content)
    before = tree_digest(registry_dir)
    result = cli("render", "--registry", registry_dir, "--templates", templates)
    assert result.code == 2
    assert len(result.err_lines) == 1 and result.err_lines[0].startswith(f"{inventory}: {fragment}"), result.err
    assert tree_digest(registry_dir) == before


def test_schema_files_are_current() -> None:
    result = cli("schema", "--check", "--out", REPO / "schema")
    assert result.code == 0, result.out


def test_each_runbook_names_exactly_the_vault_variables_its_inventory_uses() -> None:
    """The runbook tells the engineer which Vault variables to register before the baseline: the
    ones the member's inventory references for hosts that use them (the Windows account when it has
    Windows servers, the backup credentials when its Linux servers run the backup agent)."""
    rendered = render_registry(load_registry(REPO))
    seen = set()
    for rel, text in rendered.items():
        if not rel.startswith("playbooks/inventories/"):
            continue
        slug = rel.removeprefix("playbooks/inventories/").removesuffix(".yml")
        group = yaml.safe_load(text)["all"]["children"][f"member_{slug.replace('-', '_')}"]
        linux, windows = group["children"].values()
        used: set[str] = set()
        if windows.get("hosts"):
            used |= {v for k, v in windows["vars"].items() if k in ("ansible_user", "ansible_password")}
        if linux.get("hosts") and group["vars"]["backup_agent_enabled"]:
            used |= {v for k, v in group["vars"].items() if k.startswith("backup_agent_") and "{{" in str(v)}
        expected = {re.fullmatch(r"\{\{ (vault_\w+) \}\}", v).group(1) for v in used}
        runbook = rendered[f"docs/members/{slug}.md"]
        assert set(re.findall(r"`(vault_\w+)`", runbook)) == expected, slug
        vault_file = f"playbooks/inventories/group_vars/member_{slug.replace('-', '_')}/vault.yml"
        assert (f"ansible-vault create {vault_file}" in runbook) == bool(expected), slug
        seen.add(bool(expected))
    assert seen == {True, False}  # the example registry has members of both kinds


def test_a_name_beyond_the_basic_plane_renders_and_parses_back(registry_dir: Path) -> None:
    # JSON escapes an emoji as a surrogate pair YAML cannot read: the templates' tojson must not
    member = registry_dir / "members/verona.yaml"
    data = read(member)
    data["name"] = "City of Verona \u2603\U0001f600"
    write(member, data)
    result = cli("render", "--registry", registry_dir)
    assert result.code == 0, result.err
    inventory = yaml.safe_load((registry_dir / "playbooks/inventories/verona.yml").read_text())
    assert "City of Verona \u2603\U0001f600" in json.dumps(inventory, ensure_ascii=False)


def _linux_hosts(inventory_text: str) -> list[Any]:
    inventory = yaml.safe_load(inventory_text)
    return list(inventory["all"]["children"]["member_verona"]["children"]["member_verona_linux"]["hosts"])


@pytest.mark.parametrize("name", ["2026-13-40", "2026-01-01", "017", "0x1f", "yes", "null", "12"])
def test_a_server_name_yaml_would_read_as_another_type_stays_its_name(registry_dir: Path, name: str) -> None:
    # Fuzzing found '2026-13-40' (a valid host name) crashing render with a traceback, and 'yes' or
    # '017' rendered as inventory keys Ansible reads as True or 15: the key must read back as the name.
    member = registry_dir / "members/verona.yaml"
    data = read(member)
    data["servers"][1]["name"] = name
    write(member, data)
    result = cli("render", "--registry", registry_dir)
    assert result.code == 0, result.err
    assert _linux_hosts((registry_dir / "playbooks/inventories/verona.yml").read_text()) == [name]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.from_regex(r"\A[a-z0-9][a-z0-9-]{0,13}[a-z0-9]\Z"))
def test_any_valid_server_name_reads_back_from_the_inventory(registry_dir: Path, name: str) -> None:
    data = yaml.safe_load((REPO / "members/verona.yaml").read_text())
    data["servers"][1]["name"] = name
    data["servers"][0]["name"] = "dc" if name != "dc" else "dc0"
    write(registry_dir / "members/verona.yaml", data)
    rendered = render_registry(load_registry(registry_dir))
    assert _linux_hosts(rendered["playbooks/inventories/verona.yml"]) == [name]


@pytest.mark.parametrize("slug", ["yes", "2026-13-40", "017"])
def test_a_slug_yaml_would_read_as_another_type_renders(registry_dir: Path, slug: str) -> None:
    # The runbook's and exit package's front matter name the member: 'member: 2026-13-40' crashed the read-back.
    data = read(registry_dir / "members/verona.yaml")
    data["slug"] = slug
    (registry_dir / "members/verona.yaml").unlink()
    write(registry_dir / f"members/{slug}.yaml", data)
    for rel in ("stacks/Pulumi.verona.yaml", "playbooks/inventories/verona.yml", "docs/members/verona.md"):
        (registry_dir / rel).unlink()
    rendered = render_registry(load_registry(registry_dir))
    front = rendered[f"docs/members/{slug}.md"].split("\n---\n", 1)[0]
    assert yaml.safe_load(front)["member"] == slug
