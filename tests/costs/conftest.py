"""Fixtures for the costs' tests: the bundled example, planned once (see planned_example)."""

from tests.planned_example import example_registry, records  # noqa: F401 - fixtures, found by pytest by name
