"""The linux_server_baseline role's own plugins, host-free (localhost, files under tmp_path).

lsb_probe reads the state once; lsb_files writes a control's files in one call; the lsb_files and
lsb_ensure actions skip the host when the probe already proves the outcome. These tests pin the
two promises that make that safe: the skip happens only when the state is exactly what is wanted,
and otherwise the module does what ansible.builtin.template would (atomic, validated, check mode).
"""

from __future__ import annotations

import grp
import hashlib
import importlib.util
import json
import os
import pwd
from pathlib import Path

import pytest
import yaml

from .ansible_run import PLAYBOOKS, run_playbook

ROLE = PLAYBOOKS / "roles" / "linux_server_baseline"
ME = pwd.getpwuid(os.getuid()).pw_name
MY_GROUP = grp.getgrgid(os.getgid()).gr_name


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"lsb_{name}", ROLE / "action_plugins" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


ENSURE = _load("lsb_ensure")
FILES = _load("lsb_files")

# ------------------------------------------------------------------------------------- lsb_ensure


UNITS = {
    "units": {
        "rsyslog": {"load": "loaded", "enabled": "enabled", "active": "active"},
        "chrony": {"load": "loaded", "enabled": "enabled", "active": "inactive"},
        "ghost": {"load": "not-found", "enabled": "", "active": "inactive"},
    }
}


@pytest.mark.parametrize(
    ("args", "satisfied"),
    [
        ({"name": "rsyslog", "enabled": True, "state": "started"}, True),
        ({"name": "chrony", "enabled": True}, True),
        ({"name": "chrony", "enabled": True, "state": "started"}, False),
        ({"name": "rsyslog", "enabled": False}, False),
        ({"name": "rsyslog", "state": "restarted"}, False),
        ({"name": "rsyslog", "enabled": True, "daemon_reload": True}, False),
        ({"name": "ghost", "enabled": True}, False),
        ({"name": "unread", "enabled": True}, False),
        ({"name": "rsyslog"}, False),
    ],
)
def test_service_skipped_only_when_the_probe_proves_it(args: dict, satisfied: bool) -> None:
    assert ENSURE._service_satisfied(args, UNITS) is satisfied


PACKAGES = {"packages": {"rsyslog": "installed", "telnet": "not-installed", "talk": "config-files"}}


@pytest.mark.parametrize(
    ("args", "satisfied"),
    [
        ({"name": ["rsyslog"], "state": "present", "update_cache": True, "install_recommends": False}, True),
        ({"name": "rsyslog"}, True),
        ({"name": ["rsyslog", "telnet"], "state": "present"}, False),
        ({"name": ["telnet", "talk"], "state": "absent"}, True),
        ({"name": ["telnet", "talk"], "state": "absent", "purge": True}, False),  # talk's config files remain
        ({"name": ["telnet"], "state": "absent", "purge": True}, True),
        ({"name": ["rsyslog=8.2302.0-1"], "state": "present"}, False),
        ({"name": ["rsyslog"], "state": "latest"}, False),
        ({"name": ["rsyslog"], "state": "present", "force": True}, False),
        ({"name": ["unread"], "state": "absent"}, False),
        ({"name": [], "state": "present"}, False),
    ],
)
def test_apt_skipped_only_when_the_probe_proves_it(args: dict, satisfied: bool) -> None:
    assert ENSURE._apt_satisfied(args, PACKAGES) is satisfied


@pytest.mark.parametrize(
    ("args", "satisfied"),
    [
        ({"name": "consortium-admins", "state": "present", "system": False}, True),
        ({"name": "consortium-admins", "gid": 1500}, True),
        ({"name": "consortium-admins", "gid": 1600}, False),
        ({"name": "consortium-admins", "state": "absent"}, False),
        ({"name": "other"}, False),
        ({"name": "consortium-admins", "local": True}, False),
    ],
)
def test_group_skipped_only_when_the_probe_proves_it(args: dict, satisfied: bool) -> None:
    assert ENSURE._group_satisfied(args, {"groups": {"consortium-admins": 1500}}) is satisfied


