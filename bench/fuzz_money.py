"""Fuzzing the money and inventory commands against the CLI contract. Prints counts; asserts nothing.

Each example mutates one input of a private copy of the example registry and runs the real CLI
in-process (click's CliRunner):

- ``chargeback``: the bundled FOCUS bill with one cell replaced by a nasty value (numbers real
  exports and fuzzers write: "1E-05", "1,234.56", "1e400", NaN, 30 decimals; dates with offsets;
  Tags JSON; control characters), or the whole file re-encoded (BOM, UTF-16, CRLF, ";", gzip,
  rows of empty cells, a row too long or short);
- ``costs``: a price file (``prices/azure-centralus.json``) with one JSON node replaced;
- ``assets``: a host inventory with one JSON node replaced.

It counts the outcomes and every break of the contract: a traceback, an exit outside {0, 2}, exit 2
with a line that is not ``path: ...`` (one per problem), anything written on exit 2, and for an
accepted bill, members' totals plus unallocated not equal to the bill's total to the cent, or a
total other than the cents of the sum of the rows' BilledCost. 500 examples take about a minute;
the round that added it ran 800 (seeds 1 and 7) with the contract kept. The suite's bounded
versions are in tests/costs/test_focus.py, tests/costs/test_money.py and tests/assets/test_inventory.py.

    PYTHONPATH=. .venv/bin/python bench/fuzz_money.py [--examples 600] [--seed 1]
"""

from __future__ import annotations

import copy
import csv
import gzip
import io
import json
import random
import shutil
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import fuzz_campaign
from fuzz_campaign import LINE

from consortium.money import cents, parse_decimal
from tests.assets.helpers import LINUX
from tests.conftest import REPO, tree_digest
from tests.registry.helpers import Result, cli
from tests.test_cli_contract import _mutate_json

FOCUS = REPO / "tests/data/focus-1.0/dane-county-2026-11.csv"
CELLS = {
    "BilledCost": ["1E-05", "-5.25", "-0", "1,234.56", "1.234,56", '"12"', "1e400", "9" * 30, "NaN", "-Infinity",
                   "0." + "3" * 30, "1_000", "\u0663", " 7 ", "", "+1", ".5", "5.", "1e-400", "999999999999999.99"],
    "BillingPeriodStart": ["2026-11-01", "2026-10-31T19:00:00-05:00", "2026-11-01T00:30:00+01:00", "2026-02-30",
                           "0000-01-01", "2026-11-01T24:00Z", "9999-12-31T23:59:59Z", "2026-11-01T00:00:00+25:00"],
    "BillingPeriodEnd": ["2027-01-01T00:00:00Z", "2026-11-01T00:00:00Z", "1999-01-01"],
    "ChargePeriodStart": ["1999-01-01", "2030-01-01T00:00Z", "2026-10-15T00:00:00-05:00", "x"],
    "BillingCurrency": ["EUR", "usd", "", " USD"],
    "ChargeCategory": ["Credit", "Purchase", "Tax", "Adjustment", "usage", "Refund"],
    "ChargeClass": ["Correction", "correction", "x"],
    "Tags": ['{"member": "verona"}', '{"member": "shared"}', '{"member": 5}', '{"member": NaN}', "[]", "{",
             '{"member": "verona", "MEMBER": "oregon"}', '{"member": "\\ud800"}', '{"member": "\\u001b[2J"}',
             '{"a": 1' + "0" * 5000 + "}", '{"consortium": "other"}', ""],
    "ResourceName": ["vm\x00", "vm\x1b[31m", "=cmd|' /C calc'!A0", "<script>alert(1)</script>", "\u2028"],
    "x_ResourceGroupName": ["rg-dane-county-hub", "rg-dane-county-oregon", "RG-DANE-COUNTY-VERONA", "rg-x\n"],
}  # fmt: skip
NODES: list[Any] = [None, True, 0, -1, 1.5, 10**30, "", "x" * 600, "\x00", "\x1b[2J", "\ud800", "1e400", "NaN",
                    "2026-02-30", [], {}, {"x": 1}, "\u0663"]  # fmt: skip


def _write_rows(rows: list[list[str]], *, delimiter: str = ",", newline: str = "\r\n") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator=newline).writerows(rows)
    return out.getvalue()


