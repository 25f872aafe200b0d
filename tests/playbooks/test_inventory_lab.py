"""playbooks/inventory.yml on the real lab hosts: run twice (changed=0 both times), one schema-valid
file per host with the hosts' real Debian package lists, then ``consortium assets`` on them.

The lab hosts join the example registry for this test: cslab-h1 as a server of Verona (added to a
copy of members/verona.yaml), the others as endpoints of Monona (an inventory beside the lab's own).
"""

from __future__ import annotations

import csv
import io
import json
import time
from datetime import UTC, datetime

import jsonschema
import pytest
import yaml

from tests.conftest import REPO, copy_registry
from tests.registry.helpers import cli

from .ansible_run import PLAYBOOKS, PlaybookRun, changed_tasks, run_playbook

pytestmark = pytest.mark.lab

SCHEMA = json.loads((REPO / "schema/host-inventory.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


@pytest.fixture(scope="module")
def collected(lab, tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("inventory")
    names = [h.name for h in lab.hosts]
    server, endpoints = names[0], names[1:]
    registry = copy_registry(root / "registry")
    verona = registry / "members/verona.yaml"
    member = yaml.safe_load(verona.read_text())
    member["servers"].append({"name": server, "os": "debian-12", "role": "application"})
    verona.write_text(yaml.safe_dump(member, sort_keys=False))
    groups = {
        "all": {
            "children": {
                "linux": {
                    "children": {
                        "member_verona": {
                            "vars": {"consortium_member_slug": "verona"},
                            "hosts": {server: {"consortium_server_role": "application"}},
                        },
                        "member_monona": {
                            "vars": {"consortium_member_slug": "monona"},
                            "hosts": {name: {} for name in endpoints},
                        },
                    }
                }
            }
        }
    }
    members = root / "members.yml"
    members.write_text(yaml.safe_dump(groups))
    # One host refreshes its package lists from the lab's repository: it then knows what is pending.
    refresh = lab.ssh(server, "apt-get update -qq", timeout=120)
    assert refresh.returncode == 0, refresh.stderr
    out = root / "out"
    args = ("-i", str(lab.inventory_path), "-i", str(members), "-e", f"consortium_inventory_dir={out}")
    runs: list[PlaybookRun] = []
    docs: list[dict] = []
    for _ in range(2):
        runs.append(run_playbook(PLAYBOOKS / "inventory.yml", *args, env=lab.ansible_env(), timeout=600))
        docs.append({p.stem: json.loads(p.read_text()) for p in sorted(out.glob("*.json"))})
        time.sleep(1.1)  # collected_at is to the second: the second run's files must be new ones
    for i, run in enumerate(runs):
        print(f"\n[timing] inventory.yml run {i + 1}: {run.seconds:.1f} s on {len(names)} hosts")
    return {"names": names, "server": server, "runs": runs, "docs": docs, "out": out, "registry": registry}


def test_two_runs_change_nothing_and_write_one_file_per_host(collected) -> None:
    for run in collected["runs"]:
        assert run.rc == 0, run.explain()
        assert {h: r["changed"] for h, r in run.recap.items()} == dict.fromkeys(collected["names"], 0), changed_tasks(
            run.stdout
        )
    first, second = collected["docs"]
    assert sorted(first) == sorted(second) == sorted(collected["names"])
    for host in collected["names"]:
        assert second[host]["collected_at"] > first[host]["collected_at"]  # rewritten by the second run
        same = {k: v for k, v in first[host].items() if k != "collected_at"}
        assert same == {k: v for k, v in second[host].items() if k != "collected_at"}  # and nothing else moved


def test_files_are_schema_valid_with_the_hosts_real_package_lists(lab, collected) -> None:
    docs = collected["docs"][1]
    for host, doc in docs.items():
        VALIDATOR.validate(doc)
        assert doc["host"] == host and doc["os"]["family"] == "linux" and doc["os"]["name"] == "Debian"
        assert doc["os"]["version"].startswith("12")
        assert doc["hardware"]["virtualization"] == "container" and doc["hardware"]["cpus"] > 0
        real = lab.ssh(host, "dpkg-query -W -f '${Package} ${Version}\\n'", check=True).stdout.split("\n")
        installed = dict(line.split(" ", 1) for line in real if line)
        found = {s["name"]: s["version"] for s in doc["software"]}
        assert found == installed  # every package, each at its installed version
        assert {"openssh-server", "bash"} <= set(found) and all(s["source"] == "deb" for s in doc["software"])
        assert all(json.dumps(doc).count(word) == 0 for word in ("PRIVATE KEY", "ssh-ed25519 AAAA", "SSH_AUTH_SOCK"))
    server = docs[collected["server"]]
    assert server["kind"] == "server" and server["member"] == "verona"
    # Refreshed lists: the host knows what is pending, and how current its index is (apt keeps the
    # repository's date on the files it fetched).
    newest = lab.ssh(collected["server"], "stat -c %Y /var/lib/apt/lists/*_Packages | sort -n | tail -1", check=True)
    stamp = datetime.fromtimestamp(int(newest.stdout), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert server["patch"]["last_update"] == stamp
    simulated = lab.ssh(collected["server"], "apt-get --simulate --quiet dist-upgrade", check=True).stdout
    upgradable = lab.ssh(collected["server"], "apt list --upgradable 2>/dev/null | grep -c upgradable || true").stdout
    pending = server["patch"]["pending_updates"]
    assert pending == sum(line.startswith("Inst ") for line in simulated.splitlines()) >= int(upgradable)
    print(f"\n[lab] {collected['server']}: {pending} pending updates, package index of {stamp}")


def test_consortium_assets_builds_the_register_from_the_lab(collected) -> None:
    registry, out, server = collected["registry"], collected["out"], collected["server"]
    result = cli("assets", "--registry", registry, "--dir", out, "--format", "csv")
    assert result.code == 0, result
    rows = list(csv.DictReader(io.StringIO(result.out)))
    assert {(r["member"], r["host"], r["kind"]) for r in rows} == {
        ("verona", server, "server"),
        *(("monona", h, "endpoint") for h in collected["names"][1:]),
    }
    table = cli("assets", "--registry", registry, "--dir", out, "--member", "verona")
    assert table.code == 0 and server in table.out and "no inventory yet: ver-app01, ver-dc01" in table.out
    snipe = cli("assets", "--registry", registry, "--dir", out, "--format", "snipeit")
    assert snipe.code == 0 and len(snipe.out.splitlines()) == 1 + len(collected["names"])
    catalog = {s["name"]: s for s in json.loads(cli("assets", "--registry", registry, "--dir", out,
                                                    "--format", "json").out)["software"]}  # fmt: skip
    assert catalog["openssh-server"]["hosts"] == len(collected["names"])