SUDOERS_D = {
    "files": {
        "/etc/sudoers.d": {"type": "directory", "mode": "0750", "owner": "root", "group": "root"},
        "/etc/issue": {"sha1": "0" * 40, "mode": "0750", "owner": "root", "group": "root"},
    }
}
DIR = {"path": "/etc/sudoers.d", "state": "directory", "owner": "root", "group": "root", "mode": "0750"}


@pytest.mark.parametrize(
    ("args", "satisfied"),
    [
        (DIR, True),
        ({**DIR, "mode": "750"}, True),  # the same octal mode
        ({**DIR, "mode": "0755"}, False),
        ({**DIR, "group": "sudo"}, False),
        ({**DIR, "mode": "u=rwx,g=rx"}, False),  # symbolic: the module decides
        ({**DIR, "mode": 0o750}, False),  # an integer: ambiguous in YAML, the module decides
        ({**DIR, "recurse": True}, False),
        ({**DIR, "state": "absent"}, False),
        ({**DIR, "path": "/etc/issue"}, False),  # a regular file where a directory is wanted
        ({**DIR, "path": "/etc/unread"}, False),
        ({k: v for k, v in DIR.items() if k != "owner"}, False),
    ],
)
def test_directory_skipped_only_when_the_probe_proves_it(args: dict, satisfied: bool) -> None:
    assert ENSURE._directory_satisfied(args, SUDOERS_D) is satisfied


def test_probe_reads_a_directory_mode_and_owner_but_no_symlink_to_one(tmp_path: Path) -> None:
    d = tmp_path / "sudoers.d"
    d.mkdir()
    d.chmod(0o750)
    (tmp_path / "link").symlink_to(d.name)
    probe = _probe()
    assert probe.file_state(str(d)) == {"type": "directory", "mode": "0750", "owner": ME, "group": MY_GROUP}
    assert probe.file_state(str(tmp_path / "link")) == {"type": "other"}
    assert probe.file_state(str(tmp_path / "missing")) is None


def test_files_match_needs_content_mode_owner_and_group() -> None:
    spec = {"content": "x\n", "mode": "0644", "owner": "root", "group": "root"}
    seen = {"sha1": hashlib.sha1(b"x\n").hexdigest(), "mode": "0644", "owner": "root", "group": "root"}
    assert FILES._matches(spec, seen)
    assert FILES._matches({**spec, "mode": "644"}, seen)
    for key, value in (("sha1", "0" * 40), ("mode", "0600"), ("owner", "adm"), ("group", "adm")):
        assert not FILES._matches(spec, {**seen, key: value}), key
    assert not FILES._matches(spec, None)
    assert not FILES._matches(spec, {"type": "other"})


# ------------------------------------------------------------------------------ on localhost


def _play(tmp_path: Path, tasks: list[dict], *args: str, play_vars: dict | None = None, **env_extra: str):
    """Run ``tasks`` in a play on localhost that has the role's plugins (the role's path, not the role)."""
    play = [
        {
            "name": "lsb plugins",
            "hosts": "localhost",
            "connection": "local",
            "gather_facts": False,
            "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}", **(play_vars or {})},
            "tasks": tasks,
        }
    ]
    path = tmp_path / "play.yml"
    path.write_text(yaml.safe_dump(play, sort_keys=False))
    env = {
        **os.environ,
        "ANSIBLE_LIBRARY": str(ROLE / "library"),
        "ANSIBLE_ACTION_PLUGINS": str(ROLE / "action_plugins"),
        "ANSIBLE_CALLBACK_RESULT_FORMAT": "json",
        **env_extra,
    }
    return run_playbook(path, "-i", "localhost,", *args, env=env, timeout=120)


def _results(tmp_path: Path) -> list[dict]:
    """The registered results the play's last task wrote (see ``_dump``)."""
    return json.loads((tmp_path / "results.json").read_text())


def _dump(tmp_path: Path, names: list[str]) -> dict:
    return {
        "name": "results",
        "ansible.builtin.copy": {
            "content": "{{ [" + ", ".join(names) + "] | to_json }}",
            "dest": str(tmp_path / "results.json"),
            "mode": "0600",
        },
    }