def _bill(rng: random.Random, path: Path) -> list[list[str]]:
    """A mutated bill at ``path``; the rows written (to check an accepted bill's total)."""
    with FOCUS.open(newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    column = rng.choice(sorted(CELLS))
    rows[rng.randrange(1, len(rows))][header.index(column)] = rng.choice(CELLS[column])
    how = rng.choice(["plain"] * 6 + ["bom", "utf16", "lf", "semicolon", "gzip", "padded", "long", "short"])
    if how == "padded":
        rows += [[""] * len(header), [""] * 3]
    elif how in ("long", "short"):
        rows[-1] = rows[-1] + ["x"] if how == "long" else rows[-1][:-1]
    text = _write_rows(rows, delimiter=";" if how == "semicolon" else ",", newline="\n" if how == "lf" else "\r\n")
    data = {"bom": b"\xef\xbb\xbf" + text.encode(), "utf16": text.encode("utf-16")}.get(how, text.encode())
    path.write_bytes(gzip.compress(data) if how == "gzip" else data)
    return rows


def _billed(rows: list[list[str]]) -> Decimal | None:
    """The cents of the sum of BilledCost over the rows of the month, or None if a cell is no number."""
    header = rows[0]
    try:
        return cents(sum((parse_decimal(r[header.index("BilledCost")]) for r in rows[1:] if any(r)), Decimal(0)))
    except (ValueError, IndexError):
        return None


def _example(rng: random.Random, root: Path) -> tuple[str, list[str | Path], list[list[str]] | None]:
    kind = rng.choice(["chargeback", "chargeback", "costs", "assets"])
    out = root / "out" / "result.txt"
    if kind == "chargeback":
        rows = _bill(rng, root / "bill.csv")
        return kind, ["chargeback", "--registry", root, "--focus", root / "bill.csv", "--format", "json"], rows
    if kind == "costs":
        prices = root / "prices/azure-centralus.json"
        path_in = [rng.randrange(12) for _ in range(rng.randrange(1, 4))]
        prices.write_text(json.dumps(_mutate_json(json.loads(prices.read_text()), path_in, rng.choice(NODES))))
        return kind, ["costs", "--registry", root, "--plan", root / "plan.json", "--format", "json"], None
    folder = root / "inventory"
    folder.mkdir(exist_ok=True)
    path_in = [rng.randrange(12) for _ in range(rng.randrange(1, 4))]
    (folder / "ver-app01.json").write_text(json.dumps(_mutate_json(copy.deepcopy(LINUX), path_in, rng.choice(NODES))))
    fmt = rng.choice(["table", "csv", "json", "snipeit"])
    return kind, ["assets", "--registry", root, "--dir", folder, "--format", fmt, "--output", out], None


def _judge(
    kind: str, _command: list[str | Path], rows: list[list[str]] | None, result: Result, root: Path, before: str
) -> tuple[str, Result] | None:
    """The contract: exit 0 or 2; on exit 2 one line per problem, each naming a file, and nothing written;
    an accepted bill's shares add up to its total, the cents of its rows' sum."""
    lines = [line for line in result.err_lines if not line.startswith(("warning: ", "note: "))]
    if result.code not in (0, 2):
        return "exit outside 0/2", result
    if result.code == 2 and not (lines and all(LINE.match(line) for line in lines)):
        return "a line not naming a file", result  # one line per problem (pydantic may find several)
    if result.code == 2 and tree_digest(root) != before:
        return "written on exit 2", result
    if result.code == 0 and kind == "chargeback" and rows is not None:
        doc = json.loads(result.out)
        total = Decimal(doc["bill_total"])
        unallocated = Decimal(doc["unallocated"]["total"])
        if sum((Decimal(m["total"]) for m in doc["members"].values()), unallocated) != total:
            return "shares do not add up to the bill", result
        if _billed(rows) not in (None, total):
            return "bill total is not the rows' sum", result
    return None


def main() -> None:
    args = fuzz_campaign.arguments(__doc__.splitlines()[0], examples=600)
    with fuzz_campaign.pristine_registry() as (pristine, scratch):
        if not (pristine / "prices").exists():  # the tests' copy leaves the price files out
            shutil.copytree(REPO / "prices", pristine / "prices")
        plan = cli("plan", "--registry", pristine, "--all", "--json", scratch / "plan.json")
        if plan.code != 0:
            sys.exit(f"planning the example failed: {plan.err}")
        shutil.copy2(scratch / "plan.json", pristine / "plan.json")
        fuzz_campaign.run(pristine, scratch, args, _example, _judge)


if __name__ == "__main__":
    main()
