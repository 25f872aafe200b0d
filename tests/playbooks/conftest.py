"""Fixtures for the playbook tests: a lab of real Debian SSH hosts (see ``lab/__init__.py`` for how and why).

The lab needs root (network namespaces, mounts, containers). Without root, or without the tools even
after trying to install them, every test marked ``lab`` is skipped with the reason; the other tests in
this directory run as usual. A test that uses the ``lab`` fixture is marked ``lab`` automatically, so
``-m "not lab"`` never starts the hosts.
"""

from __future__ import annotations

import functools
import os
import shutil
import time
from collections.abc import Iterator

import pytest

from tests.playbooks.lab import Lab, LabError, ensure_host_packages

#: Hosts in the shared session lab: enough for "one host down, the others go on" tests.
LAB_HOSTS = 3
REQUIRED_TOOLS = (
    "systemd-nspawn",
    "debootstrap",
    "dpkg-scanpackages",
    "ip",
    "ss",
    "mount",
    "ssh",
    "ssh-keygen",
)
_TIMINGS: dict[str, float] = {}


@functools.cache
def lab_unavailable() -> str | None:
    """Why the lab cannot run here, or None. Installs missing machine packages first (as root)."""
    if os.geteuid() != 0:
        return "lab tests need root (network namespaces, overlay mounts, systemd-nspawn containers)"
    problem = ""
    try:
        ensure_host_packages()
    except LabError as exc:
        problem = f"; installing them failed: {exc}"
    missing = [tool for tool in REQUIRED_TOOLS if shutil.which(tool) is None]
    if missing:
        return f"lab tools missing: {', '.join(missing)}{problem}"
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # tryfirst: the marker must be there before -m deselects.
    for item in items:
        if "lab" in getattr(item, "fixturenames", ()) and item.get_closest_marker("lab") is None:
            item.add_marker(pytest.mark.lab)


@pytest.fixture(autouse=True)
def _skip_lab_tests_without_lab(request: pytest.FixtureRequest) -> None:
    """Skip only the tests marked ``lab`` (some start their own lab instead of using the fixture)."""
    if request.node.get_closest_marker("lab") is not None:
        reason = lab_unavailable()
        if reason:
            pytest.skip(reason)


@pytest.fixture(scope="session")
def lab() -> Iterator[Lab]:
    """The session's lab: LAB_HOSTS booted hosts, torn down at the end whatever happens."""
    reason = lab_unavailable()
    if reason:
        pytest.skip(reason)
    # CAP_NET_ADMIN inside each host's own network namespace, so the nftables ruleset really loads
    # and the firewall tests check live filtering (FACTS: without it nft cannot load rules).
    the_lab = Lab(LAB_HOSTS, capabilities=("CAP_NET_ADMIN",))
    try:
        the_lab.up()
        _TIMINGS.update(the_lab.timings)
        yield the_lab
    finally:
        t0 = time.monotonic()
        the_lab.down()
        _TIMINGS["down"] = round(time.monotonic() - t0, 2)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _TIMINGS:
        items = ", ".join(f"{k} {v} s" for k, v in _TIMINGS.items())
        terminalreporter.write_line(f"[lab] {LAB_HOSTS} hosts: {items}")
