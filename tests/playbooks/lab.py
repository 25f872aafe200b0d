"""Real Debian SSH test hosts for the playbook tests, without Docker.

Why this exists: the roles in ``playbooks/`` must be proven against real hosts over SSH (systemd, apt,
sshd, sysctl), not against mocks. There is no Docker engine on the developers' machines or in CI, but
we are root on Debian 12, so each test host is a ``systemd-nspawn`` container booting a cached Debian
image through an overlayfs, living in its own network namespace that is plugged into a private bridge.
The measured recipe behind every choice here is in ``shared/FACTS.md`` ("Real test hosts for Ansible").

Layout of the cache (outside the repo; ``CONSORTIUM_LAB_CACHE`` overrides the default)::

    /var/cache/consortium-lab/
      image/rootfs/          debootstrap'ed bookworm, shared read-only lower layer of every host
      image/lab_key(.pub)    the SSH key root on every host accepts (made with the image)
      image/stamp.json       recipe digest; a changed recipe rebuilds the image
      repo/                  *.deb + Packages(.gz) + Release: the hosts' only apt source
      apt/                   private apt state while the repo is downloaded (removed afterwards)
      runs/<prefix>/run-*/   one directory per running lab: overlay upper/work dirs, logs, inventory
      *.lock                 flock files: one lab per prefix, no rebuild under a running lab

Network (defaults): bridge ``cslab0`` with 10.231.0.1/24 on the machine, host *i* is ``cslab-h<i>`` with
10.231.0.(10+i) in network namespace ``cslab-h<i>``. There is no NAT and no default route: the hosts reach
only each other and the bridge address, where an in-process HTTP server serves the apt repository.

Everything the lab creates carries the prefix (``cslab``) or lives under ``runs/<prefix>/``, so
:func:`cleanup_stale` can find and remove what a crashed run left behind, and :func:`leftovers` can prove
that nothing is left.

Command line (``python -m tests.playbooks.lab ...``): ``host-packages``, ``apt-packages``, ``build-image``,
``up N`` (runs until Ctrl-C, then tears down), ``down`` (removes leftovers of a crashed run).
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import dataclasses
import email.utils
import fcntl
import functools
import gzip
import hashlib
import http.server
import ipaddress
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import IO, Any

# --------------------------------------------------------------------------------------------------------
# Recipe constants
# --------------------------------------------------------------------------------------------------------

#: Debian packages the *machine running the tests* needs for the lab (the Makefile prints them with
#: ``python -m tests.playbooks.lab host-packages``). restic is here for the backup tests, which run
#: restic on the machine against a local S3 server.
HOST_PACKAGES: tuple[str, ...] = (
    "debootstrap",
    "debian-archive-keyring",
    "gpgv",
    "systemd-container",
    "iproute2",
    "mount",
    "dpkg-dev",
    "openssh-client",
    "restic",
)

#: Packages the roles install on the test hosts. They, their Depends and Recommends that the base image
#: lacks are downloaded once into the local apt repository (the hosts cannot reach a Debian mirror).
LAB_APT_PACKAGES: tuple[str, ...] = (
    "nftables",
    "chrony",
    "unattended-upgrades",
    "auditd",
    "libpam-pwquality",
    "rsyslog",
    "rsyslog-gnutls",
    "logrotate",
    "cracklib-runtime",
    "restic",
)

SUITE = "bookworm"
#: ``--include`` of the debootstrap call (FACTS.md: enough for Ansible, sshd and a booting systemd).
IMAGE_INCLUDE: tuple[str, ...] = (
    "python3",
    "python3-apt",
    "openssh-server",
    "sudo",
    "iproute2",
    "procps",
    "systemd",
    "systemd-sysv",
    "dbus",
    "libpam-systemd",
)
#: Bump when the image customisation below changes in a way the digest of the constants cannot see.
IMAGE_RECIPE_VERSION = 1
#: Bump when the way the repository is built changes.
REPO_RECIPE_VERSION = 1

DEFAULT_CACHE = "/var/cache/consortium-lab"
#: Overridable so two labs can run side by side on one machine (say, a debugging ``up`` and the tests).
DEFAULT_PREFIX = os.environ.get("CONSORTIUM_LAB_PREFIX", "cslab")
DEFAULT_SUBNET = os.environ.get("CONSORTIUM_LAB_SUBNET", "10.231.0.0/24")
#: Host *i* gets the subnet's address number ``HOST_OFFSET + i`` (10.231.0.11, .12, ...).
HOST_OFFSET = 10
NSPAWN_ENV = {"SYSTEMD_NSPAWN_API_VFS_WRITABLE": "network"}  # without it net.* sysctls are read-only


def mirror() -> str:
    """The Debian mirror for debootstrap and the repository download (``CONSORTIUM_LAB_MIRROR``)."""
    return os.environ.get("CONSORTIUM_LAB_MIRROR", "http://deb.debian.org/debian")


def security_mirror() -> str:
    """The Debian security mirror for the repository download (``CONSORTIUM_LAB_SECURITY_MIRROR``)."""
    return os.environ.get("CONSORTIUM_LAB_SECURITY_MIRROR", "http://deb.debian.org/debian-security")


def cache_dir() -> Path:
    """The lab cache: outside the repo so ``git clean`` and fresh clones keep the 220 MB image."""
    return Path(os.environ.get("CONSORTIUM_LAB_CACHE", DEFAULT_CACHE))


def runs_root(prefix: str = DEFAULT_PREFIX) -> Path:
    """Where the per-run directories of labs with this prefix live (scanned by :func:`cleanup_stale`)."""
    return cache_dir() / "runs" / prefix


class LabError(RuntimeError):
    """The lab could not be built, started or torn down; the message says what and why."""


# --------------------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------------------


def _run(
    cmd: Sequence[str | os.PathLike[str]],
    *,
    check: bool = True,
    timeout: float | None = 600,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a command, capturing output; on failure raise LabError with its stderr (not a bare rc)."""
    args = [str(c) for c in cmd]
    try:
        proc = subprocess.run(
            args, capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd, stdin=subprocess.DEVNULL
        )
    except FileNotFoundError as exc:
        raise LabError(f"{args[0]}: not installed (see HOST_PACKAGES / ensure_host_packages())") from exc
    except subprocess.TimeoutExpired as exc:
        raise LabError(f"{' '.join(args)}: timed out after {timeout} s") from exc
    if check and proc.returncode != 0:
        out = (proc.stderr.strip() or proc.stdout.strip())[-3000:]
        raise LabError(f"{' '.join(args)} failed (rc {proc.returncode}):\n{out}")
    return proc


