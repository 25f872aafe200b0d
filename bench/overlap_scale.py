"""Application overlap at state scale: a synthetic 351-member registry (bench/synthetic.py), each town
given 4-10 applications drawn from a catalogue of products (a few common ones, a long tail), then
`consortium overlap` timed in-process (load + analysis + each format) and through the real CLI
(start-up included), also on the bundled example. Prints figures; asserts nothing. Target: under
2 s on a 2-core machine.

    PYTHONPATH=. .venv/bin/python bench/overlap_scale.py [--members 351] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from synthetic import build_registry  # noqa: E402

from consortium.registry.load import load_registry  # noqa: E402
from consortium.registry.overlap import overlap  # noqa: E402
from consortium.registry.overlap_html import render  # noqa: E402
from consortium.registry.overlap_report import to_csv, to_json, to_table  # noqa: E402

AS_OF = date(2026, 12, 1)
# (category, vendor, product): per category a few products most towns share, then a tail of one-offs.
CATALOGUE = {
    "erp-finance": [("Tyler Technologies", "Munis"), ("Caselle", "Clarity"), ("BS&A Software", "BS&A Cloud")],
    "utility-billing": [("Badger Meter", "BEACON AMA"), ("Sensus", "Sensus Analytics")],
    "email": [("Microsoft", "Microsoft 365"), ("Google", "Google Workspace")],
    "gis": [("Esri", "ArcGIS Online"), ("Esri", "ArcGIS Enterprise")],
    "records-ecm": [("Laserfiche", "Laserfiche Cloud"), ("Hyland", "OnBase")],
    "permitting": [("Tyler Technologies", "EnerGov"), ("iWorQ Systems", "iWorQ"), ("Accela", "Civic Platform")],
    "website": [("CivicPlus", "CivicEngage"), ("Granicus", "govAccess")],
    "public-safety": [("Motorola Solutions", "Spillman Flex"), ("CentralSquare Technologies", "Zuercher Suite")],
}


def add_applications(root: Path, rng: random.Random) -> int:
    """Give every member file an ``applications:`` list; returns how many entries were written."""
    written = 0
    for path in sorted((root / "members").glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        apps = []
        for category in rng.sample(sorted(CATALOGUE), rng.randint(4, len(CATALOGUE))):
            if rng.random() < 0.15:  # the long tail: a product only this town runs
                vendor, product = f"Vendor {rng.randint(1, 10_000)}", f"{category.title()} Suite {rng.randint(1, 99)}"
            else:
                vendor, product = rng.choice(CATALOGUE[category])
            app = {"category": category, "vendor": vendor, "product": product, "hosting": "vendor-hosted-saas"}
            if rng.random() < 0.95:
                app["annual_cost"] = f"{rng.randint(1_000, 150_000)}.{rng.randint(0, 99):02d}"
            if rng.random() < 0.8:
                app["contract_end"] = (AS_OF + timedelta(days=rng.randint(-400, 2000))).isoformat()
            apps.append(app)
        data["applications"] = apps
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        written += len(apps)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=351)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="consortium-bench-"))
    try:
        build_registry(root, args.members)
        entries = add_applications(root, random.Random(args.seed))
        print(f"synthetic registry: {args.members} members, {entries} applications")

        start = time.perf_counter()
        reg = load_registry(root)
        loaded = time.perf_counter()
        report = overlap(reg, AS_OF)
        analysed = time.perf_counter()
        print(f"in-process: load {loaded - start:.2f} s, analysis {analysed - loaded:.3f} s")
        print(
            f"  {len(report.products)} products ({len(report.shared_products)} shared, "
            f"{len(report.single_town_products)} single-town), {len(report.windows)} contract windows, "
            f"annual cost {report.annual_cost} {report.currency} ({report.costs_unknown} unknown)"
        )
        for name, fmt in (("table", to_table), ("csv", to_csv), ("json", to_json), ("html", render)):
            t0 = time.perf_counter()
            size = len(fmt(report))
            print(f"  format {name:5s} {time.perf_counter() - t0:.3f} s, {size / 1024:.0f} KiB")

        exe = str(Path(sys.executable).parent / "consortium")
        for label, registry in (("synthetic", root), ("bundled example", REPO)):
            for fmt in ("table", "json", "html"):
                t0 = time.perf_counter()
                argv = [exe, "overlap", "--registry", str(registry), "--format", fmt, "--as-of", AS_OF.isoformat()]
                proc = subprocess.run(argv, capture_output=True, text=True)
                seconds = time.perf_counter() - t0
                print(f"CLI overlap --format {fmt:5s} on the {label:15s} {seconds:.2f} s  exit {proc.returncode}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
