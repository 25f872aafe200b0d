"""What do the auditors' scanners say before and after the Linux baseline? Prints figures; asserts nothing.

Brings up fresh lab hosts (root needed; see tests/playbooks/lab/): one stays untouched, ``--baselined``
others (default 3, the issue's speed targets are for 3 hosts) are baselined together twice
(playbooks/baseline.yml; the wall time and ``changed`` count of each run, and the first run's slowest
tasks from Ansible's profile_tasks callback). Then Lynis and OpenSCAP (SSG Debian 12 content) run
inside the untouched host and the first baselined one (tests/playbooks/lab/scanners.py, which
parses the results with consortium.audit.scanners, as the audit's evidence does) and it prints, per
host, the Lynis hardening index with its warnings and suggestions, OpenSCAP's pass / fail / other per
profile, the rules controls.yml says the baseline makes pass, and the baselined/untouched ratios.

The peer: dev-sec's os_hardening + ssh_hardening (issue 16's yardstick). They are in no PyPI package and
Galaxy is unreachable, so ``--devsec DIR`` takes a local checkout of dev-sec/ansible-collection-hardening;
then as many more hosts get dev-sec's roles (defaults, see DEVSEC_PLAY) twice, right after ours, and are
scanned too, and the wall times are printed side by side (ours / dev-sec). Without it, the issue's own
measurement of dev-sec on 3 hosts (128.3 s first, 113.3 s second) is printed for scale.

    sudo .venv/bin/python bench/hardening_score.py [--baselined 3] [--real-server] [--devsec DIR] [--profiles ...]

The lab image is a minimal debootstrap: the first run there also installs Perl and cron, which a Debian
server installed with its standard system utilities already has; --real-server gives the baselined (and
dev-sec's) hosts those first (the untouched host stays minimal), for the first-run figure such a server
would see.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import yaml

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
#: dev-sec's roles with their defaults, but for what a lab host cannot take: root keeps its key login
#: (Ansible logs in as root, as the lab's baseline keeps its automation account), the kernel settings the
#: host cannot write are left out (DEVSEC_UNWRITABLE) and auditd is not configured (its restart hangs for
#: 80-90 s in a container: FACTS.md); each makes dev-sec's run shorter, never longer.
DEVSEC_PLAY = """\
- name: dev-sec's os_hardening and ssh_hardening
  hosts: "{{ baseline_hosts }}"
  roles: [devsec.hardening.os_hardening, devsec.hardening.ssh_hardening]
"""
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


def _twice(name: str, playbook: Path, hosts: list[str], vars_arg: str, env: dict[str, str]) -> list[float]:
    """Run ``playbook`` on ``hosts`` twice; print each run's wall time, tasks and changed counts, the
    second/first ratio and the first run's slowest tasks; return the two wall times."""
    runs = [run_playbook(playbook, "-e", vars_arg, env=env) for _ in range(2)]
    for label, run in zip(("first", "second"), runs, strict=True):
        changed = ",".join(str(run.recap.get(h, {}).get("changed", "?")) for h in hosts)
        tasks = ",".join(str(run.tasks(h)) if h in run.recap else "?" for h in hosts)
        print(f"  {name} {label} run, {len(hosts)} hosts: {run.seconds:6.1f} s  rc {run.rc}  tasks {tasks}"
              f"  changed {changed}")  # fmt: skip
        if run.rc != 0:  # the failed tasks, each with its first lines
            lines = run.stdout.splitlines()
            for i in (i for i, line in enumerate(lines) if line.startswith(("fatal:", "failed:"))):
                print("    " + "\n    ".join([lines[j] for j in range(max(0, i - 2), min(len(lines), i + 4))]))
    print(f"  {name} second/first: {_ratio(runs[1].seconds, runs[0].seconds)}")
    print(f"  {name} first run's slowest tasks:", *(f"    {line}" for line in _slowest(runs[0].output)), sep="\n")
    return [run.seconds for run in runs]


def _baseline(lab: Lab, hosts: list[str], workdir: Path) -> list[float]:
    """Baseline ``hosts`` together twice (see _twice)."""
    lab_vars = {
        "baseline_hosts": ":".join(hosts),
        "consortium_mgmt_cidrs": [f"{lab.bridge_ip}/32"],
        "consortium_ntp_servers": [lab.bridge_ip],
        # Plain TCP: no collector needs to listen (rsyslog queues); TLS changes no scanner figure.
        "consortium_log_collector": {"host": lab.bridge_ip, "port": 6514, "protocol": "tcp", "tls": False},
    }
    vars_arg = extra_vars_file(workdir / "vars.json", lab_vars)
    env = lab.ansible_env(ANSIBLE_CALLBACKS_ENABLED="ansible.posix.profile_tasks")
    return _twice("baseline", PLAYBOOKS / "baseline.yml", hosts, vars_arg, env)


