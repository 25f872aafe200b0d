"""The asset register as a Snipe-IT asset import (CSV), one row per host.

Why Snipe-IT (not GLPI): its importer maps a fixed, documented set of column names by header
(https://snipe-it.readme.io/docs/importing-assets; header rules: https://snipe-it.readme.io/docs/importing),
so the file imports without a mapping step and can be checked against that list
(tests/data/snipeit/asset-import-fields.json); GLPI's CSV import (the Data Injection plugin) maps
columns through a model each GLPI administrator defines, so there is no standard list to meet.

The headers are the importer's own English labels (matched case-insensitively, exactly), so the web
importer maps every column by itself. Per the documentation: Model Name, Category and Status are
required to create an asset, Asset Tag to update one. The host name is the Asset Tag: it is stable
and unique in the inventories, so a later import with "update existing" refreshes the same assets.
Each town is a Company (Snipe-IT's full multiple companies support keeps towns apart). Snipe-IT has
no installed-software list for an asset (its licences are seats, not installs): the software
register is in ``consortium assets --format json``; the notes say how many programs a host runs.
"""

from __future__ import annotations

import io

from consortium.assets.inventory import HostInventory
from consortium.assets.register import MemberAssets, Register
from consortium.spreadsheet import csv_writer

# The header row, in column order (each an importer label: tests/data/snipeit/asset-import-fields.json).
COLUMNS = (
    "Asset Tag",
    "Asset Name",
    "Serial Number",
    "Model Name",
    "Manufacturer",
    "Category",
    "Status",
    "Company",
    "Asset Notes",
)
CATEGORIES = {"server": "Servers", "endpoint": "Endpoints"}
# Snipe-IT's first deployable status label in a new installation; the importer creates a missing
# label as deployable, so the import works either way.
STATUS = "Ready to Deploy"
UNKNOWN_MODEL = "Unknown model"  # Model Name is required to create an asset; the firmware may not say


def notes(h: HostInventory) -> str:
    """What the register knows beyond Snipe-IT's columns, on one line (dates YYYY-MM-DD, as Snipe-IT writes them)."""
    pending = "unknown" if h.pending_updates is None else str(h.pending_updates)
    last = h.last_update.strftime("%Y-%m-%d") if h.last_update else "unknown"
    parts = [
        f"{h.os_name} {h.os_version} (kernel {h.kernel})",
        f"{h.cpus} CPUs, {h.memory_mb} MB memory",
        f"disk encryption: {h.encryption_state}",
        f"pending updates: {pending}, last update: {last}",
        f"{len(h.software)} installed programs",
        f"inventory of {h.collected_at.strftime('%Y-%m-%d')} (consortium assets)",
    ]
    if h.virtualization:
        parts.insert(1, f"virtual ({h.virtualization})")
    return "; ".join(parts)


def _row(m: MemberAssets, h: HostInventory) -> list[str]:
    return [
        h.host,
        h.host,
        h.serial or "",
        h.model or UNKNOWN_MODEL,
        h.vendor or "",
        CATEGORIES[h.kind],
        STATUS,
        m.name,
        notes(h),
    ]


def to_snipeit(register: Register) -> str:
    """The CSV: a header row, one row per host, no blank line at the end (the importer's rules)."""
    out = io.StringIO()
    w = csv_writer(out, lineterminator="\r\n")
    w.writerow(COLUMNS)
    for m in register.members:
        for h in m.hosts:
            w.writerow(_row(m, h))
    return out.getvalue()
