"""The base image: a debootstrap'ed Debian tree in the cache, customised into a template for many
identical hosts, stamped with a digest of its recipe (rebuilt only when the recipe changes)."""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
import time
import uuid
from pathlib import Path

from .config import IMAGE_INCLUDE, IMAGE_RECIPE_VERSION, SUITE, cache_dir, mirror
from .errors import LabError
from .files import digest, read_json, replace_dir, rmtree_safely, tail, write_file
from .locks import flock
from .procs import run_cmd, run_process_group


def image_dir() -> Path:
    return cache_dir() / "image"


def _image_digest() -> str:
    return digest({"v": IMAGE_RECIPE_VERSION, "suite": SUITE, "include": IMAGE_INCLUDE, "mirror": mirror()})


def image_is_current() -> bool:
    stamp = read_json(image_dir() / "stamp.json")
    return stamp.get("digest") == _image_digest() and (image_dir() / "rootfs" / "usr" / "bin").is_dir()


def _customise_image(rootfs: Path, pubkey: str) -> None:
    """Make the debootstrap tree a good *template* for many identical lab hosts.

    Each line answers a measured problem (FACTS.md): an empty machine-id so every boot gets its own id;
    an empty resolv.conf and a plain /etc/hosts so fact gathering does not stall 11 s on DNS; no apt
    sources, lists or update stamp, so nothing reaches for a mirror and ``cache_valid_time`` cannot be
    fooled (the lists directory is dated 1970 for the same reason); root logs in with the lab key only.
    The SSH host keys made by openssh-server's postinst are shared by all hosts: harmless, since clients
    use ``UserKnownHostsFile=/dev/null``.
    """
    etc = rootfs / "etc"
    write_file(etc / "machine-id", "", 0o444)
    dbus_id = rootfs / "var/lib/dbus/machine-id"
    if dbus_id.exists() or dbus_id.is_symlink():
        dbus_id.unlink()
    dbus_id.parent.mkdir(parents=True, exist_ok=True)
    dbus_id.symlink_to("/etc/machine-id")
    write_file(etc / "resolv.conf", "")
    write_file(etc / "hostname", "lab-image\n")
    write_file(etc / "hosts", "127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n")
    write_file(etc / "apt/sources.list", "")
    for entry in (etc / "apt/sources.list.d").glob("*"):
        entry.unlink()
    lists = rootfs / "var/lib/apt/lists"
    for entry in lists.iterdir():
        if entry.is_file() and entry.name != "lock":
            entry.unlink()
    os.utime(lists, (0, 0))
    (rootfs / "var/lib/apt/periodic/update-success-stamp").unlink(missing_ok=True)
    for pattern in ("var/cache/apt/*.bin", "var/cache/apt/archives/*.deb"):
        for entry in rootfs.glob(pattern):
            entry.unlink()
    ssh_dir = rootfs / "root/.ssh"
    ssh_dir.mkdir(mode=0o700, exist_ok=True)
    ssh_dir.chmod(0o700)
    write_file(ssh_dir / "authorized_keys", pubkey, 0o600)
    write_file(
        etc / "ssh/sshd_config.d/consortium-lab.conf",
        "# consortium lab: root logs in with the lab key only\n"
        "PermitRootLogin prohibit-password\nPasswordAuthentication no\nUseDNS no\n",
    )


def build_image(force: bool = False) -> Path:
    """Build the base image into the cache unless the stamp says it is current; returns ``image/``.

    Takes the cache's exclusive build lock (fails if a lab is running). The build happens in a temporary
    directory that is renamed into place only when complete, so an interrupted build leaves no half image.
    """
    with flock(cache_dir() / "build.lock", fcntl.LOCK_EX, 600, "building the lab image"):
        return build_image_locked(force)


def clean_tmp_builds() -> None:
    for entry in cache_dir().glob("*.tmp-*"):
        rmtree_safely(entry)
    for entry in cache_dir().glob("*.old-*"):
        rmtree_safely(entry)


def build_image_locked(force: bool) -> Path:
    dest = image_dir()
    if not force and image_is_current():
        return dest
    clean_tmp_builds()
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="image.tmp-", dir=cache_dir()))
    try:
        rootfs = tmp / "rootfs"
        log = tmp / "debootstrap.log"
        cmd = [
            "debootstrap",
            "--variant=minbase",
            f"--include={','.join(IMAGE_INCLUDE)}",
            SUITE,
            str(rootfs),
            mirror(),
        ]
        rc = run_process_group(cmd, log)
        if rc != 0:
            raise LabError(f"debootstrap failed (rc {rc}); last lines of {log}:\n{tail(log)}")
        run_cmd(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "consortium-lab", "-f", tmp / "lab_key"])
        _customise_image(rootfs, (tmp / "lab_key.pub").read_text())
        seconds = round(time.monotonic() - started, 1)
        stamp = {"digest": _image_digest(), "build_id": uuid.uuid4().hex, "built_s": seconds}
        (tmp / "stamp.json").write_text(json.dumps(stamp, indent=2) + "\n")
        tmp.chmod(0o755)
        replace_dir(tmp, dest)
    except BaseException:
        rmtree_safely(tmp)
        raise
    return dest