def _run_process_group(cmd: Sequence[str], log: Path) -> int:
    """Run a long command (debootstrap) in its own process group, output to ``log``; if we are
    interrupted, kill the whole group: debootstrap's dpkg children must not write on while the
    half-built tree is being removed."""
    with log.open("w") as out:
        proc = subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
        try:
            return proc.wait()
        except BaseException:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise


def _digest(obj: object) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()[:16]


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def _unescape_mount(field: str) -> str:
    """Undo the octal escapes (``\\040`` for space ...) of /proc/self/mountinfo."""
    return field.encode().decode("unicode_escape") if "\\" in field else field


def _mounts() -> list[tuple[str, str, str]]:
    """(mount point, fs type, source) of every mount in this mount namespace."""
    result = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        left, _, right = line.partition(" - ")
        fields, rfields = left.split(), right.split()
        if len(fields) >= 5 and len(rfields) >= 2:
            result.append((_unescape_mount(fields[4]), rfields[0], _unescape_mount(rfields[1])))
    return result


def _mounts_under(path: Path) -> list[str]:
    base = str(path).rstrip("/")
    return [mp for mp, _, _ in _mounts() if mp == base or mp.startswith(base + "/")]


def _umount(mountpoint: str) -> None:
    """Unmount; a busy mount is retried briefly and then detached lazily (it must not block teardown)."""
    for _ in range(5):
        if _run(["umount", mountpoint], check=False).returncode == 0:
            return
        if mountpoint not in {mp for mp, _, _ in _mounts()}:
            return
        time.sleep(0.2)
    _run(["umount", "-l", mountpoint], check=False)


def _rmtree_safely(path: Path) -> None:
    """Remove a directory tree, first unmounting anything below it.

    rmtree must never descend into a mounted overlay (or a chroot's /proc left by a killed debootstrap):
    so unmount deepest first, and refuse if something is still mounted.
    """
    if not path.exists():
        return
    for mp in sorted(_mounts_under(path), key=len, reverse=True):
        _umount(mp)
    still = _mounts_under(path)
    if still:
        raise LabError(f"not removing {path}: still mounted: {still}")
    shutil.rmtree(path, ignore_errors=True)
    if path.exists():
        shutil.rmtree(path)  # second try, this time with the error


def _replace_dir(new: Path, dest: Path) -> None:
    """Move a completely built ``new`` to ``dest``: renames only, so nobody ever sees half a build."""
    old = dest.with_name(f"{dest.name}.old-{os.getpid()}")
    if dest.exists():
        dest.rename(old)
    new.rename(dest)
    _rmtree_safely(old)


def _pid_alive(pid: int) -> bool:
    """True for a live process; a zombie counts as gone (it holds no resources but its pid)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def _kill_pids(pids: Sequence[int], sig: int = signal.SIGKILL, wait: float = 5.0) -> list[int]:
    """Signal processes and wait until they are gone; returns the ones that survived."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)
    deadline = time.monotonic() + wait
    alive = list(pids)
    while alive and time.monotonic() < deadline:
        alive = [pid for pid in alive if _pid_alive(pid)]
        if alive:
            time.sleep(0.05)
    return alive


@contextlib.contextmanager
def _flock(path: Path, mode: int, timeout: float, what: str) -> Iterator[IO[str]]:
    """Hold an flock on ``path`` (polling up to ``timeout`` s) and say clearly who blocks us."""
    fh = _open_lock(path, mode, timeout, what)
    try:
        yield fh
    finally:
        fh.close()


def _open_lock(path: Path, mode: int, timeout: float, what: str) -> IO[str]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fh = path.open("a+")
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fh, mode | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                fh.close()
                raise LabError(f"{what}: {path} is locked by another process (a running lab or build)") from None
            time.sleep(0.2)
    if mode == fcntl.LOCK_EX:
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()}\n")
        fh.flush()
    return fh


# --------------------------------------------------------------------------------------------------------
# Machine packages
# --------------------------------------------------------------------------------------------------------


def missing_host_packages(packages: Sequence[str] = HOST_PACKAGES) -> list[str]:
    """The packages of ``packages`` that dpkg does not list as installed."""
    proc = _run(["dpkg-query", "-W", "-f", "${Package} ${db:Status-Status}\n", *packages], check=False, timeout=60)
    installed = {line.split()[0] for line in proc.stdout.splitlines() if line.split()[1:2] == ["installed"]}
    return [p for p in packages if p not in installed]


def ensure_host_packages(packages: Sequence[str] = HOST_PACKAGES) -> list[str]:
    """Install the lab's machine packages that are missing; returns what was installed.

    Cheap when nothing is missing (one dpkg-query), so the test fixture can call it every session. apt-get
    update runs only when the first install attempt fails: the lists are usually fresh enough.
    """
    missing = missing_host_packages(packages)
    if not missing:
        return []
    if os.geteuid() != 0:
        raise LabError(f"missing machine packages {missing} and not root to install them")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    cmd = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing]
    if _run(cmd, check=False, env=env, timeout=900).returncode != 0:
        _run(["apt-get", "update", "-q"], check=False, env=env, timeout=600)
        _run(cmd, env=env, timeout=900)
    return missing


# --------------------------------------------------------------------------------------------------------
# Base image
# --------------------------------------------------------------------------------------------------------


def image_dir() -> Path:
    return cache_dir() / "image"


def repo_dir() -> Path:
    return cache_dir() / "repo"


