"""The Linux baseline on real lab hosts: apply, verify every control on the hosts, run again
(changed=0), detect a drift in check mode, survive an unreachable host, refuse to lock Ansible out.

The tests of this module share one baselined lab and run in file order (each leaves the hosts
baselined for the next).
"""

from __future__ import annotations

import json
import os
import re
import socket
import ssl
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO
from tests.registry.helpers import cli

from .ansible_run import PLAYBOOKS, PlaybookRun, changed_tasks, extra_vars_file, run_playbook
from .lab.scanners import AIDE_BUILD_UNIT, AIDE_DATABASE, wait_for_aide_database
from .pki import Pki, make_pki

pytestmark = pytest.mark.lab

ROLE = PLAYBOOKS / "roles" / "linux_server_baseline"
DEFAULTS = yaml.safe_load((ROLE / "defaults/main.yml").read_text())
SSHD_CONFIG = DEFAULTS["linux_server_baseline_ssh_config_path"]
COLLECTOR_PORT = 6514
PEER_NAME = "logs.consortium-lab.test"
OTHER_NAME = "not-the-collector.consortium-lab.test"
MEMBER_NAME = "Lab Test Town"
# The standard's account policy as `consortium render` writes it (consortium_account_policy), with values
# apart from the roles' fallbacks so that the lab proves they come from the inventory.
ACCOUNT_POLICY = {
    **yaml.safe_load((REPO / "consortium.yaml").read_text())["account_policy"],
    "min_length": 15,
    "history": 12,
    "max_age_days": 180,
    "lockout_minutes": 20,
}
ROOT_MAIL = "security@consortium-lab.test"


# ------------------------------------------------------------------------------------------ fixtures


class Collector:
    """A syslog collector on the lab bridge: proves the hosts really forward their logs, and how.

    It keeps the raw bytes every client sent (what any plain TCP listener on the path would see) and,
    given a TLS server context, decrypts them (what the collector reads): with TLS the marker must be
    in ``data`` and never in ``raw``. Without a context ``data`` is the raw stream.
    """

    def __init__(self, address: str, port: int, tls: ssl.SSLContext | None = None) -> None:
        self.sock = socket.create_server((address, port), reuse_port=False)
        self.sock.settimeout(0.5)
        self.tls = tls
        self.data = bytearray()
        self.raw = bytearray()
        #: The first bytes each client sent (a TLS client starts with a handshake record, 0x16 0x03).
        self.openings: list[bytes] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        conns: dict[socket.socket, dict] = {}
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
                conn.settimeout(0.2)
                state: dict = {"opening": bytearray()}
                if self.tls is not None:
                    state["in"], state["out"] = ssl.MemoryBIO(), ssl.MemoryBIO()
                    state["tls"] = self.tls.wrap_bio(state["in"], state["out"], server_side=True)
                conns[conn] = state
            except TimeoutError:
                pass
            for conn, state in list(conns.items()):
                try:
                    chunk = conn.recv(65536)
                except TimeoutError:
                    continue
                except OSError:
                    chunk = b""
                if chunk and self._feed(conn, state, chunk):
                    continue
                del conns[conn]
                conn.close()
        for conn in conns:
            conn.close()

    def _feed(self, conn: socket.socket, state: dict, chunk: bytes) -> bool:
        """Take a chunk from a client; False when the connection is to be closed."""
        with self._lock:
            self.raw += chunk
            if len(state["opening"]) < 8:
                first = not state["opening"]
                state["opening"] += chunk[: 8 - len(state["opening"])]
                if first:
                    self.openings.append(bytes(chunk[:3]))
            if self.tls is None:
                self.data += chunk
                return True
        state["in"].write(chunk)
        try:
            while True:
                plain = state["tls"].read(65536)
                if not plain:
                    break
                with self._lock:
                    self.data += plain
        except ssl.SSLWantReadError:
            pass
        except (ssl.SSLError, OSError):
            return False
        pending = state["out"].read()
        if pending:
            conn.sendall(pending)
        return True

    def wait_for(self, marker: str, timeout: float = 60) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if marker.encode() in self.data:
                    return True
            time.sleep(0.3)
        return False

    def wait_for_client(self, timeout: float = 60) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self.openings:
                    return True
            time.sleep(0.3)
        return False

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> Pki:
    """A throwaway CA, a certificate for the collector's name and one for another name."""
    return make_pki(tmp_path_factory.mktemp("pki"), [PEER_NAME, OTHER_NAME])


@pytest.fixture(scope="module")
def collector(lab, pki: Pki) -> Iterator[Collector]:
    """The consortium's collector as the example registry has it: syslog over TLS on 6514."""
    c = Collector(lab.bridge_ip, COLLECTOR_PORT, tls=pki.server_context(PEER_NAME))
    yield c
    c.close()


@pytest.fixture(scope="module")
def lab_vars(lab, pki: Pki, tmp_path_factory) -> dict:
    """What the rendered inventory would give, aimed at the lab: the management range is the
    controller's bridge address only (so peers must NOT reach SSH), collector and NTP on the bridge."""
    return {
        "baseline_hosts": "all",
        "consortium_member_name": MEMBER_NAME,
        "consortium_mgmt_cidrs": [f"{lab.bridge_ip}/32"],
        "consortium_ntp_servers": [lab.bridge_ip],
        "consortium_account_policy": ACCOUNT_POLICY,
        # LNX-LOG-002: root's mail to the consortium's security contact.
        "linux_server_baseline_root_mail_to": [ROOT_MAIL],
        # As the example registry: TLS, the CA's certificate on the controller; the collector is reached
        # by address, so the name its certificate carries is given.
        "consortium_log_collector": {
            "host": lab.bridge_ip,
            "port": COLLECTOR_PORT,
            "protocol": "tcp",
            "tls": True,
            "ca_cert": str(pki.ca_cert),
            "permitted_peer": PEER_NAME,
        },
    }


@pytest.fixture(scope="module")
def baseline(lab, lab_vars, collector, tmp_path_factory):
    """``run(*args)``: the baseline playbook against every lab host with the lab vars."""
    vars_arg = extra_vars_file(tmp_path_factory.mktemp("baseline") / "lab_vars.json", lab_vars)

    def run(*args: str, playbook: str = "baseline.yml") -> PlaybookRun:
        return run_playbook(PLAYBOOKS / playbook, "-e", vars_arg, *args, env=lab.ansible_env())

    return run


@pytest.fixture(scope="module")
def first_run(baseline) -> PlaybookRun:
    return baseline()


