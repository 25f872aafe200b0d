"""How fast is `consortium audit` for a state-wide consortium? Prints figures; asserts nothing.

Builds the synthetic 351-member consortium (bench/synthetic.py), plans it offline once, writes the
plan file and one `pulumi stack export` per stack (as the engine would), then times the real CLI,
start-up included: `consortium audit --plan FILE` and `consortium audit --state DIR`.
Target: under 1 s for about 5,000 resources (for scale: Checkov takes about 9 s for 5,000
equivalent ARM resources on this machine).

    .venv/bin/python bench/audit_scale.py [--members 351] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from synthetic import BUDGET_START, build_registry  # noqa: E402

from consortium import offline  # noqa: E402
from consortium.registry import load_registry  # noqa: E402
from tests.policies.stack_export import write_exports  # noqa: E402


def best_of(args: list[str], repeat: int) -> tuple[float, int, str]:
    exe = str(Path(sys.executable).parent / "consortium")
    best, rc, last = float("inf"), 0, ""
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run([exe, *args], capture_output=True, text=True)
        best = min(best, time.perf_counter() - start)
        rc, last = proc.returncode, (proc.stdout.strip().splitlines() or [""])[-1]
    return best, rc, last


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=351)
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the best is printed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="consortium-audit-bench-") as tmp:
        root = Path(tmp)
        build_registry(root / "registry", args.members)
        registry = load_registry(root / "registry")
        start = time.perf_counter()
        plan = offline.plan_registry(registry, None, budget_start=BUDGET_START, jobs=2)
        document = offline.plan_document(plan)
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
        startup, _, _ = best_of(["--version"], args.repeat)
        print(f"CLI start-up alone (consortium --version): {startup:.2f} s")
        for label, source in (
            ("--plan FILE", ["--plan", str(plan_file)]),
            (f"--state DIR ({exports} exports)", ["--state", str(root / "exports")]),
        ):
            seconds, rc, _ = best_of(["audit", *source, *common], args.repeat)
            report = json.loads((root / "report.json").read_text())
            print(
                f"audit {label:28s} {seconds:5.2f} s  {count / seconds:8.0f} resources/s  exit {rc}  "
                f"{report['summary']}"
            )


if __name__ == "__main__":
    main()
