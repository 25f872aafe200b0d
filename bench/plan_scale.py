"""How fast does ``consortium plan`` go for a big consortium? Prints figures; asserts nothing.

Builds a synthetic registry of N members (351 by default: every municipality of a large state)
in a temporary directory — supernet 10.0.0.0/8, one /20 per member allocated with the registry's
own IPAM, phases 1-4 in turn, one or two town-hall sites each — then plans the hub and every
member offline and prints wall time, resources per second and peak memory per process. It then
plans a smaller sample both ways, with the runner's alias-dropping transformation and with the
SDK's default path (aliases kept), and prints the ratio.

    .venv/bin/python bench/plan_scale.py                 # 351 members, 2 processes
    .venv/bin/python bench/plan_scale.py --members 60 --jobs 1 --sample 10 --phase 4
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import yaml

from consortium import offline
from consortium.ipam import allocate
from consortium.registry import load_registry

BUDGET_START = date(2026, 1, 1)
CONSORTIUM = {
    "name": "Synthetic State Municipal IT Consortium",
    "slug": "synthetic",
    "azure": {"locations": ["centralus", "eastus2"]},
    "network": {"supernet": "10.0.0.0/8", "member_prefix": 20, "hub": "10.0.0.0/20"},
    "backup": {"default_retention_days": 35, "minimum_retention_days": 30},
    "log_retention_days": 90,
    "phases": [
        {"phase": 1, "name": "Service desk", "services": ["service_desk"]},
        {"phase": 2, "name": "Backup", "services": ["backup"]},
        {"phase": 3, "name": "Identity", "services": ["identity"]},
        {"phase": 4, "name": "Networking", "services": ["networking"]},
    ],
    "contacts": {
        "service_desk": "servicedesk@synthetic.example",
        "billing": "finance@synthetic.example",
        "security": "security@synthetic.example",
    },
    "identity": {"upn_domains": ["synthetic.example"]},
    "operations": {
        "log_collector": {"host": "logs.synthetic.example"},
        "ntp_servers": ["time.synthetic.example"],
        "offsite_store": {"endpoint": "https://s3.synthetic.example", "bucket": "synthetic-offsite"},
    },
    "costs": {
        "shared_monthly": 250000,
        "weights": {"equal": 0.2, "population": 0.5, "endpoints": 0.3},
        "budget": {"base_monthly": 400, "per_endpoint_monthly": 6, "per_server_monthly": 140},
    },
}


def build_registry(root: Path, members: int, phase: int | None) -> None:
    """Write consortium.yaml and ``members`` member files, each with a freshly allocated /20."""
    (root / "members").mkdir(parents=True)
    (root / "consortium.yaml").write_text(yaml.safe_dump(CONSORTIUM, sort_keys=False))
    supernet = ipaddress.ip_network("10.0.0.0/8")
    taken = [ipaddress.ip_network("10.0.0.0/20")]
    site_ranges = ipaddress.ip_network("172.16.0.0/12").subnets(new_prefix=24)
    for i in range(members):
        slug = f"town-{i:03d}"
        cidr = allocate(supernet, 20, taken, who=slug)
        taken.append(cidr)
        sites = [
            {
                "name": name,
                "public_ip": f"66.{100 + i // 200}.{i % 200}.{k + 1}",
                "cidrs": [str(next(site_ranges))],
            }
            for k, name in enumerate(["town-hall", "public-works"][: 1 + i % 2])
        ]
        member = {
            "slug": slug,
            "name": f"Town {i:03d}",
            "kind": "town",
            "population": 1000 + 37 * i,
            "joined": "2024-01-01",
            "status": "active",
            "phase": phase or 1 + i % 4,
            "contacts": {"it_lead": f"it@{slug}.example", "billing": f"clerk@{slug}.example"},
            "admins": [f"admin.{slug}@synthetic.example"],
            "network": {"cidr": str(cidr), "onprem": sites},
            "endpoints": {"windows": 20 + i % 50},
            "servers": [{"name": f"t{i:03d}-dc01", "os": "windows-server-2022", "role": "domain-controller"}],
        }
        (root / "members" / f"{slug}.yaml").write_text(yaml.safe_dump(member, sort_keys=False))


def peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux reports KiB


def timed_plan(registry, members, *, jobs: int, fast: bool) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (this process and its finished workers) and resources planned."""
    offline._HUB_CACHE.clear()
    before = os.times()
    start = time.perf_counter()
    plan = offline.plan_registry(registry, members, include_hub=True, budget_start=BUDGET_START, fast=fast, jobs=jobs)
    wall = time.perf_counter() - start
    after = os.times()
    cpu = sum(after[:4]) - sum(before[:4])  # user + system, self + children
    return wall, cpu, sum(len(s.records) for s in plan.stacks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=351)
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--sample", type=int, default=12, help="members planned both ways for the ratio")
    parser.add_argument("--phase", type=int, choices=[1, 2, 3, 4], help="put every member in this phase")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="consortium-bench-") as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        build_registry(root, args.members, args.phase)
        registry = load_registry(root)
        print(f"registry: {args.members} members built and validated in {time.perf_counter() - start:.1f} s")

        start = time.perf_counter()
        offline.load_program()
        import pulumi_azure_native.network  # noqa: F401 - the first use of a module costs ~0.3 s
        import pulumi_azuread  # noqa: F401

        print(f"imports: {time.perf_counter() - start:.1f} s")

        load = os.getloadavg()[0]
        wall, cpu, count = timed_plan(registry, None, jobs=args.jobs, fast=True)
        main_mb, worker_mb = peak_mb(resource.RUSAGE_SELF), peak_mb(resource.RUSAGE_CHILDREN)
        print(
            f"full plan: {args.members} members + hub, {count} resources, {args.jobs} process(es): "
            f"{wall:.1f} s wall, {count / wall:.0f} resources/s; {cpu:.1f} s CPU "
            f"({cpu / count * 1000:.2f} ms per resource); peak RSS: main {main_mb:.0f} MB, "
            f"largest worker {worker_mb:.0f} MB; load average before: {load:.1f}"
        )

        sample = sorted(e.member.slug for e in registry.members)[: args.sample]
        fast, fast_cpu, fast_count = timed_plan(registry, sample, jobs=1, fast=True)
        before = peak_mb(resource.RUSAGE_SELF)
        slow, slow_cpu, slow_count = timed_plan(registry, sample, jobs=1, fast=False)
        after = peak_mb(resource.RUSAGE_SELF)
        print(
            f"sample of {len(sample)} members + hub ({fast_count} resources), 1 process: "
            f"fast path {fast:.2f} s ({fast_count / fast:.0f} resources/s, "
            f"{fast_cpu / fast_count * 1000:.2f} ms CPU each); SDK default path (aliases kept) {slow:.2f} s "
            f"({slow_count / slow:.0f} resources/s, {slow_cpu / slow_count * 1000:.2f} ms CPU each): "
            f"{slow / fast:.1f}x slower" + (f"; peak RSS grew {after - before:.0f} MB" if after > before else "")
        )
        assert fast_count == slow_count
    sys.stdout.flush()


if __name__ == "__main__":
    main()