def _names(lab) -> list[str]:
    return [h.name for h in lab.hosts]


def _report(what: str, run: PlaybookRun, hosts: list[str]) -> None:
    per_host = {h: {"tasks": run.tasks(h), "changed": run.recap[h]["changed"]} for h in hosts if h in run.recap}
    print(f"\n[timing] {what}: {run.seconds:.1f} s on {len(hosts)} hosts; {json.dumps(per_host)}")


def _ssh(lab, host: str, cmd: str) -> str:
    proc = lab.ssh(host, cmd, timeout=60)
    assert proc.returncode == 0, f"{host}: {cmd}: rc {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


# ------------------------------------------------------------------------------------------ tests


def test_first_run_applies_the_baseline_everywhere(lab, first_run: PlaybookRun) -> None:
    hosts = _names(lab)
    assert first_run.rc == 0, first_run.explain()
    for h in hosts:
        r = first_run.recap[h]
        assert r["failed"] == 0 and r["unreachable"] == 0, first_run.explain()
        assert r["changed"] > 0
    assert f"applied on {len(hosts)}/{len(hosts)} hosts; all hosts finished" in " ".join(first_run.stdout.split())
    _report("first run", first_run, hosts)


def test_ssh_controls(lab, first_run: PlaybookRun) -> None:
    want = {
        "permitrootlogin": "without-password",  # Ansible connects as root: key only (LNX-SSH-001)
        "pubkeyauthentication": "yes",
        "passwordauthentication": "no",
        "kbdinteractiveauthentication": "no",
        "permitemptypasswords": "no",
        "hostbasedauthentication": "no",
        "ignorerhosts": "yes",
        "ciphers": ",".join(DEFAULTS["linux_server_baseline_ssh_ciphers"]),
        "kexalgorithms": ",".join(DEFAULTS["linux_server_baseline_ssh_kex_algorithms"]),
        "macs": ",".join(DEFAULTS["linux_server_baseline_ssh_macs"]),
        "maxauthtries": "3",
        "maxsessions": "10",
        "logingracetime": "60",
        "clientaliveinterval": "300",
        "clientalivecountmax": "2",
        "allowtcpforwarding": "no",
        "allowagentforwarding": "no",
        "x11forwarding": "no",
        "permittunnel": "no",
        "permituserenvironment": "no",
        "loglevel": "VERBOSE",
        "tcpkeepalive": "no",
        "compression": "no",
        "banner": "/etc/issue.net",
    }
    for h in _names(lab):
        out = _ssh(lab, h, "sshd -T")
        eff = dict(line.split(" ", 1) for line in out.splitlines() if " " in line)
        wrong = {k: (v, eff.get(k)) for k, v in want.items() if eff.get(k) != v}
        assert not wrong, f"{h}: (want, effective): {wrong}"
        mode = _ssh(lab, h, f"stat -c %a {SSHD_CONFIG}").strip()
        assert mode == "600"
        # LNX-SSH-007: the settings open sshd_config, before its Include (where scanners read them).
        lines = [ln for ln in _ssh(lab, h, f"cat {SSHD_CONFIG}").splitlines() if ln.strip() and not ln.startswith("#")]
        include = next(i for i, ln in enumerate(lines) if ln.startswith("Include "))
        assert lines[0].startswith("PermitRootLogin ") and include > 20, lines[:3]
        assert _ssh(lab, h, "ls /etc/ssh/sshd_config.d/00-consortium-baseline.conf 2>/dev/null || true").strip() == ""


def _net_admin(lab, host: str) -> bool:
    """Does the host hold CAP_NET_ADMIN (needed to load any firewall)?"""
    bounding = _ssh(lab, host, "sed -n 's/^CapBnd:[[:space:]]*//p' /proc/self/status").strip()
    return bool(int(bounding, 16) >> 12 & 1)


def test_firewall_controls(lab, first_run: PlaybookRun) -> None:
    hosts = _names(lab)
    for h in hosts:
        conf = _ssh(lab, h, "cat /etc/nftables.conf")
        assert "type filter hook input priority filter; policy drop;" in conf
        assert f"elements = {{ {lab.bridge_ip}/32 }}" in conf
        assert "tcp dport 22 ip saddr @mgmt_v4 accept" in conf
        assert "tcp dport 22 accept" not in conf
    if not _net_admin(lab, hosts[0]):
        assert "a container without CAP_NET_ADMIN" in first_run.stdout
        pytest.xfail(
            "the lab hosts lack CAP_NET_ADMIN (systemd-nspawn drops it): the ruleset is written but cannot be"
            " loaded; start the containers with --capability=CAP_NET_ADMIN to test the live firewall"
        )
    for h in hosts:
        ruleset = _ssh(lab, h, "nft list ruleset")
        assert "type filter hook input priority filter; policy drop;" in ruleset, ruleset
        assert f"elements = {{ {lab.bridge_ip} }}" in ruleset, ruleset
        assert "tcp dport 22 ip saddr @mgmt_v4 accept" in ruleset
        states = _ssh(lab, h, "systemctl is-enabled nftables; systemctl is-active nftables").split()
        assert states == ["enabled", "active"]
    if len(hosts) > 1:
        # A peer outside the management range cannot reach SSH; the controller (in it) can.
        probe = lab.ssh(hosts[1], f"timeout 3 bash -c '</dev/tcp/{lab.host(hosts[0]).ip}/22'", timeout=30)
        assert probe.returncode != 0, "a host outside consortium_mgmt_cidrs reached SSH"
        with socket.create_connection((lab.host(hosts[0]).ip, 22), timeout=5):
            pass


