"""The asset register as a terminal table, CSV or JSON (the Snipe-IT import: :mod:`snipeit`).

CSV: one row per host (:data:`CSV_COLUMNS`), members in registry order, hosts by name, so a
spreadsheet can sort and pivot it. JSON (``version`` 1) carries everything, software included::

    {"version": 1, "consortium": slug, "name": ..., "hosts": n, "servers": n, "endpoints": n,
     "missing": [{"member", "host"}],
     "members": [{"member", "name", "hosts": n, "pending_updates": n, "missing": [host],
                  "encryption": {"all": n, "partial": n, "none": n, "unknown": n},
                  "inventories": [<host>]}],
     "software": [{"name", "source", "versions": [...], "hosts": n, "members": [slug]}]}

where ``<host>`` is the host's inventory document as the playbook wrote it (schema/host-inventory.schema.json).
"""

from __future__ import annotations

import io
import json
from dataclasses import asdict

from consortium.assets.inventory import HostInventory
from consortium.assets.register import MemberAssets, Register
from consortium.spreadsheet import csv_writer
from consortium.words import count, table

CSV_COLUMNS = (
    "member",
    "member_name",
    "host",
    "kind",
    "os_family",
    "os_name",
    "os_version",
    "kernel",
    "vendor",
    "model",
    "serial",
    "virtualization",
    "cpus",
    "memory_mb",
    "disks",
    "disk_bytes",
    "disks_encrypted",
    "encryption",  # all | partial | none | unknown
    "pending_updates",  # empty: unknown
    "last_update",
    "software",
    "collected_at",
)
ENCRYPTION_STATES = ("all", "partial", "none", "unknown")


def stamp(value) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value is not None else ""


def _row(m: MemberAssets, h: HostInventory) -> list[str]:
    return [
        m.slug,
        m.name,
        h.host,
        h.kind,
        h.os_family,
        h.os_name,
        h.os_version,
        h.kernel,
        h.vendor or "",
        h.model or "",
        h.serial or "",
        h.virtualization or "",
        str(h.cpus),
        str(h.memory_mb),
        str(len(h.disks)),
        str(sum(d.size_bytes for d in h.disks)),
        str(sum(v.encrypted for v in h.encryption)),
        h.encryption_state,
        "" if h.pending_updates is None else str(h.pending_updates),
        stamp(h.last_update),
        str(len(h.software)),
        stamp(h.collected_at),
    ]


def to_csv(register: Register) -> str:
    out = io.StringIO()
    w = csv_writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for m in register.members:
        for h in m.hosts:
            w.writerow(_row(m, h))
    return out.getvalue()


def document(h: HostInventory) -> dict:
    """The host's inventory as the schema writes it (the reader's fields, back in their places)."""
    os_ = {"family": h.os_family, "name": h.os_name, "version": h.os_version, "kernel": h.kernel}
    if h.license is not None:
        os_["license"] = h.license
    software = []
    for s in h.software:
        item = {"name": s.name, "version": s.version, "publisher": s.publisher, "source": s.source}
        if s.arch is not None:
            item["arch"] = s.arch
        software.append(item)
    return {
        "schema_version": 1,
        "host": h.host,
        "member": h.member,
        "kind": h.kind,
        "collected_at": stamp(h.collected_at),
        "os": os_,
        "hardware": {
            "vendor": h.vendor,
            "model": h.model,
            "serial": h.serial,
            "virtualization": h.virtualization,
            "cpus": h.cpus,
            "memory_mb": h.memory_mb,
            "disks": [asdict(d) for d in h.disks],
        },
        "patch": {"pending_updates": h.pending_updates, "last_update": stamp(h.last_update) or None},
        "encryption": {"disks": [asdict(v) for v in h.encryption]},
        "software": software,
    }


def software_catalog(register: Register) -> list[dict]:
    """Every program or package once (name and source), with its versions, how many hosts run it and where."""
    found: dict[tuple[str, str], dict] = {}
    for m in register.members:
        for h in m.hosts:
            for s in {(s.name, s.source, s.version) for s in h.software}:
                entry = found.setdefault((s[0], s[1]), {"versions": set(), "hosts": set(), "members": set()})
                entry["versions"].add(s[2] or "")
                entry["hosts"].add(h.host)
                entry["members"].add(m.slug)
    return [
        {
            "name": name,
            "source": source,
            "versions": sorted(v for v in e["versions"] if v),
            "hosts": len(e["hosts"]),
            "members": sorted(e["members"]),
        }
        for (name, source), e in sorted(found.items(), key=lambda kv: (kv[0][0].lower(), kv[0]))
    ]


def to_json(register: Register) -> str:
    hosts = register.hosts
    doc = {
        "version": 1,
        "consortium": register.consortium,
        "name": register.name,
        "hosts": len(hosts),
        "servers": sum(h.kind == "server" for h in hosts),
        "endpoints": sum(h.kind == "endpoint" for h in hosts),
        "missing": [{"member": slug, "host": host} for slug, host in register.missing],
        "members": [
            {
                "member": m.slug,
                "name": m.name,
                "hosts": len(m.hosts),
                "pending_updates": m.pending_updates,
                "missing": list(m.missing),
                "encryption": {s: sum(h.encryption_state == s for h in m.hosts) for s in ENCRYPTION_STATES},
                "inventories": [document(h) for h in m.hosts],
            }
            for m in register.members
        ],
        "software": software_catalog(register),
    }
    return json.dumps(doc, indent=2) + "\n"


def to_table(register: Register) -> str:
    hosts = register.hosts
    lines = [
        f"asset register of {register.consortium} ({register.name})",
        f"{count(len(hosts), 'host')} in {count(len(register.members), 'member')}: "
        f"{count(sum(h.kind == 'server' for h in hosts), 'server')}, "
        f"{count(sum(h.kind == 'endpoint' for h in hosts), 'endpoint')}; "
        f"{count(len(software_catalog(register)), 'distinct program')}; "
        f"{count(len(register.missing), 'listed server')} without an inventory",
    ]
    summary = [
        [
            m.slug,
            str(len(m.hosts)),
            str(len(m.missing)),
            *(str(sum(h.encryption_state == s for h in m.hosts)) for s in ENCRYPTION_STATES),
            str(m.pending_updates),
        ]
        for m in register.members
    ]
    lines += ["", "by member (disk encryption: hosts with all, partial, none or unknown disks encrypted)"]
    lines += table(["member", "hosts", "missing", *ENCRYPTION_STATES, "pending updates"], summary,
                    frozenset(range(1, 8)), empty="(no hosts)")  # fmt: skip
    headers = ["host", "kind", "os", "model", "cpus", "memory MB", "encrypted", "pending", "last update",
               "software", "collected"]  # fmt: skip
    for m in register.members:
        lines += ["", f"{m.slug} ({m.name})"]
        rows = [
            [
                h.host,
                h.kind,
                f"{h.os_name} {h.os_version}",
                h.model or "unknown",
                str(h.cpus),
                str(h.memory_mb),
                h.encryption_state,
                "unknown" if h.pending_updates is None else str(h.pending_updates),
                stamp(h.last_update)[:10] or "unknown",
                str(len(h.software)),
                stamp(h.collected_at)[:10],
            ]
            for h in m.hosts
        ]
        lines += table(headers, rows, frozenset({4, 5, 7, 9}), empty="(no hosts)")
        if m.missing:
            lines.append(f"no inventory yet: {', '.join(m.missing)}")
    return "\n".join(lines) + "\n"
