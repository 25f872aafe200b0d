"""The lab network: a private bridge with the machine's address on it, and one network namespace per
host joined to it by a veth pair (the host's ``eth0``). No NAT, no default route."""

from __future__ import annotations

import os
import time
from pathlib import Path

from .errors import LabError
from .mounts import umount
from .procs import run_cmd


def add_bridge(bridge: str) -> None:
    """Create the bridge (down, no address yet): from here on teardown must delete it."""
    run_cmd(["ip", "link", "add", bridge, "type", "bridge"])


def bring_up_bridge(bridge: str, address: str, prefixlen: int) -> None:
    """Give the bridge the machine's address in the lab subnet and bring it up."""
    run_cmd(["ip", "addr", "add", f"{address}/{prefixlen}", "dev", bridge])
    run_cmd(["ip", "link", "set", bridge, "up"])


def make_netns(netns: str, veth: str, ip: str, bridge: str, prefixlen: int) -> None:
    """A network namespace whose ``eth0`` (address ``ip``) is the peer of ``veth`` on the bridge."""
    run_cmd(["ip", "netns", "add", netns])
    run_cmd(["ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", netns])
    run_cmd(["ip", "link", "set", veth, "master", bridge, "up"])
    run_cmd(["ip", "-n", netns, "addr", "add", f"{ip}/{prefixlen}", "dev", "eth0"])
    run_cmd(["ip", "-n", netns, "link", "set", "eth0", "up"])
    run_cmd(["ip", "-n", netns, "link", "set", "lo", "up"])


def netns_names(prefix: str) -> list[str]:
    try:
        names = os.listdir("/run/netns")
    except FileNotFoundError:
        return []
    return sorted(n for n in names if n.startswith(f"{prefix}-"))


def link_names(prefix: str, bridge: str) -> list[str]:
    names = os.listdir("/sys/class/net")
    return sorted(n for n in names if n == bridge or n.startswith(f"{prefix}-"))


def netns_pids(name: str) -> list[int]:
    proc = run_cmd(["ip", "netns", "pids", name], check=False, timeout=30)
    return [int(p) for p in proc.stdout.split() if p.isdigit()]


def delete_netns(name: str) -> None:
    """Delete a netns (and so the veth end inside it); a stale /run/netns file without mount goes too."""
    path = Path("/run/netns", name)
    if path.exists() and run_cmd(["ip", "netns", "delete", name], check=False).returncode != 0:
        umount(str(path))
        path.unlink(missing_ok=True)


def delete_link(name: str) -> None:
    """Delete a link. Deleting a netns removes its veth pair asynchronously, so first give the kernel a
    moment; "Cannot find device" then only means it went away by itself."""
    path = Path("/sys/class/net", name)
    deadline = time.monotonic() + 2
    while path.exists() and time.monotonic() < deadline and not name.endswith("0"):
        time.sleep(0.05)
    if path.exists():
        proc = run_cmd(["ip", "link", "delete", name], check=False)
        if proc.returncode != 0 and path.exists():
            raise LabError(f"ip link delete {name}: {proc.stderr.strip()}")