def test_time_updates_audit_password_controls(lab, first_run: PlaybookRun) -> None:
    for h in _names(lab):
        chrony = _ssh(lab, h, "cat /etc/chrony/chrony.conf")
        assert f"server {lab.bridge_ip} iburst" in chrony
        assert "\npool " not in chrony
        assert _ssh(lab, h, "systemctl is-enabled chrony").strip() == "enabled"

        apt = _ssh(lab, h, "apt-config dump")
        assert 'APT::Periodic::Unattended-Upgrade "1";' in apt
        origins = [ln for ln in apt.splitlines() if ln.startswith("Unattended-Upgrade::Origins-Pattern:: ")]
        assert origins and all("Debian-Security" in ln for ln in origins), origins
        timers = _ssh(lab, h, "systemctl is-active apt-daily.timer apt-daily-upgrade.timer").split()
        assert timers == ["active", "active"]
        # LNX-UPD-002: needrestart, in the restart mode the role sets (default: list only).
        mode = DEFAULTS["linux_server_baseline_needrestart_restart"]
        needrestart = _ssh(lab, h, f"cat {DEFAULTS['linux_server_baseline_needrestart_path']}")
        assert f"$nrconf{{restart}} = '{mode}';" in needrestart
        # LNX-ACCT-001: acct and its accounting file; in a container accton is refused, so not started.
        assert _ssh(lab, h, "dpkg-query -W -f '${Status}' acct needrestart cron") == "install ok installed" * 3
        # cron runs acct's daily rotation (/etc/cron.daily/acct): without it the accounting file only grows.
        assert _ssh(lab, h, "systemctl is-enabled cron").strip() == "enabled"
        assert _ssh(lab, h, "test -f /var/log/account/pacct && echo yes").strip() == "yes"

        rules = _ssh(lab, h, f"cat {DEFAULTS['linux_server_baseline_auditd_rules_path']}")
        for needle in (
            "-w /etc/shadow -p wa -k identity",
            "-w /etc/passwd -p wa -k identity",
            "-w /etc/sudoers.d -p wa -k scope",
            "-S adjtimex,settimeofday,clock_settime -k time-change",
            "-k user_emulation",
        ):
            assert needle in rules
        # In a container auditd is installed and configured, but not started (FACTS.md).
        assert _ssh(lab, h, "dpkg-query -W -f '${Status}' auditd").strip() == "install ok installed"

        pwq = _ssh(lab, h, "cat /etc/security/pwquality.conf")
        assert f"minlen = {ACCOUNT_POLICY['min_length']}" in pwq and "enforce_for_root" in pwq
        assert f"minclass = {ACCOUNT_POLICY['min_classes']}" in pwq
        assert "pam_pwquality.so" in _ssh(lab, h, "cat /etc/pam.d/common-password")
        auth = _ssh(lab, h, "cat /etc/pam.d/common-auth")
        assert "pam_faillock.so preauth" in auth and "pam_faillock.so authfail" in auth
        assert "pam_faillock.so" in _ssh(lab, h, "cat /etc/pam.d/common-account")
        faillock = _ssh(lab, h, "cat /etc/security/faillock.conf")
        lock_seconds = ACCOUNT_POLICY["lockout_minutes"] * 60
        for line in (
            f"deny = {ACCOUNT_POLICY['lockout_threshold']}",
            f"unlock_time = {lock_seconds}",
            f"fail_interval = {lock_seconds}",
        ):
            assert line in faillock.splitlines(), (line, faillock)
        # LNX-PWD-005: pam_pwhistory between pam_pwquality and pam_unix, and it refuses a reused password.
        stack = _ssh(lab, h, "cat /etc/pam.d/common-password").splitlines()
        password = [ln for ln in stack if ln.startswith("password")]
        modules = [re.search(r"pam_\w+[.]so", ln).group(0) for ln in password]
        assert modules.index("pam_pwquality.so") < modules.index("pam_pwhistory.so") < modules.index("pam_unix.so")
        history = password[modules.index("pam_pwhistory.so")].split()
        remember = ACCOUNT_POLICY["history"]
        assert history[1] == "requisite" and {f"remember={remember}", "enforce_for_root"} <= set(history), history
        user, first, second = "lab-history", "Lab-Hist0ry-Alpha-93x", "Lab-Hist0ry-Bravo-57q"
        _ssh(lab, h, f"useradd -m {user}")
        try:
            _ssh(lab, h, f"echo '{user}:{first}' | chpasswd && echo '{user}:{second}' | chpasswd")
            assert lab.ssh(h, f"echo '{user}:{first}' | chpasswd").returncode != 0, "a reused password was accepted"
        finally:
            _ssh(lab, h, f"userdel -r {user}")


def test_sysctl_controls(lab, first_run: PlaybookRun) -> None:
    wanted = {
        **DEFAULTS["linux_server_baseline_sysctl_network"],
        **DEFAULTS["linux_server_baseline_sysctl_kernel"],
    }
    readonly = DEFAULTS["linux_server_baseline_sysctl_container_readonly"]
    writable = {
        k: v for k, v in wanted.items() if not any(k == r or (r.endswith(".") and k.startswith(r)) for r in readonly)
    }
    assert len(writable) >= 15
    for h in _names(lab):
        text = _ssh(lab, h, f"cat {DEFAULTS['linux_server_baseline_sysctl_path']}")
        for k, v in wanted.items():
            assert f"{k} = {v}" in text.splitlines(), k
        # LNX-SYS-005: no core dumps through limits.d, login shells or systemd-coredump.
        assert "*    hard    core    0" in _ssh(lab, h, f"cat {DEFAULTS['linux_server_baseline_core_dumps_path']}")
        assert "ulimit -c 0" in _ssh(lab, h, f"cat {DEFAULTS['linux_server_baseline_core_dumps_profile_path']}")
        coredump = _ssh(lab, h, f"cat {DEFAULTS['linux_server_baseline_core_dumps_systemd_path']}").splitlines()
        assert {"Storage=none", "ProcessSizeMax=0"} <= set(coredump), coredump
        out = _ssh(lab, h, "sysctl " + " ".join(writable))
        running = dict((p.strip() for p in line.split("=", 1)) for line in out.splitlines())
        assert {k: str(v) for k, v in writable.items()} == running


def test_services_banner_admin_controls(lab, first_run: PlaybookRun) -> None:
    for h in _names(lab):
        for pkg in DEFAULTS["linux_server_baseline_insecure_packages"]:
            st = lab.ssh(h, f"dpkg-query -W -f '${{Status}}' {pkg}")
            assert "install ok installed" not in st.stdout, f"{h}: {pkg} installed"
        for f in ("/etc/issue", "/etc/issue.net"):
            assert f"This system belongs to {MEMBER_NAME}" in _ssh(lab, h, f"cat {f}")
        assert _ssh(lab, h, "getent group consortium-admins").startswith("consortium-admins:")
        sudoers = DEFAULTS["linux_server_baseline_sudoers_path"]
        assert _ssh(lab, h, f"stat -c %a {sudoers}").strip() == "440"
        assert _ssh(lab, h, f"stat -c '%a %U %G' {os.path.dirname(sudoers)}").strip() == "750 root root"
        text = _ssh(lab, h, f"cat {sudoers}")
        assert "%consortium-admins ALL=(ALL:ALL) ALL" in text and "Defaults use_pty" in text
        _ssh(lab, h, "visudo -c")
        # LNX-LOG-002: one root alias, to the configured address (the lab hosts have no MTA: no newaliases).
        aliases = _ssh(lab, h, "cat /etc/aliases").splitlines()
        assert [ln for ln in aliases if ln.split(":")[0].strip() == "root"] == [f"root: {ROOT_MAIL}"], aliases


