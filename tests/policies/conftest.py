"""Fixtures for the auditor's suite: the compliant offline plan of the whole bundled consortium."""

from __future__ import annotations

from tests.planned_example import example_registry, records  # noqa: F401 - fixtures, found by pytest by name
