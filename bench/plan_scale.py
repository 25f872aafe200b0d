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
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from consortium import offline
from consortium.registry import load_registry

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import BUDGET_START, build_registry


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