def _devsec_collections(checkout: Path, workdir: Path) -> Path:
    """A collections path holding ``checkout`` as devsec.hardening; exits with one line when it is none."""
    try:
        galaxy = yaml.safe_load((checkout / "galaxy.yml").read_text())
    except (OSError, yaml.YAMLError) as exc:
        sys.exit(f"--devsec: {checkout / 'galaxy.yml'}: {exc.__class__.__name__}: not a collection checkout")
    if not isinstance(galaxy, dict) or (galaxy.get("namespace"), galaxy.get("name")) != ("devsec", "hardening"):
        sys.exit(f"--devsec: {checkout / 'galaxy.yml'}: namespace/name: not devsec.hardening")
    root = workdir / "collections"
    (root / "ansible_collections" / "devsec").mkdir(parents=True)
    (root / "ansible_collections" / "devsec" / "hardening").symlink_to(checkout.resolve())
    return root


def _devsec_unwritable(checkout: Path) -> list[str]:
    """dev-sec's kernel settings (its defaults and Debian's additions) a lab host cannot write: all but
    net.*, and net.ipv4.ip_forward (FACTS.md)."""
    role = checkout / "roles" / "os_hardening"
    defaults = yaml.safe_load((role / "defaults" / "main.yml").read_text()) or {}
    debian = yaml.safe_load((role / "vars" / "Debian.yml").read_text()) or {}
    keys = {**(defaults.get("sysctl_config") or {}), **(debian.get("sysctl_custom_config") or {})}
    return sorted(k for k in keys if not k.startswith("net.") or k == "net.ipv4.ip_forward")


def _devsec(lab: Lab, hosts: list[str], checkout: Path, workdir: Path) -> list[float]:
    """dev-sec's os_hardening + ssh_hardening on ``hosts`` twice (see _twice)."""
    # dev-sec's roles install packages without refreshing apt's lists, and the lab image carries none
    # (a real server has them): refresh them first, outside the timed runs.
    for h in hosts:
        proc = lab.ssh(h, "apt-get update -q", timeout=300)
        if proc.returncode != 0:
            sys.exit(f"--devsec: apt-get update on {h} failed: {proc.stderr.strip()[-300:]}")
    playbook = workdir / "devsec.yml"
    playbook.write_text(DEVSEC_PLAY)
    lab_vars = {
        "baseline_hosts": ":".join(hosts),
        "ssh_permit_root_login": "without-password",
        "sysctl_unsupported_entries": _devsec_unwritable(checkout),
        "os_auditd_enabled": False,
    }
    vars_arg = extra_vars_file(workdir / "devsec-vars.json", lab_vars)
    env = lab.ansible_env(ANSIBLE_CALLBACKS_ENABLED="ansible.posix.profile_tasks",
                          ANSIBLE_COLLECTIONS_PATH=str(_devsec_collections(checkout, workdir)))  # fmt: skip
    return _twice("dev-sec", playbook, hosts, vars_arg, env)


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
    parser.add_argument("--devsec", type=Path, metavar="DIR",
                        help="a checkout of dev-sec/ansible-collection-hardening: run its roles beside ours")
    args = parser.parse_args()
    if args.baselined < 1:
        parser.error("--baselined: at least 1")
    profiles = tuple(args.profiles)
    if os.geteuid() != 0:
        sys.exit("bench/hardening_score.py needs root (it starts systemd-nspawn hosts)")
    n = args.baselined
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}  ({os.cpu_count()} cores)")
    # CAP_NET_ADMIN so the baseline's nftables ruleset really loads (as in the lab tests).
    with tempfile.TemporaryDirectory(prefix="consortium-score-bench-") as tmp, \
            Lab(1 + n * (2 if args.devsec else 1), capabilities=("CAP_NET_ADMIN",)) as lab:  # fmt: skip
        untouched, ours, peers = lab.hosts[0], lab.hosts[1 : 1 + n], lab.hosts[1 + n :]
        print(f"\nbaselined hosts {', '.join(h.name for h in ours)} (scanned: {ours[0].name}):")
        if args.real_server:
            _make_real_server(lab, [h.name for h in ours + peers])
        seconds = _baseline(lab, [h.name for h in ours], Path(tmp))
        scanned = [untouched, ours[0]]
        if peers:
            print(f"\ndev-sec's hosts {', '.join(h.name for h in peers)} (scanned: {peers[0].name}):")
            peer_seconds = _devsec(lab, [h.name for h in peers], args.devsec, Path(tmp))
            pairs = zip(("first", "second"), seconds, peer_seconds, strict=True)
            print("  baseline / dev-sec: " + ", ".join(f"{label} run {_ratio(a, b)}" for label, a, b in pairs))
            scanned.append(peers[0])
        else:
            print(f"  for scale, dev-sec on 3 hosts (the issue's measurement): {DEVSEC_SECONDS[0]} s first,"
                  f" {DEVSEC_SECONDS[1]} s second")  # fmt: skip
        t0 = time.monotonic()
        install_scanners(lab, scanned)
        t1 = time.monotonic()
        results = scan(lab, scanned, profiles)
        t2 = time.monotonic()
        print(f"\nscanners (ssg-debian {ssg_version()}): install {t1 - t0:.1f} s,"
              f" scan of {len(scanned)} hosts {t2 - t1:.1f} s")  # fmt: skip
        before, after = results[untouched.name], results[ours[0].name]
        _report("untouched", before, profiles)
        _report("baselined", after, profiles)
        if peers:
            _report("dev-sec", results[peers[0].name], profiles)
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
