"""How fast is `consortium costs` for a state-wide consortium? Prints figures; asserts nothing.

Builds the synthetic 351-member consortium (bench/synthetic.py) with the toolkit's shipped price
files, plans it offline once into a plan file, then times the estimate itself (in-process, best of
``--repeat``) and the real CLI (`consortium costs --plan FILE --format json`, start-up included).

    .venv/bin/python bench/costs_scale.py [--members 351] [--repeat 3] [--jobs 2]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from synthetic import BUDGET_START, build_registry  # noqa: E402

from consortium.costs.estimate import estimate  # noqa: E402
from consortium.costs.prices import load_prices  # noqa: E402
from consortium.costs.report import estimate_json  # noqa: E402
from consortium.costs.usage import Usage  # noqa: E402
from consortium.plan.records import plan_document, plan_json, read_plan  # noqa: E402
from consortium.plan.runner import plan_registry  # noqa: E402
from consortium.registry.load import load_registry  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=351)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        build_registry(root, args.members)
        shutil.copytree(REPO / "prices", root / "prices")
        registry = load_registry(root)
        started = time.perf_counter()
        plan = plan_registry(registry, None, include_hub=True, budget_start=BUDGET_START, jobs=args.jobs)
        plan_file = root / "plan.json"
        plan_file.write_text(plan_json(plan))
        took = time.perf_counter() - started
        print(f"planned {args.members} members + hub: {len(plan.records)} resources in {took:.1f} s")

        records = plan_document(plan)["resources"]
        c = registry.consortium
        best = float("inf")
        for _ in range(args.repeat):
            started = time.perf_counter()
            book = load_prices(root, list(c.azure.locations), c.costs.currency)
            est = estimate(
                records, consortium=c.slug, primary_region=c.azure.locations[0], usage=Usage.of(registry), prices=book
            )
            text = estimate_json(est)
            best = min(best, time.perf_counter() - started)
        print(
            f"estimate (prices read, every line, JSON): {best * 1000:.0f} ms best of {args.repeat}; "
            f"{len(est.lines)} lines, {len(est.not_priced)} not priced, total {est.currency} {est.total}, "
            f"{len(text) / 1e6:.1f} MB of JSON"
        )
        read_started = time.perf_counter()
        read_plan(plan_file)
        print(f"reading the plan file: {(time.perf_counter() - read_started) * 1000:.0f} ms")

        cli = [sys.executable, "-m", "consortium", "costs", "--registry", str(root), "--plan", str(plan_file)]
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            out = subprocess.run([*cli, "--format", "json"], capture_output=True, text=True, check=True).stdout
            times.append(time.perf_counter() - started)
        command = "`consortium costs --plan FILE --format json`"
        print(f"{command}: {min(times):.2f} s best, {max(times):.2f} s worst, start-up included")
        assert json.loads(out)["total"] == f"{est.total:.2f}"  # the CLI says what the library says


if __name__ == "__main__":
    main()
