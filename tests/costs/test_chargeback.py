"""The monthly chargeback of the example consortium's bill: who owns each row, what nobody owns, and
reconciliation to the cent in every format, whatever the bill."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consortium.costs.chargeback import chargeback, round_to
from consortium.money import cents
from consortium.registry import naming
from consortium.registry.load import load_registry
from tests.conftest import REPO, tree_digest
from tests.registry.helpers import cli

D = Decimal
FIXTURE = REPO / "tests" / "data" / "focus-1.0" / "dane-county-2026-11.csv"


@pytest.fixture(scope="module")
def registry():
    return load_registry(REPO)


def _rows() -> list[list[str]]:
    with FIXTURE.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def _write(path: Path, rows: list[list[str]]) -> Path:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def _reconciles(doc: dict) -> None:
    members = sum(D(m["total"]) for m in doc["members"].values())
    assert members + D(doc["unallocated"]["total"]) == D(doc["bill_total"])
    assert sum(D(r["amount"]) for r in doc["unallocated"]["rows"]) == D(doc["unallocated"]["total"])
    for m in doc["members"].values():
        assert D(m["direct"]) + D(m["shared"]) == D(m["total"])
        assert all(len(v.split(".")[1]) == 2 for v in m.values())


def test_the_example_bill(registry) -> None:
    bill = chargeback(registry, FIXTURE)
    assert (bill.month, bill.currency, bill.bill_total) == ("2026-11", "USD", D("1989.60"))
    verona = bill.members["verona"]
    # tagged usage plus last month's correction billed this month, shown as such
    assert verona.direct == D("138.28")
    assert [(line.service, line.earlier, line.amount) for line in verona.lines] == [
        ("Key Vault", "", D("30.50")),
        ("Virtual Machines", "", D("120.12")),
        ("Virtual Machines", "2026-10", D("-12.34")),
    ]
    # untagged in its resource group (written in capitals by the export): its cost, flagged
    waunakee = bill.members["waunakee"]
    assert waunakee.direct == D("15.25") and [u.resource_group for u in waunakee.untagged] == [
        "RG-DANE-COUNTY-WAUNAKEE"
    ]
    assert [u.resource_group for u in bill.hub_untagged] == [naming.resource_group("dane-county", "hub")]
    pools = {p.name: p.monthly for p in bill.pools}
    assert pools == {
        "hub landing zone": D("903.43"),  # firewall (tagged shared) + hub key vault (untagged, hub group)
        "hub VPN gateway": D("140.40"),
        "purchases": D("500.00"),
        "tax": D("85.17"),
        "credits": D("-50.00"),
    }
    assert sorted((u.reason.split(" ")[1], u.amount) for u in bill.unallocated) == [
        ("consortium=other-consortium", D("7.07")),
        ("group", D("5.55")),
        ("member=madison", D("44.44")),
    ]
    # a service-desk-only town pays nothing of the hub, only the pools every member shares
    cottage = {p.pool.name: p.amount for p in bill.members["cottage-grove"].share.pools}
    assert cottage["hub VPN gateway"] == 0 and cottage["hub landing zone"] == 0 and cottage["purchases"] > 0
    total = sum(m.total for m in bill.members.values()) + bill.unallocated_total
    assert total == bill.bill_total


def test_every_format_reconciles_and_the_explanation_matches(tmp_path: Path) -> None:
    doc = json.loads(cli("chargeback", "--registry", REPO, "--focus", FIXTURE, "--format", "json").out)
    _reconciles(doc)
    assert doc["unallocated"]["total"] == "57.06" and doc["bill_total"] == "1989.60"
    table = cli("chargeback", "--registry", REPO, "--focus", FIXTURE)
    assert table.code == 0 and "bill total" in table.out and "1989.60" in table.out
    rows = list(
        csv.DictReader(io.StringIO(cli("chargeback", "--registry", REPO, "--focus", FIXTURE, "--format", "csv").out))
    )
    assert sum(D(r["total"]) for r in rows if r["kind"] != "bill") == D(
        next(r for r in rows if r["kind"] == "bill")["total"]
    )
    explained = cli("chargeback", "--registry", REPO, "--focus", FIXTURE, "--explain", "verona").out
    assert "correction for 2026-10" in explained
    assert explained.rstrip().endswith(f"= {doc['members']['verona']['total']}")
    out = tmp_path / "invoices.html"
    assert cli("chargeback", "--registry", REPO, "--focus", FIXTURE, "--format", "html", "--output", out).code == 0
    page = out.read_text(encoding="utf-8")
    assert page.count("<section class=invoice>") == len(doc["members"]) and "page-break-before:always" in page
    assert "<script" not in page and "http" not in page.split("<body")[0]  # self-contained


def test_html_escapes_what_the_bill_says(tmp_path: Path, registry) -> None:
    rows = _rows()
    header = rows[0]
    rows[13][header.index("ResourceId")] = "<script>alert(1)</script>"
    html_out = tmp_path / "x.html"
    result = cli("chargeback", "--registry", REPO, "--focus", _write(tmp_path / "b.csv", rows), "--format", "html",
                 "--output", html_out)  # fmt: skip
    assert result.code == 0
    assert "<script>" not in html_out.read_text() and "&lt;script&gt;" in html_out.read_text()


def test_months_and_currencies(tmp_path: Path) -> None:
    rows = _rows()
    header = rows[0]
    october = [list(r) for r in rows[1:3]]
    for r in october:
        r[header.index("BillingPeriodStart")] = "2026-10-01T00:00:00Z"
        r[header.index("BillingPeriodEnd")] = "2026-11-01T00:00:00Z"
        r[header.index("ChargePeriodStart")] = "2026-10-01T00:00:00Z"
    two = _write(tmp_path / "two.csv", [*rows, *october])
    both = cli("chargeback", "--registry", REPO, "--focus", two)
    assert both.code == 2
    assert both.err_lines == [
        f"{two}: BillingPeriodStart: billing periods 2026-10, 2026-11: choose one with --month YYYY-MM"
    ]
    doc = json.loads(
        cli("chargeback", "--registry", REPO, "--focus", two, "--month", "2026-10", "--format", "json").out
    )
    assert doc["month"] == "2026-10" and doc["members"]["verona"]["direct"] == "150.62"
    _reconciles(doc)
    absent = cli("chargeback", "--registry", REPO, "--focus", two, "--month", "2026-09")
    assert absent.code == 2 and "nothing billed in 2026-09" in absent.err
    assert cli("chargeback", "--registry", REPO, "--focus", two, "--month", "2026-9").code == 2
    for r in rows[1:]:
        r[header.index("BillingCurrency")] = "EUR"
    eur = _write(tmp_path / "eur.csv", rows)
    result = cli("chargeback", "--registry", REPO, "--focus", eur)
    assert result.code == 2
    assert result.err_lines == [f"{eur}: BillingCurrency: EUR, but consortium.yaml costs.currency is USD"]


def test_bad_input_writes_nothing(tmp_path: Path) -> None:
    rows = _rows()
    rows[5][rows[0].index("BilledCost")] = "12.5.1"
    bad = _write(tmp_path / "bad.csv", rows)
    out = tmp_path / "out"
    out.mkdir()
    before = tree_digest(out)
    for args in (
        ("--focus", bad, "--format", "json", "--output", out / "bill.json"),
        ("--focus", FIXTURE, "--explain", "madison", "--output", out / "x.txt"),
        ("--focus", tmp_path / "missing.csv", "--output", out / "bill.txt"),
    ):
        result = cli("chargeback", "--registry", REPO, *args)
        assert result.code == 2, result
        assert len(result.err_lines) == 1, result.err
    usage = cli("chargeback", "--registry", REPO, "--focus", FIXTURE, "--format", "json", "--explain", "verona")
    assert usage.code == 2 and usage.err_lines == ["--explain: verona: prints text; it takes no --format"]
    # bad flags and paths are one line too (they were click's three-line usage text, or a traceback)
    loop = tmp_path / "loop.json"
    loop.symlink_to(loop)
    for args, line in (
        (("--month", "2026-13"), "--month: 2026-13: not a month written YYYY-MM"),
        (("--month", "\u0662\u0660\u0662\u0666-11"), "--month: \u0662\u0660\u0662\u0666-11: not a month"),
        (("--focus", out), f"{out}: is a directory, expected a file"),
        (("--output", loop), f"{loop}: symbolic link loop; refusing to write through it"),
        (("--output", out), f"{out}: not a regular file; refusing to replace it"),
    ):
        result = cli("chargeback", "--registry", REPO, "--focus", FIXTURE, *args)
        assert result.code == 2 and len(result.err_lines) == 1 and result.err_lines[0].startswith(line), result
    assert tree_digest(out) == before
    line = cli("chargeback", "--registry", REPO, "--focus", bad).err_lines
    assert line == [f"{bad}: row 6: BilledCost: not a number: '12.5.1'"]


def test_round_to_hits_the_total() -> None:
    assert round_to([D("0.005"), D("0.005"), D("0.005")], D("0.02")) == [D("0.00"), D("0.01"), D("0.01")]
    assert round_to([D("1.004"), D("-1.004"), D("0.004")], D("0.00")) == [D("1.00"), D("-1.00"), D("0.00")]
    assert round_to([], D(0)) == []


# Rows of a random bill: any owner the rules know, any category, any amount.
OWNERS = [
    ("verona", "rg-dane-county-verona", ""),
    ("", "rg-dane-county-oregon", ""),
    ("shared", "rg-dane-county-hub", naming.hub_vpn_gateway("dane-county")),
    ("shared", "rg-dane-county-hub", naming.hub_firewall("dane-county")),
    ("", "rg-dane-county-hub", "kv"),
    ("madison", "rg-dane-county-madison", ""),
    ("", "rg-nobody", ""),
    ("", "", ""),
    ("cottage-grove", "rg-dane-county-cottage-grove", ""),
]
bill_rows = st.lists(
    st.tuples(
        st.sampled_from(OWNERS),
        st.sampled_from(["Usage", "Purchase", "Tax", "Credit", "Adjustment"]),
        st.decimals(min_value=-1000, max_value=10000, places=6),
        st.booleans(),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bill_rows, st.sampled_from([0, 50, 400]))
def test_any_bill_reconciles_to_the_cent(tmp_path_factory, registry, rows, minimum) -> None:
    header = _rows()[0]
    template = _rows()[1]
    out = [header]
    for (member, group, name), category, cost, correction in rows:
        r = list(template)
        tags = json.dumps({"member": member, "consortium": "dane-county"}) if member else ""
        values = {
            "BilledCost": str(cost), "ChargeCategory": category, "Tags": tags, "x_ResourceGroupName": group,
            "ResourceName": name, "ResourceId": f"/rg/{group}/{name}" if group else "",
            "ChargeClass": "Correction" if correction else "",
            "ChargePeriodStart": "2026-10-03T00:00:00Z" if correction else "2026-11-01T00:00:00Z",
        }  # fmt: skip
        for k, v in values.items():
            r[header.index(k)] = v
        out.append(r)
    path = _write(tmp_path_factory.mktemp("bill") / "bill.csv", out)
    costs = registry.consortium.costs.model_copy(update={"minimum_share_monthly": D(minimum)})
    reg = type(registry)(registry.root, registry.consortium.model_copy(update={"costs": costs}), registry.members)
    bill = chargeback(reg, path)
    assert bill.bill_total == cents(sum(c for _, _, c, _ in rows))
    assert sum(m.total for m in bill.members.values()) + bill.unallocated_total == bill.bill_total
    for m in bill.members.values():
        assert sum(line.amount for line in m.lines) == m.direct


def test_explaining_a_town_that_has_left_is_one_line(registry_dir: Path) -> None:
    # was a KeyError traceback from both commands: the town is in the registry but shares nothing
    member = registry_dir / "members" / "oregon.yaml"
    left = "status: left\nleaving: {unhook_on: 2026-03-01, left_on: 2026-05-01}"
    member.write_text(member.read_text().replace("status: active", left))
    assert cli("validate", "--registry", registry_dir).code == 0
    line = "members/oregon.yaml: status: oregon left the consortium on 2026-05-01: it has no share to explain"
    for command in (("chargeback", "--focus", FIXTURE), ("costs",)):
        result = cli(*command, "--registry", registry_dir, "--explain", "oregon")
        problems = [e for e in result.err_lines if not e.startswith("warning: ")]  # the quarantine's warning
        assert result.code == 2 and problems == [line], result


def test_output_to_dev_stdout_is_refused_even_when_stdout_is_a_file(tmp_path: Path) -> None:
    # /dev/stdout -> /proc/self/fd/1 -> a regular file when output is redirected: the atomic write
    # replaced that file, and whatever the shell wrote next went to the unlinked one
    redirected = tmp_path / "out.txt"
    with redirected.open("w") as out:
        command = [sys.executable, "-m", "consortium", "chargeback", "--registry", str(REPO), "--focus", str(FIXTURE),
                   "--output", "/dev/stdout"]  # fmt: skip
        done = subprocess.run(command, stdout=out, stderr=subprocess.PIPE, text=True, check=False)
    assert done.returncode == 2 and done.stderr == "/dev/stdout: not a regular file; refusing to replace it\n"
    assert redirected.read_text() == ""
