"""Finding and removing what a lab leaves behind: everything carries the prefix or lives under
``runs/<prefix>/``, so :func:`leftovers` can prove a teardown complete and :func:`cleanup_stale` can
clear up after a crashed or killed run."""

from __future__ import annotations

import os
from pathlib import Path

from .config import DEFAULT_PREFIX, runs_root
from .errors import LabError
from .files import rmtree_safely
from .mounts import mounts, umount
from .network import delete_link, delete_netns, link_names, netns_names, netns_pids
from .procs import kill_pids, pid_alive, process_cmdline


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
        if marker in cmdline and pid_alive(int(entry.name)):
            pids.add(int(entry.name))
    for ns in netns_names(prefix):
        pids.update(p for p in netns_pids(ns) if pid_alive(p))
    return sorted(pids)


def _lab_mounts(prefix: str) -> list[str]:
    base = str(runs_root(prefix)) + "/"
    return [
        mp
        for mp, fstype, source in mounts()
        if mp.startswith(base) or (fstype == "overlay" and source.startswith(f"{prefix}-"))
    ]


def leftovers(prefix: str = DEFAULT_PREFIX, bridge: str | None = None) -> list[str]:
    """Everything of labs with this prefix that still exists: empty after a clean teardown."""
    bridge = bridge or f"{prefix}0"
    found = [f"process {pid}: {process_cmdline(pid)}" for pid in _lab_processes(prefix)]
    found += [f"mount {mp}" for mp in _lab_mounts(prefix)]
    found += [f"netns {ns}" for ns in netns_names(prefix)]
    found += [f"link {link}" for link in link_names(prefix, bridge)]
    found += [f"nspawn dir {d}" for d in _propagate_dirs(prefix)]
    if runs_root(prefix).exists():
        found += [f"run dir {p}" for p in sorted(runs_root(prefix).iterdir())]
    return found


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
    survivors = kill_pids(_lab_processes(prefix))
    for mp in sorted(_lab_mounts(prefix), key=len, reverse=True):
        umount(mp)
    for ns in netns_names(prefix):
        delete_netns(ns)
    for link in link_names(prefix, bridge):
        delete_link(link)
    for d in _propagate_dirs(prefix):
        rmtree_safely(d)
    if runs_root(prefix).exists():
        for run in runs_root(prefix).iterdir():
            rmtree_safely(run)
    if survivors:
        survivors = kill_pids(survivors)
    remaining = leftovers(prefix, bridge)
    if remaining:
        raise LabError("could not remove lab leftovers:\n  " + "\n  ".join(remaining))
    return found
