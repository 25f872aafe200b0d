"""How fast does ``consortium plan`` go for a big consortium? Prints figures; asserts nothing.

Builds a synthetic registry of N members (351 by default: every municipality of a large state)
in a temporary directory — supernet 10.0.0.0/8, one /20 per member allocated with the registry's
own IPAM, phases 1-4 in turn, one or two town-hall sites each — then plans the hub and every
member offline, each run in a fresh interpreter (cold imports, as ``consortium plan`` starts),
and prints per run and as min/median over ``--runs``:

* wall time and resources per second (what a user waits for; depends on what else the machine runs);
* CPU ms per resource: user + system time of the main process and all its workers, divided by
  the resources planned — the figure to compare between machines and between loaded and idle runs;
* peak RSS of the main process and of the largest worker;
* outside the timed plan: importing the program before, and making the plan file's text after.

It then plans a smaller sample both ways in this process, with the runner's fast path and with the
SDK's default path (aliases kept, no shortcuts), and prints the ratio of their CPU per resource.

    .venv/bin/python bench/plan_scale.py                 # 351 members, 2 processes, 3 runs
    .venv/bin/python bench/plan_scale.py --members 60 --jobs 1 --runs 5 --sample 10 --phase 4
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from consortium.plan import runner
from consortium.plan.records import Plan, plan_json
from consortium.registry.load import load_registry

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import BUDGET_START, build_registry


def peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux reports KiB


def timed_plan(registry, members, *, jobs: int, fast: bool) -> tuple[float, float, Plan]:
    """Wall seconds, CPU seconds (this process and its finished workers) and the plan."""
    runner.clear_hub_cache()
    before = os.times()
    start = time.perf_counter()
    plan = runner.plan_registry(registry, members, include_hub=True, budget_start=BUDGET_START, fast=fast, jobs=jobs)
    wall = time.perf_counter() - start
    after = os.times()
    cpu = sum(after[:4]) - sum(before[:4])  # user + system, self + children
    return wall, cpu, plan


def one_run(args: argparse.Namespace) -> dict[str, float]:
    """One full plan in this (fresh) process; the figures as a dict."""
    with tempfile.TemporaryDirectory(prefix="consortium-bench-") as tmp:
        build_registry(Path(tmp), args.members, args.phase)
        registry = load_registry(Path(tmp))
        start = time.perf_counter()
        runner.load_program()  # the program's own modules; the SDK's are imported while planning
        program_s = time.perf_counter() - start
        load = os.getloadavg()[0]
        wall, cpu, plan = timed_plan(registry, None, jobs=args.jobs, fast=True)
        start = time.perf_counter()
        plan_json(plan)
        json_s = time.perf_counter() - start
    count = sum(len(s.records) for s in plan.stacks)
    return {
        "resources": count,
        "wall": wall,
        "cpu": cpu,
        "cpu_ms": cpu / count * 1000,
        "main_mb": peak_mb(resource.RUSAGE_SELF),
        "worker_mb": peak_mb(resource.RUSAGE_CHILDREN),
        "json": json_s,
        "program": program_s,
        "load": load,
    }


def full_runs(args: argparse.Namespace) -> None:
    """``--runs`` full plans, each in a fresh interpreter; one line each, then min/median."""
    command = [sys.executable, __file__, "--one-run", "--members", str(args.members), "--jobs", str(args.jobs)]
    if args.phase:
        command += ["--phase", str(args.phase)]
    runs = []
    for i in range(args.runs):
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            sys.exit(f"run {i + 1} failed:\n{done.stderr}")
        r = json.loads(done.stdout.strip().splitlines()[-1])
        runs.append(r)
        print(
            f"run {i + 1}: {args.members} members + hub, {r['resources']} resources, {args.jobs} process(es): "
            f"{r['wall']:.1f} s wall, {r['resources'] / r['wall']:.0f} resources/s; {r['cpu']:.1f} s CPU, "
            f"{r['cpu_ms']:.2f} ms CPU per resource; peak RSS main {r['main_mb']:.0f} MB, "
            f"largest worker {r['worker_mb']:.0f} MB; (before: program import {r['program']:.2f} s; after: plan file "
            f"text {r['json']:.2f} s); load average before {r['load']:.1f}",
            flush=True,
        )
    if len(runs) > 1:

        def figure(key: str, fmt: str) -> str:
            values = [r[key] for r in runs]
            return f"min {min(values):{fmt}} / median {statistics.median(values):{fmt}}"

        print(
            f"over {len(runs)} runs: wall {figure('wall', '.1f')} s; CPU per resource {figure('cpu_ms', '.2f')} ms; "
            f"largest worker {max(r['worker_mb'] for r in runs):.0f} MB"
        )


def sample_ratio(args: argparse.Namespace) -> None:
    """A small sample planned both ways in one process: the fast path against the SDK's default path."""
    with tempfile.TemporaryDirectory(prefix="consortium-bench-") as tmp:
        build_registry(Path(tmp), max(args.sample, 1), args.phase)
        registry = load_registry(Path(tmp))
        sample = sorted(e.member.slug for e in registry.members)[: args.sample]
        timed_plan(registry, sample, jobs=1, fast=True)  # imports, so that neither timed side pays them
        fast, fast_cpu, fast_plan = timed_plan(registry, sample, jobs=1, fast=True)
        before = peak_mb(resource.RUSAGE_SELF)
        slow, slow_cpu, slow_plan = timed_plan(registry, sample, jobs=1, fast=False)
        after = peak_mb(resource.RUSAGE_SELF)
    count = sum(len(s.records) for s in fast_plan.stacks)
    assert plan_json(fast_plan) == plan_json(slow_plan), "the fast path changed the plan"
    fast_ms, slow_ms = fast_cpu / count * 1000, slow_cpu / count * 1000
    print(
        f"sample of {len(sample)} members + hub ({count} resources), 1 process, same plan both ways: "
        f"fast path {fast:.2f} s ({fast_ms:.2f} ms CPU per resource); SDK default path (aliases kept) "
        f"{slow:.2f} s ({slow_ms:.2f} ms CPU per resource): {slow_ms / fast_ms:.1f}x the CPU"
        + (f"; peak RSS grew {after - before:.0f} MB" if after > before else "")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=351)
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--runs", type=int, default=3, help="full plans, each in a fresh interpreter")
    parser.add_argument("--sample", type=int, default=12, help="members planned both ways for the ratio (0: skip)")
    parser.add_argument("--phase", type=int, choices=[1, 2, 3, 4], help="put every member in this phase")
    parser.add_argument("--one-run", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.one_run:
        print(json.dumps(one_run(args)))
        return
    full_runs(args)
    if args.sample:
        sample_ratio(args)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
