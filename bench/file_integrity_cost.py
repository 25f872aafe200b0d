"""What does LNX-FIM-001 (AIDE) cost a baseline run, and how long does its background build take? Prints
figures; asserts nothing.

Brings up two fresh lab hosts (root needed; see tests/playbooks/lab/) and baselines them at the same
time, under the same machine load: one with the role's defaults, one with
``linux_server_baseline_file_integrity_enabled: false``. Prints both first runs (wall time, tasks,
changed), their difference (what file integrity adds to a first run: two packages in the one apt
transaction, two files in the batch write, the start of the build), both second runs (changed=0; the
first host's may run while its build still does), then waits for the first host's database and prints
how long the build went on after its first run ended and AIDE's own run time, entries and database size.

    sudo CONSORTIUM_LAB_PREFIX=... CONSORTIUM_LAB_SUBNET=... .venv/bin/python bench/file_integrity_cost.py
"""

from __future__ import annotations

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


def main() -> None:
    if os.geteuid() != 0:
        sys.exit("bench/file_integrity_cost.py needs root (it starts systemd-nspawn hosts)")
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}  ({os.cpu_count()} cores)")
    with tempfile.TemporaryDirectory(prefix="consortium-fim-bench-") as tmp, \
            Lab(2, capabilities=("CAP_NET_ADMIN",)) as lab:  # fmt: skip
        with_fim, without = lab.hosts
        common = {
            "consortium_mgmt_cidrs": [f"{lab.bridge_ip}/32"],
            "consortium_ntp_servers": [lab.bridge_ip],
            "consortium_log_collector": {"host": lab.bridge_ip, "port": 6514, "protocol": "tcp", "tls": False},
        }
        args = {
            with_fim.name: extra_vars_file(Path(tmp) / "on.json", common | {"baseline_hosts": with_fim.name}),
            without.name: extra_vars_file(Path(tmp) / "off.json",
                                          common | {"baseline_hosts": without.name, SWITCH: False}),
        }  # fmt: skip

        def baseline(host: str) -> PlaybookRun:
            return run_playbook(PLAYBOOKS / "baseline.yml", "-e", args[host], env=lab.ansible_env())

        with ThreadPoolExecutor(2) as pool:
            first = dict(zip(args, pool.map(baseline, args), strict=True))
        first_done = time.monotonic()
        with ThreadPoolExecutor(2) as pool:
            second = dict(zip(args, pool.map(baseline, args), strict=True))
        print("\nfirst runs, at the same time:")
        print(_line(f"{with_fim.name} (AIDE)", with_fim.name, first[with_fim.name]))
        print(_line(f"{without.name} ({SWITCH}: false)", without.name, first[without.name]))
        extra = first[with_fim.name].seconds - first[without.name].seconds
        print(f"  AIDE's share of a first run: {extra:+.1f} s")
        print("second runs, at the same time:")
        for host in args:
            print(_line(host, host, second[host]))
        if first[with_fim.name].rc != 0:
            print(first[with_fim.name].explain())
            return
        waited = wait_for_aide_database(lab, [with_fim], timeout=1800)[with_fim.name]
        after = time.monotonic() - first_done
        journal = lab.ssh(with_fim, f"journalctl -u {AIDE_BUILD_UNIT} --no-pager -o cat", timeout=60).stdout
        runtime = re.search(r"\(run time: ([^)]*)\)", journal)
        entries = re.search(r"Number of entries:\s*(\d+)", journal)
        size = (with_fim.root / AIDE_DATABASE.lstrip("/")).stat().st_size
        print(f"\nAIDE build on {with_fim.name} (idle CPU and I/O priority): database present {after:.1f} s after the"
              f" first run ended ({waited:.1f} s after the second); AIDE's run time"
              f" {runtime[1] if runtime else '?'}, {entries[1] if entries else '?'} entries,"
              f" database {size / 1e6:.1f} MB (gzip)")  # fmt: skip
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
