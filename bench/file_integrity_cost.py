"""What does LNX-FIM-001 (AIDE) cost a baseline run, and how long do its background build and its daily check
take? Prints figures; asserts nothing.

Brings up two fresh lab hosts (root needed; see tests/playbooks/lab/) and baselines them at the same
time, under the same machine load: one with the role's defaults, one with
``linux_server_baseline_file_integrity_enabled: false``. Prints both first runs (wall time, tasks,
changed), their difference (what file integrity adds to a first run: the aide package in the one apt
transaction, three files in the batch write, the timer, the start of the build), both second runs and
their difference (changed=0; the first host's may run while its build still does), then waits for the
first host's database and prints how long the build went on after the first run ended, AIDE's own run
time, entries and database size, and the duration of one daily check. ``--rounds N`` repeats all of it
on fresh hosts (the machine's load varies; other engineers run labs) and prints the mean difference.

    sudo CONSORTIUM_LAB_PREFIX=... CONSORTIUM_LAB_SUBNET=... .venv/bin/python bench/file_integrity_cost.py [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.playbooks.ansible_run import PLAYBOOKS, PlaybookRun, extra_vars_file, run_playbook  # noqa: E402
from tests.playbooks.lab import Lab  # noqa: E402
from tests.playbooks.lab.scanners import AIDE_BUILD_UNIT, AIDE_DATABASE, wait_for_aide_database  # noqa: E402

SWITCH = "linux_server_baseline_file_integrity_enabled"


def _line(label: str, host: str, run: PlaybookRun) -> str:
    recap = run.recap.get(host, {})
    return (f"  {label:<28} {run.seconds:6.1f} s  rc {run.rc}  tasks {recap.get('ok', '?')}"
            f"  changed {recap.get('changed', '?')}")  # fmt: skip


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def one_round(tmp: Path) -> tuple[float, float] | None:
    """One pair of fresh hosts: prints their runs and AIDE's build and check; returns AIDE's share of the
    first and of the second run (seconds), or None when the first run with AIDE failed."""
    with Lab(2, capabilities=("CAP_NET_ADMIN",)) as lab:
        with_fim, without = lab.hosts
        common = {
            "consortium_mgmt_cidrs": [f"{lab.bridge_ip}/32"],
            "consortium_ntp_servers": [lab.bridge_ip],
            "consortium_log_collector": {"host": lab.bridge_ip, "port": 6514, "protocol": "tcp", "tls": False},
        }
        args = {
            with_fim.name: extra_vars_file(tmp / "on.json", common | {"baseline_hosts": with_fim.name}),
            without.name: extra_vars_file(tmp / "off.json", common | {"baseline_hosts": without.name, SWITCH: False}),
        }

        def baseline(host: str) -> PlaybookRun:
            return run_playbook(PLAYBOOKS / "baseline.yml", "-e", args[host], env=lab.ansible_env())

        print(f"load average before the first runs: {_load()}")
        with ThreadPoolExecutor(2) as pool:
            first = dict(zip(args, pool.map(baseline, args), strict=True))
        first_done = time.monotonic()
        with ThreadPoolExecutor(2) as pool:
            second = dict(zip(args, pool.map(baseline, args), strict=True))
        print("first runs, at the same time:")
        print(_line(f"{with_fim.name} (AIDE)", with_fim.name, first[with_fim.name]))
        print(_line(f"{without.name} ({SWITCH}: false)", without.name, first[without.name]))
        extra_first = first[with_fim.name].seconds - first[without.name].seconds
        print(f"  AIDE's share of a first run: {extra_first:+.1f} s")
        print("second runs, at the same time:")
        for host in args:
            print(_line(host, host, second[host]))
        extra_second = second[with_fim.name].seconds - second[without.name].seconds
        print(f"  AIDE's share of a second run: {extra_second:+.1f} s")
        if first[with_fim.name].rc != 0:
            print(first[with_fim.name].explain())
            return None
        waited = wait_for_aide_database(lab, [with_fim], timeout=1800)[with_fim.name]
        after = time.monotonic() - first_done
        # The build's report goes to syslog; journald files it under the build's unit.
        journal = lab.ssh(with_fim, f"journalctl -u {AIDE_BUILD_UNIT} --no-pager -o cat", timeout=60).stdout
        runtime = re.search(r"\(run time: ([^)]*)\)", journal)
        entries = re.search(r"Number of entries:\s*(\d+)", journal)
        size = (with_fim.root / AIDE_DATABASE.lstrip("/")).stat().st_size
        print(f"AIDE build on {with_fim.name} (idle CPU and I/O priority): database present {after:.1f} s after the"
              f" first run ended ({waited:.1f} s after the second); AIDE's run time"
              f" {runtime[1] if runtime else '?'}, {entries[1] if entries else '?'} entries,"
              f" database {size / 1e6:.1f} MB (gzip)")  # fmt: skip
        started = time.monotonic()
        check = lab.ssh(with_fim, "systemctl start dailyaidecheck.service", timeout=1800)
        status = lab.ssh(with_fim, "systemctl show -P Result -P ExecMainStatus dailyaidecheck.service", timeout=60)
        print(f"daily check (dailyaidecheck.service, idle priority): {time.monotonic() - started:.1f} s,"
              f" rc {check.returncode}, result/exit status {' '.join(status.stdout.split())}")  # fmt: skip
        # What that first check reported (on a fresh host: what changed after the build took its picture).
        unit = "dailyaidecheck.service"
        invocation = lab.ssh(with_fim, f"systemctl show -P InvocationID {unit}", timeout=60).stdout.strip()
        report = lab.ssh(with_fim, f"journalctl -t aide _SYSTEMD_INVOCATION_ID={invocation} -o cat", timeout=60).stdout
        for line in report.splitlines():
            if re.match(r"[fdlbcps][^:]*: /", line):
                print(f"  reported: {line}")
        return extra_first, extra_second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1, help="pairs of fresh hosts, one after the other")
    rounds = parser.parse_args().rounds
    if os.geteuid() != 0:
        sys.exit("bench/file_integrity_cost.py needs root (it starts systemd-nspawn hosts)")
    print(f"load average at start: {_load()}  ({os.cpu_count()} cores)")
    shares = []
    with tempfile.TemporaryDirectory(prefix="consortium-fim-bench-") as tmp:
        for n in range(rounds):
            print(f"\nround {n + 1} of {rounds}")
            share = one_round(Path(tmp))
            if share is not None:
                shares.append(share)
    if shares:
        firsts, seconds = zip(*shares, strict=True)
        print(f"\nAIDE's share over {len(shares)} rounds: first run {sum(firsts) / len(shares):+.1f} s"
              f" ({' '.join(f'{x:+.1f}' for x in firsts)}), second run {sum(seconds) / len(shares):+.1f} s"
              f" ({' '.join(f'{x:+.1f}' for x in seconds)})")  # fmt: skip
    print(f"load average at end: {_load()}")


if __name__ == "__main__":
    main()