def test_auditd_conf_and_login_defs(lab, first_run: PlaybookRun) -> None:
    """LNX-AUD-003 (one auditd.conf template) and LNX-PWD-003/LNX-ACC-001 (login.defs keys for new
    accounts, the distribution's other settings kept; a user created afterwards gets them; pam_umask
    gives login sessions the same umask)."""
    want_auditd = {
        "max_log_file": "32",
        "max_log_file_action": "keep_logs",
        "num_logs": "5",
        "space_left": "100",
        "space_left_action": "email",
        "action_mail_acct": "root",
        "admin_space_left": "50",
        "admin_space_left_action": "single",
        "disk_full_action": "single",
        "disk_error_action": "syslog",
        "log_file": "/var/log/audit/audit.log",  # Debian's own settings stay
        "log_format": "ENRICHED",
    }
    want_defs = {
        "PASS_MAX_DAYS": str(ACCOUNT_POLICY["max_age_days"]),
        "PASS_MIN_DAYS": "1",
        "PASS_WARN_AGE": "7",
        "ENCRYPT_METHOD": "YESCRYPT",
    }
    want_defs["UMASK"] = "027"
    for h in _names(lab):
        conf = _ssh(lab, h, "cat /etc/audit/auditd.conf")
        settings = dict(
            (k.strip(), v.strip()) for k, _, v in (ln.partition("=") for ln in conf.splitlines()) if _ and k[:1] != "#"
        )
        assert {k: settings.get(k) for k in want_auditd} == want_auditd, h
        assert _ssh(lab, h, "stat -c %a /etc/audit/auditd.conf").strip() == "640"

        defs = [ln.split() for ln in _ssh(lab, h, "cat /etc/login.defs").splitlines() if ln.strip()]
        active = [f for f in defs if not f[0].startswith("#")]
        for key, value in want_defs.items():
            assert [f[1:] for f in active if f[0] == key] == [[value]], (h, key)
        assert any(f[0] == "ENV_SUPATH" for f in active), "the distribution's other settings were lost"
        session = _ssh(lab, h, "cat /etc/pam.d/common-session")
        assert [ln.split()[:3] for ln in session.splitlines() if "pam_umask" in ln] == [
            ["session", "optional", "pam_umask.so"]
        ], session

        # A user created now gets the new defaults; root (Ansible's account) is not aged.
        user = "lab-newuser"
        _ssh(lab, h, f"useradd -m -s /bin/bash {user}")
        try:
            assert _ssh(lab, h, f"stat -c %a /home/{user}").strip() == "750"
            # pam_umask: a login session takes login.defs' UMASK too (Debian's default would be 0022).
            assert _ssh(lab, h, f"runuser -l {user} -c umask").strip() == "0027"
            # LNX-ACC-002: a login shell has TMOUT, exported and read-only.
            timeout = DEFAULTS["linux_server_baseline_shell_timeout"]
            assert _ssh(lab, h, f"runuser -l {user} -c 'declare -p TMOUT'").strip() == f'declare -rx TMOUT="{timeout}"'
            fields = _ssh(lab, h, f"getent shadow {user}").strip().split(":")
            assert fields[3:6] == ["1", str(ACCOUNT_POLICY["max_age_days"]), "7"], fields[3:6]
        finally:
            _ssh(lab, h, f"userdel -r {user}")
        assert _ssh(lab, h, "getent shadow root").strip().split(":")[4] in ("", "99999")
        # LNX-ACC-003: /etc/securetty names no terminal (comments and an empty line only).
        securetty = _ssh(lab, h, "cat /etc/securetty").splitlines()
        assert "" in securetty and all(ln == "" or ln.startswith("#") for ln in securetty), securetty


def test_log_forwarding_reaches_the_collector_over_tls_only(
    lab, first_run: PlaybookRun, collector: Collector, pki: Pki
) -> None:
    ca_path = DEFAULTS["linux_server_baseline_log_forwarding_ca_path"]
    for h in _names(lab):
        conf = _ssh(lab, h, f"cat {DEFAULTS['linux_server_baseline_log_forwarding_path']}")
        assert f'target="{lab.bridge_ip}"' in conf and f'port="{COLLECTOR_PORT}"' in conf
        for setting in (
            'StreamDriver="gtls"',
            'StreamDriverMode="1"',
            'StreamDriverAuthMode="x509/name"',
            f'StreamDriverPermittedPeers="{PEER_NAME}"',
            f'streamDriver.CAFile="{ca_path}"',
        ):
            assert setting in conf, (h, setting)
        assert _ssh(lab, h, f"cat {ca_path}") == pki.ca_cert.read_text()
        assert _ssh(lab, h, "dpkg-query -W -f '${Status}' rsyslog-gnutls").strip() == "install ok installed"
        assert _ssh(lab, h, "systemctl is-active rsyslog").strip() == "active"
        marker = f"consortium-lab-{uuid.uuid4().hex[:12]}"
        _ssh(lab, h, f"logger -t baseline-test {marker}")
        assert collector.wait_for(marker, timeout=90), f"{h}: {marker} never reached the collector"
        # On the wire: TLS from the first byte, the message never in plain text.
        assert marker.encode() not in collector.raw, f"{h}: {marker} crossed the network in plain text"
    assert collector.openings and all(o[:2] == b"\x16\x03" for o in collector.openings), collector.openings


