"""``consortium init`` (:mod:`consortium.registry.init`) and the operations settings required only once
used (:func:`consortium.registry.rules.services_configured`): a new registry validates with zero members
and what a service-desk-only consortium really has; each setting is asked for once a member needs it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml

from consortium.registry.init import FILES
from consortium.registry.models import Member
from tests.conftest import REPO, tree_digest
from tests.tools import actionlint

from .helpers import cli, read, write

OPTIONS = ("--name", "Lakeside Towns IT", "--slug", "lakeside", "--region", "eastus2", "--supernet", "10.80.0.0/12")


def init(root: Path, *extra: str) -> Path:
    result = cli("init", root, *OPTIONS, *extra)
    assert result.code == 0, result.err
    return root


@pytest.fixture
def new_registry(tmp_path: Path) -> Path:
    return init(tmp_path / "lake")


# --------------------------------------------------------------------------- init


def test_init_writes_a_registry_that_validates_and_renders_with_zero_members(new_registry: Path) -> None:
    for rel in FILES:
        assert (new_registry / rel).is_file(), rel
    result = cli("validate", "--registry", new_registry)
    assert result.code == 0, result.err
    assert result.out == "ok: lakeside: 0 members, 0 errors, 0 warnings\n"
    assert cli("render", "--check", "--registry", new_registry).code == 0
    data = read(new_registry / "consortium.yaml")
    assert data["network"] == {
        "supernet": "10.80.0.0/12",
        "member_prefix": 20,
        "hub": "10.80.0.0/20",
        "nat_pool": "100.64.0.0/16",
    }
    assert "operations" not in data  # commented out: nothing uses it yet
    assert data["azure"]["locations"] == ["eastus2"]


def test_the_example_member_file_is_not_loaded_but_valid_once_copied(new_registry: Path) -> None:
    example = new_registry / "docs/member-example.yaml"
    member = Member.model_validate(yaml.safe_load(example.read_text()))
    shutil.copy(example, new_registry / f"members/{member.slug}.yaml")
    result = cli("onboard", "--registry", new_registry, new_registry / f"members/{member.slug}.yaml")
    assert result.code == 0, result.err
    assert read(new_registry / f"members/{member.slug}.yaml")["network"]["cidr"] == "10.80.16.0/20"
    assert cli("render", "--check", "--registry", new_registry).code == 0


def test_a_small_supernet_gets_smaller_member_blocks_and_no_overlapping_nat_pool(tmp_path: Path) -> None:
    root = tmp_path / "small"
    result = cli("init", root, *OPTIONS[:6], "--supernet", "100.64.0.0/16")
    assert result.code == 0, result.err
    network = read(root / "consortium.yaml")["network"]
    assert network["member_prefix"] == 20 and network["hub"] == "100.64.0.0/20" and "nat_pool" not in network
    root = init(tmp_path / "tiny", "--supernet", "10.9.0.0/18")  # the last --supernet wins
    network = read(root / "consortium.yaml")["network"]
    assert network["member_prefix"] == 22 and network["hub"] == "10.9.0.0/22"


@pytest.mark.skipif(actionlint.missing() is not None, reason=str(actionlint.missing()))
def test_the_workflow_passes_actionlint(new_registry: Path, tmp_path: Path) -> None:
    workflow = new_registry / ".github/workflows/consortium.yml"
    assert actionlint.lint(workflow) == []
    # ... and actionlint can fail: the same workflow with a typo in an expression and in a job's needs
    broken = tmp_path / "broken.yml"
    broken.write_text(
        workflow.read_text()
        .replace("${{ matrix.member }}", "${{ matrix.membr }}", 1)
        .replace("needs: [members, audit]", "needs: [members, audits]", 1)
    )
    findings = actionlint.lint(broken)
    assert any('property "membr" is not defined' in f for f in findings), findings
    assert any('"audits" which does not exist' in f for f in findings), findings


def test_the_workflow_has_the_jobs_and_runs_the_checks(new_registry: Path) -> None:
    workflow = yaml.safe_load((new_registry / ".github/workflows/consortium.yml").read_text())
    jobs = workflow["jobs"]
    assert set(jobs) == {"validate", "plan", "audit", "members", "preview"}
    runs = {name: "\n".join(s.get("run", "") for s in job["steps"]) for name, job in jobs.items()}
    assert "consortium validate" in runs["validate"] and "consortium render --check" in runs["validate"]
    assert "--against out/last/plan.json" in runs["plan"]
    assert "consortium audit --plan out/plan.json" in runs["audit"]
    assert "command -v pulumi" in runs["preview"] and "--policy-pack" in runs["preview"]
    assert jobs["preview"]["strategy"]["matrix"]["member"] == "${{ fromJSON(needs.members.outputs.slugs) }}"


def test_pulumi_project_runs_the_toolkit_program_with_the_registry_stacks(new_registry: Path) -> None:
    project = yaml.safe_load((new_registry / "Pulumi.yaml").read_text())
    schema = json.loads((REPO / "tests/data/pulumi-project.schema.json").read_text())
    jsonschema.validate(project, schema)
    toolkit = yaml.safe_load((REPO / "Pulumi.yaml").read_text())
    assert project["name"] == toolkit["name"]  # the stack configs' keys carry the project name
    assert project["main"] == "program/" and project["stackConfigDir"] == "stacks"
    assert (new_registry / "stacks/Pulumi.hub.yaml").is_file()
    shim = (new_registry / "program/__main__.py").read_text()
    compile(shim, "program/__main__.py", "exec")
    assert "from infra.program import main" in shim


def test_a_non_empty_directory_is_refused_and_left_alone(tmp_path: Path) -> None:
    root = tmp_path / "taken"
    root.mkdir()
    (root / "notes.txt").write_text("ours\n")
    before = tree_digest(root)
    result = cli("init", root, *OPTIONS)
    assert result.code == 2
    assert result.err_lines == [f"{root}: is not empty; give a new or empty directory (nothing written)"]
    assert tree_digest(root) == before


@pytest.mark.parametrize(
    ("option", "value", "line"),
    [
        ("--slug", "Lake Side", "--slug: 'Lake Side': the slug must be 3-24 characters"),
        ("--region", "westeros", "--region: 'westeros' is not a known Azure region; known regions: centralus"),
        ("--supernet", "10.80.0.0/20", "--supernet: 10.80.0.0/20 is too small: need a /18 or larger"),
        ("--supernet", "8.0.0.0/12", "--supernet: 8.0.0.0/12 is not a private range"),
        ("--supernet", "10.80.0.1/12", "--supernet: '10.80.0.1/12' is not an IPv4 network"),
        ("--domain", "Our Towns", "--domain: 'Our Towns' is not a lower-case DNS domain"),
        # The name goes into YAML comments too: a line break there was refused as a consortium.yaml
        # (never written) syntax error instead of naming the option.
        ("--name", "Lakeside\nnetwork: 1", "--name: 'Lakeside\\nnetwork: 1': must not contain control characters"),
        ("--name", "Lakeside\u2028Towns", "--name: 'Lakeside\\u2028Towns': must not contain control characters"),
        ("--name", "  ", "--name: '  ': String should have at least 1 character"),
    ],
)
def test_bad_options_are_one_line_each_and_nothing_is_written(
    tmp_path: Path, option: str, value: str, line: str
) -> None:
    root = tmp_path / "new"
    result = cli("init", root, *OPTIONS, option, value)
    assert result.code == 2
    assert len(result.err_lines) == 1 and result.err_lines[0].startswith(line), result.err
    assert not root.exists()


def test_missing_options_are_named_when_there_is_no_terminal(tmp_path: Path) -> None:
    result = cli("init", tmp_path / "new", "--name", "Lakeside")
    assert result.code == 2
    assert result.err_lines == [f"--{k}: required (no terminal to ask on)" for k in ("region", "slug", "supernet")]
    assert not (tmp_path / "new").exists()


# --------------------------------------------------------------------------- settings required once used

LINUX = {"name": "app01", "os": "debian-12", "role": "application", "address": "192.168.10.6"}
WINDOWS = {"name": "fs01", "os": "windows-server-2022", "role": "file", "address": "192.168.10.5"}


def _with_member(root: Path, phase: int, servers: list[dict[str, str]]) -> Path:
    data = yaml.safe_load((root / "docs/member-example.yaml").read_text())
    site = {"name": "town-hall", "public_ip": "74.208.61.50", "cidrs": ["192.168.10.0/24"]}
    data.update(phase=phase, servers=servers, network={"cidr": "10.80.16.0/20", "onprem": [site]})
    write(root / "members/example-town.yaml", data)
    return root


def test_a_service_desk_member_without_servers_needs_no_operations_settings(new_registry: Path) -> None:
    _with_member(new_registry, 4, [])
    result = cli("render", "--registry", new_registry)
    assert result.code == 0, result.err
    inventory = (new_registry / "playbooks/inventories/example-town.yml").read_text()
    assert "consortium_ntp_servers" not in inventory and "backup_agent_s3_endpoint" not in inventory
    assert "No Windows connection (operations.windows" in inventory
    yaml.safe_load(inventory)


@pytest.mark.parametrize(
    ("phase", "servers", "lines"),
    [
        (
            1,
            [WINDOWS],
            [
                "consortium.yaml: operations.windows: required once a member has Windows servers (Ansible reaches "
                "them with it): members/example-town.yaml (fs01); give connection, auth and ca_cert"
            ],
        ),
        (
            1,
            [LINUX],
            [
                "consortium.yaml: operations.log_collector: required once a member has Linux servers: "
                "members/example-town.yaml (app01); the Linux baseline forwards their logs to it",
                "consortium.yaml: operations.ntp_servers: required once a member has Linux servers: "
                "members/example-town.yaml (app01); the Linux baseline sets their clocks from them",
            ],
        ),
    ],
)
def test_a_setting_is_required_once_a_member_uses_it(
    new_registry: Path, phase: int, servers: list[dict[str, str]], lines: list[str]
) -> None:
    _with_member(new_registry, phase, servers)
    result = cli("validate", "--registry", new_registry)
    assert result.code == 2
    assert len(result.err_lines) == len(lines), result.err
    for got, want in zip(result.err_lines, lines, strict=True):
        assert got.startswith(want), got


def test_offsite_store_is_required_once_backups_reach_a_linux_server(new_registry: Path) -> None:
    data = read(new_registry / "consortium.yaml")
    data["operations"] = {
        "ntp_servers": ["time1.lakeside.example"],
        "log_collector": {"host": "logs.lakeside.example"},
    }
    write(new_registry / "consortium.yaml", data)
    _with_member(new_registry, 1, [LINUX])
    assert cli("validate", "--registry", new_registry).code == 0  # phase 1: no backup service yet
    _with_member(new_registry, 2, [LINUX])
    result = cli("validate", "--registry", new_registry)
    assert result.code == 2
    assert result.err_lines == [
        "consortium.yaml: operations.offsite_store: required once a member with the backup service and "
        "backup.offsite has Linux servers (the backup agent sends them there): members/example-town.yaml (app01); "
        "give endpoint and bucket"
    ]
    member = read(new_registry / "members/example-town.yaml")
    member["backup"]["offsite"] = False
    write(new_registry / "members/example-town.yaml", member)
    assert cli("validate", "--registry", new_registry).code == 0


def test_the_bundled_example_still_sets_every_operations_setting() -> None:
    ops = read(REPO / "consortium.yaml")["operations"]
    assert set(ops) == {"log_collector", "ntp_servers", "offsite_store", "windows"}
