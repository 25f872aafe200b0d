"""The onboarding playbook: the toolkit validates, allocates and renders; bad input stops the play
with the toolkit's one-line errors and writes nothing; servers that cannot be reached end the run
with the play's own summary (which, where, likely causes) and a non-zero exit, while the others are
still baselined; on the lab, a new town's Linux servers are baselined end to end, and a second run
changes nothing."""

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
    text = NEW_MEMBER.format(slug=slug, onprem=onprem, servers=servers or "  []")
    path.write_text(text.replace("servers:\n  []", "servers: []") + extra)
    return path


def _not_reached_summary(run, slug: str, down: dict[str, str], of: int, mgmt: str) -> None:
    """The play's own summary of servers that did not answer ends the output, before Ansible's recap."""
    out = run.stdout
    summary = out[out.rindex("TASK [Servers NOT reached, and why that usually is]") : out.rindex("PLAY RECAP")]
    text = " ".join(summary.replace("'", "").split())
    reached = of - len(down)
    done = f"the baseline ran on the {reached} reached" if reached else "nothing was baselined"
    assert f"NOT reached: {len(down)} of {of} Linux servers of {slug} (no baseline on them; {done}):" in text, text
    for name, address in down.items():
        assert f"- {name} at {address} -" in text, text
    for cause in (
        f"the site-to-site VPN to the town is not up yet: {slug} is in phase 2 (service_desk, backup): "
        "site VPNs come with networking, not among its services yet",
        f"the servers address in members/{slug}.yaml (servers[].address) is wrong",
        f"SSH is not allowed from the consortiums management range {mgmt}",
        "the server is off",
    ):
        assert f"- - {cause}" in text, text
    assert run.rc == 4, run.explain()  # ansible-playbook's own "some hosts were unreachable"
    for name in down:
        assert run.recap[name]["unreachable"] == 1 and run.recap[name]["ok"] == 0, run.recap
    assert run.recap["localhost"]["failed"] == 0, run.explain()


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


def test_servers_that_do_not_answer_end_with_the_plays_summary(registry_dir: Path) -> None:
    """Every server down (loopback addresses, SSH on a port nothing listens on: no lab needed): the
    playbook used to stop at Ansible's UNREACHABLE!; now its summary is printed and it exits non-zero."""
    _member(registry_dir, "dunn", "127.0.10.0/24", ["127.0.10.5", "127.0.10.6"])
    run = _onboard(registry_dir, "dunn", "-e", "ansible_port=9")
    _not_reached_summary(run, "dunn", {"dun-app01": "127.0.10.5", "dun-app02": "127.0.10.6"}, 2, "10.64.0.128/25")
    assert set(run.recap) == {"localhost", "dun-app01", "dun-app02"}
    assert "VPN shared keys" not in run.stdout  # phase 2: its site gets no VPN yet, no secrets to set
    assert "the Linux baseline of the 2 Linux servers of dunn runs in the next play" in " ".join(run.stdout.split())


def test_a_member_without_servers_gets_no_baseline_and_says_so(registry_dir: Path) -> None:
    _member(registry_dir, "dunn", "127.0.10.0/24", [])
    run = _onboard(registry_dir, "dunn")
    assert run.rc == 0, run.explain()
    out = " ".join(run.stdout.split())
    assert "next: no servers in members/dunn.yaml: no baseline to run" in out, run.explain()
    assert "no Linux servers of dunn in this run: no baseline" in out, run.explain()
    baseline_play = out[out.index("PLAY [Consortium Linux baseline]") : out.index("PLAY [Summary of the onboarding]")]
    assert "skipping: no hosts matched" in baseline_play and "TASK [" not in baseline_play, baseline_play
    assert "the Linux baseline of" not in out and "NOT reached" not in out
    assert set(run.recap) == {"localhost"}, run.recap


# ------------------------------------------------------------------------------------------ lab


def _lab_access(lab, tmp_path: Path) -> tuple[list[str], dict[str, str]]:
    """Arguments and environment for an onboarding run on the lab.

    How the controller reaches the lab hosts (the rendered inventory deliberately has no credentials),
    and the consortium's operations endpoints replaced by the lab's: the rendered management range
    (the hub's) does not contain this controller, so the firewall guard would refuse otherwise.
    """
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
    return ["-i", str(access), "-e", lab_vars], lab.ansible_env()


