"""What do the auditors' scanners say before and after the Linux baseline? Prints figures; asserts nothing.

Brings up fresh lab hosts (root needed; see tests/playbooks/lab/): one stays untouched, ``--baselined``
others (default 3, the issue's speed targets are for 3 hosts) are baselined together twice
(playbooks/baseline.yml; the wall time and ``changed`` count of each run, and the first run's slowest
tasks from Ansible's profile_tasks callback). Then Lynis and OpenSCAP (SSG Debian 12 content) run
inside the untouched host and the first baselined one (tests/playbooks/lab/scanners.py, which
parses the results with consortium.audit.scanners, as the audit's evidence does) and it prints, per
host, the Lynis hardening index with its warnings and suggestions, OpenSCAP's pass / fail / other per
profile, the rules controls.yml says the baseline makes pass, and the baselined/untouched ratios.
For scale (issue 16's and FACTS.md's measurements, not re-run here: dev-sec's roles are in no PyPI
package and Galaxy is unreachable, so no copy is on this machine): dev-sec's os_hardening +
ssh_hardening reach Lynis 74 and 110 pass / 69 fail on ANSSI-BP-028 intermediary, and took 128.3 s
first and 113.3 s second on 3 hosts (the issue's targets: first run < 32 s, second < 0.3x the first).

    sudo .venv/bin/python bench/hardening_score.py [--baselined 3] [--real-server] [--profiles ...]

The lab image is a minimal debootstrap: the first run there also installs Perl and cron, which a Debian
server installed with its standard system utilities already has; --real-server gives the baselined hosts
those first (the untouched host stays minimal), for the first-run figure such a server would see.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.playbooks.ansible_run import PLAYBOOKS, extra_vars_file, run_playbook  # noqa: E402
from tests.playbooks.lab import Lab  # noqa: E402
from tests.playbooks.lab.scanners import (  # noqa: E402
    ANSSI_INTERMEDIARY,
    ScanResult,
    control_scanner_rules,
    install_scanners,
    scan,
    ssg_version,
)

CONTROLS = PLAYBOOKS / "roles" / "linux_server_baseline" / "controls.yml"


def _ratio(after: float, before: float) -> str:
    return f"{after / before:.2f}x" if before else "n/a"


#: The issue's measurements of dev-sec's os_hardening + ssh_hardening on 3 hosts (first, second run).
DEVSEC_SECONDS = (128.3, 113.3)
#: With --real-server: what a Debian server installed with its standard system utilities has and the lab's
#: minimal image lacks, among the packages the baseline's tools depend on (priority important or standard: Perl, which
#: debsums, apt-show-versions and needrestart are written in; cron; logrotate; nftables; file; xz-utils).
REAL_SERVER_PACKAGES = ("perl", "cron", "logrotate", "nftables", "file", "xz-utils", "bzip2", "gettext-base")
#: How many of the first run's slowest tasks to print.
SLOWEST = 5


def _slowest(output: str) -> list[str]:
    """The first lines of profile_tasks' summary (task -- seconds), slowest first."""
    _, sep, tail = output.rpartition("=" * 79)
    return [ln.strip() for ln in tail.splitlines() if " --" in ln][:SLOWEST] if sep else []


def _make_real_server(lab: Lab, hosts: list[str]) -> None:
    """Bring the minimal lab hosts to a kept-current standard server: the image's packages upgraded to the
    repository's (a real server runs unattended-upgrades) and REAL_SERVER_PACKAGES installed."""
    t0 = time.monotonic()
    cmd = ("export DEBIAN_FRONTEND=noninteractive; apt-get update -q && apt-get upgrade -y -q"
           f" && apt-get install -y -q --no-install-recommends {' '.join(REAL_SERVER_PACKAGES)}")  # fmt: skip
    for h in hosts:
        proc = lab.ssh(h, cmd, timeout=900)
        if proc.returncode != 0:
            sys.exit(f"--real-server: preparing {h} failed: {proc.stderr.strip()[-300:]}")
    print(f"  --real-server: {len(hosts)} hosts upgraded and given {', '.join(REAL_SERVER_PACKAGES)}"
          f" in {time.monotonic() - t0:.1f} s (not part of the baseline's times)")  # fmt: skip


