"""`consortium chargeback` on a bill whose every row is a resource of its own. Prints figures; asserts nothing.

bench/chargeback_scale.py measures a real month (a few thousand resources, repeated daily): memory
stays flat whatever the rows. This is the other end: ``--rows`` rows (default 200,000), each a
distinct resource in a resource group of nobody (another consortium's bill, say), so every row is its
own line of the unallocated list the reports must print. It runs the real CLI on it in a child
process (``--format json --output``) and prints wall and CPU time, the child's peak RSS (getrusage)
and the report's size.

Measured in the round that added it (2-core machine, load about 3): 200,000 rows (103 MB):
21.9 s wall, 12.0 s CPU, peak RSS 642 MB, a 74 MB JSON report; the memory grows with the number of
distinct unallocated resources (about 3 KB each, most of it the report being built), not with rows.

    .venv/bin/python bench/chargeback_distinct.py [--rows 200000]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "tests/data/focus-1.0/dane-county-2026-11.csv"


def write_bill(path: Path, rows: int, rng: random.Random) -> None:
    """``rows`` rows like the fixture's first, each a distinct resource in a group of nobody."""
    with FIXTURE.open(newline="", encoding="utf-8-sig") as fh:
        header, template = list(csv.reader(fh))[:2]
    names = ("BilledCost", "Tags", "x_ResourceGroupName", "ResourceId", "ResourceName")
    at = {name: header.index(name) for name in names}
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(header)
        for i in range(rows):
            row = list(template)
            row[at["BilledCost"]] = f"{rng.random() * 100:.6f}"
            row[at["Tags"]] = ""
            row[at["x_ResourceGroupName"]] = f"rg-nobody-{i}"
            row[at["ResourceId"]] = f"/subscriptions/x/resourceGroups/rg-nobody-{i}/providers/Microsoft.Compute/vm{i}"
            row[at["ResourceName"]] = f"vm{i}"
            writer.writerow(row)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bill, report = Path(tmp) / "bill.csv", Path(tmp) / "bill.json"
        write_bill(bill, args.rows, random.Random(1))
        command = [sys.executable, "-m", "consortium", "chargeback", "--registry", str(REPO), "--focus", str(bill),
                   "--format", "json", "--output", str(report)]  # fmt: skip
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        start = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - start
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode != 0:
            sys.exit(f"chargeback failed ({done.returncode}): {done.stderr[-500:]}")
        size = bill.stat().st_size / 1e6
        print(f"{args.rows:,} rows ({size:.0f} MB), each a distinct unallocated resource: {wall:.1f} s wall, "
              f"{usage.ru_utime + usage.ru_stime:.1f} s CPU, peak RSS {usage.ru_maxrss / 1024:.0f} MB, "
              f"report {report.stat().st_size / 1e6:.0f} MB, load average {os.getloadavg()[0]:.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