def _file(dest: Path, content: str, mode: str = "0640", validate: str = "") -> dict:
    return {"dest": str(dest), "content": content, "owner": ME, "group": MY_GROUP, "mode": mode, "validate": validate}


def test_lsb_files_module_writes_validates_and_honours_check_mode(tmp_path: Path) -> None:
    a, b = tmp_path / "a.conf", tmp_path / "b.conf"
    b.write_text("old\n")
    b.chmod(0o644)
    tasks = [
        {"name": "write", "lsb_files": {"files": [_file(a, "one\n"), _file(b, "new\n", "0600")]}, "register": "r1"},
        {"name": "again", "lsb_files": {"files": [_file(a, "one\n"), _file(b, "new\n", "0600")]}, "register": "r2"},
        {
            "name": "check",
            "lsb_files": {"files": [_file(a, "two\n")]},
            "check_mode": True,
            "diff": True,
            "register": "r3",
        },
        {"name": "mode only", "lsb_files": {"files": [_file(a, "one\n", "0600")]}, "register": "r4"},
        {
            "name": "refused by validate",
            "lsb_files": {"files": [_file(b, "bad\n", "0600", "/bin/grep -q good %s")]},
            "register": "r5",
            "ignore_errors": True,
        },
        {
            "name": "passes validate",
            "lsb_files": {"files": [_file(b, "good\n", "0600", "/bin/grep -q good %s")]},
            "register": "r6",
        },
        _dump(tmp_path, ["r1", "r2", "r3", "r4", "r5", "r6"]),
    ]
    run = _play(tmp_path, tasks)
    assert run.rc == 0, run.explain()
    r1, r2, r3, r4, r5, r6 = _results(tmp_path)
    assert r1["changed"] and sorted(r1["changed_files"]) == [str(a), str(b)]
    assert not r2["changed"]
    assert r3["changed"] and a.read_text() == "one\n"  # check mode wrote nothing
    assert "-one" in run.stdout and "+two" in run.stdout  # --diff shows the difference
    assert r4["changed_files"] == [str(a)] and oct(a.stat().st_mode & 0o777) == "0o600"
    assert r5["failed"] and "failed validation" in r5["msg"]
    assert r6["changed"] and b.read_text() == "good\n"
    assert oct(b.stat().st_mode & 0o777) == "0o600"
    assert r6["written_state"] == {
        str(b): {"sha1": hashlib.sha1(b"good\n").hexdigest(), "mode": "0600", "owner": ME, "group": MY_GROUP}
    }
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".lsb-")] == []  # no temp files left


