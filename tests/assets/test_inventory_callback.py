"""The consortium_inventory callback's document (playbooks/callback_plugins/consortium_inventory.py),
host-free: disk encryption from lsblk trees, firmware placeholders, what is kept, schema validity."""

from __future__ import annotations

import importlib.util
import json

import jsonschema
import pytest

from tests.conftest import REPO

from .helpers import SCHEMA

_spec = importlib.util.spec_from_file_location(
    "consortium_inventory", REPO / "playbooks/callback_plugins/consortium_inventory.py"
)
PLUGIN = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(PLUGIN)

ENCRYPTED_ROOT = {  # Debian's installer, "guided - use entire disk and set up encrypted LVM"
    "name": "sda", "type": "disk", "size": 512110190592, "fstype": None,
    "children": [
        {"name": "sda1", "type": "part", "fstype": "vfat"},  # the EFI system partition: plain
        {"name": "sda2", "type": "part", "fstype": "ext2"},  # /boot: plain
        {"name": "sda3", "type": "part", "fstype": "crypto_LUKS", "children": [
            {"name": "sda3_crypt", "type": "crypt", "fstype": "LVM2_member", "children": [
                {"name": "vg-root", "type": "lvm", "fstype": "ext4"},
                {"name": "vg-swap", "type": "lvm", "fstype": "swap"},
            ]},
        ]},
    ],
}  # fmt: skip
DATA_DISK = {
    "name": "sdb", "type": "disk", "size": "1000204886016", "fstype": "crypto_LUKS",
    "children": [{"name": "data", "type": "crypt", "fstype": "xfs"}],
}  # fmt: skip


@pytest.mark.parametrize(
    ("disk", "expected"),
    [
        (DATA_DISK, {"encrypted": True, "method": "luks"}),
        (ENCRYPTED_ROOT, {"encrypted": False, "method": "luks"}),  # /boot and the ESP are plain
        (
            {**ENCRYPTED_ROOT, "children": ENCRYPTED_ROOT["children"][2:]},
            {"encrypted": True, "method": "luks"},
        ),
        (
            {"name": "sdc", "type": "disk", "children": [{"name": "p", "type": "crypt", "fstype": "ext4"}]},
            {"encrypted": True, "method": "dm-crypt"},
        ),  # plain dm-crypt, no LUKS header
        ({"name": "sdd", "type": "disk", "fstype": "ext4"}, {"encrypted": False, "method": None}),
        ({"name": "sde", "type": "disk"}, {"encrypted": False, "method": None}),  # nothing on it
    ],
)
def test_luks_status(disk: dict, expected: dict) -> None:
    assert PLUGIN.luks_status(disk) == expected


@pytest.mark.parametrize("value", ["NA", "", "  ", "To Be Filled By O.E.M.", "Default string", None, True])
def test_firmware_placeholders_are_unknown(value) -> None:
    assert PLUGIN.text(value) is None


def _raw(**over) -> dict:
    raw = {
        "family": "linux",
        "host": "ver-app01",
        "member": "verona",
        "server": True,
        "facts": {
            "distribution": "Debian", "distribution_version": "12.8", "kernel": "6.1.0-28-amd64",
            "system_vendor": "Dell Inc.", "product_name": "PowerEdge R350", "product_serial": "NA",
            "virtualization_type": "kvm", "virtualization_role": "host", "processor_vcpus": 8, "memtotal_mb": 31906,
        },
        "packages": {
            "bash": [{"name": "bash", "version": "5.2.15-2+b7", "arch": "amd64", "source": "apt"}],
            "libc6": [{"name": "libc6", "version": "2.36-9+deb12u9", "arch": "amd64", "source": "apt"},
                      {"name": "libc6", "version": "2.36-9+deb12u9", "arch": "i386", "source": "apt"}],
        },
        "lsblk": json.dumps({"blockdevices": [ENCRYPTED_ROOT, DATA_DISK, {"name": "sr0", "type": "rom"}]}),
        "apt_lists_mtimes": [1764743114.5, 1764656714.0],
        "upgrade_simulation": "NOTE: This is only a simulation!\nInst libc6 [2.36-9+deb12u8] (2.36-9+deb12u9 Debian)\n"
                              "Conf libc6 (2.36-9+deb12u9 Debian)\nInst bash [5.2.15-2] (5.2.15-2+b7 Debian)\n",
    }  # fmt: skip
    raw.update(over)
    return raw


def test_a_linux_document_is_schema_valid_and_keeps_what_it_should() -> None:
    doc = PLUGIN.compose(_raw(), "2026-12-03T10:15:00Z")
    jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER).validate(doc)
    assert doc["kind"] == "server" and doc["hardware"]["serial"] is None  # "NA": unknown
    assert doc["hardware"]["virtualization"] is None  # a hypervisor host is not a guest
    assert [d["name"] for d in doc["hardware"]["disks"]] == ["sda", "sdb"]  # no optical drive
    assert doc["hardware"]["disks"][1]["size_bytes"] == 1000204886016  # older lsblk writes sizes as text
    assert doc["patch"] == {"pending_updates": 2, "last_update": "2025-12-03T06:25:14Z"}
    software = [(s["name"], s["arch"]) for s in doc["software"]]
    assert software == [("bash", "amd64"), ("libc6", "amd64"), ("libc6", "i386")]


def test_without_package_lists_nothing_is_claimed_about_updates() -> None:
    doc = PLUGIN.compose(_raw(apt_lists_mtimes=[], upgrade_simulation=""), "2026-12-03T10:15:00Z")
    assert doc["patch"] == {"pending_updates": None, "last_update": None}
    assert PLUGIN.compose(_raw(lsblk="lsblk: not found"), "2026-12-03T10:15:00Z")["encryption"] == {"disks": []}
