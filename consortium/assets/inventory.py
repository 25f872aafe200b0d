"""Host inventories: the JSON ``playbooks/inventory.yml`` writes per host, read strictly.

The rules are those of ``schema/host-inventory.schema.json``, checked by hand so the toolkit needs
no JSON Schema library at run time (tests hold the two to the same verdicts). Every way a file can
be wrong is one ``path: field: message`` line: a register must not count a ``"encrypted": "false"``
(a truthy string) as an encrypted disk.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from consortium.registry.checker import HOST_PATTERN, TIMESTAMP_PATTERN  # noqa: F401 (the schema test reads them here)
from consortium.registry.checker import Checker as _Checker
from consortium.registry.errors import fail
from consortium.registry.fields import CONTROL_CHARACTER, SLUG_PATTERN
from consortium.registry.hostfiles import load_host_files

SCHEMA_VERSION = 1
MAX_INVENTORY_BYTES = 64 * 1024 * 1024  # a host with 5,000 packages writes about 1 MB
KINDS = ("server", "endpoint")
FAMILIES = ("linux", "windows")
ENCRYPTION_METHODS = ("luks", "dm-crypt", "bitlocker", None)
SOFTWARE_SOURCES = ("deb", "msi", "registry")


class _InventoryChecker(_Checker):
    """The playbooks' typed reads, with text on one line of printable characters: no host, model, serial
    or program name holds a control character, and one would cut a Snipe-IT import's row (the schema's
    "text" pattern says the same)."""

    def text(self, value: Any, field: str, *, optional: bool = False, pattern: str | None = None) -> Any:
        found = super().text(value, field, optional=optional, pattern=pattern)
        control = None if found is None else CONTROL_CHARACTER.search(found)
        if control:
            raise self.bad(field, f"holds a control character ({control.group()!r} at {control.start()})")
        return found


@dataclass(frozen=True)
class Software:
    name: str
    version: str | None
    publisher: str | None
    arch: str | None
    source: str  # deb | msi | registry


@dataclass(frozen=True)
class Disk:
    name: str
    size_bytes: int


@dataclass(frozen=True)
class VolumeEncryption:
    name: str
    encrypted: bool
    method: str | None


@dataclass(frozen=True)
class HostInventory:
    """One host's inventory file (schema/host-inventory.schema.json)."""

    file: str  # as shown in messages
    host: str
    member: str
    kind: str
    collected_at: datetime
    os_family: str
    os_name: str
    os_version: str
    kernel: str
    license: dict[str, str | None] | None
    vendor: str | None
    model: str | None
    serial: str | None
    virtualization: str | None
    cpus: int
    memory_mb: int
    disks: tuple[Disk, ...]
    pending_updates: int | None
    last_update: datetime | None
    encryption: tuple[VolumeEncryption, ...]
    software: tuple[Software, ...]

    @property
    def encryption_state(self) -> str:
        """``all`` / ``partial`` / ``none`` of the disks (volumes) encrypted; ``unknown`` when none were seen."""
        if not self.encryption:
            return "unknown"
        done = sum(v.encrypted for v in self.encryption)
        return "all" if done == len(self.encryption) else "none" if done == 0 else "partial"


# -------------------------------------------------------------------------------------------- parse