def _image_digest() -> str:
    return _digest({"v": IMAGE_RECIPE_VERSION, "suite": SUITE, "include": IMAGE_INCLUDE, "mirror": mirror()})


def _repo_digest() -> str:
    image_build = _read_json(image_dir() / "stamp.json").get("build_id")
    return _digest(
        {
            "v": REPO_RECIPE_VERSION,
            "packages": LAB_APT_PACKAGES,
            "image": image_build,
            "mirrors": [mirror(), security_mirror()],
        }
    )


def image_is_current() -> bool:
    stamp = _read_json(image_dir() / "stamp.json")
    return stamp.get("digest") == _image_digest() and (image_dir() / "rootfs" / "usr" / "bin").is_dir()


def repo_is_current() -> bool:
    stamp = _read_json(repo_dir() / "stamp.json")
    return stamp.get("digest") == _repo_digest() and (repo_dir() / "Packages.gz").is_file()


def _write(path: Path, text: str, mode: int = 0o644) -> None:
    """Write a file inside a root tree, replacing a symlink there (never following it out of the tree)."""
    if path.is_symlink():
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)


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
    _write(etc / "machine-id", "", 0o444)
    dbus_id = rootfs / "var/lib/dbus/machine-id"
    if dbus_id.exists() or dbus_id.is_symlink():
        dbus_id.unlink()
    dbus_id.parent.mkdir(parents=True, exist_ok=True)
    dbus_id.symlink_to("/etc/machine-id")
    _write(etc / "resolv.conf", "")
    _write(etc / "hostname", "lab-image\n")
    _write(etc / "hosts", "127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n")
    _write(etc / "apt/sources.list", "")
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
    _write(ssh_dir / "authorized_keys", pubkey, 0o600)
    _write(
        etc / "ssh/sshd_config.d/consortium-lab.conf",
        "# consortium lab: root logs in with the lab key only\n"
        "PermitRootLogin prohibit-password\nPasswordAuthentication no\nUseDNS no\n",
    )


def build_image(force: bool = False) -> Path:
    """Build the base image into the cache unless the stamp says it is current; returns ``image/``.

    Takes the cache's exclusive build lock (fails if a lab is running). The build happens in a temporary
    directory that is renamed into place only when complete, so an interrupted build leaves no half image.
    """
    with _flock(cache_dir() / "build.lock", fcntl.LOCK_EX, 600, "building the lab image"):
        return _build_image_locked(force)


def _clean_tmp_builds() -> None:
    for entry in cache_dir().glob("*.tmp-*"):
        _rmtree_safely(entry)
    for entry in cache_dir().glob("*.old-*"):
        _rmtree_safely(entry)


def _build_image_locked(force: bool) -> Path:
    dest = image_dir()
    if not force and image_is_current():
        return dest
    _clean_tmp_builds()
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
        rc = _run_process_group(cmd, log)
        if rc != 0:
            raise LabError(f"debootstrap failed (rc {rc}); last lines of {log}:\n{_tail(log)}")
        _run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "consortium-lab", "-f", tmp / "lab_key"])
        _customise_image(rootfs, (tmp / "lab_key.pub").read_text())
        seconds = round(time.monotonic() - started, 1)
        stamp = {"digest": _image_digest(), "build_id": uuid.uuid4().hex, "built_s": seconds}
        (tmp / "stamp.json").write_text(json.dumps(stamp, indent=2) + "\n")
        tmp.chmod(0o755)
        _replace_dir(tmp, dest)
    except BaseException:
        _rmtree_safely(tmp)
        raise
    return dest


# --------------------------------------------------------------------------------------------------------
# Local apt repository
# --------------------------------------------------------------------------------------------------------


def _apt_env(state: Path, status: Path) -> dict[str, str]:
    """An apt configuration of our own: the machine's sources, pins, hooks and lists stay untouched.

    APT_CONFIG is read before /etc/apt/apt.conf.d, so pointing ``Dir::Etc::parts`` at an empty directory
    keeps out hooks such as Debian docker images' docker-clean (which would delete the downloads).
    Resolving against the *image's* dpkg status makes apt download exactly what the hosts lack.
    """
    empty = state / "empty.d"
    for sub in (empty, state / "lists/partial", state / "cache", state / "state"):
        sub.mkdir(parents=True, exist_ok=True)
    keyring = image_dir() / "rootfs/usr/share/keyrings/debian-archive-keyring.gpg"
    (state / "sources.list").write_text(
        f"deb [signed-by={keyring}] {mirror()} {SUITE} main\n"
        f"deb [signed-by={keyring}] {mirror()} {SUITE}-updates main\n"
        f"deb [signed-by={keyring}] {security_mirror()} {SUITE}-security main\n"
    )
    conf = {
        "Dir::Etc::main": "/dev/null",
        "Dir::Etc::parts": empty,
        "Dir::Etc::sourcelist": state / "sources.list",
        "Dir::Etc::sourceparts": empty,
        "Dir::Etc::preferences": state / "preferences",
        "Dir::Etc::preferencesparts": empty,
        "Dir::State": state / "state",
        "Dir::State::lists": state / "lists",
        "Dir::State::status": status,
        "Dir::Cache": state / "cache",
        "APT::Install-Recommends": "true",
        "APT::Sandbox::User": "root",
        "Acquire::Languages": "none",
        "Debug::NoLocking": "true",
    }
    (state / "apt.conf").write_text("".join(f'{k} "{v}";\n' for k, v in conf.items()))
    return {**os.environ, "APT_CONFIG": str(state / "apt.conf"), "DEBIAN_FRONTEND": "noninteractive"}


def _write_release(repo: Path) -> None:
    """A Release file with hashes, so apt fetches the flat repo without 'no Release file' complaints."""
    lines = [
        "Origin: consortium-lab",
        "Label: consortium-lab",
        "Suite: lab",
        "Codename: lab",
        f"Date: {email.utils.formatdate(usegmt=True)}",
        "Architectures: amd64 all",
        "Description: packages the consortium roles install on lab hosts",
    ]
    for field, algo in (("MD5Sum", "md5"), ("SHA256", "sha256")):
        lines.append(f"{field}:")
        for name in ("Packages", "Packages.gz"):
            data = (repo / name).read_bytes()
            lines.append(f" {hashlib.new(algo, data).hexdigest()} {len(data)} {name}")
    (repo / "Release").write_text("\n".join(lines) + "\n")


