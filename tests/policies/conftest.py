"""Fixtures for the auditor's suite: the compliant offline plan of the whole bundled consortium."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from consortium.plan import runner as offline
from consortium.plan.records import plan_document
from consortium.registry.load import Registry, load_registry
from tests.conftest import REPO


@pytest.fixture(scope="session")
def example_registry() -> Registry:
    return load_registry(REPO)


@pytest.fixture(scope="session")
def _plan_records(example_registry: Registry) -> list[dict[str, Any]]:
    plan = offline.plan_registry(example_registry)
    return plan_document(plan)["resources"]


@pytest.fixture
def records(_plan_records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A private deep copy of every plan record (hub + all members): mutate freely."""
    return copy.deepcopy(_plan_records)