def test_plain_tcp_when_tls_is_off_and_nothing_to_a_collector_with_the_wrong_name(
    lab, baseline, pki: Pki, lab_vars: dict, tmp_path: Path
) -> None:
    """tls: false keeps the plain TCP path (one host); a collector whose certificate names another
    host gets a TLS handshake attempt but never a message (another host); then both go back."""
    hosts = _names(lab)
    if len(hosts) < 2:
        pytest.skip("needs two lab hosts")
    plain_host, wrong_host = hosts[0], hosts[1]
    plain = Collector(lab.bridge_ip, COLLECTOR_PORT + 4000)
    wrong = Collector(lab.bridge_ip, COLLECTOR_PORT + 1, tls=pki.server_context(OTHER_NAME))
    tls_vars = lab_vars["consortium_log_collector"]
    override = extra_vars_file(
        tmp_path / "collectors.json",
        {
            "lab_collectors": {
                plain_host: {"host": lab.bridge_ip, "port": COLLECTOR_PORT + 4000, "protocol": "tcp", "tls": False},
                wrong_host: {**tls_vars, "port": COLLECTOR_PORT + 1},
            },
            "linux_server_baseline_log_collector": (
                "{{ lab_collectors[inventory_hostname] | default(consortium_log_collector) }}"
            ),
        },
    )
    try:
        switched = baseline("--limit", f"{plain_host},{wrong_host}", "-e", override)
        assert switched.rc == 0, switched.explain()
        conf = _ssh(lab, plain_host, f"cat {DEFAULTS['linux_server_baseline_log_forwarding_path']}")
        assert f'port="{COLLECTOR_PORT + 4000}"' in conf and "StreamDriver" not in conf

        marker_plain = f"consortium-lab-plain-{uuid.uuid4().hex[:12]}"
        marker_wrong = f"consortium-lab-wrong-{uuid.uuid4().hex[:12]}"
        _ssh(lab, plain_host, f"logger -t baseline-test {marker_plain}")
        _ssh(lab, wrong_host, f"logger -t baseline-test {marker_wrong}")
        assert plain.wait_for(marker_plain, timeout=90), f"{plain_host}: nothing over plain TCP"
        assert wrong.wait_for_client(timeout=90), f"{wrong_host}: never tried the collector"
        assert wrong.openings[0][:2] == b"\x16\x03", wrong.openings  # it spoke TLS ...
        time.sleep(5)
        # ... and refused the certificate: no message, neither decrypted nor in plain text.
        assert marker_wrong.encode() not in wrong.data and marker_wrong.encode() not in wrong.raw
    finally:
        plain.close()
        wrong.close()
        back = baseline("--limit", f"{plain_host},{wrong_host}")
        assert back.rc == 0, back.explain()


def test_second_run_changes_nothing(lab, baseline, first_run: PlaybookRun) -> None:
    hosts = _names(lab)
    run = baseline()
    assert run.rc == 0, run.explain()
    changed = {h: run.recap[h]["changed"] for h in hosts}
    assert changed == dict.fromkeys(hosts, 0), f"{changed}\n{changed_tasks(run.stdout)}\n{run.explain()}"
    _report("second run", run, hosts)


def test_check_mode_reports_exactly_the_drift(lab, baseline, first_run: PlaybookRun, tmp_path: Path) -> None:
    hosts = _names(lab)
    drifted = hosts[0]
    _ssh(lab, drifted, f"sed -i 's/^PasswordAuthentication no$/PasswordAuthentication yes/' {SSHD_CONFIG}")
    assert "PasswordAuthentication yes" in _ssh(lab, drifted, f"cat {SSHD_CONFIG}")

    check = baseline("--check", "--diff")
    assert check.rc == 0, check.explain()
    # Exactly one drift: sshd_config on that host (and the sshd reload it would trigger).
    found = changed_tasks(check.stdout)
    assert {host for _, host in found} == {drifted}, found
    tasks = sorted(task.removeprefix("linux_server_baseline : ") for task, _ in found)
    assert len(tasks) == 2 and tasks[0].startswith("LNX-SSH-001..007 | sshd_config") and tasks[1] == "Reload sshd", (
        found
    )
    assert {h: check.recap[h]["changed"] for h in hosts} == {h: 2 if h == drifted else 0 for h in hosts}
    assert "-PasswordAuthentication yes" in check.stdout and "+PasswordAuthentication no" in check.stdout
    # Check mode changed nothing on the host.
    assert "PasswordAuthentication yes" in _ssh(lab, drifted, f"cat {SSHD_CONFIG}")

    # The audit playbook (check mode too) writes per-host evidence: the drift is on that host's SSH
    # controls only; every other control is compliant or not checked (commands skip in check mode).
    evidence = tmp_path / "evidence"
    audit = baseline("-e", f"consortium_evidence_dir={evidence}", playbook="baseline_audit.yml")
    assert audit.rc == 0, audit.explain()
    for h in hosts:
        doc = json.loads((evidence / f"{h}.json").read_text())
        assert doc["reachable"] and not doc["summary"]["error"], doc["summary"]
        want_drift = [f"LNX-SSH-00{i}" for i in range(1, 8)] if h == drifted else []
        assert doc["summary"]["drift"] == want_drift, (h, doc["summary"])
        assert "LNX-FW-001" in doc["summary"]["compliant"]
        # Safeguards come from controls.yml (the crosswalk's home), not from the shared task tags.
        assert doc["controls"]["LNX-SSH-003"]["safeguards"] == ["3.10"]
        assert doc["controls"]["LNX-SSH-003"]["title"].startswith("SSH uses modern ciphers")
    assert "PasswordAuthentication yes" in _ssh(lab, drifted, f"cat {SSHD_CONFIG}")

    fix = baseline("--limit", drifted)
    assert fix.rc == 0, fix.explain()
    assert _ssh(lab, drifted, "sshd -T | grep ^passwordauthentication").split() == [
        "passwordauthentication",
        "no",
    ]


def test_compilers_run_for_root_only_and_drift_is_reported(lab, baseline, first_run: PlaybookRun) -> None:
    # LNX-PKG-002: needrestart brings binutils; its assembler (the real file behind /usr/bin/as) is
    # root:root 0750 through a dpkg override, and an account other than root cannot run it.
    hosts = _names(lab)
    real = _ssh(lab, hosts[0], "readlink -f /usr/bin/as").strip()
    assert real.startswith("/usr/bin/") and real != "/usr/bin/as", real
    for h in hosts:
        assert _ssh(lab, h, f"stat -c '%U %G %a' {real}").split() == ["root", "root", "750"]
        assert _ssh(lab, h, f"dpkg-statoverride --list {real}").split() == ["root", "root", "750", real]
        denied = lab.ssh(h, "su nobody -s /bin/sh -c '/usr/bin/as --version'", timeout=30)
        assert denied.returncode != 0 and "Permission denied" in denied.stdout + denied.stderr, denied
    # Drift: the package's own mode back, without the override (as before the baseline).
    drifted = hosts[0]
    _ssh(lab, drifted, f"dpkg-statoverride --remove {real} && chmod 0755 {real}")
    check = baseline("--check", "--tags", "LNX-PKG-002")
    assert check.rc == 0, check.explain()
    found = changed_tasks(check.stdout)
    assert [(t.removeprefix("linux_server_baseline : ")[:16], h) for t, h in found] == [("LNX-PKG-002 | In", drifted)]
    assert _ssh(lab, drifted, f"stat -c '%a' {real}").strip() == "755"  # check mode changed nothing
    fix = baseline("--limit", drifted)
    assert fix.rc == 0, fix.explain()
    assert fix.recap[drifted]["changed"] == 1, fix.explain()
    assert _ssh(lab, drifted, f"dpkg-statoverride --list {real}").split() == ["root", "root", "750", real]
    assert _ssh(lab, drifted, f"stat -c '%a' {real}").strip() == "750"


