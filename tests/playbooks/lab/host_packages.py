"""The Debian packages the machine running the tests needs (HOST_PACKAGES), checked and installed."""

from __future__ import annotations

import os
from collections.abc import Sequence

from .config import HOST_PACKAGES
from .errors import LabError
from .procs import run_cmd


def missing_host_packages(packages: Sequence[str] = HOST_PACKAGES) -> list[str]:
    """The packages of ``packages`` that dpkg does not list as installed."""
    proc = run_cmd(["dpkg-query", "-W", "-f", "${Package} ${db:Status-Status}\n", *packages], check=False, timeout=60)
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
    if run_cmd(cmd, check=False, env=env, timeout=900).returncode != 0:
        run_cmd(["apt-get", "update", "-q"], check=False, env=env, timeout=600)
        run_cmd(cmd, env=env, timeout=900)
    return missing
