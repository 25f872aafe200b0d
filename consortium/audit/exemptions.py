"""The exemptions register (``exemptions.yaml``): approved, dated exceptions to a control.

A matching violation becomes "exempted"; an expired exemption is itself a failure, and one that
matches nothing is a warning (both judged in :mod:`consortium.audit.run`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from consortium.registry.errors import InputError, Problem
from consortium.registry.files import present
from consortium.registry.models import Exemption, ExemptionsFile
from consortium.registry.safeyaml import load_mapping
from consortium.registry.validation import parse_model
from policies.catalog import CATALOG
from policies.framework import Control, Finding

EXEMPTIONS_FILE = "exemptions.yaml"


def load_exemptions(
    registry_root: Path, path: Path | None = None, catalogs: Sequence[Sequence[Control]] = (CATALOG,)
) -> list[Exemption]:
    """The register at ``path`` (which must exist), else the registry's own ``exemptions.yaml`` if any;
    each exemption must name a control of one of ``catalogs`` (the standard's, and the offsite
    store's, whose audit reads the same register)."""
    source = path or registry_root / EXEMPTIONS_FILE
    if path is None and not present(source):  # a folder, FIFO or broken link there is not "no register"
        return []
    shown = str(path or EXEMPTIONS_FILE)
    exemptions = parse_model(ExemptionsFile, load_mapping(source, shown), shown).exemptions
    known = {c.id for catalog in catalogs for c in catalog}
    bad = [
        Problem(shown, f"exemptions[{i}].control", f"{e.control} is not a control of the catalog")
        for i, e in enumerate(exemptions)
        if e.control not in known
    ]
    if bad:
        raise InputError(bad)
    return exemptions


def covers(exemption: Exemption, finding: Finding) -> bool:
    """Whether the exemption is for this finding: same control and member, and its resource if it names one."""
    return (
        exemption.control == finding.control
        and exemption.member == finding.member
        and exemption.resource in (None, finding.resource_name)
    )