def test_file_integrity_database_and_daily_check_reporting_to_the_collector(
    lab, baseline, first_run: PlaybookRun, collector: Collector
) -> None:
    # LNX-FIM-001: aide alone installed (not aide-common, whose installation cost about 50 s), the role's
    # aide.conf accepted by aide, its daily check's timer on; the database built in the background after
    # the first run.
    hosts = _names(lab)
    for h in hosts:
        packages = _ssh(lab, h, "dpkg-query -W -f '${db:Status-Abbrev}${Package}\\n' aide aide-common || true")
        assert packages.split() == ["ii", "aide", "un", "aide-common"] or packages.split() == ["ii", "aide"], packages
        timer = _ssh(lab, h, "systemctl is-enabled dailyaidecheck.timer; systemctl is-active dailyaidecheck.timer")
        assert timer.split() == ["enabled", "active"]
        fragment = _ssh(lab, h, "systemctl show -P FragmentPath dailyaidecheck.service").strip()
        assert fragment == "/etc/systemd/system/dailyaidecheck.service"
        conf = _ssh(lab, h, "cat /etc/aide/aide.conf")
        assert "report_url=syslog:LOG_AUTH\n" in conf and "Checksums = sha256+sha512\n" in conf, conf
        _ssh(lab, h, "aide --config=/etc/aide/aide.conf -D")  # the configuration parses
    waited = wait_for_aide_database(lab, lab.hosts)
    print(f"\n[timing] AIDE database present {max(waited.values())} s after this test started waiting: {waited}")
    for h in hosts:
        assert _ssh(lab, h, f"stat -c '%U %a' {AIDE_DATABASE}").split() == ["root", "600"]
        assert _ssh(lab, h, f"systemctl is-active {AIDE_BUILD_UNIT} || true").strip() == "inactive"

    # The daily check (its unit, as the timer starts it) finds a new file; its report reaches the collector
    # (syslog, forwarded by LNX-LOG-001 over TLS), and the differences leave no failed unit.
    marker = f"/etc/cron.d/consortium-fim-{uuid.uuid4().hex[:8]}"
    # First the admins' acceptance of what changed since the build (the README's procedure; on a host
    # other lab tests used first, such as the scanners' installation): aide exits 1-7 for differences.
    update = "aide --config /etc/aide/aide.conf --update >/dev/null; test $? -lt 8"
    accept = lab.ssh(hosts[0], f"{update} && mv -f {AIDE_DATABASE}.new {AIDE_DATABASE}", timeout=900)
    assert accept.returncode == 0, (accept.stdout, accept.stderr)
    try:
        _ssh(lab, hosts[0], f"echo '# test' > {marker}")
        started = time.monotonic()
        # A oneshot: returns when the check ends (a minute or more on a loaded machine).
        daily = lab.ssh(hosts[0], "systemctl start dailyaidecheck.service", timeout=900)
        print(f"\n[timing] daily AIDE check: {time.monotonic() - started:.1f} s")
        assert daily.returncode == 0, (daily.stdout, daily.stderr)
        assert collector.wait_for(marker, timeout=120), "the AIDE report naming the file never reached the collector"
        assert collector.wait_for("AIDE found differences", timeout=5)
        result = _ssh(lab, hosts[0], "systemctl show -P Result -P ExecMainStatus dailyaidecheck.service").split()
        assert result == ["success", "5"], result  # 1 + 4: a file added, its directory changed
        invocation = _ssh(lab, hosts[0], "systemctl show -P InvocationID dailyaidecheck.service").strip()
        report = _ssh(lab, hosts[0], f"journalctl -t aide _SYSTEMD_INVOCATION_ID={invocation} --no-pager -o cat")
        # Only the file the test added and its directory: nothing the baseline's runs changed, nothing transient.
        entries = {line.split(": ", 1)[1] for line in report.splitlines() if re.match(r"[fdl][^:]*: /", line)}
        assert entries == {marker, "/etc/cron.d"}, report
    finally:
        _ssh(lab, hosts[0], f"rm -f {marker}")


def test_file_integrity_missing_database_is_drift_and_rebuilt_once(lab, baseline, first_run: PlaybookRun) -> None:
    # LNX-FIM-001 without its database: check mode reports it and starts nothing; a run starts one build;
    # a run while that build runs changes nothing.
    host = lab.hosts[0]
    wait_for_aide_database(lab, [host])
    saved = f"{AIDE_DATABASE}.saved-by-test"
    _ssh(lab, host.name, f"mv {AIDE_DATABASE} {saved}")
    try:
        check = baseline("--check", "--tags", "LNX-FIM-001")
        assert check.rc == 0, check.explain()
        found = [(t.removeprefix("linux_server_baseline : "), h) for t, h in changed_tasks(check.stdout)]
        build_task = "LNX-FIM-001 | AIDE's database exists (built once, in the background, when missing)"
        assert found == [(build_task, host.name)], found
        assert not (host.root / AIDE_DATABASE.lstrip("/")).exists()
        assert _ssh(lab, host.name, f"systemctl is-active {AIDE_BUILD_UNIT} || true").strip() == "inactive"

        fix = baseline("--limit", host.name)
        assert fix.rc == 0 and fix.recap[host.name]["changed"] == 1, fix.explain()
        again = baseline("--limit", host.name)
        # The build unit's own lines (not aide's report), should the run have started another build.
        journal = f"journalctl -u {AIDE_BUILD_UNIT} --no-pager -o short-precise | grep -v ' aide\\['"
        unit = lab.ssh(host.name, f"systemctl status --no-pager {AIDE_BUILD_UNIT}; {journal}", timeout=60)
        assert again.rc == 0 and again.recap[host.name]["changed"] == 0, (
            changed_tasks(again.stdout),
            unit.stdout,
            again.explain(),
        )
        print(f"\n[timing] AIDE rebuild: {wait_for_aide_database(lab, [host])[host.name]} s after the second run")
    finally:  # the host as found (a database), also when the test failed half-way: later tests audit it
        restore = f"test -s {AIDE_DATABASE} || mv {saved} {AIDE_DATABASE}; rm -f {saved}"
        _ssh(lab, host.name, f"systemctl stop {AIDE_BUILD_UNIT} 2>/dev/null; {restore}")