def _baseline(lab: Lab, hosts: list[str], workdir: Path) -> None:
    """Baseline ``hosts`` together twice; print each run's wall time and changed counts."""
    lab_vars = {
        "baseline_hosts": ":".join(hosts),
        "consortium_mgmt_cidrs": [f"{lab.bridge_ip}/32"],
        "consortium_ntp_servers": [lab.bridge_ip],
        # Plain TCP: no collector needs to listen (rsyslog queues); TLS changes no scanner figure.
        "consortium_log_collector": {"host": lab.bridge_ip, "port": 6514, "protocol": "tcp", "tls": False},
    }
    vars_arg = extra_vars_file(workdir / "vars.json", lab_vars)
    env = lab.ansible_env(ANSIBLE_CALLBACKS_ENABLED="ansible.posix.profile_tasks")
    runs = [run_playbook(PLAYBOOKS / "baseline.yml", "-e", vars_arg, env=env) for _ in range(2)]
    for label, run, devsec in zip(("first", "second"), runs, DEVSEC_SECONDS, strict=True):
        changed = ",".join(str(run.recap.get(h, {}).get("changed", "?")) for h in hosts)
        tasks = ",".join(str(run.tasks(h)) if h in run.recap else "?" for h in hosts)
        print(f"  baseline {label} run, {len(hosts)} hosts: {run.seconds:6.1f} s  rc {run.rc}  tasks {tasks}"
              f"  changed {changed}  (dev-sec on 3 hosts: {devsec} s)")  # fmt: skip
    print(f"  baseline second/first: {_ratio(runs[1].seconds, runs[0].seconds)}")
    print("  first run's slowest tasks:", *(f"    {line}" for line in _slowest(runs[0].output)), sep="\n")


def _report(label: str, result: ScanResult, profiles: tuple[str, ...]) -> None:
    lynis = result.lynis
    print(f"  {label:10s} Lynis index {lynis.hardening_index}  warnings {len(lynis.warnings)}"
          f"  suggestions {len(lynis.suggestions)}")  # fmt: skip
    for p in profiles:
        o = result.oscap[p]
        other = len(o.results) - o.count("pass") - len(o.failing)
        print(f"  {label:10s} OpenSCAP {p}: pass {o.count('pass')}  fail {len(o.failing)}  other {other}")


def _named_rules(result: ScanResult) -> str:
    """How many of the scanner rules controls.yml names pass on a host."""
    rules = control_scanner_rules(CONTROLS)
    oscap = result.oscap.get(ANSSI_INTERMEDIARY)
    lynis_ok = sum(result.lynis.passed(t) for t in rules.get("lynis", {}))
    oscap_ok = sum(oscap is not None and oscap.results.get(r) == "pass" for r in rules.get("openscap", {}))
    return (f"Lynis {lynis_ok}/{len(rules.get('lynis', {}))}, "
            f"OpenSCAP {oscap_ok}/{len(rules.get('openscap', {}))}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", nargs="+", default=[ANSSI_INTERMEDIARY, "standard"])
    parser.add_argument("--baselined", type=int, default=3, help="hosts baselined together (default 3)")
    parser.add_argument("--real-server", action="store_true",
                        help="first make the baselined hosts a kept-current standard Debian server (Perl, cron...)")
    args = parser.parse_args()
    if args.baselined < 1:
        parser.error("--baselined: at least 1")
    profiles = tuple(args.profiles)
    if os.geteuid() != 0:
        sys.exit("bench/hardening_score.py needs root (it starts systemd-nspawn hosts)")
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}  ({os.cpu_count()} cores)")
    # CAP_NET_ADMIN so the baseline's nftables ruleset really loads (as in the lab tests).
    with tempfile.TemporaryDirectory(prefix="consortium-score-bench-") as tmp, \
            Lab(1 + args.baselined, capabilities=("CAP_NET_ADMIN",)) as lab:  # fmt: skip
        untouched, baselined, *_ = lab.hosts
        print(f"\nbaselined hosts {', '.join(h.name for h in lab.hosts[1:])} (scanned: {baselined.name}):")
        if args.real_server:
            _make_real_server(lab, [h.name for h in lab.hosts[1:]])
        _baseline(lab, [h.name for h in lab.hosts[1:]], Path(tmp))
        scanned = [untouched, baselined]
        t0 = time.monotonic()
        install_scanners(lab, scanned)
        t1 = time.monotonic()
        results = scan(lab, scanned, profiles)
        t2 = time.monotonic()
        print(f"\nscanners (ssg-debian {ssg_version()}): install {t1 - t0:.1f} s, scan of two hosts {t2 - t1:.1f} s")
        before, after = results[untouched.name], results[baselined.name]
        _report("untouched", before, profiles)
        _report("baselined", after, profiles)
        print("\nbaselined / untouched:")
        print(f"  Lynis index {_ratio(after.lynis.hardening_index, before.lynis.hardening_index)}  warnings "
              f"{_ratio(len(after.lynis.warnings), len(before.lynis.warnings))}  suggestions "
              f"{_ratio(len(after.lynis.suggestions), len(before.lynis.suggestions))}")  # fmt: skip
        for p in profiles:
            b, a = before.oscap[p], after.oscap[p]
            print(f"  OpenSCAP {p}: pass {_ratio(a.count('pass'), b.count('pass'))}"
                  f"  fail {_ratio(len(a.failing), len(b.failing))}")  # fmt: skip
        print(f"\nscanner rules controls.yml names that pass: untouched {_named_rules(before)};"
              f" baselined {_named_rules(after)}")  # fmt: skip
        print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