def build_repo(force: bool = False) -> Path:
    """Download LAB_APT_PACKAGES (+ what the image lacks for them) and index them; returns ``repo/``."""
    with _flock(cache_dir() / "build.lock", fcntl.LOCK_EX, 600, "building the lab apt repository"):
        return _build_repo_locked(force)


def _build_repo_locked(force: bool) -> Path:
    dest = repo_dir()
    if not force and repo_is_current():
        return dest
    if not image_is_current():
        raise LabError("build the image first (build_image())")
    _clean_tmp_builds()
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="repo.tmp-", dir=cache_dir()))
    try:
        env = _apt_env(cache_dir() / "apt", image_dir() / "rootfs/var/lib/dpkg/status")
        _run(["apt-get", "update", "-q"], env=env)
        (tmp / "partial").mkdir()
        _run(
            [
                "apt-get",
                "install",
                "-y",
                "-q",
                "--download-only",
                "-o",
                f"Dir::Cache::archives={tmp}",
                *LAB_APT_PACKAGES,
            ],
            env=env,
        )
        _rmtree_safely(tmp / "partial")
        (tmp / "lock").unlink(missing_ok=True)
        debs = sorted(p.name for p in tmp.glob("*.deb"))
        if not debs:
            raise LabError("apt downloaded no packages for the lab repository")
        packages = _run(["dpkg-scanpackages", "--multiversion", ".", "/dev/null"], cwd=tmp).stdout
        (tmp / "Packages").write_text(packages)
        (tmp / "Packages.gz").write_bytes(gzip.compress(packages.encode(), mtime=0))
        _write_release(tmp)
        seconds = round(time.monotonic() - started, 1)
        stamp = {"digest": _repo_digest(), "debs": debs, "built_s": seconds}
        (tmp / "stamp.json").write_text(json.dumps(stamp, indent=2) + "\n")
        tmp.chmod(0o755)
        _replace_dir(tmp, dest)
    except BaseException:
        _rmtree_safely(tmp)
        raise
    finally:
        _rmtree_safely(cache_dir() / "apt")  # 120 MB of lists, refreshed by every repo build anyway
    return dest


def build_cache(force: bool = False) -> tuple[Path, Path]:
    """Image and repository, (re)built as needed; returns (image dir, repo dir)."""
    with _flock(cache_dir() / "build.lock", fcntl.LOCK_EX, 600, "building the lab cache"):
        return _build_image_locked(force), _build_repo_locked(force)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the repo; logs to the run's apt-http.log instead of the test output."""

    log_file: IO[str] | None = None

    def log_message(self, format: str, *args: Any) -> None:
        if self.log_file is not None:
            with contextlib.suppress(ValueError):
                self.log_file.write(f"{self.address_string()} {format % args}\n")
                self.log_file.flush()


# --------------------------------------------------------------------------------------------------------
# Finding and removing what a lab leaves behind
# --------------------------------------------------------------------------------------------------------


def _netns_names(prefix: str) -> list[str]:
    try:
        names = os.listdir("/run/netns")
    except FileNotFoundError:
        return []
    return sorted(n for n in names if n.startswith(f"{prefix}-"))


def _link_names(prefix: str, bridge: str) -> list[str]:
    names = os.listdir("/sys/class/net")
    return sorted(n for n in names if n == bridge or n.startswith(f"{prefix}-"))


def _netns_pids(name: str) -> list[int]:
    proc = _run(["ip", "netns", "pids", name], check=False, timeout=30)
    return [int(p) for p in proc.stdout.split() if p.isdigit()]


def _delete_netns(name: str) -> None:
    """Delete a netns (and so the veth end inside it); a stale /run/netns file without mount goes too."""
    path = Path("/run/netns", name)
    if path.exists() and _run(["ip", "netns", "delete", name], check=False).returncode != 0:
        _umount(str(path))
        path.unlink(missing_ok=True)


def _delete_link(name: str) -> None:
    """Delete a link. Deleting a netns removes its veth pair asynchronously, so first give the kernel a
    moment; "Cannot find device" then only means it went away by itself."""
    path = Path("/sys/class/net", name)
    deadline = time.monotonic() + 2
    while path.exists() and time.monotonic() < deadline and not name.endswith("0"):
        time.sleep(0.05)
    if path.exists():
        proc = _run(["ip", "link", "delete", name], check=False)
        if proc.returncode != 0 and path.exists():
            raise LabError(f"ip link delete {name}: {proc.stderr.strip()}")


def _propagate_dirs(prefix: str) -> list[Path]:
    """systemd-nspawn's per-machine dirs on the machine; it leaves them when /run is not a tmpfs."""
    return sorted(Path("/run/systemd/nspawn/propagate").glob(f"{prefix}-*"))


def _lab_processes(prefix: str) -> list[int]:
    """Processes of labs with this prefix: anything whose command line names the runs directory
    (systemd-nspawn's ``-D``, Ansible's SSH ControlMaster sockets) and anything inside a lab netns."""
    marker = (str(runs_root(prefix)) + "/").encode()
    me = os.getpid()
    pids: set[int] = set()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            cmdline = Path(f"/proc/{entry.name}/cmdline").read_bytes()
        except OSError:
            continue
        if marker in cmdline and _pid_alive(int(entry.name)):
            pids.add(int(entry.name))
    for ns in _netns_names(prefix):
        pids.update(p for p in _netns_pids(ns) if _pid_alive(p))
    return sorted(pids)


def _lab_mounts(prefix: str) -> list[str]:
    base = str(runs_root(prefix)) + "/"
    return [
        mp
        for mp, fstype, source in _mounts()
        if mp.startswith(base) or (fstype == "overlay" and source.startswith(f"{prefix}-"))
    ]


