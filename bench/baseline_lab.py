"""How long does the Linux baseline take on fresh lab hosts? Prints figures; asserts nothing.

Brings up 3 and then 6 fresh lab hosts (root needed; see tests/playbooks/lab/), runs
playbooks/baseline.yml twice on each set, and prints the wall time of the first run and of the
second (no-change) run, their ratio, the tasks per host, and the slowest tasks (profile_tasks).
Target: the second run under 0.6x the first, and well under a minute for 6 hosts. For scale:
dev-sec's os_hardening + ssh_hardening take about 135 s first and 126 s second on 3 such hosts.

    sudo .venv/bin/python bench/baseline_lab.py [--hosts 3 6]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.playbooks.ansible_run import PLAYBOOKS, PlaybookRun, extra_vars_file, run_playbook  # noqa: E402
from tests.playbooks.lab import Lab  # noqa: E402
from tests.playbooks.pki import make_pki  # noqa: E402

_PROFILE = re.compile(r"^(?P<task>.+?) -+ (?P<seconds>\d+\.\d+)s$")


def slowest(run: PlaybookRun, n: int = 5) -> list[str]:
    """The slowest tasks, from profile_tasks' summary at the end of the output."""
    rows = [m for line in run.stdout.splitlines() if (m := _PROFILE.match(line.strip()))]
    rows.sort(key=lambda m: -float(m["seconds"]))
    return [f"{float(m['seconds']):5.1f} s  {m['task'][:90]}" for m in rows[:n]]


def bench(hosts: int, workdir: Path) -> None:
    with Lab(hosts, prefix="cslabb", subnet="10.231.9.0/24", capabilities=("CAP_NET_ADMIN",)) as lab:
        # Log forwarding over TLS, as the example registry has it (a throwaway CA; no collector needs
        # to listen: rsyslog queues).
        pki = make_pki(workdir / f"pki-{hosts}", ["logs.consortium-lab.test"])
        lab_vars = {
            "baseline_hosts": "all",
            "consortium_mgmt_cidrs": [f"{lab.bridge_ip}/32"],
            "consortium_ntp_servers": [lab.bridge_ip],
            "consortium_log_collector": {
                "host": lab.bridge_ip,
                "port": 6514,
                "protocol": "tcp",
                "tls": True,
                "ca_cert": str(pki.ca_cert),
                "permitted_peer": "logs.consortium-lab.test",
            },
        }
        vars_arg = extra_vars_file(workdir / f"vars-{hosts}.json", lab_vars)
        env = lab.ansible_env(ANSIBLE_CALLBACKS_ENABLED="ansible.posix.profile_tasks")
        runs = [run_playbook(PLAYBOOKS / "baseline.yml", "-e", vars_arg, env=env) for _ in range(2)]
        names = [h.name for h in lab.hosts]
        first, second = runs
        print(f"\n{hosts} fresh hosts:")
        for label, run in (("first run", first), ("second run", second)):
            tasks = sorted({run.tasks(h) for h in names if h in run.recap})
            changed = sorted({run.recap[h]["changed"] for h in names if h in run.recap})
            print(f"  {label:10s} {run.seconds:6.1f} s  rc {run.rc}  tasks per host {tasks}  changed {changed}")
        print(f"  second/first: {second.seconds / first.seconds:.2f}")
        for label, run in (("first", first), ("second", second)):
            print(f"  slowest tasks of the {label} run:")
            for line in slowest(run):
                print(f"    {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, nargs="+", default=[3, 6])
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench/baseline_lab.py needs root (it starts systemd-nspawn hosts)")
    with tempfile.TemporaryDirectory(prefix="consortium-baseline-bench-") as tmp:
        for n in args.hosts:
            bench(n, Path(tmp))


if __name__ == "__main__":
    main()
