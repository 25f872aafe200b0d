"""Running commands and finding, signalling and waiting for processes (through /proc, no psutil)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from .errors import LabError


def run_cmd(
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


def run_process_group(cmd: Sequence[str], log: Path) -> int:
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


def pid_alive(pid: int) -> bool:
    """True for a live process; a zombie counts as gone (it holds no resources but its pid)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def kill_pids(pids: Sequence[int], sig: int = signal.SIGKILL, wait: float = 5.0) -> list[int]:
    """Signal processes and wait until they are gone; returns the ones that survived."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)
    deadline = time.monotonic() + wait
    alive = list(pids)
    while alive and time.monotonic() < deadline:
        alive = [pid for pid in alive if pid_alive(pid)]
        if alive:
            time.sleep(0.05)
    return alive


def pids_with_cmdline(marker: bytes) -> list[int]:
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


def process_cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return "?"