def leftovers(prefix: str = DEFAULT_PREFIX, bridge: str | None = None) -> list[str]:
    """Everything of labs with this prefix that still exists: empty after a clean teardown."""
    bridge = bridge or f"{prefix}0"
    found = [f"process {pid}: {_cmdline(pid)}" for pid in _lab_processes(prefix)]
    found += [f"mount {mp}" for mp in _lab_mounts(prefix)]
    found += [f"netns {ns}" for ns in _netns_names(prefix)]
    found += [f"link {link}" for link in _link_names(prefix, bridge)]
    found += [f"nspawn dir {d}" for d in _propagate_dirs(prefix)]
    if runs_root(prefix).exists():
        found += [f"run dir {p}" for p in sorted(runs_root(prefix).iterdir())]
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return "?"


def cleanup_stale(prefix: str = DEFAULT_PREFIX, bridge: str | None = None) -> list[str]:
    """Remove what an earlier (crashed or killed) lab with this prefix left behind; returns what it found.

    Order matters: kill the containers (SIGKILL to everything in the lab netns kills each container's
    PID 1 and with it its PID namespace; nspawn's own command line names the run dir), then unmount the
    overlays, then delete netns (which deletes the veth ends inside) and links, then the run dirs. Call
    only while holding the prefix lock (``Lab.up()`` and ``down`` on the command line do): it does not
    know whether a lab with this prefix is still in use.
    """
    bridge = bridge or f"{prefix}0"
    found = leftovers(prefix, bridge)
    if not found:
        return []
    survivors = _kill_pids(_lab_processes(prefix))
    for mp in sorted(_lab_mounts(prefix), key=len, reverse=True):
        _umount(mp)
    for ns in _netns_names(prefix):
        _delete_netns(ns)
    for link in _link_names(prefix, bridge):
        _delete_link(link)
    for d in _propagate_dirs(prefix):
        _rmtree_safely(d)
    if runs_root(prefix).exists():
        for run in runs_root(prefix).iterdir():
            _rmtree_safely(run)
    if survivors:
        survivors = _kill_pids(survivors)
    remaining = leftovers(prefix, bridge)
    if remaining:
        raise LabError("could not remove lab leftovers:\n  " + "\n  ".join(remaining))
    return found


# --------------------------------------------------------------------------------------------------------
# The lab
# --------------------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Host:
    """One lab host. ``name`` is its hostname, Ansible inventory name, netns and machine name."""

    name: str
    ip: str
    netns: str
    veth: str
    dir: Path
    process: subprocess.Popen[bytes] | None = dataclasses.field(default=None, repr=False)

    @property
    def root(self) -> Path:
        return self.dir / "root"

    @property
    def log(self) -> Path:
        return self.dir / "console.log"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


SSH_OPTIONS: tuple[str, ...] = (
    "-o", "StrictHostKeyChecking=no",
    "-o", "UserKnownHostsFile=/dev/null",
    "-o", "IdentitiesOnly=yes",
)  # fmt: skip


