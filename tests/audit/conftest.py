"""Fixtures for the audit's suite: the compliant offline plan of the whole bundled consortium."""

from __future__ import annotations

from tests.policies.conftest import (  # noqa: F401 - fixtures, found by pytest by name
    _plan_records,
    example_registry,
    records,
)
