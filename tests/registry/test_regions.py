"""Which regions have availability zones: Microsoft's list, never a guess."""

from __future__ import annotations

from consortium.registry.regions import WITH_ZONES, WITHOUT_ZONES, zone_support
from consortium.registry.stackconfig import hub_stack
from tests.planned_example import example_registry  # noqa: F401 - a fixture, found by pytest by name


def test_the_tables_do_not_overlap_and_use_programmatic_names() -> None:
    assert not WITH_ZONES & WITHOUT_ZONES
    assert all(name.isalnum() and name.islower() for name in WITH_ZONES | WITHOUT_ZONES)


def test_a_region_is_zonal_regional_or_stated_unknown() -> None:
    assert zone_support("eastus2").zones == ("1", "2", "3")
    regional = zone_support("northcentralus")
    assert regional.zones == () and "has no availability zones" in regional.statement
    unknown = zone_support("marsnorth")
    assert unknown.zones == () and "no zones known" in unknown.statement and "regions.py" in unknown.statement


def test_the_hub_stack_carries_the_zones_and_says_so(example_registry) -> None:  # noqa: F811
    stack = hub_stack(example_registry)
    assert stack.zones == ["1", "2", "3"]
    assert stack.zone_support.startswith("centralus has availability zones 1, 2, 3")
    assert stack.gateway_maintenance.duration == "05:00"
