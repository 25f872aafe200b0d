"""How fast is `consortium chargeback` on a big month? Prints figures; asserts nothing.

Writes a FOCUS 1.0 export of ``--rows`` rows (default 1,000,000) for the bundled example registry
in a temp dir (tagged usage for every member, hub resources, untagged resources in members' groups,
purchases, tax, credits, late corrections, unknown members; about 3,000 distinct resources, as a
real month repeats them daily), plain and gzip-compressed, then runs the real CLI on each in a
child process and prints its wall time and peak RSS (the child's, from getrusage).
Target: 1,000,000 rows in under 15 s and under 500 MB.

    .venv/bin/python bench/chargeback_scale.py [--rows 1000000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from consortium.registry import naming  # noqa: E402
from consortium.registry.load import load_registry  # noqa: E402

HEADER = [
    "BilledCost", "BillingAccountId", "BillingCurrency", "BillingPeriodEnd", "BillingPeriodStart", "ChargeCategory",
    "ChargeClass", "ChargeDescription", "ChargePeriodEnd", "ChargePeriodStart", "EffectiveCost", "ProviderName",
    "RegionName", "ResourceId", "ResourceName", "ServiceName", "SubAccountId", "Tags", "x_ResourceGroupName",
]  # fmt: skip
SUB = "/subscriptions/00000000-0000-0000-0000-00000000d4e1"


def _resources(rng: random.Random) -> list[tuple[str, str, str, str]]:
    """(tags JSON, resource group, name, service) of about 3,000 resources."""
    reg = load_registry(REPO)
    c = reg.consortium.slug
    out = []
    for entry in reg.members:
        slug = entry.member.slug
        tags = json.dumps({"consortium": c, "member": slug, "cost-center": f"{c}-{slug}"}, separators=(",", ":"))
        for i in range(300):
            untagged = i % 50 == 0
            out.append(("" if untagged else tags, naming.resource_group(c, slug), f"{slug}-r{i}", "Virtual Machines"))
    hub = json.dumps({"consortium": c, "member": "shared", "cost-center": f"{c}-shared"}, separators=(",", ":"))
    for name in (naming.hub_firewall(c), naming.hub_vpn_gateway(c), naming.hub_workspace(c)):
        out.append((hub, naming.resource_group(c, naming.HUB), name, "Networking"))
    out.append((json.dumps({"member": "madison"}), "rg-elsewhere", "stray-vm", "Virtual Machines"))
    rng.shuffle(out)
    return out


def write_bill(path: Path, rows: int) -> None:
    rng = random.Random(13)
    resources = _resources(rng)
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(HEADER)
        for n in range(rows):
            day = 1 + n % 30
            cost = f"{rng.uniform(-0.5, 40):.6f}"
            category, klass, start = "Usage", "", f"2026-11-{day:02d}T00:00:00Z"
            tags, group, name, service = resources[n % len(resources)]
            if n % 10_000 == 1:
                category, tags, group, name, service = rng.choice(["Purchase", "Tax", "Credit"]), "", "", "", "Azure"
            elif n % 5_000 == 2:
                klass, start = "Correction", f"2026-10-{day:02d}T00:00:00Z"
            rid = f"{SUB}/resourceGroups/{group}/providers/Microsoft.Compute/virtualMachines/{name}" if group else ""
            w.writerow([
                cost, "1234", "USD", "2026-12-01T00:00:00Z", "2026-11-01T00:00:00Z", category, klass, service,
                f"2026-11-{day:02d}T23:59:59Z" if not klass else start, start, cost, "Microsoft", "Central US",
                rid, name, service, SUB, tags, group,
            ])  # fmt: skip


def run(bill: Path, out: Path) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MB) of one `consortium chargeback` child process
    (CPU time too: on a shared machine the wall time says as much about the neighbours)."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    cmd = [sys.executable, "-m", "consortium", "chargeback", "--registry", str(REPO), "--focus", str(bill)]
    subprocess.run([*cmd, "--format", "json", "--output", str(out)], check=True, env=env)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return seconds, cpu, after.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="write the files here and keep them")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="chargeback-bench-")) if args.keep is None else args.keep
    tmp.mkdir(parents=True, exist_ok=True)
    try:
        bill = tmp / "focus.csv"
        start = time.perf_counter()
        write_bill(bill, args.rows)
        print(f"wrote {args.rows:,} rows ({bill.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - start:.1f} s")
        gz = tmp / "focus.csv.gz"
        with bill.open("rb") as src, gzip.open(gz, "wb", compresslevel=5) as dst:
            shutil.copyfileobj(src, dst)
        for path in (bill, gz):
            seconds, cpu, rss = run(path, tmp / "bill.json")
            total = json.loads((tmp / "bill.json").read_text())["bill_total"]
            print(
                f"{path.name}: {seconds:.1f} s wall, {cpu:.1f} s CPU, peak RSS {rss:.0f} MB (largest child so far),"
                f" bill total {total}, load average {os.getloadavg()[0]:.1f}"
            )
    finally:
        if args.keep is None:
            shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
