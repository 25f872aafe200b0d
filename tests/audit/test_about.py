"""What a report says about its audit: names from the registry, the source in words, the versions."""

from __future__ import annotations

from datetime import date

from consortium.audit.about import about, catalog_version, evidence_source, offline_source, plan_source, state_source
from consortium.audit.evidence import HostEvidence
from consortium.audit.reports.catalog import catalog
from consortium.registry.load import Registry
from policies.catalog import CATALOG
from policies.framework import Resource


def _resources(*stacks: str) -> list[Resource]:
    return [
        Resource.at(f"urn:pulumi:{s}::consortium::azure-native:storage:StorageAccount::st", "t", {}) for s in stacks
    ]


def test_names_come_from_the_registry(example_registry: Registry) -> None:
    found = about(example_registry, ["verona"])
    assert found.consortium == "Dane County Municipal IT Consortium"
    assert found.name("cottage-grove") == "Village of Cottage Grove" and found.name("nowhere") == "nowhere"
    assert found.focus == ("verona",)
    bare = about(None)
    assert bare.consortium == "" and bare.name("verona") == "verona"


def test_sources_are_described_without_paths() -> None:
    both = _resources("hub", "verona", "verona", "monona")
    assert plan_source(date(2026, 12, 5), both) == "plan of 2026-12-05 (the hub and 2 members)"
    assert plan_source(date(2026, 12, 5), _resources("verona")) == "plan of 2026-12-05 (1 member)"
    assert offline_source(date(2026, 12, 6), ["City of Verona"], _resources("hub", "verona")) == (
        "offline plan of City of Verona, made 2026-12-06 (the hub and 1 member)"
    )
    assert state_source(both) == "state exports of hub, monona, verona"
    hosts = [HostEvidence(h, "verona", True, ()) for h in ("ver-fs01", "ver-app01")]
    assert evidence_source(hosts) == "evidence of ver-app01, ver-fs01"


def test_catalog_version_fingerprints_the_catalog_content() -> None:
    import hashlib

    expected = hashlib.sha256(catalog("json").encode()).hexdigest()[:12]
    assert catalog_version() == f"{len(CATALOG)} controls, {expected}"
