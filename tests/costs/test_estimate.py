"""The estimate of the example plan: every resource accounted for, figures with their basis, hub pools,
totals that reconcile to the cent."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from consortium.costs.estimate import Estimate, estimate
from consortium.costs.meters import METERS
from consortium.costs.prices import PriceBook, PriceEntry, PriceFile
from consortium.costs.usage import Usage
from consortium.money import money_text
from consortium.registry.errors import InputError
from consortium.registry.load import Registry

# Odd prices, so lines have fractions of a cent and rounding is exercised; the firewall at its published rate.
PRICES = {m.key: "0.3337" for m in METERS} | {"firewall-standard-deployment": "1.25"}


def book(prices: dict[str, str | None], regions: tuple[str, ...] = ("centralus", "eastus2")) -> PriceBook:
    def entry(key: str, unit: str) -> PriceEntry:
        price = prices.get(key)
        origin = "not priced" if price is None else "published"
        return PriceEntry(key=key, unit=unit, price=price, origin=origin, source="test", as_of=date(2026, 1, 1))

    files = {
        r: PriceFile(
            format=1,
            region=r,
            currency="USD",
            fetched=date(2026, 1, 1),
            source="test",
            meters=[entry(m.key, m.unit) for m in METERS],
        )
        for r in regions
    }
    return PriceBook(files, "USD")


def run(records: list[dict[str, Any]], registry: Registry, prices: PriceBook) -> Estimate:
    c = registry.consortium
    return estimate(
        records, consortium=c.slug, primary_region=c.azure.locations[0], usage=Usage.of(registry), prices=prices
    )


def test_every_resource_has_a_line_and_every_line_says_what_it_is(
    records: list[dict[str, Any]], example_registry: Registry
) -> None:
    est = run(records, example_registry, book(PRICES))
    custom = {(r["stack"], r["name"], r["type"]) for r in records if r["custom"]}
    assert {(line.stack, line.resource, line.type) for line in est.lines} == custom
    for line in est.lines:
        assert line.basis, line
        assert (line.monthly is not None) == (line.status == "estimated"), line
    peering = [line for line in est.lines if line.type.endswith("VirtualNetworkPeering")]
    assert peering and all(line.status == "not priced" for line in peering)


def test_fixed_price_lines_carry_their_basis(records: list[dict[str, Any]], example_registry: Registry) -> None:
    est = run(records, example_registry, book(PRICES))
    [deployment] = [line for line in est.lines if line.type.endswith("AzureFirewall") and line.part == "deployment"]
    assert deployment.basis == "730 h x 1.25/h" and deployment.monthly == Decimal("912.50")
    [vault_ops] = [ln for ln in est.stack_lines("verona") if ln.type.endswith("keyvault:Vault")]
    assert vault_ops.basis == "10000 operations x 0.3337/10,000 operations" and vault_ops.monthly == Decimal("0.33")


def test_usage_lines_follow_the_registry_assumptions(records: list[dict[str, Any]], example_registry: Registry) -> None:
    before = run(records, example_registry, book(PRICES))
    usage = example_registry.consortium.costs.usage.model_copy(update={"firewall_gb_per_member": Decimal(100)})
    costs = example_registry.consortium.costs.model_copy(update={"usage": usage})
    changed = example_registry.consortium.model_copy(update={"costs": costs})
    after = run(records, Registry(example_registry.root, changed, example_registry.members), book(PRICES))

    def data(est: Estimate) -> Decimal:
        [line] = [ln for ln in est.lines if ln.type.endswith("AzureFirewall") and ln.part == "data processed"]
        assert line.monthly is not None
        return line.monthly

    behind = len(Usage.of(example_registry).behind_hub)
    assert data(before) == (Decimal(50) * behind * Decimal("0.3337")).quantize(Decimal("0.01"))
    assert data(after) == (Decimal(100) * behind * Decimal("0.3337")).quantize(Decimal("0.01"))


def test_totals_reconcile_to_the_cent_with_the_lines(records: list[dict[str, Any]], example_registry: Registry) -> None:
    est = run(records, example_registry, book(PRICES))
    printed = [Decimal(money_text(line.monthly)) for line in est.lines if line.monthly is not None]
    assert sum(printed) == est.total
    assert sum(est.stack_total(s) for s in est.stacks) == est.total
    assert sum(p.monthly for p in est.pools()) == est.stack_total("hub")


def test_hub_costs_become_pools_by_the_services_they_serve(
    records: list[dict[str, Any]], example_registry: Registry
) -> None:
    est = run(records, example_registry, book(PRICES))
    pools = {p.services: p for p in est.pools()}
    assert set(pools) == {frozenset({"networking"}), frozenset({"backup", "identity", "networking"})}
    vpn = sum(ln.monthly or 0 for ln in est.stack_lines("hub") if ln.services == frozenset({"networking"}))
    assert pools[frozenset({"networking"})].monthly == vpn > 0
    assert all(not ln.services for ln in est.lines if ln.stack != "hub")  # members: direct costs


def test_a_missing_price_is_not_priced_never_zero(records: list[dict[str, Any]], example_registry: Registry) -> None:
    est = run(records, example_registry, book(PRICES | {"vpn-gateway-vpngw2az": None}))
    [gateway] = [line for line in est.lines if line.type.endswith(":VirtualNetworkGateway")]
    assert gateway.status == "not priced" and gateway.monthly is None and "vpn-gateway-vpngw2az" in gateway.basis
    assert gateway in est.not_priced


def test_unknown_types_are_listed_as_not_priced_yet(records: list[dict[str, Any]], example_registry: Registry) -> None:
    records[0] = records[0] | {"type": "azure-native:compute:VirtualMachine", "custom": True}
    est = run(records, example_registry, book(PRICES))
    [line] = [ln for ln in est.lines if ln.type == "azure-native:compute:VirtualMachine"]
    assert line.status == "not priced" and line.basis == "resource type not priced yet"


def test_a_plan_member_missing_from_the_registry_is_bad_input(
    records: list[dict[str, Any]], example_registry: Registry
) -> None:
    record = next(r for r in records if r["member"] == "verona")
    record["member"] = "atlantis"
    with pytest.raises(InputError, match="'atlantis' is in the plan but not in the registry"):
        run(records, example_registry, book(PRICES))


def test_only_a_member_keeps_its_direct_costs(records: list[dict[str, Any]], example_registry: Registry) -> None:
    est = run(records, example_registry, book(PRICES)).only("verona")
    assert est.stacks == ("verona",) and {line.stack for line in est.lines} == {"verona"}
    assert est.total == est.stack_total("verona") > 0 and est.pools() == []


def test_flow_logs_are_listed_not_priced_and_their_watcher_free(
    records: list[dict[str, Any]], example_registry: Registry
) -> None:
    """Every VNet's flow log is a line of its owner's stack: per-GB meters the price files lack, never 0."""
    est = run(records, example_registry, book(PRICES))
    logs = [line for line in est.lines if line.type == "azure-native:network:FlowLog"]
    vnets = {r["stack"] for r in records if r["type"] == "azure-native:network:VirtualNetwork"}
    assert {line.stack for line in logs} == vnets and len(logs) == len(vnets)
    assert all(line.status == "not priced" and line.monthly is None and "per GB" in line.basis for line in logs)
    [watcher] = [line for line in est.lines if line.type == "azure-native:network:NetworkWatcher"]
    assert watcher.status == "free"
    # The hub's flow-log account has no usage assumption; the towns' backup accounts keep theirs.
    accounts = [line for line in est.lines if line.type == "azure-native:storage:StorageAccount"]
    assert [line.status for line in accounts if line.stack == "hub"] == ["not priced"]
    assert all(line.status == "estimated" for line in accounts if line.stack != "hub")


@pytest.mark.parametrize("days", ["abc", "1e999", 10**30, 1e308, True, -5, 3.7, []])
def test_a_retention_that_is_no_whole_number_of_days_is_one_line(
    records: list[dict[str, Any]], example_registry: Registry, days: Any
) -> None:
    # found by fuzzing plan files: int("abc") crashed, 10**30 days overflowed the rounding to the cent
    records = copy.deepcopy(records)
    workspace = next(r for r in records if r["type"] == "azure-native:operationalinsights:Workspace")
    workspace["inputs"]["retentionInDays"] = days
    with pytest.raises(InputError) as err:
        run(records, example_registry, book(PRICES))
    [problem] = err.value.problems
    assert problem.field == f"{workspace['name']}.inputs.retentionInDays"
    assert problem.message.startswith("expected a whole number of days, 0 to 4383, got")


@pytest.mark.parametrize("value", ["standard", ["a"], 5, None])
def test_inputs_of_an_unexpected_shape_are_not_priced_never_a_crash(
    records: list[dict[str, Any]], example_registry: Registry, value: Any
) -> None:
    # a string where the vaults' "properties" object belongs crashed .get() (AttributeError)
    records = copy.deepcopy(records)
    for r in records:
        if r["type"] in ("azure-native:keyvault:Vault", "azure-native:recoveryservices:Vault"):
            r["inputs"]["properties"] = value
    est = run(records, example_registry, book(PRICES))
    vaults = [ln for ln in est.lines if ln.type == "azure-native:keyvault:Vault"]
    assert vaults and all(ln.status == "not priced" for ln in vaults)
