"""The lab itself: hosts answer Ansible over SSH, behave like the Debian servers the roles target (apt
from the local repository, writable net.* sysctls, no way out of the lab network), survive one host
going down, and leave nothing behind when torn down, killed or interrupted.

These run against the shared session lab (``lab`` fixture) except the teardown tests, which start
their own one-host labs with another prefix and subnet so they never disturb it.
"""

from __future__ import annotations

import json
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.playbooks.lab import Lab, leftovers

pytestmark = pytest.mark.lab

REPO = Path(__file__).resolve().parents[2]
ANSIBLE = str(Path(sys.executable).parent / "ansible")
# A second, private lab for the teardown tests: its own names and addresses.
OTHER_PREFIX = "cslabt"
OTHER_SUBNET = "10.231.1.0/24"

_RESULT = re.compile(r"^(\S+) \| (SUCCESS|CHANGED|FAILED!|UNREACHABLE!) => ", re.MULTILINE)


def adhoc(lab: Lab, pattern: str, module: str, args: str = "", timeout: float = 300) -> tuple[int, dict]:
    """``ansible PATTERN -m MODULE -a ARGS`` against the lab; returns (rc, {host: (status, result)})."""
    cmd = [ANSIBLE, pattern, "-i", str(lab.inventory_path), "-m", module]
    if args:
        cmd += ["-a", args]
    env = lab.ansible_env(ANSIBLE_STDOUT_CALLBACK="default", ANSIBLE_CALLBACK_RESULT_FORMAT="json")
    proc = subprocess.run(
        cmd, capture_output=True, text=True, env=env, timeout=timeout, cwd=REPO, stdin=subprocess.DEVNULL
    )
    decoder = json.JSONDecoder()
    results: dict[str, tuple[str, Any]] = {}
    for m in _RESULT.finditer(proc.stdout):
        data, _ = decoder.raw_decode(proc.stdout, m.end())
        results[m.group(1)] = (m.group(2).rstrip("!"), data)
    assert results, f"no results from {' '.join(cmd)} (rc {proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return proc.returncode, results


def names(lab: Lab) -> list[str]:
    return [h.name for h in lab.hosts]


# ------------------------------------------------------------------------------------- session lab


def test_hosts_answer_ansible_ping(lab: Lab) -> None:
    rc, results = adhoc(lab, "all", "ping")
    assert rc == 0, results
    assert {h: (status, r.get("ping")) for h, (status, r) in results.items()} == dict.fromkeys(
        names(lab), ("SUCCESS", "pong")
    )


def test_facts_gather_and_show_a_container(lab: Lab) -> None:
    rc, results = adhoc(lab, "all", "setup")
    assert rc == 0, results
    for h in lab.hosts:
        status, result = results[h.name]
        facts = result["ansible_facts"]
        assert status == "SUCCESS"
        assert facts["ansible_virtualization_type"] == "container"
        assert facts["ansible_hostname"] == h.name
        assert facts["ansible_distribution"] == "Debian" and facts["ansible_distribution_major_version"] == "12"
        assert h.ip in facts["ansible_all_ipv4_addresses"]


def test_hosts_reach_only_the_lab(lab: Lab) -> None:
    """No default route, no DNS, one apt source: nothing on a host can talk past the bridge."""
    h = lab.hosts[0]
    out = lab.ssh(h, "ip -4 route show default; cat /etc/resolv.conf; cat /etc/apt/sources.list", check=True)
    assert out.stdout.strip() == f"deb [trusted=yes] {lab.apt_url} ./"
    other = lab.hosts[-1]
    assert lab.ssh(h, f"getent hosts {other.name}", check=True).stdout.split() == [other.ip, other.name]


def test_apt_installs_from_the_local_repository(lab: Lab) -> None:
    h = lab.hosts[0].name
    # First update: the image has no lists, and its dated lists dir must not fool cache_valid_time.
    rc, results = adhoc(lab, h, "apt", "name=nftables state=present update_cache=true cache_valid_time=3600")
    assert rc == 0 and results[h][0] in {"SUCCESS", "CHANGED"}, results
    # Reinstall from an empty package cache forces a download: it must come from the lab's repository.
    run = lab.ssh(h, "apt-get clean && apt-get -y -o Dpkg::Use-Pty=0 install --reinstall nftables")
    assert run.returncode == 0, run.stdout + run.stderr
    source = re.escape(lab.apt_url.rstrip("/"))  # apt prints the URL without its final slash
    assert re.search(rf"Get:\d+ {source} \./ nftables ", run.stdout), run.stdout
    assert lab.ssh(h, "nft --version").returncode == 0