def test_file_integrity_takes_over_from_aide_common_installed_by_hand(lab, baseline, first_run: PlaybookRun) -> None:
    # The README's upgrade path: aide-common installed on a baselined host (by an admin, or by an earlier
    # release of the role). The role's aide.conf and units stay in charge (its units in /etc/systemd/system
    # take precedence over the package's), the next run changes at most what the package touched, the one
    # after nothing, and the daily check runs as the role's unit, its differences no failure.
    host = lab.hosts[-1].name
    wait_for_aide_database(lab, [lab.hosts[-1]])
    ours = _ssh(lab, host, "sha256sum /etc/aide/aide.conf")
    install = lab.ssh(host, "DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends aide-common",
                      timeout=600)  # fmt: skip
    assert install.returncode == 0, (install.stdout, install.stderr)
    fix = baseline("--limit", host)
    assert fix.rc == 0, fix.explain()
    again = baseline("--limit", host)
    assert again.rc == 0 and again.recap[host]["changed"] == 0, (changed_tasks(again.stdout), again.explain())
    assert _ssh(lab, host, "sha256sum /etc/aide/aide.conf") == ours
    fragment = _ssh(lab, host, "systemctl show -P FragmentPath dailyaidecheck.service").strip()
    assert fragment == "/etc/systemd/system/dailyaidecheck.service"
    daily = lab.ssh(host, "systemctl start dailyaidecheck.service", timeout=900)
    assert daily.returncode == 0, (daily.stdout, daily.stderr)
    result = _ssh(lab, host, "systemctl show -P Result dailyaidecheck.service").strip()
    assert result == "success"
    print(
        f"\n[upgrade path] first run after aide-common: changed {fix.recap[host]['changed']}:"
        f" {changed_tasks(fix.stdout)}"
    )


def test_an_audit_that_stops_mid_role_lists_the_controls_it_never_reached_as_errors(
    lab, baseline, first_run: PlaybookRun, tmp_path: Path
) -> None:
    """An admin replaced /etc/chrony/chrony.conf with a symlink to a copy of it (chrony still reads
    it; the role refuses to manage a path that is not a regular file): the audit of that host fails
    at the chrony configuration task, mid-role. Its evidence: the controls checked before keep the
    status a clean audit gave them, LNX-TIME-001 is an error naming the failed task, every later
    enabled control an error "not checked: the run stopped at ..."; the other hosts' evidence is as
    in the clean audit, and consortium audit fails naming the reason. The host is left as found."""
    hosts = _names(lab)
    if len(hosts) < 2:
        pytest.skip("needs two lab hosts")
    broken = hosts[1]
    conf = "/etc/chrony/chrony.conf"
    shared = "/etc/chrony/chrony-shared.conf"  # not a *.conf of conf.d: chrony reads it only through the link
    state = f"stat -c '%F %a %U %G %i %s %Y' /etc/chrony/* && sha1sum {conf}"
    before = _ssh(lab, broken, state)

    def audit(name: str) -> tuple[PlaybookRun, dict[str, dict]]:
        evidence = tmp_path / name
        run = baseline("-e", f"consortium_evidence_dir={evidence}", playbook="baseline_audit.yml")
        return run, {h: json.loads((evidence / f"{h}.json").read_text()) for h in hosts}

    clean_run, clean = audit("clean")
    assert clean_run.rc == 0, clean_run.explain()
    assert not any(doc["summary"][s] for doc in clean.values() for s in ("drift", "error")), clean
    _ssh(lab, broken, f"mv {conf} {shared} && ln -s {os.path.basename(shared)} {conf}")
    try:
        run, docs = audit("stopped")
    finally:
        _ssh(lab, broken, f"rm {conf} && mv {shared} {conf}")
    assert _ssh(lab, broken, state) == before  # the host as found (same inode, mode, size, mtime, content)

    assert run.rc != 0 and run.recap[broken]["failed"] == 1, run.explain()
    assert all(run.recap[h]["failed"] == 0 and run.recap[h]["unreachable"] == 0 for h in hosts if h != broken)
    for h in hosts:
        if h != broken:
            assert docs[h]["controls"] == clean[h]["controls"], h
            assert docs[h]["summary"] == clean[h]["summary"], h
    doc = docs[broken]
    assert doc["reachable"] is True
    task = "linux_server_baseline : LNX-TIME-001 | chrony configuration (consortium servers only)"
    assert task in run.stdout, run.explain()
    message = f"{conf}: exists and is not a regular file"
    stopped = f"not checked: the run stopped at '{task}': {message}"
    # The role's run order (tasks/main.yml): SSH, banner, administrators, firewall, then time sync.
    earlier = [*(f"LNX-SSH-00{i}" for i in range(1, 8)), "LNX-BAN-001", "LNX-ADM-001", "LNX-ADM-002"]
    earlier += ["LNX-FW-001", "LNX-FW-002"]
    later = sorted(set(clean[broken]["controls"]) - {*earlier, "LNX-TIME-001"})
    assert {"LNX-UPD-001", "LNX-AUD-001", "LNX-SYS-001", "LNX-LOG-001"} <= set(later), later
    assert {cid: doc["controls"][cid] for cid in earlier} == {cid: clean[broken]["controls"][cid] for cid in earlier}
    assert "LNX-FW-001" in doc["summary"]["compliant"] and "LNX-SSH-001" in doc["summary"]["compliant"]
    time_sync = doc["controls"]["LNX-TIME-001"]
    assert time_sync["status"] == "error" and time_sync["reason"] == f"'{task}' failed: {message}", time_sync
    # The NTP servers assertion before the failed task was checked; the chrony service task after it never ran.
    assert [t["outcome"] for t in time_sync["tasks"]] == ["ok", "error"], time_sync["tasks"]
    for cid in later:
        control = doc["controls"][cid]
        assert control["status"] == "error" and control["reason"] == stopped and control["tasks"] == [], (cid, control)
        assert control["title"] == clean[broken]["controls"][cid]["title"]
        assert control["safeguards"] == clean[broken]["controls"][cid]["safeguards"]
    assert doc["summary"]["error"] == sorted(["LNX-TIME-001", *later]), doc["summary"]
    assert not doc["summary"]["drift"] and not doc["summary"]["unreachable"]

    result = cli("audit", "--evidence", tmp_path / "stopped", "--registry", REPO)
    assert result.code == 1, result.out
    assert f"{', '.join(later)} error: {stopped}" in result.out, result.out
    assert f"LNX-TIME-001 error: '{task}' failed: {message}" in result.out, result.out
    assert f"{len(hosts)} hosts baselined, 1 failing: 1 with errors\n" in result.out, result.out
    assert cli("audit", "--evidence", tmp_path / "clean", "--registry", REPO).code == 0


