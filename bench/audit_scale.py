"""How fast is `consortium audit` for a state-wide consortium? Prints figures; asserts nothing.

Builds the synthetic 351-member consortium (bench/synthetic.py), plans it offline once, writes the
plan file and one `pulumi stack export` per stack (as the engine would), then times the real CLI,
start-up included: `consortium audit --plan FILE` and `consortium audit --state DIR`.
Target: under 1 s for about 5,000 resources (for scale: Checkov takes about 9 s for 5,000
equivalent ARM resources on this machine).

Then it breaks the plan so that thousands of controls fail (storage accounts open and on TLS 1.0,
key vaults without purge protection, RDP open to the internet, every spoke peered to the next one:
resource-level and stack-level findings alike) and times every report format on it, the whole
CLI and the renderer alone, each as a ratio to the text report (target: JUnit within 1.3x of text).

Then it gives every member ``--hosts-per-member`` servers and writes one baseline evidence file per
server with the playbooks' own callback (playbooks/callback_plugins/consortium_evidence.py), fed the
results a check-mode run of linux_server_baseline or windows_baseline would give it - one task per
control of the role's controls.yml, a few hosts drifting or unreachable - and times
`consortium audit --plan FILE --evidence DIR` against the same audit without evidence.

    .venv/bin/python bench/audit_scale.py [--members 351] [--repeat 3] [--hosts-per-member 4]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from synthetic import BUDGET_START, build_registry  # noqa: E402

from consortium.audit.reports import RENDER  # noqa: E402
from consortium.audit.run import run_audit  # noqa: E402
from consortium.audit.sources import load_plan  # noqa: E402
from consortium.plan.records import plan_document  # noqa: E402
from consortium.plan.runner import plan_registry  # noqa: E402
from consortium.registry.load import load_registry  # noqa: E402
from tests.audit.stack_export import write_exports  # noqa: E402

sys.path.insert(0, str(REPO / "playbooks" / "callback_plugins"))
from consortium_evidence import CallbackModule  # noqa: E402

ROLES = REPO / "playbooks" / "roles"
# (role, play name in playbooks/baseline_audit.yml, the connection's message when the host is down)
BASELINES = {
    "linux": (
        "linux_server_baseline",
        "Consortium Linux baseline audit (check mode)",
        "Failed to connect to the host via ssh: ssh: connect to host {host} port 22: Connection timed out",
    ),
    "windows": (
        "windows_baseline",
        "Consortium Windows baseline audit (check mode)",
        "ntlm: HTTPSConnectionPool(host='{host}', port=5986): Max retries exceeded with url: /wsman "
        "(Caused by ConnectTimeoutError: Connection to {host} timed out. (connect timeout=30))",
    ),
}
UNREACHABLE_SHARE, DRIFT_SHARE = 0.02, 0.08  # of the hosts; a drifting host drifts on one or two controls
LAPS_ON_DC = "WARNING {host}: a domain controller cannot back up its LAPS (DSRM) password to Entra ID"


def best_of(args: list[str], repeat: int) -> tuple[float, int, str, int]:
    """The best wall time of ``repeat`` fresh runs of the CLI, the last exit code and output line,
    and the highest peak RSS (KiB) of any run, measured per process (wait4)."""
    exe = str(Path(sys.executable).parent / "consortium")
    best, rc, last, peak = float("inf"), 0, "", 0
    for _ in range(repeat):
        with tempfile.TemporaryFile("w+") as out:
            start = time.perf_counter()
            proc = subprocess.Popen([exe, *args], stdout=out, stderr=subprocess.STDOUT, text=True)
            _, status, usage = os.wait4(proc.pid, 0)
            best = min(best, time.perf_counter() - start)
            out.seek(0)
            rc, last = os.waitstatus_to_exitcode(status), (out.read().strip().splitlines() or [""])[-1]
            peak = max(peak, usage.ru_maxrss)
    return best, rc, last, peak


def _result(role: SimpleNamespace, host: str, name: str, tags: list[str], action: str, payload: dict, **task_vars):
    """What Ansible hands a callback for one task on one host: the parts the evidence callback reads."""
    task = SimpleNamespace(
        tags=tags,
        _role=role,
        vars=task_vars,
        action=action,
        delegate_to=None,
        get_name=lambda: name,
        _uuid=f"{os.path.basename(role._role_path)}-{name}",
    )
    return SimpleNamespace(_task=task, _host=SimpleNamespace(get_name=lambda: host), _result=payload)


def write_evidence(registry, folder: Path, seed: int = 1) -> int:
    """One evidence file per server of ``registry``, written by the callback itself from the results
    a check-mode run of the server's baseline role would report; returns the files written."""
    rng = random.Random(seed)
    for family, (role_name, play_name, down) in BASELINES.items():
        controls = yaml.safe_load((ROLES / role_name / "controls.yml").read_text())["controls"]
        role = SimpleNamespace(_role_path=str(ROLES / role_name), _task_blocks=[])
        fact = {f"_{role_name}_evidence_switches": {c["concern"]: True for c in controls if "concern" in c}}
        callback = CallbackModule()
        play = SimpleNamespace(
            get_variable_manager=lambda: None,
            vars={"consortium_evidence_dir": str(folder)},
            get_name=lambda name=play_name: name,
        )
        callback.v2_playbook_on_play_start(play)
        servers = [s for e in registry.members for s in e.member.servers if s.os.family == family]
        for server in servers:
            host = server.name
            callback.v2_runner_on_ok(
                _result(role, host, "Preflight | enabled concerns", [], "set_fact", {"ansible_facts": fact})
            )
            roll = rng.random()
            if roll < UNREACHABLE_SHARE:
                first = controls[0]["id"]
                payload = {"unreachable": True, "msg": down.format(host=host)}
                callback.v2_runner_on_unreachable(_result(role, host, first, [first], "command", payload))
                continue
            ids = [c["id"] for c in controls]
            drifting = set(rng.sample(ids, rng.choice((1, 2)))) if roll < UNREACHABLE_SHARE + DRIFT_SHARE else set()
            for c in controls:
                tags = [c["id"], *(f"cis_{s}" for s in c.get("safeguards", []))]
                name = f"{c['id']} | {c['title']}"
                if c["id"] == "WIN-LAPS-001" and server.role == "domain-controller":
                    payload = {"msg": LAPS_ON_DC.format(host=host)}
                    task = _result(
                        role, host, name, tags, "debug", payload, consortium_evidence_status="not_applicable"
                    )
                else:
                    task = _result(role, host, name, tags, "command", {"changed": c["id"] in drifting})
                callback.v2_runner_on_ok(task)
        callback.v2_playbook_on_stats(None)
    return sum(1 for _ in folder.glob("*.json"))