def test_actions_skip_the_host_only_when_the_probe_agrees(tmp_path: Path) -> None:
    """A dest below a regular file: the module would fail there (no directory can be made), so an ok
    result proves no call."""
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "t.j2").write_text("value {{ 40 + 2 }}\n")
    (tmp_path / "not-a-dir").write_text("")
    dest = str(tmp_path / "not-a-dir" / "t.conf")
    want = {"sha1": hashlib.sha1(b"value 42\n").hexdigest(), "mode": "0644", "owner": ME, "group": MY_GROUP}
    spec = {"src": "t.j2", "dest": dest, "mode": "0644", "owner": ME, "group": MY_GROUP}
    tasks = [
        {"name": "probe agrees", "lsb_files": {"files": [spec], "known": {dest: want}}, "register": "r1"},
        {
            "name": "probe disagrees (mode)",
            "lsb_files": {"files": [spec], "known": {dest: {**want, "mode": "0600"}}},
            "register": "r2",
            "ignore_errors": True,
        },
        {
            "name": "ensure: satisfied group, no call",
            "lsb_ensure": {
                "module": "ansible.builtin.group",
                "module_args": {"name": "no-such-group-xyz", "state": "present"},
                "known": {"groups": {"no-such-group-xyz": 4242}},
            },
            "register": "r3",
        },
        {
            "name": "ensure: unknown module always runs",
            "lsb_ensure": {"module": "ansible.builtin.ping", "module_args": {}, "known": {}},
            "register": "r4",
        },
        {
            # A check (the keyword, as baseline_audit.yml sets it): a later task must not take its
            # "would change" for a change made.
            "name": "ensure: under the check_mode keyword",
            "lsb_ensure": {"module": "ansible.builtin.ping", "module_args": {}, "known": {}},
            "check_mode": True,
            "register": "r6",
        },
        {
            "name": "probe",
            "lsb_probe": {
                "files": [str(tmp_path / "templates" / "t.j2"), dest],
                "sysctl": ["kernel.ostype", "no.such.key"],
                "counts": {str(tmp_path / "templates" / "t.j2"): "value", str(tmp_path / "nope"): "x"},
                "groups": [MY_GROUP, "no-such-group-xyz"],
                "packages": ["no-such-package-xyz"],
            },
            "register": "r5",
        },
        _dump(tmp_path, ["r1", "r2", "r3", "r4", "r5", "r6"]),
    ]
    run = _play(tmp_path, tasks)
    assert run.rc == 0, run.explain()
    r1, r2, r3, r4, r5, r6 = _results(tmp_path)
    assert not r1["changed"] and "nothing to do" in r1["msg"]
    assert r2["failed"], r2  # the module ran and could not write below a regular file
    assert not r3["changed"] and "not called" in r3["msg"]
    assert r4["ping"] == "pong"
    assert r3["check_mode"] is False and r4["check_mode"] is False and r6["check_mode"] is True
    state = r5["state"]
    template = state["files"][str(tmp_path / "templates" / "t.j2")]
    assert template["sha1"] == hashlib.sha1(b"value {{ 40 + 2 }}\n").hexdigest() and template["owner"] == ME
    assert state["files"][dest] is None
    assert state["sysctl"] == {"kernel.ostype": "Linux"}
    assert state["counts"] == {str(tmp_path / "templates" / "t.j2"): 1, str(tmp_path / "nope"): -1}
    assert state["groups"] == {MY_GROUP: os.getgid()}
    assert state["packages"] in ({"no-such-package-xyz": "not-installed"}, {})  # {} where dpkg is absent


# ------------------------------------------------------------------------------------- filters