class Lab:
    """A set of booted Debian hosts reachable over SSH as root; use as a context manager or up()/down().

    ``up()`` cleans leftovers of an earlier run with the same prefix, makes sure the cache is built,
    starts the network, the apt server and the containers, and waits until every host answers SSH. Any
    failure or interrupt in ``up()`` tears down what was made. ``down()`` is idempotent, defers Ctrl-C
    until it has finished, and raises if something could not be removed. While a lab is up, SIGTERM
    raises KeyboardInterrupt (so pytest and the CLI tear down), and an atexit hook is the last resort.
    """

    def __init__(
        self,
        n_hosts: int = 3,
        *,
        prefix: str = DEFAULT_PREFIX,
        bridge: str | None = None,
        subnet: str = DEFAULT_SUBNET,
        apt_port: int = 0,
        boot_timeout: float = 90.0,
        shutdown_timeout: float = 5.0,
        capabilities: Sequence[str] = (),
    ) -> None:
        net = ipaddress.ip_network(subnet)
        if not 1 <= n_hosts <= min(50, net.num_addresses - HOST_OFFSET - 2):
            raise ValueError(f"n_hosts={n_hosts} does not fit {subnet}")
        self.n_hosts = n_hosts
        self.prefix = prefix
        self.bridge = bridge or f"{prefix}0"
        if len(self.bridge) > 15 or len(f"{prefix}-h{n_hosts}") > 15:
            raise ValueError("interface names are limited to 15 characters: use a shorter prefix/bridge")
        self.subnet = net
        self.bridge_ip = str(net.network_address + 1)
        self.apt_port = apt_port
        self.boot_timeout = boot_timeout
        self.shutdown_timeout = shutdown_timeout
        #: Extra capabilities for the containers (``--capability=``), e.g. CAP_NET_ADMIN so nftables can
        #: load a ruleset. Each host has its own netns, so that only reaches the host's own network.
        self.capabilities = tuple(capabilities)
        self.hosts: list[Host] = []
        self.run_dir: Path | None = None
        #: Seconds spent in the phases of up() (cache, network, boot), for reports.
        self.timings: dict[str, float] = {}
        self._prefix_lock: IO[str] | None = None
        self._cache_lock: IO[str] | None = None
        self._http: http.server.ThreadingHTTPServer | None = None
        self._http_log: IO[str] | None = None
        self._bridge_made = False
        self._up = False
        self._old_sigterm: Any = None

    # ---- public ------------------------------------------------------------------------------------

    @property
    def key_path(self) -> Path:
        """The private key root on every host accepts."""
        return image_dir() / "lab_key"

    @property
    def inventory_path(self) -> Path:
        """An Ansible YAML inventory of all hosts (root, the lab key, no host key checking)."""
        if self.run_dir is None:
            raise LabError("the lab is not up")
        return self.run_dir / "inventory.yml"

    @property
    def apt_url(self) -> str:
        """The URL of the local apt repository, as the hosts see it."""
        if self._http is None:
            raise LabError("the lab is not up")
        return f"http://{self.bridge_ip}:{self._http.server_address[1]}/"

    def host(self, name: str) -> Host:
        for h in self.hosts:
            if h.name == name:
                return h
        raise KeyError(f"no lab host {name!r} (have {[h.name for h in self.hosts]})")

    def up(self) -> list[Host]:
        """Start the lab (see the class docstring); returns the hosts. Calling it again is a no-op."""
        if self._up:
            return self.hosts
        self._up = True
        self._install_sigterm()
        atexit.register(self._atexit)
        try:
            self._up_inner()
        except BaseException:
            with contextlib.suppress(Exception):
                self.down()
            raise
        return self.hosts

    def down(self) -> None:
        """Stop and remove everything this lab made. Idempotent; Ctrl-C is deferred until it is done."""
        with _signals_deferred():
            errors = self._down_inner()
        if errors:
            raise LabError("lab teardown incomplete:\n  " + "\n  ".join(errors))

    def __enter__(self) -> Lab:
        self.up()
        return self

    def __exit__(self, *exc: object) -> None:
        self.down()

    def ssh_command(self, host: str | Host) -> list[str]:
        """The ssh argv (without a remote command) to log into a host as root."""
        h = host if isinstance(host, Host) else self.host(host)
        return [
            "ssh", "-i", str(self.key_path), *SSH_OPTIONS,
            "-o", "BatchMode=yes", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=5",
            f"root@{h.ip}",
        ]  # fmt: skip

    def ssh(
        self,
        host: str | Host,
        cmd: str | Sequence[str],
        *,
        check: bool = False,
        timeout: float = 300,
        input: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run a shell command on a host as root; returns the CompletedProcess (text, output captured).

        A sequence is quoted for the remote shell; a string is passed to it as is.
        """
        remote = cmd if isinstance(cmd, str) else " ".join(shlex.quote(c) for c in cmd)
        return subprocess.run(
            [*self.ssh_command(host), "--", remote],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=check,
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
        )

    def ansible_env(self, **extra: str) -> dict[str, str]:
        """Environment for ``ansible``/``ansible-playbook`` subprocesses aimed at this lab."""
        return {
            **os.environ,
            "ANSIBLE_INVENTORY": str(self.inventory_path),
            "ANSIBLE_HOST_KEY_CHECKING": "False",
            "ANSIBLE_RETRY_FILES_ENABLED": "False",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_TIMEOUT": "10",
            **extra,
        }

    def stop_host(self, name: str, timeout: float | None = None) -> None:
        """Shut one host down (its address stops answering); the others and the network stay up."""
        h = self.host(name)
        self._end_ssh_clients([h])
        _stop_containers([h], self.shutdown_timeout if timeout is None else timeout)

    def start_host(self, name: str) -> None:
        """Boot a stopped host again on the same overlay (like a reboot) and wait for SSH."""
        h = self.host(name)
        if not h.running:
            self._start_container(h)
            self._wait_ssh([h], time.monotonic() + self.boot_timeout)

    # ---- internals ---------------------------------------------------------------------------------

    def _up_inner(self) -> None:
        t0 = time.monotonic()
        self._prefix_lock = _open_lock(cache_dir() / f"{self.prefix}.lock", fcntl.LOCK_EX, 0, "starting a lab")
        cleanup_stale(self.prefix, self.bridge)
        self._acquire_cache()
        t1 = time.monotonic()
        self.timings["cache"] = round(t1 - t0, 2)
        runs_root(self.prefix).mkdir(parents=True, exist_ok=True)
        self.run_dir = Path(tempfile.mkdtemp(prefix="run-", dir=runs_root(self.prefix)))
        self.run_dir.chmod(0o755)
        net = self.subnet
        self.hosts = [
            Host(
                name=f"{self.prefix}-h{i}",
                ip=str(net.network_address + HOST_OFFSET + i),
                netns=f"{self.prefix}-h{i}",
                veth=f"{self.prefix}-h{i}",
                dir=self.run_dir / "hosts" / f"{self.prefix}-h{i}",
            )
            for i in range(1, self.n_hosts + 1)
        ]
        self._make_bridge()
        self._start_http()
        for h in self.hosts:
            self._make_netns(h)
            self._mount_root(h)
        for h in self.hosts:
            self._configure_root(h)
        self._write_inventory()
        t2 = time.monotonic()
        self.timings["network_and_roots"] = round(t2 - t1, 2)
        for h in self.hosts:
            self._start_container(h)
        self._wait_ssh(self.hosts, time.monotonic() + self.boot_timeout)
        self.timings["boot_to_ssh"] = round(time.monotonic() - t2, 2)
        self.timings["up_total"] = round(time.monotonic() - t0, 2)

    def _acquire_cache(self) -> None:
        """Hold the build lock shared while up, so no rebuild swaps the image under running hosts.

        Labs of other prefixes share it; only a needed rebuild asks for it exclusively (and says so
        clearly if a running lab prevents that), then goes back to shared.
        """
        path = cache_dir() / "build.lock"
        self._cache_lock = _open_lock(path, fcntl.LOCK_SH, 900, "using the lab cache")
        if image_is_current() and repo_is_current():
            return
        self._cache_lock.close()
        self._cache_lock = None
        build_cache()
        self._cache_lock = _open_lock(path, fcntl.LOCK_SH, 900, "using the lab cache")

    def _make_bridge(self) -> None:
        prefixlen = self.subnet.prefixlen
        _run(["ip", "link", "add", self.bridge, "type", "bridge"])
        self._bridge_made = True
        _run(["ip", "addr", "add", f"{self.bridge_ip}/{prefixlen}", "dev", self.bridge])
        _run(["ip", "link", "set", self.bridge, "up"])

    def _start_http(self) -> None:
        """Serve the repo on the bridge address only (never on the machine's other interfaces)."""
        assert self.run_dir is not None
        self._http_log = (self.run_dir / "apt-http.log").open("a")
        handler = functools.partial(_handler_with_log(self._http_log), directory=str(repo_dir()))
        self._http = http.server.ThreadingHTTPServer((self.bridge_ip, self.apt_port), handler)
        self._http.daemon_threads = True
        threading.Thread(target=self._http.serve_forever, name="cslab-apt-http", daemon=True).start()

    def _make_netns(self, h: Host) -> None:
        prefixlen = self.subnet.prefixlen
        _run(["ip", "netns", "add", h.netns])
        _run(["ip", "link", "add", h.veth, "type", "veth", "peer", "name", "eth0", "netns", h.netns])
        _run(["ip", "link", "set", h.veth, "master", self.bridge, "up"])
        _run(["ip", "-n", h.netns, "addr", "add", f"{h.ip}/{prefixlen}", "dev", "eth0"])
        _run(["ip", "-n", h.netns, "link", "set", "eth0", "up"])
        _run(["ip", "-n", h.netns, "link", "set", "lo", "up"])

    def _mount_root(self, h: Host) -> None:
        upper, work = h.dir / "upper", h.dir / "work"
        for d in (upper, work, h.root):
            d.mkdir(parents=True)
        lower = image_dir() / "rootfs"
        opts = f"lowerdir={lower},upperdir={upper},workdir={work}"
        # The source name carries the prefix so cleanup_stale() recognises the mount.
        _run(["mount", "-t", "overlay", f"{self.prefix}-{h.name}", "-o", opts, h.root])

    def _configure_root(self, h: Host) -> None:
        """Per-host files, written through the overlay (the image stays untouched)."""
        etc = h.root / "etc"
        _write(etc / "hostname", f"{h.name}\n")
        hosts = ["127.0.0.1 localhost", "::1 localhost ip6-localhost ip6-loopback"]
        hosts.append(f"{self.bridge_ip} {self.prefix}-gw")
        hosts += [f"{o.ip} {o.name}" for o in self.hosts]
        _write(etc / "hosts", "\n".join(hosts) + "\n")
        _write(etc / "apt/sources.list", f"deb [trusted=yes] {self.apt_url} ./\n")

    def _write_inventory(self) -> None:
        """YAML inventory; values are JSON strings, which are valid YAML scalars (no PyYAML needed)."""
        assert self.run_dir is not None
        q = json.dumps
        lines = ["all:", "  hosts:"]
        for h in self.hosts:
            lines += [f"    {h.name}:", f"      ansible_host: {q(h.ip)}"]
        lines += [
            "  vars:",
            "    ansible_user: root",
            f"    ansible_ssh_private_key_file: {q(str(self.key_path))}",
            f"    ansible_ssh_common_args: {q(' '.join(SSH_OPTIONS))}",
            "    ansible_python_interpreter: /usr/bin/python3",
            # Ansible's ControlMaster sockets inside the run dir, so teardown finds their ssh processes.
            f"    ansible_control_path_dir: {q(str(self.run_dir / 'cp'))}",
        ]
        (self.run_dir / "cp").mkdir(exist_ok=True)
        self.inventory_path.write_text("\n".join(lines) + "\n")

    def _end_ssh_clients(self, hosts: Sequence[Host]) -> None:
        """End ssh clients connected to these hosts, above all Ansible's ControlMasters: a master left
        connected to a stopped host makes the next Ansible call hang instead of failing fast."""
        pids = {pid for h in hosts for pid in _ssh_pids_to(h.ip)}
        if self.run_dir is not None and hosts == self.hosts:
            pids.update(_pids_with_cmdline((str(self.run_dir) + "/cp/").encode()))
        _kill_pids(sorted(pids), signal.SIGTERM)

    def _start_container(self, h: Host) -> None:
        cmd = [
            "systemd-nspawn",
            "--boot",
            f"--directory={h.root}",
            f"--machine={h.name}",
            f"--network-namespace-path=/run/netns/{h.netns}",
            "--register=no",
            "--keep-unit",
            "--resolv-conf=off",
            "--timezone=off",
            "--link-journal=no",
            "--console=read-only",
            *(f"--capability={cap}" for cap in self.capabilities),
        ]
        with h.log.open("ab") as log:
            # Own session: a Ctrl-C in the terminal reaches only us, and teardown decides what happens.
            h.process = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env={**os.environ, **NSPAWN_ENV},
            )

    def _wait_ssh(self, hosts: Sequence[Host], deadline: float) -> None:
        """Poll TCP 22, then ``ssh true``, for all hosts at once; fail early if a container exits."""
        pending = list(hosts)
        while pending:
            for h in list(pending):
                if not h.running:
                    raise LabError(f"{h.name}: systemd-nspawn exited; last lines of {h.log}:\n{_tail(h.log)}")
                try:
                    with socket.create_connection((h.ip, 22), timeout=1):
                        pass
                except OSError:
                    continue
                if self.ssh(h, "true", timeout=15).returncode == 0:
                    pending.remove(h)
            if not pending:
                return
            if time.monotonic() > deadline:
                names = ", ".join(h.name for h in pending)
                raise LabError(
                    f"{names}: no SSH after {self.boot_timeout} s; last lines of {pending[0].log}:\n"
                    f"{_tail(pending[0].log)}"
                )
            time.sleep(0.2)

    def _down_inner(self) -> list[str]:
        errors: list[str] = []

        def attempt(what: str, fn: Any, *args: Any) -> None:
            try:
                fn(*args)
            except Exception as exc:
                errors.append(f"{what}: {exc}")

        # Ansible's ssh masters first: an open session would slow the container's clean shutdown.
        attempt("ending ssh clients", self._end_ssh_clients, self.hosts)
        attempt("stopping containers", _stop_containers, self.hosts, self.shutdown_timeout)
        for h in self.hosts:
            if h.root.exists() and _mounts_under(h.root):
                attempt(f"unmounting {h.root}", _umount, str(h.root))
            attempt(f"deleting netns {h.netns}", _delete_netns, h.netns)
            attempt(f"deleting {h.veth}", _delete_link, h.veth)
        if self._http is not None:
            attempt("stopping the apt server", self._stop_http)
        if self._bridge_made and Path("/sys/class/net", self.bridge).exists():
            attempt(f"deleting {self.bridge}", _delete_link, self.bridge)
        self._bridge_made = False
        if self.run_dir is not None and self.run_dir.exists():
            attempt(f"removing {self.run_dir}", _rmtree_safely, self.run_dir)
        if self._prefix_lock is not None:
            remaining = leftovers(self.prefix, self.bridge)
            if remaining:  # belt and braces: whatever the steps above missed
                attempt("cleanup_stale", cleanup_stale, self.prefix, self.bridge)
            self._prefix_lock.close()
            self._prefix_lock = None
        if self._cache_lock is not None:
            self._cache_lock.close()
            self._cache_lock = None
        if self._up:
            self._up = False
            atexit.unregister(self._atexit)
            self._restore_sigterm()
        return errors

    def _stop_http(self) -> None:
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http = None
        if self._http_log is not None:
            self._http_log.close()
            self._http_log = None

    def _atexit(self) -> None:
        with contextlib.suppress(Exception):
            self.down()

    def _install_sigterm(self) -> None:
        if threading.current_thread() is threading.main_thread():
            self._old_sigterm = signal.signal(signal.SIGTERM, _sigterm_to_interrupt)

    def _restore_sigterm(self) -> None:
        if self._old_sigterm is not None and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, self._old_sigterm)
            self._old_sigterm = None