PEERING = "azure-native:network:VirtualNetworkPeering"
RDP_FROM_ANYWHERE = {
    "access": "Allow",
    "destinationAddressPrefix": "*",
    "destinationPortRange": "3389",
    "direction": "Inbound",
    "name": "any",
    "priority": 90,
    "protocol": "Tcp",
    "sourceAddressPrefix": "*",
    "sourcePortRange": "*",
}


def break_plan(resources: list[dict]) -> list[dict]:
    """The plan's records with many controls failing, as a careless template change would leave them:
    per resource (tags, storage, key vaults, NSGs) and per stack (monthly budgets turned yearly, a
    peering from each spoke to the next)."""
    out = []
    for r in resources:
        r = {**r, "inputs": dict(r["inputs"])}
        kind = r["type"].rsplit(":", 1)[-1]
        if r["member"] and isinstance(r["inputs"].get("tags"), dict):
            r["inputs"]["tags"] = {k: v for k, v in r["inputs"]["tags"].items() if k != "cost-center"}
        if kind == "Budget":
            r["inputs"]["timeGrain"] = "Annually"
        elif kind == "StorageAccount":
            r["inputs"].update(allowBlobPublicAccess=True, minimumTlsVersion="TLS1_0")
        elif r["type"] == "azure-native:keyvault:Vault":
            r["inputs"]["properties"] = {**r["inputs"]["properties"], "enablePurgeProtection": False}
        elif kind == "NetworkSecurityGroup" and r["member"]:
            rules = [x for x in r["inputs"].get("securityRules", []) if x.get("access") != "Deny"]
            r["inputs"]["securityRules"] = [RDP_FROM_ANYWHERE, *rules]
        out.append(r)
    vnets = sorted(
        (r for r in out if r["type"] == "azure-native:network:VirtualNetwork" and r["member"]),
        key=lambda r: r["member"],
    )
    to_hub = {r["member"]: r for r in out if r["type"] == PEERING and r["member"] and r["name"].endswith("-to-hub")}
    for vnet, following in zip(vnets, vnets[1:] + vnets[:1], strict=True):
        template = to_hub.get(vnet["member"])
        if template is None or following is vnet:
            continue
        name = f"peer-{vnet['member']}-to-{following['member']}"
        out.append(
            {
                **template,
                "name": name,
                "urn": template["urn"].rsplit("::", 1)[0] + "::" + name,
                "id": template["id"].rsplit("/", 1)[0] + f"/to-{following['member']}",
                "inputs": {
                    **template["inputs"],
                    "virtualNetworkPeeringName": f"to-{following['member']}",
                    "remoteVirtualNetwork": {"id": following["id"]},
                },
            }
        )
    return out