def _filters():
    spec = importlib.util.spec_from_file_location("lsb_filters", ROLE / "filter_plugins" / "linux_server_baseline.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_set_keys_sets_each_key_once_keeps_the_rest_and_is_stable() -> None:
    f = _filters()
    text = "# comment PASS_MAX_DAYS 1\nMAIL_DIR /var/mail\nPASS_MAX_DAYS\t99999\n#UMASK 077\nPASS_MAX_DAYS 5\n"
    out = f.set_keys(text, {"PASS_MAX_DAYS": 365, "UMASK": "027"})
    lines = out.splitlines()
    assert lines[:4] == ["# comment PASS_MAX_DAYS 1", "MAIL_DIR /var/mail", "PASS_MAX_DAYS\t365", "#UMASK 077"]
    assert [ln for ln in lines if ln.startswith("PASS_MAX_DAYS")] == ["PASS_MAX_DAYS\t365"]
    assert lines[-1] == "UMASK\t027"
    assert f.set_keys(out, {"PASS_MAX_DAYS": 365, "UMASK": "027"}) == out  # the second run changes nothing
    assert f.set_keys(None, {"UMASK": "027"}).endswith("UMASK\t027\n")


def test_roots_alias_replaces_every_spelling_of_its_line() -> None:
    f = _filters()
    text = "# aliases\npostmaster: root\nroot:admin\nRoot : other\nrootless: x\n"
    out = f.set_keys(text, {"root:": "sec@example.org"}, " ", ":")
    assert out.splitlines() == ["# aliases", "postmaster: root", "root: sec@example.org", "rootless: x"]
    assert f.set_keys(out, {"root:": "sec@example.org"}, " ", ":") == out


def test_sshd_block_leads_the_file_replaces_dead_lines_keeps_the_rest_and_is_stable() -> None:
    """LNX-SSH-007: the baseline's settings open sshd_config (before its Include), the file's own lines of
    the same keywords go (before a Match only), and a second run gives the same text."""
    f = _filters()
    begin, end = "# BEGIN b", "# END b"
    debian = (
        "Include /etc/ssh/sshd_config.d/*.conf\n#PermitRootLogin prohibit-password\nKbdInteractiveAuthentication no\n"
        "x11forwarding yes\nSubsystem sftp /usr/lib/openssh/sftp-server\nMatch User backup\n  X11Forwarding yes\n"
    )
    block = "# managed\nX11Forwarding no\nKbdInteractiveAuthentication no\n"
    out = f.with_leading_block(debian, block, begin, end)
    lines = out.splitlines()
    assert lines[:4] == [begin, "# managed", "X11Forwarding no", "KbdInteractiveAuthentication no"]
    assert lines[4:6] == [end, ""] and lines[6].startswith("Include ")
    assert "x11forwarding yes" not in out and "#PermitRootLogin prohibit-password" in out
    assert out.count("KbdInteractiveAuthentication no") == 1
    assert lines[-1] == "  X11Forwarding yes"  # a Match block's own setting stays
    assert f.with_leading_block(out, block, begin, end) == out
    assert f.with_leading_block(None, block, begin, end).startswith(begin)


def test_ageing_drift_spares_key_only_and_named_accounts() -> None:
    f = _filters()
    accounts = [
        {"name": "alice", "usable_password": True, "max_days": 99999, "min_days": 0, "warn_days": 7},
        {"name": "bob", "usable_password": True, "max_days": 365, "min_days": 1, "warn_days": 7},
        {"name": "keyonly", "usable_password": False, "max_days": 99999, "min_days": 0, "warn_days": 7},
        {"name": "ansible", "usable_password": True, "max_days": None, "min_days": None, "warn_days": None},
    ]
    assert [a["name"] for a in f.ageing_drift(accounts, ["ansible", ""], 365, 1, 7)] == ["alice"]
    assert [a["name"] for a in f.ageing_drift(accounts, [], "365", "1", "14")] == ["alice", "bob", "ansible"]


def test_batch_writes_what_it_can_leaves_invalid_files_and_skips_check_mode(tmp_path: Path) -> None:
    """The role's batch write: a file that fails validation does not stop the others (its control's
    own task fails on it later); in check mode the batch does nothing."""
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "ok.j2").write_text("ok {{ 1 + 1 }}\n")
    (tmp_path / "templates" / "bad.j2").write_text("bad\n")
    good, bad = tmp_path / "ok.conf", tmp_path / "bad.conf"
    files = [
        {"src": "bad.j2", "dest": str(bad), "mode": "0644", "owner": ME, "group": MY_GROUP,
         "validate": "/bin/grep -q ok %s"},
        {"src": "ok.j2", "dest": str(good), "mode": "0644", "owner": ME, "group": MY_GROUP},
    ]  # fmt: skip
    tasks = [
        {"name": "batch in check mode", "lsb_files": {"files": files, "batch": True}, "check_mode": True,
         "register": "r1"},
        {"name": "batch", "lsb_files": {"files": files, "batch": True}, "register": "r2"},
        {"name": "the control's own task", "lsb_files": {"files": files[:1]}, "register": "r3",
         "ignore_errors": True},
        _dump(tmp_path, ["r1", "r2", "r3"]),
    ]  # fmt: skip
    run = _play(tmp_path, tasks)
    assert run.rc == 0, run.explain()
    r1, r2, r3 = _results(tmp_path)
    assert r1["skipped"] and not r1["changed"]
    assert r2["changed"] and r2["changed_files"] == [str(good)] and good.read_text() == "ok 2\n"
    assert list(r2["refused"]) == [str(bad)] and "failed validation" in r2["refused"][str(bad)]
    assert not bad.exists()
    assert r3["failed"] and "failed validation" in r3["msg"]