def _handler_with_log(log: IO[str]) -> type[_QuietHandler]:
    return type("_LabRepoHandler", (_QuietHandler,), {"log_file": log})


def _ssh_pids_to(ip: str) -> list[int]:
    """ssh processes with a TCP connection to ``ip`` (from ``ss``; their command line does not say)."""
    out = _run(["ss", "-Htnp", "dst", ip], check=False, timeout=30).stdout
    pids = {int(m) for m in re.findall(r"pid=(\d+)", out)}
    return sorted(p for p in pids if _comm(p) == "ssh")


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _pids_with_cmdline(marker: bytes) -> list[int]:
    me = os.getpid()
    pids = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and int(entry.name) != me:
            try:
                if marker in Path(f"/proc/{entry.name}/cmdline").read_bytes():
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def _stop_containers(hosts: Sequence[Host], timeout: float) -> None:
    """SIGTERM every nspawn (it powers its container off cleanly), wait, then SIGKILL what is left.

    SIGKILL goes to every process in the host's netns first: that includes the container's PID 1, whose
    death ends its whole PID namespace (killing only nspawn would orphan the container).
    """
    running = [h for h in hosts if h.running]
    for h in running:
        assert h.process is not None
        with contextlib.suppress(ProcessLookupError):
            h.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for h in running:
        assert h.process is not None
        with contextlib.suppress(subprocess.TimeoutExpired):
            h.process.wait(max(0.1, deadline - time.monotonic()))
    for h in hosts:
        if Path("/run/netns", h.netns).exists():
            _kill_pids([p for p in _netns_pids(h.netns) if _pid_alive(p)])
        if h.process is not None:
            if h.process.poll() is None:
                h.process.kill()
            h.process.wait(10)
            h.process = None