def best_cpu(args: list[str], repeat: int) -> float:
    """The least CPU time (user + system) of ``repeat`` fresh runs of the CLI: on a shared machine
    it moves far less than wall time, so ratios between formats stay meaningful."""
    exe = str(Path(sys.executable).parent / "consortium")
    best = float("inf")
    for _ in range(repeat):
        proc = subprocess.Popen([exe, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, _, usage = os.wait4(proc.pid, 0)
        best = min(best, usage.ru_utime + usage.ru_stime)
    return best


def time_formats(root: Path, registry, resources: list[dict], repeat: int) -> None:
    """Every report format on an audit with thousands of findings: the whole CLI, then the renderer
    alone (the audit is the same for all), each as a ratio to the text report."""
    bad = root / "bad-plan.json"
    bad.write_text(json.dumps({**json.loads((root / "plan.json").read_text()), "resources": break_plan(resources)}))
    audit = run_audit(load_plan(bad), source=str(bad), registry=registry, exemptions=[])
    print(
        f"broken plan: {len(audit.results)} findings ({len(audit.failed)} failed), {len(audit.checks)} checks, "
        f"{sum(1 for c in audit.checks if not c.urn)} of them stack-level; best of {repeat}, CPU seconds"
    )
    cli, render = {}, {}
    for fmt, write in RENDER.items():
        out = root / f"report.{fmt}"
        cli[fmt] = best_cpu(
            ["audit", "--plan", str(bad), "--registry", str(root / "registry"), "--format", fmt, "--output", str(out)],
            repeat,
        )
        best = float("inf")
        for _ in range(repeat):
            start = time.process_time()
            text = write(audit)
            best = min(best, time.process_time() - start)
        render[fmt] = best
        print(
            f"  --format {fmt:9s} CLI {cli[fmt]:5.2f} s {cli[fmt] / cli['text']:5.2f}x text   "
            f"render alone {render[fmt]:6.3f} s {render[fmt] / render['text']:6.2f}x text   "
            f"{len(text.encode()) / 1e6:5.1f} MB"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=351)
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the best is printed")
    parser.add_argument(
        "--hosts-per-member", type=int, default=4, help="servers per member, each with a baseline evidence file"
    )
    args = parser.parse_args()
    if args.hosts_per_member < 1:
        parser.error("--hosts-per-member: at least 1 (every member has its domain controller)")
    with tempfile.TemporaryDirectory(prefix="consortium-audit-bench-") as tmp:
        root = Path(tmp)
        build_registry(root / "registry", args.members, servers=args.hosts_per_member)
        registry = load_registry(root / "registry")
        start = time.perf_counter()
        plan = plan_registry(registry, None, budget_start=BUDGET_START, jobs=2)
        document = plan_document(plan)
        count = len(document["resources"])
        print(
            f"planned {args.members} members + hub offline: {count} resources in "
            f"{time.perf_counter() - start:.1f} s (setup, not measured below)"
        )
        plan_file = root / "plan.json"
        plan_file.write_text(json.dumps(document))
        write_exports(document["resources"], root / "exports")
        exports = sum(1 for _ in (root / "exports").glob("*.json"))
        common = ["--registry", str(root / "registry"), "--format", "json", "--output", str(root / "report.json")]
        startup, _, _, _ = best_of(["--version"], args.repeat)
        print(f"CLI start-up alone (consortium --version): {startup:.2f} s")
        without = 0.0
        for label, source in (
            ("--plan FILE", ["--plan", str(plan_file)]),
            (f"--state DIR ({exports} exports)", ["--state", str(root / "exports")]),
        ):
            seconds, rc, _, rss = best_of(["audit", *source, *common], args.repeat)
            without = without or seconds
            report = json.loads((root / "report.json").read_text())
            print(
                f"audit {label:28s} {seconds:5.2f} s  {count / seconds:8.0f} resources/s  exit {rc}  "
                f"{rss / 1024:.0f} MiB peak  {report['summary']}"
            )
        time_formats(root, registry, document["resources"], args.repeat)
        start = time.perf_counter()
        files = write_evidence(registry, root / "evidence")
        print(f"wrote {files} evidence files with the callback in {time.perf_counter() - start:.1f} s (setup)")
        evidence = ["--plan", str(plan_file), "--evidence", str(root / "evidence")]
        seconds, rc, _, rss = best_of(["audit", *evidence, *common], args.repeat)
        hosts = json.loads((root / "report.json").read_text())["hosts"]
        judged = sum(len(h["controls"]) for h in hosts)
        down = sum(1 for h in hosts if not h["reachable"])
        drifting = sum(1 for h in hosts if h["reachable"] and h["failing"])
        print(
            f"audit --plan FILE --evidence DIR: {len(hosts)} evidence files, {judged} controls judged "
            f"({drifting} hosts drifting, {down} unreachable), {seconds:.2f} s, {rss / 1024:.0f} MiB peak, exit {rc}, "
            f"{seconds / without:.2f}x the audit without evidence"
        )


if __name__ == "__main__":
    main()