def test_net_sysctls_can_be_written(lab: Lab) -> None:
    h = lab.hosts[1].name
    key = "net.ipv4.conf.all.log_martians"
    before = lab.ssh(h, f"sysctl -n {key}", check=True).stdout.strip()
    wanted = "0" if before == "1" else "1"
    conf = "sysctl_file=/etc/sysctl.d/99-lab-test.conf"
    try:
        rc, results = adhoc(lab, h, "ansible.posix.sysctl", f"name={key} value={wanted} sysctl_set=true {conf}")
        assert rc == 0 and results[h][0] == "CHANGED", results
        assert lab.ssh(h, f"sysctl -n {key}", check=True).stdout.strip() == wanted
    finally:  # leave the host as it was for the other tests
        lab.ssh(h, f"rm -f /etc/sysctl.d/99-lab-test.conf; sysctl -qw {key}={before}")
    assert lab.ssh(h, f"sysctl -n {key}", check=True).stdout.strip() == before


def test_a_stopped_host_does_not_stop_the_others(lab: Lab) -> None:
    down = lab.hosts[-1].name
    lab.stop_host(down)
    try:
        t0 = time.monotonic()
        rc, results = adhoc(lab, "all", "ping", timeout=120)
        seconds = time.monotonic() - t0
    finally:
        lab.start_host(down)
    assert rc != 0
    assert results[down][0] == "UNREACHABLE", results
    for h in names(lab)[:-1]:
        assert results[h] == ("SUCCESS", {"changed": False, "ping": "pong"}), results
    assert seconds < 60, f"an unreachable host should fail fast, took {seconds:.0f} s"
    rc, results = adhoc(lab, down, "ping")
    assert rc == 0 and results[down][0] == "SUCCESS", results


# ------------------------------------------------------------------------------------- teardown


def _cli(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.playbooks.lab", *args],
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_ready(proc: subprocess.Popen[str], timeout: float = 300) -> list[str]:
    """Collect the CLI's output lines (in a thread, so a timeout works) until its READY line."""
    assert proc.stdout is not None
    lines: queue.Queue[str | None] = queue.Queue()
    stdout = proc.stdout

    def reader() -> None:
        for line in stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=reader, daemon=True).start()
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            continue
        if line is None:
            break
        seen.append(line)
        if line.startswith("READY"):
            return seen
    raise AssertionError("lab CLI did not get ready:\n" + "".join(seen))


@pytest.fixture
def other_lab_cleanup() -> Iterator[None]:
    """Whatever a failing teardown test leaves of its private lab, `down` removes afterwards."""
    yield
    subprocess.run(
        [sys.executable, "-m", "tests.playbooks.lab", "down", "--prefix", OTHER_PREFIX],
        cwd=REPO,
        capture_output=True,
        timeout=120,
    )


def test_down_leaves_nothing_behind_and_is_idempotent(other_lab_cleanup: None) -> None:
    other = Lab(1, prefix=OTHER_PREFIX, subnet=OTHER_SUBNET)
    try:
        other.up()
        assert other.ssh(other.hosts[0], "true").returncode == 0
        found = leftovers(OTHER_PREFIX)
        assert any(item.startswith("netns ") for item in found), found  # the check does see a lab
        assert any(item.startswith("mount ") for item in found), found
    finally:
        other.down()
    assert leftovers(OTHER_PREFIX) == []
    other.down()
    assert leftovers(OTHER_PREFIX) == []


def test_interrupted_lab_tears_itself_down(other_lab_cleanup: None) -> None:
    """Ctrl-C (SIGINT) and SIGTERM both end in a full teardown."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        proc = _cli("up", "1", "--prefix", OTHER_PREFIX, "--subnet", OTHER_SUBNET)
        try:
            _wait_ready(proc)
            proc.send_signal(sig)
            proc.wait(120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(30)
        assert proc.returncode == 0, f"exit {proc.returncode} after signal {sig}"
        assert leftovers(OTHER_PREFIX) == []


def test_killed_lab_is_cleaned_up_by_the_next_one(other_lab_cleanup: None) -> None:
    proc = _cli("up", "1", "--prefix", OTHER_PREFIX, "--subnet", OTHER_SUBNET)
    try:
        _wait_ready(proc)
    finally:
        proc.kill()  # SIGKILL: no teardown at all, like a crashed CI job
        proc.wait(30)
    stale = leftovers(OTHER_PREFIX)
    assert any("systemd-nspawn" in item for item in stale), stale
    assert any(item.startswith("mount ") for item in stale), stale
    # The next lab of that prefix starts by removing the leftovers.
    with Lab(1, prefix=OTHER_PREFIX, subnet=OTHER_SUBNET) as again:
        assert again.ssh(again.hosts[0], "true").returncode == 0
    assert leftovers(OTHER_PREFIX) == []
    # And `down` on the command line removes a killed lab's leftovers too.
    proc = _cli("up", "1", "--prefix", OTHER_PREFIX, "--subnet", OTHER_SUBNET)
    try:
        _wait_ready(proc)
    finally:
        proc.kill()
        proc.wait(30)
    assert leftovers(OTHER_PREFIX)
    down = subprocess.run(
        [sys.executable, "-m", "tests.playbooks.lab", "down", "--prefix", OTHER_PREFIX],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert down.returncode == 0, down.stdout + down.stderr
    assert "removed netns cslabt-h1" in down.stdout
    assert leftovers(OTHER_PREFIX) == []