def _sigterm_to_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold SIGINT/SIGTERM while tearing down (a second Ctrl-C must not leave half a lab), then
    re-deliver as KeyboardInterrupt."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def note(signum: int, frame: FrameType | None) -> None:
        received.append(signum)

    old = {sig: signal.signal(sig, note) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)
    if received:
        raise KeyboardInterrupt(f"signal {received[0]} during lab teardown")


# --------------------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.playbooks.lab", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("host-packages", help="print HOST_PACKAGES, space-separated")
    sub.add_parser("apt-packages", help="print LAB_APT_PACKAGES, space-separated")
    build = sub.add_parser("build-image", help="build or refresh the image and apt repository cache")
    build.add_argument("--force", action="store_true", help="rebuild even if the stamps are current")
    up = sub.add_parser("up", help="start N hosts and keep them until Ctrl-C (for manual debugging)")
    up.add_argument("n", type=int, nargs="?", default=3)
    down = sub.add_parser("down", help="remove what a crashed lab left behind")
    for p in (up, down):
        p.add_argument("--prefix", default=DEFAULT_PREFIX)
        p.add_argument("--bridge", default=None)
    up.add_argument("--subnet", default=DEFAULT_SUBNET)
    up.add_argument("--capability", action="append", default=[], help="e.g. CAP_NET_ADMIN (repeatable)")
    args = parser.parse_args(argv)

    if args.command == "host-packages":
        print(" ".join(HOST_PACKAGES))
        return 0
    if args.command == "apt-packages":
        print(" ".join(LAB_APT_PACKAGES))
        return 0
    if os.geteuid() != 0:
        print("the lab needs root", file=sys.stderr)
        return 2
    # Interrupts must run the cleanup code: a shell starts background jobs with SIGINT ignored, and
    # SIGTERM would otherwise kill us on the spot (leaving a half build or a running lab).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _sigterm_to_interrupt)
    try:
        if args.command == "build-image":
            ensure_host_packages()
            t0 = time.monotonic()
            image, repo = build_cache(force=args.force)
            print(f"image: {image} ({_read_json(image / 'stamp.json').get('built_s')} s when built)")
            print(f"repo:  {repo} ({len(_read_json(repo / 'stamp.json').get('debs', []))} packages)")
            print(f"took {time.monotonic() - t0:.1f} s")
        elif args.command == "down":
            with _flock(cache_dir() / f"{args.prefix}.lock", fcntl.LOCK_EX, 0, "cleaning up"):
                for item in cleanup_stale(args.prefix, args.bridge):
                    print(f"removed {item}")
        else:
            ensure_host_packages()
            lab = Lab(args.n, prefix=args.prefix, bridge=args.bridge, subnet=args.subnet, capabilities=args.capability)
            try:
                lab.up()
                print(f"inventory: {lab.inventory_path}")
                print(f"apt repo:  {lab.apt_url}")
                for h in lab.hosts:
                    print(f"{h.name} {h.ip}: {' '.join(lab.ssh_command(h))}")
                print(f"timings: {lab.timings}")
                print("READY (Ctrl-C to tear down)", flush=True)
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                print("tearing down", flush=True)
            finally:
                lab.down()
    except LabError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
