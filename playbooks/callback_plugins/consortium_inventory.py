"""Write one host inventory JSON per host of playbooks/inventory.yml (schema/host-inventory.schema.json).

Active only in plays that set ``consortium_inventory_dir`` (an extra var of that name wins; silent
otherwise). The play's last task sets the fact ``consortium_inventory_raw``: the handful of facts and
command outputs the inventory needs, chosen by name in the playbook (so the environment, SSH host
keys or a Windows product key never reach this plugin). This plugin turns that into the documented
document (:func:`compose`) and writes ``<dir>/<host>.json`` atomically (temp file + rename). Writing
here, on the controller and outside any task, keeps the run at changed=0: collecting an inventory
changes nothing on the host. A host that fails or is unreachable keeps its previous file, whose
``collected_at`` then shows its age.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
    name: consortium_inventory
    type: aggregate
    short_description: per-host asset and software inventory JSON
    description:
      - Writes one JSON file per host from the fact consortium_inventory_raw set by playbooks/inventory.yml.
      - Active only in plays that set the play variable consortium_inventory_dir.
"""

RAW_FACT = "consortium_inventory_raw"
DIR_VAR = "consortium_inventory_dir"
SCHEMA_VERSION = 1
# What firmware and Ansible write where a DMI field is unknown: an asset register wants nothing there.
UNKNOWN = frozenset({"", "na", "n/a", "none", "not specified", "to be filled by o.e.m.", "default string", "unknown"})
# lsblk FSTYPEs that hold other block devices, not data: a disk is judged by the filesystems above them.
CONTAINERS = frozenset({"crypto_LUKS", "LVM2_member", "linux_raid_member"})
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")  # the schema's timestamp: UTC to the second
TEXT_MAX = 512  # the schema's longest text: firmware strings are cut, never refused


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "consortium_inventory"
    CALLBACK_NEEDS_ENABLED = False

    def __init__(self) -> None:
        super().__init__()
        self._dir: str | None = None

    def v2_playbook_on_play_start(self, play) -> None:
        vm = play.get_variable_manager()
        extra = (vm.extra_vars if vm is not None else None) or {}
        raw = extra.get(DIR_VAR) or (play.vars or {}).get(DIR_VAR)
        self._dir = str(raw) if raw else None

    def v2_runner_on_ok(self, result) -> None:
        raw = (result._result.get("ansible_facts") or {}).get(RAW_FACT)
        if not self._dir or not isinstance(raw, dict):
            return
        doc = compose(raw, now())
        write_json(os.path.join(self._dir, f"{doc['host']}.json"), doc)


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_json(path: str, doc: dict) -> None:
    """``doc`` into ``path`` via a temp file beside it and a rename: a reader sees the old or the new file."""
    folder = os.path.dirname(path) or "."
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".inventory.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=2, sort_keys=True)
            fh.write("\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


# ------------------------------------------------------------------------------------------ compose


def compose(raw: dict, collected_at: str) -> dict:
    """The host inventory document (schema/host-inventory.schema.json) from the play's raw values."""
    family = raw["family"]
    part = _linux(raw) if family == "linux" else _windows(raw)
    facts = raw.get("facts") or {}
    role = str(facts.get("virtualization_role") or "")
    return {
        "schema_version": SCHEMA_VERSION,
        "host": str(raw["host"]),
        "member": str(raw["member"]),
        "kind": "server" if raw.get("server") else "endpoint",
        "collected_at": collected_at,
        "os": part["os"],
        "hardware": {
            "vendor": text(facts.get("system_vendor")),
            "model": text(facts.get("product_name")),
            "serial": text(facts.get("product_serial")),
            # Ansible says "guest" for a VM or container; on a hypervisor host the type is not the host's own.
            "virtualization": text(facts.get("virtualization_type")) if role == "guest" else None,
            "cpus": count(facts.get("processor_vcpus")),
            "memory_mb": count(facts.get("memtotal_mb")),
            "disks": part["disks"],
        },
        "patch": part["patch"],
        "encryption": {"disks": part["encryption"]},
        "software": sorted(part["software"], key=lambda s: (s["name"].lower(), s["name"], s.get("arch") or "")),
    }


def text(value: Any) -> str | None:
    """A firmware or fact string, or None when it is empty or a placeholder ("NA", "To be filled by O.E.M.")."""
    if value is None or isinstance(value, bool):
        return None
    s = " ".join(str(value).split())
    return None if s.lower() in UNKNOWN else s[:TEXT_MAX]


def count(value: Any) -> int:
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return 0


def _optional_count(value: Any) -> int | None:
    return None if value is None or value == "" else count(value)


def _stamp(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -------------------------------------------------------------------------------------------- linux


def _linux(raw: dict) -> dict:
    facts = raw.get("facts") or {}
    devices = _lsblk(raw.get("lsblk"))
    disks = [d for d in devices if d.get("type") == "disk"]
    lists = [m for m in raw.get("apt_lists_mtimes") or [] if isinstance(m, int | float) and not isinstance(m, bool)]
    return {
        "os": {
            "family": "linux",
            "name": text(facts.get("distribution")) or "Linux",
            "version": text(facts.get("distribution_version")) or "unknown",
            "kernel": text(facts.get("kernel")) or "unknown",
        },
        "disks": [{"name": str(d["name"]), "size_bytes": count(d.get("size"))} for d in disks],
        # No package lists: the host has never run apt update, so it cannot know what is pending.
        "patch": {
            "pending_updates": _pending(raw.get("upgrade_simulation")) if lists else None,
            "last_update": _stamp(max(lists)) if lists else None,
        },
        "encryption": [{"name": str(d["name"]), **luks_status(d)} for d in disks],
        "software": list(_debs(raw.get("packages") or {})),
    }


def _lsblk(output: Any) -> list[dict]:
    """``lsblk --json`` output as its list of block devices (empty when lsblk said nothing usable)."""
    try:
        doc = json.loads(output) if isinstance(output, str) else output
    except ValueError:
        return []
    devices = doc.get("blockdevices") if isinstance(doc, dict) else None
    return [d for d in devices or [] if isinstance(d, dict) and d.get("name")]


def luks_status(disk: dict) -> dict:
    """``{encrypted, method}`` of one lsblk disk: encrypted when it holds a dm-crypt device and every
    filesystem or swap on it sits above one (a plain /boot next to an encrypted root is not)."""
    plain = False
    crypt = luks = False

    def walk(node: dict, below_crypt: bool) -> None:
        nonlocal plain, crypt, luks
        fstype = node.get("fstype")
        luks |= fstype == "crypto_LUKS"
        protected = below_crypt or node.get("type") == "crypt"  # a dm-crypt device, or on one
        crypt |= protected or fstype == "crypto_LUKS"
        if fstype and fstype not in CONTAINERS and not protected:
            plain = True
        for child in node.get("children") or []:
            if isinstance(child, dict):
                walk(child, protected)

    walk(disk, False)
    encrypted = crypt and not plain
    method = "luks" if luks else "dm-crypt" if crypt else None
    return {"encrypted": encrypted, "method": method}


def _pending(output: Any) -> int:
    """Packages ``apt-get --simulate dist-upgrade`` would install or upgrade (its "Inst" lines)."""
    return sum(1 for line in str(output or "").splitlines() if line.startswith("Inst "))


def _debs(packages: dict) -> Iterable[dict]:
    for name, versions in packages.items():
        for p in versions if isinstance(versions, list) else []:
            yield {
                "name": str(name),
                "version": text(p.get("version")),
                "publisher": None,  # package_facts does not carry the maintainer
                "arch": text(p.get("arch")),
                "source": "deb",
            }


# ------------------------------------------------------------------------------------------ windows


def _windows(raw: dict) -> dict:
    facts = raw.get("facts") or {}
    product = raw.get("product") or {}
    collected = raw.get("collected") or {}
    hotfix = text(collected.get("last_hotfix"))
    return {
        "os": {
            "family": "windows",
            "name": text(facts.get("os_name")) or "Windows",
            "version": text(facts.get("distribution_version")) or "unknown",
            "kernel": text(facts.get("kernel")) or "unknown",
            "license": {
                "edition": text(product.get("edition")),
                "channel": text(product.get("channel")),
                "status": text(product.get("status")),
            },
        },
        "disks": [
            {"name": f"disk{count(d.get('Number'))}", "size_bytes": count(d.get("Size"))}
            for d in collected.get("disks") or []
        ],
        "patch": {
            "pending_updates": _optional_count(collected.get("pending_updates")),
            "last_update": hotfix if hotfix and TIMESTAMP.match(hotfix) else None,
        },
        "encryption": [bitlocker_status(v) for v in collected.get("volumes") or [] if v.get("MountPoint")],
        "software": list(programs(collected.get("programs") or [])),
    }


def bitlocker_status(volume: dict) -> dict:
    """One Get-BitLockerVolume volume: encrypted when its protection is on (an encrypted volume with
    protection suspended, or still encrypting, does not protect the data at rest)."""
    on = str(volume.get("ProtectionStatus")) in ("On", "1")
    return {"name": str(volume["MountPoint"]), "encrypted": on, "method": "bitlocker" if on else None}


def programs(entries: list[dict]) -> Iterable[dict]:
    """The programs of the uninstall keys as Windows' "Programs and Features" lists them: named, not a
    system component, not an update of another program (ParentKeyName); 32- and 64-bit views once."""
    seen = set()
    for e in entries:
        name = text(e.get("DisplayName"))
        if not name or str(e.get("SystemComponent")) == "1" or e.get("ParentKeyName"):
            continue
        entry = {
            "name": name,
            "version": text(e.get("DisplayVersion")),
            "publisher": text(e.get("Publisher")),
            "source": "msi" if str(e.get("WindowsInstaller")) == "1" else "registry",
        }
        key = tuple(entry.values())
        if key not in seen:
            seen.add(key)
            yield entry