def test_batch_files_follow_the_concern_switches() -> None:
    f = _filters()
    files = {
        "ssh": [{"src": "a.j2", "dest": "/a"}],
        "login_defs": [{"dest": "/etc/login.defs", "mode": "0644"}],
        "sudoers": [{"src": "s.j2", "dest": "/s"}],
        "automation_keys": [{"src": "k.j2", "dest": "~u/k"}],
    }
    concerns = {"ssh": "ssh", "login_defs": "login_defs", "sudoers": "admin_group"}
    out = f.batch_files(files, concerns, {"ssh": True, "login_defs": True, "admin_group": False}, {"login_defs": "X"})
    assert out == [{"src": "a.j2", "dest": "/a"}, {"dest": "/etc/login.defs", "mode": "0644", "content": "X"}]


# ------------------------------------------------------------------------------ compilers (LNX-PKG-002)


def _probe():
    spec = importlib.util.spec_from_file_location("lsb_probe_module", ROLE / "library" / "lsb_probe.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_probe_reads_the_real_file_behind_a_program_and_its_dpkg_override(tmp_path: Path) -> None:
    real = tmp_path / "x86_64-linux-gnu-as"
    real.write_text("")
    real.chmod(0o750)
    (tmp_path / "as").symlink_to(real.name)
    (tmp_path / "cc").symlink_to("missing-gcc")  # a dangling alternative counts as not installed
    db = tmp_path / "statoverride"
    db.write_text(f"{ME} {MY_GROUP} 750 {real}\nroot root 4755 /usr/bin/other\ngarbage\n")
    paths = [str(tmp_path / "as"), str(tmp_path / "cc"), str(tmp_path / "clang")]
    state = _probe().statoverride_state(paths, str(db))
    assert state == {
        str(tmp_path / "as"): {
            "real": str(real),
            "mode": "0750",
            "owner": ME,
            "group": MY_GROUP,
            "override": {"owner": ME, "group": MY_GROUP, "mode": "0750"},
        }
    }
    assert _probe().statoverride_state(paths, str(tmp_path / "no-db"))[str(tmp_path / "as")]["override"] is None


def test_statoverride_drift_needs_both_the_override_and_the_file_as_wanted() -> None:
    drift = _filters().statoverride_drift
    good = {"owner": "root", "group": "root", "mode": "0750"}
    ok = {"real": "/usr/bin/x86_64-linux-gnu-as", **good, "override": dict(good)}
    assert drift({"/usr/bin/as": ok}, "root", "root", "0750") == []
    assert drift({}, "root", "root", "0750") == []
    no_override = {**ok, "override": None}
    chmodded = {**ok, "mode": "0755"}  # the override exists, the file lost it (e.g. a chmod)
    other_override = {**ok, "override": {**good, "group": "staff"}}
    gcc = {"real": "/usr/bin/x86_64-linux-gnu-gcc-12", **good, "mode": "0755", "override": None}
    for bad in (no_override, chmodded, other_override):
        assert drift({"/usr/bin/as": bad}, "root", "root", "750") == [ok["real"]]
    # cc and gcc lead to one file: it is restricted once.
    assert drift({"/usr/bin/cc": gcc, "/usr/bin/gcc": gcc, "/usr/bin/as": ok}, "root", "root", "0750") == [gcc["real"]]


def test_every_control_file_task_the_batch_covers_is_skipped_after_it() -> None:
    """A control's lsb_files task whose files the batch writes only re-renders them after the batch: each
    must carry the skip, or the run pays that rendering per task and host again."""
    concerns = yaml.safe_load((ROLE / "vars" / "main.yml").read_text())["_linux_server_baseline_file_concerns"]
    missing, seen = [], 0
    for path in sorted((ROLE / "tasks").glob("*.yml")):
        for task in yaml.safe_load(path.read_text()) or []:
            spec = task.get("lsb_files")
            if not spec or spec.get("batch"):
                continue
            keys = {k for k in concerns if f"_linux_server_baseline_files.{k}" in str(spec.get("files"))}
            if keys:
                seen += 1
                if "not _linux_server_baseline_files_written" not in str(task.get("when", "")):
                    missing.append(f"{path.name}: {task['name']}")
    assert seen >= 15 and not missing, missing


# ------------------------------------------------------------------------------------- PAM profiles

FILTERS = importlib.util.spec_from_file_location("lsb_filters", ROLE / "filter_plugins" / "linux_server_baseline.py")
LSB_FILTERS = importlib.util.module_from_spec(FILTERS)
FILTERS.loader.exec_module(LSB_FILTERS)

PROFILES = [
    {
        "control": "LNX-PWD-002",
        "concern": "password_policy",
        "tags": ["cis_4.1"],
        "names": ["consortium-faillock", "consortium-faillock-notify"],
        "counts": {"/etc/pam.d/common-auth": 2, "/etc/pam.d/common-account": 1},
    },
    {
        "control": "LNX-ACC-001",
        "concern": "login_defs",
        "tags": ["cis_3.3"],
        "names": ["consortium-umask"],
        "counts": {"/etc/pam.d/common-session": 1},
    },
]
COUNTED = {"/etc/pam.d/common-auth": 2, "/etc/pam.d/common-account": 1, "/etc/pam.d/common-session": 1}
BOTH_ON = {"password_policy": True, "login_defs": True}


def test_pam_profiles_are_due_only_when_not_enabled_or_their_file_changed_and_selected() -> None:
    due = LSB_FILTERS.pam_profiles_due
    # Enabled as wanted, no profile file changed: no call (faillock.conf is not a profile).
    assert due(PROFILES, COUNTED, ["/etc/security/faillock.conf"], BOTH_ON, ["all"], []) == {}
    # A count off (not enabled, or enabled twice) or unreadable (-1): that profile only.
    for wrong in (0, 3, -1):
        counts = {**COUNTED, "/etc/pam.d/common-account": wrong}
        assert due(PROFILES, counts, [], BOTH_ON, ["all"], []) == {"LNX-PWD-002": PROFILES[0]["names"]}
    # Its profile file changed in this run: pam-auth-update must rebuild the stack from it.
    changed = ["/usr/share/pam-configs/consortium-umask"]
    assert due(PROFILES, COUNTED, changed, BOTH_ON, ["all"], []) == {"LNX-ACC-001": ["consortium-umask"]}
    # A fresh host: both, in one call.
    assert due(PROFILES, {}, [], BOTH_ON, ["all"], []) == {
        "LNX-PWD-002": PROFILES[0]["names"],
        "LNX-ACC-001": ["consortium-umask"],
    }
    # A switched-off concern, or a control the run's tags leave out, is never touched.
    assert due(PROFILES, {}, [], {"password_policy": True, "login_defs": False}, ["all"], []) == {
        "LNX-PWD-002": PROFILES[0]["names"]
    }
    for run, skip in ((["LNX-ACC-001"], []), (["login_defs"], []), (["cis_3.3"], []), (["all"], ["password_policy"])):
        assert list(due(PROFILES, {}, [], BOTH_ON, run, skip)) == ["LNX-ACC-001"], (run, skip)
    assert due(PROFILES, {}, [], BOTH_ON, ["LNX-SSH-001"], []) == {}


def test_pam_profiles_enabled_in_one_call_check_mode_runs_nothing_and_evidence_names_the_changed_controls(
    tmp_path: Path,
) -> None:
    # A stand-in for pam-auth-update first on the PATH (the module looks there before /usr/sbin): the
    # machine's own PAM stack is never touched.
    fake = tmp_path / "bin"
    fake.mkdir()
    calls = tmp_path / "calls"
    (fake / "pam-auth-update").write_text(f'#!/bin/sh\necho "$DEBIAN_FRONTEND $*" >> {calls}\n')
    (fake / "pam-auth-update").chmod(0o755)
    both = {"LNX-PWD-002": ["consortium-faillock", "consortium-faillock-notify"], "LNX-ACC-001": ["consortium-umask"]}
    tags = ["LNX-PWD-002", "LNX-PWD-005", "LNX-ACC-001", "cis_4.1", "cis_5.2", "cis_3.3"]
    env = {"PATH": str(fake)}

    def task(name: str, by_control: dict, **extra) -> dict:
        return {"name": name, "lsb_pam_profiles": {"by_control": by_control}, "environment": env, "tags": tags, **extra}

    tasks = [
        task("check", {"LNX-PWD-002": both["LNX-PWD-002"]}, check_mode=True, register="r1"),
        task("enable", both, register="r2"),
        task("nothing", {}, register="r3"),
        task("bad", {"LNX-ACC-001": ["--disable"]}, register="r4", ignore_errors=True),
        _dump(tmp_path, ["r1", "r2", "r3", "r4"]),
    ]
    evidence = tmp_path / "evidence"
    callbacks = str(PLAYBOOKS / "callback_plugins")
    run = _play(
        tmp_path, tasks, play_vars={"consortium_evidence_dir": str(evidence)}, ANSIBLE_CALLBACK_PLUGINS=callbacks
    )
    assert run.rc == 0, run.explain()
    r1, r2, r3, r4 = _results(tmp_path)
    assert r1["changed"] and r1["consortium_evidence_drift"] == ["LNX-PWD-002"]
    assert r2["changed"] and r2["enabled"] == ["consortium-faillock", "consortium-faillock-notify", "consortium-umask"]
    assert not r3["changed"]
    assert r4["failed"] and "not a profile name" in r4["msg"]
    # One call for both controls' profiles, noninteractive; none in check mode or with nothing to do.
    assert calls.read_text().splitlines() == [
        "noninteractive --enable consortium-faillock consortium-faillock-notify consortium-umask"
    ]
    # The evidence: the check marked LNX-PWD-002 only; the enabling call its two controls; LNX-PWD-005,
    # tagged but not changed by any call, stays compliant.
    doc = json.loads((evidence / "localhost.json").read_text())
    assert doc["summary"]["drift"] == ["LNX-ACC-001", "LNX-PWD-002"], doc["summary"]
    assert "LNX-PWD-005" in doc["summary"]["compliant"]
    check_outcomes = {
        cid: [t["outcome"] for t in c["tasks"] if t["task"] == "check"] for cid, c in doc["controls"].items()
    }
    assert check_outcomes == {"LNX-PWD-002": ["drift"], "LNX-PWD-005": ["ok"], "LNX-ACC-001": ["ok"]}


def test_lsb_files_reads_after_writing_only_what_it_wrote(tmp_path: Path) -> None:
    a = tmp_path / "a.conf"
    spec = {**_file(a, "one\ntwo\n"), "read_after": f"/bin/cat {a}"}
    tasks = [
        {"name": "check", "lsb_files": {"files": [spec]}, "check_mode": True, "register": "r1"},
        {"name": "write", "lsb_files": {"files": [spec]}, "register": "r2"},
        {"name": "again", "lsb_files": {"files": [spec]}, "register": "r3"},
        {
            "name": "fails",
            "lsb_files": {"files": [{**spec, "content": "x\n", "read_after": "/bin/false"}]},
            "register": "r4",
        },
        _dump(tmp_path, ["r1", "r2", "r3", "r4"]),
    ]
    run = _play(tmp_path, tasks)
    assert run.rc == 0, run.explain()
    r1, r2, r3, r4 = _results(tmp_path)
    assert r1["changed"] and r1["read_after"] == {}  # check mode: nothing written, nothing read
    assert r2["read_after"] == {str(a): ["one", "two"]}  # read after the write: the new content
    assert not r3["changed"] and r3["read_after"] == {}  # unchanged: the probe's reading stands
    assert r4["changed"] and r4["read_after"] == {str(a): None}  # a failing read is null (the assert fails on it)


# ------------------------------------------------------------------------------ file integrity (LNX-FIM-001)


def test_probe_sizes_a_database_without_reading_it_and_none_when_missing(tmp_path: Path) -> None:
    db = tmp_path / "aide.db"
    db.write_bytes(b"x" * 1234)
    db.chmod(0o000)  # never opened: the size comes from stat alone (root would read it anyway; we need not)
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    paths = [str(db), str(empty), str(tmp_path / "missing.db"), str(tmp_path), str(tmp_path / "aide.db" / "x")]
    assert _probe().sizes_state(paths) == {
        str(db): 1234,
        str(empty): 0,
        str(tmp_path / "missing.db"): None,
        str(tmp_path): None,  # a directory is no database
        str(tmp_path / "aide.db" / "x"): None,  # below a regular file
    }
