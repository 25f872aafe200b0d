"""The onboarding playbook: the toolkit validates, allocates and renders; bad input stops the play
with the toolkit's one-line errors and writes nothing; on the lab, a new town's Linux servers are
baselined end to end, and a second run changes nothing."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

from ..conftest import copy_registry, tree_digest
from .ansible_run import PLAYBOOKS, extra_vars_file, run_playbook

ONBOARD = PLAYBOOKS / "onboard_member.yml"

NEW_MEMBER = """\
# yaml-language-server: $schema=../schema/member.schema.json
slug: {slug}
name: Town of Lab Test
kind: town
population: 4931
joined: 2026-11-01
status: onboarding
phase: 2
contacts: {{it_lead: it@labtest.example, billing: clerk@labtest.example}}
admins: [k.larsen@dane-consortium.example]
network:
  onprem:
    - {{name: town-hall, public_ip: 66.188.40.5, cidrs: [{onprem}]}}
endpoints: {{windows: 12}}
servers:
{servers}
backup: {{retention_days: 35, offsite: true}}
"""


def _member(registry: Path, slug: str, onprem: str, addresses: list[str], extra: str = "") -> Path:
    servers = "\n".join(
        f"  - {{name: {slug[:3]}-app{i:02d}, os: debian-12, role: application, address: {a}}}"
        for i, a in enumerate(addresses, 1)
    )
    path = registry / "members" / f"{slug}.yaml"
    path.write_text(NEW_MEMBER.format(slug=slug, onprem=onprem, servers=servers) + extra)
    return path


def _onboard(registry: Path, slug: str, *args: str, env=None, inventory: bool = True, registry_var: bool = True):
    inv = ["-i", str(registry / "playbooks/inventories")] if inventory else []
    where = ["-e", f"consortium_registry_dir={registry}"] if registry_var else []
    return run_playbook(ONBOARD, *inv, *where, "-e", f"member_file=members/{slug}.yaml", *args, env=env, timeout=900)


# ------------------------------------------------------------------------------------------ no hosts


def test_bad_member_file_stops_with_the_toolkits_errors_and_writes_nothing(registry_dir: Path) -> None:
    _member(registry_dir, "dunn", "192.0.2.0/24", ["192.0.2.10"], extra="colour: blue\n")
    before = tree_digest(registry_dir)
    run = _onboard(registry_dir, "dunn")
    assert run.rc != 0, run.explain()
    assert run.recap["localhost"]["failed"] == 1 and run.recap["localhost"]["rescued"] == 1
    assert "consortium onboard members/dunn.yaml failed (exit 2):" in run.stdout, run.explain()
    assert "members/dunn.yaml: colour: unknown field" in run.stdout, run.explain()
    assert "PLAY [Consortium Linux baseline]" not in run.stdout
    assert tree_digest(registry_dir) == before


def test_without_the_registrys_inventory_nothing_is_written(registry_dir: Path) -> None:
    _member(registry_dir, "dunn", "192.0.2.0/24", ["192.0.2.10"])
    before = tree_digest(registry_dir)
    run = _onboard(registry_dir, "dunn", inventory=False)
    assert run.rc != 0
    assert f"-i {registry_dir}/playbooks/inventories" in " ".join(run.stdout.split()), run.explain()
    assert tree_digest(registry_dir) == before


def test_the_registry_comes_from_consortium_registry_as_for_the_cli(tmp_path: Path) -> None:
    """$CONSORTIUM_REGISTRY (relative to where one runs the play) is the registry, as for `consortium`;
    the example registry in the toolkit is left alone. ``--limit localhost``: no baseline (no hosts here)."""
    registry = copy_registry(tmp_path / "our-consortium")
    _member(registry, "dunn", "192.0.2.0/24", ["192.0.2.10"])
    toolkit_before = tree_digest(PLAYBOOKS.parent / "members")
    env = {**os.environ, "CONSORTIUM_REGISTRY": "our-consortium"}
    # localhost named in an inventory: the implicit one does not match --limit.
    inv = ["-i", "localhost,", "-i", str(registry / "playbooks/inventories"), "--limit", "localhost"]
    run = run_playbook(ONBOARD, *inv, "-e", "member_file=members/dunn.yaml", env=env, cwd=tmp_path)
    assert run.rc == 0, run.explain()
    assert "members/dunn.yaml: network.cidr: allocated 10.64." in run.stdout, run.explain()
    for rel in ("playbooks/inventories/dunn.yml", "stacks/Pulumi.dunn.yaml", "docs/members/dunn.md"):
        assert (registry / rel).is_file(), rel
    assert tree_digest(PLAYBOOKS.parent / "members") == toolkit_before


def test_consortium_registry_may_name_the_consortium_file(registry_dir: Path) -> None:
    _member(registry_dir, "dunn", "192.0.2.0/24", ["192.0.2.10"], extra="colour: blue\n")
    before = tree_digest(registry_dir)
    env = {**os.environ, "CONSORTIUM_REGISTRY": str(registry_dir / "consortium.yaml")}
    run = _onboard(registry_dir, "dunn", env=env, registry_var=False)
    assert run.rc != 0
    # The toolkit read the member file from that registry (not "file not found" in the toolkit's own).
    assert "members/dunn.yaml: colour: unknown field" in run.stdout, run.explain()
    assert tree_digest(registry_dir) == before


# ------------------------------------------------------------------------------------------ lab


@pytest.mark.lab
def test_onboard_a_new_town_end_to_end(lab, tmp_path: Path) -> None:
    registry = copy_registry(tmp_path / "registry")
    slug = "lab-town"
    addresses = [h.ip for h in lab.hosts]
    _member(registry, slug, str(lab.subnet), addresses)
    names = [f"lab-app{i:02d}" for i in range(1, len(addresses) + 1)]

    # How the controller reaches the lab hosts (the rendered inventory deliberately has no credentials),
    # and the consortium's operations endpoints replaced by the lab's: the rendered management range
    # (the hub's) does not contain this controller, so the firewall guard would refuse otherwise.
    access = tmp_path / "lab-access.yml"
    lab_access = yaml.safe_load(lab.inventory_path.read_text())["all"]["vars"]
    access.write_text(yaml.safe_dump({"all": {"vars": lab_access}}))
    lab_vars = extra_vars_file(
        tmp_path / "lab_vars.json",
        {
            "consortium_mgmt_cidrs": [f"{lab.bridge_ip}/32"],
            "consortium_ntp_servers": [lab.bridge_ip],
            "consortium_log_collector": {"host": lab.bridge_ip, "port": 6514, "protocol": "tcp"},
        },
    )
    env = lab.ansible_env()
    first = _onboard(registry, slug, "-i", str(access), "-e", lab_vars, env=env)
    assert first.rc == 0, first.explain()
    assert set(first.recap) == {"localhost", *names}, first.recap
    assert first.recap["localhost"]["changed"] == 1
    for n in names:
        assert first.recap[n]["failed"] == 0 and first.recap[n]["unreachable"] == 0, first.explain()
    out = " ".join(first.stdout.split())
    assert f"members/{slug}.yaml: network.cidr: allocated 10.64." in out
    assert f"`pulumi up --stack {slug}`" in out
    for rel in (f"playbooks/inventories/{slug}.yml", f"stacks/Pulumi.{slug}.yaml", f"docs/members/{slug}.md"):
        assert (registry / rel).is_file(), rel
    assert "cidr: 10.64." in (registry / "members" / f"{slug}.yaml").read_text()
    # The member's banner names the member: the hosts got the rendered inventory's variables.
    assert "Town of Lab Test" in lab.ssh(lab.hosts[0], "cat /etc/issue.net").stdout

    digest = tree_digest(registry)
    second = _onboard(registry, slug, "-i", str(access), "-e", lab_vars, env=env)
    assert second.rc == 0, second.explain()
    assert {h: r["changed"] for h, r in second.recap.items()} == dict.fromkeys(["localhost", *names], 0), (
        second.explain()
    )
    assert tree_digest(registry) == digest
    print(
        f"\n[timing] onboard: first {first.seconds:.1f} s, second {second.seconds:.1f} s; "
        f"{json.dumps({n: second.tasks(n) for n in names})} tasks per host"
    )