@pytest.mark.lab
def test_onboard_a_new_town_end_to_end(lab, tmp_path: Path) -> None:
    registry = copy_registry(tmp_path / "registry")
    slug = "lab-town"
    addresses = [h.ip for h in lab.hosts]
    _member(registry, slug, str(lab.subnet), addresses)
    names = [f"lab-app{i:02d}" for i in range(1, len(addresses) + 1)]
    access, env = _lab_access(lab, tmp_path)
    first = _onboard(registry, slug, *access, env=env)
    assert first.rc == 0, first.explain()
    assert set(first.recap) == {"localhost", *names}, first.recap
    assert first.recap["localhost"]["changed"] == 1
    for n in names:
        assert first.recap[n]["failed"] == 0 and first.recap[n]["unreachable"] == 0, first.explain()
    out = " ".join(first.stdout.split())
    assert f"members/{slug}.yaml: network.cidr: allocated 10.64." in out
    assert f"`pulumi up --stack {slug}`" in out
    assert f"all {len(names)} Linux servers of {slug} reached" in out and "NOT reached" not in out
    for rel in (f"playbooks/inventories/{slug}.yml", f"stacks/Pulumi.{slug}.yaml", f"docs/members/{slug}.md"):
        assert (registry / rel).is_file(), rel
    assert "cidr: 10.64." in (registry / "members" / f"{slug}.yaml").read_text()
    # The member's banner names the member: the hosts got the rendered inventory's variables.
    assert "Town of Lab Test" in lab.ssh(lab.hosts[0], "cat /etc/issue.net").stdout

    digest = tree_digest(registry)
    second = _onboard(registry, slug, *access, env=env)
    assert second.rc == 0, second.explain()
    assert {h: r["changed"] for h, r in second.recap.items()} == dict.fromkeys(["localhost", *names], 0), (
        second.explain()
    )
    assert tree_digest(registry) == digest
    assert f"all {len(names)} Linux servers of {slug} reached" in " ".join(second.stdout.split())
    print(
        f"\n[timing] onboard: first {first.seconds:.1f} s, second {second.seconds:.1f} s; "
        f"{json.dumps({n: second.tasks(n) for n in names})} tasks per host"
    )


@pytest.mark.lab
def test_a_server_that_does_not_answer_leaves_the_others_baselined(lab, tmp_path: Path) -> None:
    """One server at an address of the lab network nobody answers on: the reachable one is baselined,
    the play ends with its summary of the other (where, likely causes) and exits non-zero; run again,
    the reachable one changes nothing and the summary is the same."""
    registry = copy_registry(tmp_path / "registry")
    slug = "lab-part"
    taken = {lab.bridge_ip, *(h.ip for h in lab.hosts)}
    nobody = str(next(a for a in reversed(list(lab.subnet.hosts())) if str(a) not in taken))
    path = _member(registry, slug, str(lab.subnet), [lab.hosts[0].ip, nobody])
    path.write_text(path.read_text().replace("Town of Lab Test", "Town of Lab Partial"))
    access, env = _lab_access(lab, tmp_path)
    runs = [_onboard(registry, slug, *access, env=env) for _ in range(2)]
    for run in runs:
        _not_reached_summary(run, slug, {"lab-app02": nobody}, 2, f"{lab.bridge_ip}/32")
        assert run.recap["lab-app01"]["failed"] == 0 and run.recap["lab-app01"]["unreachable"] == 0, run.explain()
        assert "PLAY [Consortium Linux baseline]" in run.stdout
    first, second = runs
    assert first.recap["lab-app01"]["changed"] > 0, first.explain()  # this member's banner, at least
    assert "Town of Lab Partial" in lab.ssh(lab.hosts[0], "cat /etc/issue.net").stdout
    assert {h: r["changed"] for h, r in second.recap.items()} == dict.fromkeys(
        ["localhost", "lab-app01", "lab-app02"], 0
    )
    print(f"\n[timing] onboard with a server down: first {first.seconds:.1f} s, second {second.seconds:.1f} s")
