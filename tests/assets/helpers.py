"""Host inventory documents for the asset tests, as playbooks/inventory.yml writes them."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from tests.conftest import REPO

SCHEMA = json.loads((REPO / "schema/host-inventory.schema.json").read_text())

LINUX: dict[str, Any] = {
    "schema_version": 1,
    "host": "ver-app01",
    "member": "verona",
    "kind": "server",
    "collected_at": "2026-12-03T10:15:00Z",
    "os": {"family": "linux", "name": "Debian", "version": "12.8", "kernel": "6.1.0-28-amd64"},
    "hardware": {
        "vendor": "Dell Inc.",
        "model": "PowerEdge R350",
        "serial": "7XK2QF3",
        "virtualization": None,
        "cpus": 8,
        "memory_mb": 32768,
        "disks": [{"name": "sda", "size_bytes": 480103981056}, {"name": "sdb", "size_bytes": 1920383410176}],
    },
    "patch": {"pending_updates": 3, "last_update": "2026-12-02T06:25:14Z"},
    "encryption": {
        "disks": [
            {"name": "sda", "encrypted": True, "method": "luks"},
            {"name": "sdb", "encrypted": False, "method": None},
        ]
    },
    "software": [
        {"name": "bash", "version": "5.2.15-2+b7", "publisher": None, "arch": "amd64", "source": "deb"},
        {"name": "openssh-server", "version": "1:9.2p1-2+deb12u3", "publisher": None, "arch": "amd64", "source": "deb"},
    ],
}

WINDOWS: dict[str, Any] = {
    "schema_version": 1,
    "host": "ver-dc01",
    "member": "verona",
    "kind": "server",
    "collected_at": "2026-12-03T10:16:02Z",
    "os": {
        "family": "windows",
        "name": "Microsoft Windows Server 2019 Standard",
        "version": "10.0.17763.0",
        "kernel": "10.0.17763.0",
        "license": {"edition": "Windows(R), ServerStandard edition", "channel": "Volume:GVLK", "status": "Licensed"},
    },
    "hardware": {
        "vendor": "VMware, Inc.",
        "model": "VMware7,1",
        "serial": "VMware-42 1a 2b 3c",
        "virtualization": "VMware",
        "cpus": 4,
        "memory_mb": 16384,
        "disks": [{"name": "disk0", "size_bytes": 107374182400}],
    },
    "patch": {"pending_updates": None, "last_update": "2026-11-12T00:00:00Z"},
    "encryption": {"disks": [{"name": "C:", "encrypted": True, "method": "bitlocker"}]},
    "software": [
        {"name": "7-Zip 23.01 (x64)", "version": "23.01", "publisher": "Igor Pavlov", "source": "registry"},
        {"name": "Microsoft Edge", "version": "131.0.2903.70", "publisher": "Microsoft Corporation", "source": "msi"},
    ],
}


def doc(base: dict[str, Any] = LINUX, **top: Any) -> dict[str, Any]:
    """A deep copy of ``base`` with top-level fields replaced."""
    out = copy.deepcopy(base)
    out.update(top)
    return out


def write(folder: Path, document: dict[str, Any], name: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name or document['host']}.json"
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path
