"""How fast is `consortium costs` for a state-wide consortium? Prints figures; asserts nothing.

Builds the synthetic 351-member consortium (bench/synthetic.py) with the toolkit's shipped price
files, plans it offline once into a plan file, then times the estimate itself (in-process, best of
``--repeat``) and the real CLI (`consortium costs --plan FILE --format json`, start-up included).
Then the shares (hub pools and overhead by the formula, every member) with "alone" beside each, and
a what-if (one member to another phase, one removed, one added): the changed registry is planned
once outside the timing (the hub and the changed members, as the CLI does), and what is timed is
the estimate, shares and alone of both sides and the what-if document (the target: under 2 s).

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

from consortium.costs.estimate import Estimate, estimate  # noqa: E402
from consortium.costs.prices import PriceBook, load_prices  # noqa: E402
from consortium.costs.report import estimate_json  # noqa: E402
from consortium.costs.share_report import Priced, shares_json, what_if_document, what_if_json  # noqa: E402
from consortium.costs.share_report import priced as price_shares  # noqa: E402
from consortium.costs.usage import Usage  # noqa: E402
from consortium.costs.what_if import what_if  # noqa: E402
from consortium.plan.records import plan_document, plan_json, read_plan  # noqa: E402
from consortium.plan.runner import plan_registry  # noqa: E402
from consortium.registry.load import Registry, load_registry  # noqa: E402


def priced(records: list[dict], registry: Registry, book: PriceBook) -> tuple[Estimate, Priced]:
    """The estimate of ``records`` and its shares with alone beside each (what the CLI computes)."""
    c = registry.consortium
    est = estimate(records, consortium=c.slug, primary_region=c.azure.locations[0], usage=Usage.of(registry),
                   prices=book)  # fmt: skip
    return est, price_shares(est, records, registry, book)


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
        shares_and_what_if(root, registry, records, book)


def shares_and_what_if(root: Path, registry: Registry, records: list[dict], book: PriceBook) -> None:
    slugs = sorted(e.member.slug for e in registry.members)
    new = root / "bench-new.yaml"
    text = (root / "members" / f"{slugs[0]}.yaml").read_text().replace(f"slug: {slugs[0]}", "slug: bench-new")
    text = text.replace("name: t000-", "name: new-").replace("public_ip: 66.100.", "public_ip: 66.199.")  # unique
    lines = [ln for ln in text.splitlines() if not ln.strip().startswith("cidr:")]
    new.write_text("\n".join(lines) + "\n")
    phases = len(registry.consortium.phases)
    member = registry.entry(slugs[1]).member
    phase = f"{slugs[1]}={member.phase % phases + 1}"
    try:
        change = what_if(registry, add=[new], remove=[slugs[2]], phase=[phase])
    except Exception as exc:  # a synthetic file may clash (servers, LANs): the what-if without the addition
        print(f"what-if without the addition ({str(exc).splitlines()[0]})")
        change = what_if(registry, remove=[slugs[2]], phase=[phase])
    started = time.perf_counter()
    plan = plan_registry(change.after, list(change.replan), include_hub=True, budget_start=BUDGET_START)
    kept = {e.member.slug for e in change.after.members} - set(change.replan)
    after_records = [*plan_document(plan)["resources"], *(r for r in records if r["stack"] in kept)]
    print(f"what-if planning (hub + {len(change.replan)} member(s)): {time.perf_counter() - started:.1f} s")
    best = best_shares = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        est, before = priced(records, registry, book)
        text = shares_json(est, before)
        best_shares = min(best_shares, time.perf_counter() - started)
        _, after = priced(after_records, change.after, book)
        doc = what_if_json(what_if_document(registry.consortium.slug, change.changes, before, after))
        best = min(best, time.perf_counter() - started)
    sh = before.shares
    assert sh.total == sh.members_total + sh.unshared  # reconciles to the cent
    hubs = len({a.alone.lines for a in before.alone.values()})
    print(f"costs with shares and alone (estimate, {len(sh.members)} shares, JSON {len(text) / 1e6:.1f} MB): "
          f"{best_shares * 1000:.0f} ms best of 3; {hubs} different hubs priced alone")  # fmt: skip
    print(f"costs + what-if ({'; '.join(change.changes)[:80]}...): {best * 1000:.0f} ms best of 3 "
          f"(target < 2000 ms), {len(doc) / 1e6:.1f} MB of JSON")  # fmt: skip


if __name__ == "__main__":
    main()
