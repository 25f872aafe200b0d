"""Every control of the consortium security standard, in one tuple, by area."""

from __future__ import annotations

from . import (
    backup,
    diagnostic_logs,
    governance,
    identity,
    isolation,
    keyvault,
    network,
    operations,
    reliability,
    storage,
    vpn,
)
from .framework import Control
from .safeguards import IG1_IDS

CATALOG: tuple[Control, ...] = (
    *storage.CONTROLS,
    *keyvault.CONTROLS,
    # The network area spans two modules; its controls keep their id order (reports list the catalog in order).
    *sorted((*network.CONTROLS, *vpn.CONTROLS), key=lambda c: c.id),
    *backup.CONTROLS,
    *identity.CONTROLS,
    *diagnostic_logs.CONTROLS,
    *governance.CONTROLS,
    *operations.CONTROLS,
    *isolation.CONTROLS,
    *reliability.CONTROLS,
)


def by_id() -> dict[str, Control]:
    return {c.id: c for c in CATALOG}


def check_catalog(catalog: tuple[Control, ...] = CATALOG) -> list[str]:
    """Problems with the catalog itself (duplicate ids, unmapped controls): empty when sound."""
    problems = []
    ids = [c.id for c in catalog]
    problems += [f"{i}: duplicate control id" for i in sorted({i for i in ids if ids.count(i) > 1})]
    for c in catalog:
        if not c.cis_v8:
            problems.append(f"{c.id}: maps to no CIS v8 safeguard")
        elif c.cis_v8[0] not in IG1_IDS and any(s in IG1_IDS for s in c.cis_v8):
            problems.append(f"{c.id}: list IG1 safeguards first")
        if not c.types:
            problems.append(f"{c.id}: reads no resource type")
    return problems
