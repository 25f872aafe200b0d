"""The lab hosts: overlayfs roots on the shared image, systemd-nspawn boots into each host's netns,
SSH to them and waiting for it, and stopping them (cleanly first, then by force)."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import shlex
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from .errors import LabError
from .files import tail, write_file
from .image import image_dir
from .network import netns_pids
from .procs import kill_pids, pid_alive, pids_with_cmdline, run_cmd

NSPAWN_ENV = {"SYSTEMD_NSPAWN_API_VFS_WRITABLE": "network"}  # without it net.* sysctls are read-only


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


def mount_root(h: Host, prefix: str) -> None:
    """The host's root: an overlay of its own upper dir on the image's read-only rootfs."""
    upper, work = h.dir / "upper", h.dir / "work"
    for d in (upper, work, h.root):
        d.mkdir(parents=True)
    lower = image_dir() / "rootfs"
    opts = f"lowerdir={lower},upperdir={upper},workdir={work}"
    # The source name carries the prefix so cleanup_stale() recognises the mount.
    run_cmd(["mount", "-t", "overlay", f"{prefix}-{h.name}", "-o", opts, h.root])


def configure_root(h: Host, hosts: Sequence[Host], bridge_ip: str, prefix: str, apt_url: str) -> None:
    """Per-host files, written through the overlay (the image stays untouched)."""
    etc = h.root / "etc"
    write_file(etc / "hostname", f"{h.name}\n")
    lines = ["127.0.0.1 localhost", "::1 localhost ip6-localhost ip6-loopback"]
    lines.append(f"{bridge_ip} {prefix}-gw")
    lines += [f"{o.ip} {o.name}" for o in hosts]
    write_file(etc / "hosts", "\n".join(lines) + "\n")
    write_file(etc / "apt/sources.list", f"deb [trusted=yes] {apt_url} ./\n")


def start_container(h: Host, capabilities: Sequence[str]) -> None:
    """Boot the host's root with systemd-nspawn in its netns; console output goes to ``h.log``."""
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
        *(f"--capability={cap}" for cap in capabilities),
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


def ssh_command(key_path: Path, h: Host) -> list[str]:
    """The ssh argv (without a remote command) to log into a host as root with the lab key."""
    return [
        "ssh", "-i", str(key_path), *SSH_OPTIONS,
        "-o", "BatchMode=yes", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=5",
        f"root@{h.ip}",
    ]  # fmt: skip


def ssh_run(
    key_path: Path,
    h: Host,
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
        [*ssh_command(key_path, h), "--", remote],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=check,
        input=input,
        stdin=None if input is not None else subprocess.DEVNULL,
    )


def wait_ssh(hosts: Sequence[Host], key_path: Path, deadline: float, boot_timeout: float) -> None:
    """Poll TCP 22, then ``ssh true``, for all hosts at once; fail early if a container exits.

    ``boot_timeout`` only words the error: ``deadline`` (a ``time.monotonic()`` value) decides.
    """
    pending = list(hosts)
    while pending:
        for h in list(pending):
            if not h.running:
                raise LabError(f"{h.name}: systemd-nspawn exited; last lines of {h.log}:\n{tail(h.log)}")
            try:
                with socket.create_connection((h.ip, 22), timeout=1):
                    pass
            except OSError:
                continue
            if ssh_run(key_path, h, "true", timeout=15).returncode == 0:
                pending.remove(h)
        if not pending:
            return
        if time.monotonic() > deadline:
            names = ", ".join(h.name for h in pending)
            raise LabError(
                f"{names}: no SSH after {boot_timeout} s; last lines of {pending[0].log}:\n{tail(pending[0].log)}"
            )
        time.sleep(0.2)


def end_ssh_clients(hosts: Sequence[Host], control_dir: Path | None) -> None:
    """End ssh clients connected to these hosts, above all Ansible's ControlMasters: a master left
    connected to a stopped host makes the next Ansible call hang instead of failing fast. With
    ``control_dir``, also everything whose command line names it (the ControlMaster sockets)."""
    pids = {pid for h in hosts for pid in _ssh_pids_to(h.ip)}
    if control_dir is not None:
        pids.update(pids_with_cmdline((str(control_dir) + "/").encode()))
    kill_pids(sorted(pids), signal.SIGTERM)


def _ssh_pids_to(ip: str) -> list[int]:
    """ssh processes with a TCP connection to ``ip`` (from ``ss``; their command line does not say)."""
    out = run_cmd(["ss", "-Htnp", "dst", ip], check=False, timeout=30).stdout
    pids = {int(m) for m in re.findall(r"pid=(\d+)", out)}
    return sorted(p for p in pids if _comm(p) == "ssh")


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def stop_containers(hosts: Sequence[Host], timeout: float) -> None:
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
            kill_pids([p for p in netns_pids(h.netns) if pid_alive(p)])
        if h.process is not None:
            if h.process.poll() is None:
                h.process.kill()
            h.process.wait(10)
            h.process = None