def parse_inventory(doc: Any, shown: str) -> HostInventory:
    """One inventory document, every field checked (see the module docstring)."""
    c = _InventoryChecker(shown)
    top = ("schema_version", "host", "member", "kind", "collected_at", "os", "hardware", "patch", "encryption")
    c.obj(doc, "", (*top, "software"))
    if doc["schema_version"] != SCHEMA_VERSION or isinstance(doc["schema_version"], bool):
        raise c.bad("schema_version", f"expected {SCHEMA_VERSION}, got {doc['schema_version']!r}")
    os_ = c.obj(doc["os"], "os", ("family", "name", "version", "kernel"), ("license",))
    license_ = _license(c, os_.get("license"))
    hardware = ("vendor", "model", "serial", "virtualization", "cpus", "memory_mb", "disks")
    hw = c.obj(doc["hardware"], "hardware", hardware)
    patch = c.obj(doc["patch"], "patch", ("pending_updates", "last_update"))
    enc = c.obj(doc["encryption"], "encryption", ("disks",))
    return HostInventory(
        file=shown,
        host=c.text(doc["host"], "host", pattern=HOST_PATTERN),
        member=c.text(doc["member"], "member", pattern=SLUG_PATTERN),
        kind=c.choice(doc["kind"], "kind", KINDS),
        collected_at=c.timestamp(doc["collected_at"], "collected_at"),
        os_family=c.choice(os_["family"], "os.family", FAMILIES),
        os_name=c.text(os_["name"], "os.name"),
        os_version=c.text(os_["version"], "os.version"),
        kernel=c.text(os_["kernel"], "os.kernel"),
        license=license_,
        vendor=c.text(hw["vendor"], "hardware.vendor", optional=True),
        model=c.text(hw["model"], "hardware.model", optional=True),
        serial=c.text(hw["serial"], "hardware.serial", optional=True),
        virtualization=c.text(hw["virtualization"], "hardware.virtualization", optional=True),
        cpus=c.integer(hw["cpus"], "hardware.cpus"),
        memory_mb=c.integer(hw["memory_mb"], "hardware.memory_mb"),
        disks=tuple(_disk(c, d, f"hardware.disks[{i}]") for i, d in enumerate(c.items(hw["disks"], "hardware.disks"))),
        pending_updates=c.integer(patch["pending_updates"], "patch.pending_updates", optional=True),
        last_update=c.timestamp(patch["last_update"], "patch.last_update", optional=True),
        encryption=tuple(
            _volume(c, v, f"encryption.disks[{i}]") for i, v in enumerate(c.items(enc["disks"], "encryption.disks"))
        ),
        software=tuple(_software(c, s, f"software[{i}]") for i, s in enumerate(c.items(doc["software"], "software"))),
    )


def _license(c: _Checker, value: Any) -> dict[str, str | None] | None:
    if value is None:
        return None
    lic = c.obj(value, "os.license", ("edition", "channel", "status"))
    return {k: c.text(lic[k], f"os.license.{k}", optional=True) for k in ("edition", "channel", "status")}


def _disk(c: _Checker, value: Any, field: str) -> Disk:
    d = c.obj(value, field, ("name", "size_bytes"))
    return Disk(c.text(d["name"], f"{field}.name"), c.integer(d["size_bytes"], f"{field}.size_bytes"))


def _volume(c: _Checker, value: Any, field: str) -> VolumeEncryption:
    v = c.obj(value, field, ("name", "encrypted", "method"))
    return VolumeEncryption(
        c.text(v["name"], f"{field}.name"),
        c.boolean(v["encrypted"], f"{field}.encrypted"),
        c.choice(v["method"], f"{field}.method", ENCRYPTION_METHODS),
    )


def _software(c: _Checker, value: Any, field: str) -> Software:
    s = c.obj(value, field, ("name", "version", "publisher", "source"), ("arch",))
    return Software(
        c.text(s["name"], f"{field}.name"),
        c.text(s["version"], f"{field}.version", optional=True),
        c.text(s["publisher"], f"{field}.publisher", optional=True),
        c.text(s.get("arch"), f"{field}.arch", optional=True),
        c.choice(s["source"], f"{field}.source", SOFTWARE_SOURCES),
    )


# --------------------------------------------------------------------------------------------- load


def load_inventories(folder: Path) -> list[HostInventory]:
    """Every ``<host>.json`` in ``folder``, sorted by host. Each bad file is one problem (its first);
    all of them are raised together, so one run names every file to fix."""
    what = "host inventories (playbooks/inventory.yml writes them)"
    hosts = list(load_host_files(folder, parse_inventory, max_bytes=MAX_INVENTORY_BYTES, what=what).values())
    if not hosts:
        raise fail(str(folder), "", "holds no host inventories (*.json)")
    return hosts