def test_existing_accounts_are_aged_only_when_asked_and_never_without_a_password(lab, baseline) -> None:
    """LNX-PWD-003 for existing accounts: off by default; when on, only accounts with a usable
    password change - a key-only (locked password) account, root and the automation account never."""
    host = _names(lab)[0]
    # Accounts as they were before the baseline: no ageing (useradd would now give them login.defs').
    _ssh(lab, host, "useradd -m lab-pw && echo 'lab-pw:Correct-Horse-Battery-9' | chpasswd")
    _ssh(lab, host, "useradd -m lab-keyonly")  # password "!": logs in with a key only
    _ssh(lab, host, "chage -m 0 -M 99999 -W 7 lab-pw && chage -m 0 -M 99999 -W 7 lab-keyonly")
    try:
        off = baseline("--limit", host)
        assert off.rc == 0 and off.recap[host]["changed"] == 0, off.explain()
        assert _ssh(lab, host, "getent shadow lab-pw").strip().split(":")[3:6] == ["0", "99999", "7"]

        on = ("-e", "linux_server_baseline_password_ageing_existing_accounts=true")
        aged = baseline("--limit", host, *on)
        assert aged.rc == 0, aged.explain()
        assert [t for t, _ in changed_tasks(aged.stdout)] == [
            "linux_server_baseline : LNX-PWD-003 | Password ageing of existing accounts with a password"
        ], changed_tasks(aged.stdout)
        aged_fields = ["1", str(ACCOUNT_POLICY["max_age_days"]), "7"]
        assert _ssh(lab, host, "getent shadow lab-pw").strip().split(":")[3:6] == aged_fields
        assert _ssh(lab, host, "getent shadow lab-keyonly").strip().split(":")[3:6] == ["0", "99999", "7"]
        assert _ssh(lab, host, "getent shadow root").strip().split(":")[4] in ("", "99999")
        again = baseline("--limit", host, *on)
        assert again.rc == 0 and again.recap[host]["changed"] == 0, again.explain()
    finally:
        _ssh(lab, host, "userdel -r lab-pw; userdel -r lab-keyonly")


def test_guards_refuse_to_lock_ansible_out(lab, baseline, tmp_path: Path) -> None:
    host = _names(lab)[0]
    state = "cat /etc/nftables.conf; nft list ruleset 2>/dev/null; sshd -T | grep ^permitrootlogin"
    before = _ssh(lab, host, state)

    fw = baseline("--limit", host, "--tags", "LNX-FW-001", "-e", '{"consortium_mgmt_cidrs": ["192.0.2.0/24"]}')
    assert fw.rc != 0 and fw.recap[host]["failed"] == 1, fw.explain()
    assert "Refusing the firewall" in fw.stdout and "do not include" in fw.stdout, fw.explain()

    root = baseline("--limit", host, "--tags", "LNX-SSH-001", "-e", "linux_server_baseline_ssh_permit_root_login=no")
    assert root.rc != 0 and root.recap[host]["failed"] == 1, root.explain()
    assert "Refusing PermitRootLogin no" in root.stdout, root.explain()

    assert _ssh(lab, host, state) == before


def test_automation_account_takes_over_and_root_login_closes(lab, baseline, tmp_path: Path) -> None:
    """LNX-ADM-002 + LNX-SSH-001: once Ansible connects as the automation account, "auto" closes
    root login; the account keeps working (idempotent); root can be let in again the same way."""
    host = _names(lab)[0]
    user = "consortium-ansible"
    pubkey = Path(f"{lab.key_path}.pub").read_text().strip()
    auto = extra_vars_file(
        tmp_path / "auto.json",
        {
            "linux_server_baseline_automation_user": user,
            "linux_server_baseline_automation_authorized_keys": [pubkey],
        },
    )
    as_auto = ("-e", f"ansible_user={user}")

    created = baseline("--limit", host, "-e", auto)  # still as root: root login stays key-only
    assert created.rc == 0, created.explain()
    assert "permitrootlogin without-password" in _ssh(lab, host, "sshd -T")
    assert _ssh(lab, host, f"getent shadow {user}").split(":")[1] == "!"

    switched = baseline("--limit", host, "-e", auto, *as_auto)
    assert switched.rc == 0, switched.explain()
    assert switched.recap[host]["changed"] >= 1
    refused = lab.ssh(host, "true", timeout=30)
    assert refused.returncode != 0 and "Permission denied" in refused.stderr, refused

    again = baseline("--limit", host, "-e", auto, *as_auto)
    assert again.rc == 0 and again.recap[host]["changed"] == 0, again.explain()

    reopened = baseline(
        "--limit",
        host,
        "-e",
        auto,
        *as_auto,
        "-e",
        "linux_server_baseline_ssh_permit_root_login=prohibit-password",
    )
    assert reopened.rc == 0, reopened.explain()
    assert lab.ssh(host, "true", timeout=30).returncode == 0
    back = baseline("--limit", host)  # as root, the plain lab variables again
    assert back.rc == 0, back.explain()


def test_unreachable_host_does_not_stop_the_others(lab, baseline, first_run: PlaybookRun) -> None:
    hosts = _names(lab)
    if len(hosts) < 2:
        pytest.skip("needs two lab hosts")
    down = hosts[-1]
    lab.stop_host(down)
    try:
        run = baseline()
    finally:
        lab.start_host(down)
    assert run.rc != 0, run.explain()
    assert run.recap[down]["unreachable"] == 1, run.explain()
    for h in hosts[:-1]:
        assert run.recap[h]["failed"] == 0 and run.recap[h]["unreachable"] == 0, run.explain()
        assert run.recap[h]["changed"] == 0
    assert f"applied on {len(hosts) - 1}/{len(hosts)} hosts; NOT finished (failed or unreachable): {down}" in (
        " ".join(run.stdout.split())
    ), run.explain()
    # After its reboot the host is reachable and still baselined (ruleset loaded at boot).
    assert "passwordauthentication no" in _ssh(lab, down, "sshd -T")
    if _net_admin(lab, down):
        assert "policy drop" in _ssh(lab, down, "nft list ruleset")
