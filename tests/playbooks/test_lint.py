"""Fast, host-free checks of the playbooks and roles: syntax, ansible-lint (production profile),
argument specs, and the control list against the task tags."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from .ansible_run import BIN, PLAYBOOKS, REPO, ansible_env, run_playbook

ROLE = PLAYBOOKS / "roles" / "linux_server_baseline"
ROLES = ("linux_server_baseline", "backup_agent", "windows_baseline")
PLAYBOOK_FILES = sorted(p.name for p in PLAYBOOKS.glob("*.yml"))


def test_there_are_playbooks() -> None:
    assert {"baseline.yml", "onboard_member.yml"} <= set(PLAYBOOK_FILES)


@pytest.mark.parametrize("name", PLAYBOOK_FILES)
def test_syntax_check(name: str) -> None:
    run = run_playbook(PLAYBOOKS / name, "--syntax-check", "-e", "member_file=members/verona.yaml")
    assert run.rc == 0, run.explain()


def test_ansible_lint_production_profile() -> None:
    proc = subprocess.run(
        [str(BIN / "ansible-lint"), "--offline", "--profile", "production", "--nocolor", "playbooks/"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=ansible_env(ANSIBLE_LINT_SKIP_SCHEMA_UPDATE="1", ANSIBLE_LINT_NODEPS="1"),
        timeout=600,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-5000:]


# ------------------------------------------------------------------------------------------ arguments


def _defaults(role: str = "linux_server_baseline") -> dict:
    return yaml.safe_load((PLAYBOOKS / "roles" / role / "defaults/main.yml").read_text())


def _specs(role: str = "linux_server_baseline") -> dict:
    path = PLAYBOOKS / "roles" / role / "meta/argument_specs.yml"
    return yaml.safe_load(path.read_text())["argument_specs"]["main"]["options"]


@pytest.mark.parametrize("role", ROLES)
def test_every_variable_is_prefixed_documented_and_specified(role: str) -> None:
    defaults, specs = _defaults(role), _specs(role)
    assert all(k.startswith(f"{role}_") for k in defaults)
    assert set(defaults) == set(specs), set(defaults) ^ set(specs)
    assert all(spec.get("description") for spec in specs.values())


def _role_play(tmp_path: Path, role_vars: dict, role: str = "linux_server_baseline") -> Path:
    """A play that only starts the role on localhost in check mode: argument validation is the
    role's first step, so a bad variable fails before any task touches the machine."""
    play = [
        {
            "name": "Argument spec probe",
            "hosts": "localhost",
            "connection": "local",
            "gather_facts": False,
            "tasks": [
                {
                    "name": "Validate the role's arguments",
                    "ansible.builtin.validate_argument_spec": {
                        "argument_spec": "{{ (lookup('file', spec_file) | from_yaml).argument_specs.main.options }}",
                        "provided_arguments": "{{ probe_vars }}",
                    },
                    "when": "not start_role | bool",
                },
                {
                    "name": "Start the role (its own argument validation runs first)",
                    "ansible.builtin.include_role": {"name": role},
                    "when": "start_role | bool",
                },
            ],
        }
    ]
    path = tmp_path / "probe.yml"
    path.write_text(yaml.safe_dump(play, sort_keys=False))
    (tmp_path / "vars.yml").write_text(
        # The role sees the probe values as extra vars (above its defaults), the spec task as a dict.
        yaml.safe_dump(
            {
                **role_vars,
                "probe_vars": role_vars,
                "spec_file": str(PLAYBOOKS / "roles" / role / "meta/argument_specs.yml"),
            }
        )
    )
    return path


def _probe(tmp_path: Path, role_vars: dict, start_role: bool = False, role: str = "linux_server_baseline"):
    return run_playbook(
        _role_play(tmp_path, role_vars, role),
        "-e",
        f"@{tmp_path / 'vars.yml'}",
        "-e",
        f"start_role={start_role}",
        "--check",
        env={"ANSIBLE_ROLES_PATH": str(PLAYBOOKS / "roles")},
        timeout=120,
    )


@pytest.mark.parametrize("role", ROLES)
def test_argument_specs_accept_the_defaults(tmp_path: Path, role: str) -> None:
    plain = {k: v for k, v in _defaults(role).items() if not (isinstance(v, str) and "{{" in v)}
    run = _probe(tmp_path, plain, role=role)
    assert run.rc == 0, run.explain()


def _role_of(var: str) -> str:
    return next(r for r in ROLES if var.startswith(f"{r}_"))


@pytest.mark.parametrize(
    ("var", "value", "message"),
    [
        ("linux_server_baseline_ssh_enabled", "maybe", "linux_server_baseline_ssh_enabled"),
        ("linux_server_baseline_ssh_permit_root_login", "yes", "must be one of: auto, no, prohibit-password"),
        ("linux_server_baseline_ssh_max_auth_tries", "four", "linux_server_baseline_ssh_max_auth_tries"),
        ("linux_server_baseline_firewall_allowed_tcp_ports", [{"sources": ["10.0.0.0/8"]}], "port"),
        ("linux_server_baseline_log_collector", {"host": "x", "port": 514, "protocol": "tls"}, "protocol"),
        ("backup_agent_retention_days", "a month", "backup_agent_retention_days"),
        ("windows_baseline_password_min_length", "long", "windows_baseline_password_min_length"),
        ("windows_baseline_laps_backup_directory", "usb", "must be one of: ad, entra"),
        ("windows_baseline_local_admins_enforce", "perhaps", "windows_baseline_local_admins_enforce"),
        ("windows_baseline_windows_update_rings", [{"name": "pilot"}], "quality_deferral_days"),
    ],
)
def test_role_rejects_a_bad_variable_before_any_task(tmp_path: Path, var: str, value, message: str) -> None:
    run = _probe(tmp_path, {var: value}, start_role=True, role=_role_of(var))
    assert run.rc != 0, run.explain()
    assert message in run.output, run.explain()
    # Nothing of the role ran: its validation stopped the include.
    assert "Preflight" not in run.output, run.explain()


# ------------------------------------------------------------------------------------------ controls


# Roles with a controls.yml, and the prefix of their control IDs.
CONTROL_ROLES = {"linux_server_baseline": "LNX", "windows_baseline": "WIN"}


def _tasks(role: str = "linux_server_baseline") -> list[tuple[str, dict]]:
    found = []
    for path in sorted((PLAYBOOKS / "roles" / role / "tasks").glob("*.yml")):
        for task in yaml.safe_load(path.read_text()) or []:
            found.append((path.name, task))
    return found


@pytest.mark.parametrize("role", sorted(CONTROL_ROLES))
def test_controls_list_matches_the_task_tags(role: str) -> None:
    prefix = CONTROL_ROLES[role]
    controls = yaml.safe_load((PLAYBOOKS / "roles" / role / "controls.yml").read_text())["controls"]
    ids = [c["id"] for c in controls]
    assert len(ids) == len(set(ids)), "duplicate control IDs"
    for c in controls:
        assert re.fullmatch(rf"{prefix}-[A-Z]+-\d{{3}}", c["id"]), c
        assert c["title"] and c["check"] and c["safeguards"], c
        assert all(re.fullmatch(r"\d+\.\d+", s) for s in c["safeguards"]), c
    tagged: dict[str, set[str]] = {}
    for file, task in _tasks(role):
        # scanners.yml: the audit's opt-in scanner evidence, no control of its own
        if file in ("main.yml", "preflight.yml", "packages.yml", "state.yml", "scanners.yml"):
            continue
        tags = set(task.get("tags", []))
        lnx = {t for t in tags if t.startswith(f"{prefix}-")}
        cis = {t for t in tags if t.startswith("cis_")}
        assert lnx and cis, f"{file}: task {task.get('name')!r} lacks a control ID or a CIS safeguard tag"
        for t in lnx:
            tagged.setdefault(t, set()).update(cis)
    assert set(tagged) == set(ids), (
        f"tags without a control: {set(tagged) - set(ids)}; controls without a task: {set(ids) - set(tagged)}"
    )
    for c in controls:
        missing = {f"cis_{s}" for s in c["safeguards"]} - tagged[c["id"]]
        assert not missing, f"{c['id']}: safeguards {missing} are not tags of its tasks"


@pytest.mark.parametrize("role", sorted(CONTROL_ROLES))
def test_every_concern_has_a_switch_and_a_task_file(role: str) -> None:
    tasks_dir = PLAYBOOKS / "roles" / role / "tasks"
    main = yaml.safe_load((tasks_dir / "main.yml").read_text())
    switched = {t["when"].split()[0] for t in main if "when" in t}
    defaults = _defaults(role)
    switches = {k for k in defaults if k.endswith("_enabled")}
    assert switched == switches
    for t in main:
        assert (tasks_dir / t["ansible.builtin.import_tasks"]).is_file()


def test_every_file_group_is_in_the_batch_write_under_its_concern_switch() -> None:
    """The batch write (tasks/state.yml) writes each enabled concern's files; a group missing from
    _linux_server_baseline_file_concerns would be written only by its control's task, and a wrong
    concern would write files of a switched-off concern."""
    role_vars = yaml.safe_load((ROLE / "vars/main.yml").read_text())
    groups = set(role_vars["_linux_server_baseline_files"])
    concerns = role_vars["_linux_server_baseline_file_concerns"]
    assert groups - set(concerns) == {"automation_keys"}  # the account may not exist before its own task
    switches = {
        k.removeprefix("linux_server_baseline_").removesuffix("_enabled") for k in _defaults() if k.endswith("_enabled")
    }
    assert set(concerns.values()) <= switches
    assert set(role_vars["_linux_server_baseline_switches"]) == switches
    for file, task in _tasks():
        if "lsb_files" in task and not task["lsb_files"].get("batch"):
            # A control's task compares with the probe's reading updated by the batch write.
            assert task["lsb_files"]["known"] == "{{ _linux_server_baseline_files_known }}", (file, task["name"])
            group = re.search(r"_linux_server_baseline_files\.(\w+)", str(task["lsb_files"]["files"])).group(1)
            # ... and sits in its concern's task file (the one main.yml switches with that concern).
            assert group == "automation_keys" or concerns[group] == file.removesuffix(".yml"), (file, group)


@pytest.mark.parametrize("role", sorted(CONTROL_ROLES))
def test_the_first_task_hands_the_evidence_callback_every_concern_switch(role: str) -> None:
    """The evidence of an unreachable host lists the controls of the concerns switched on
    (callback_plugins/consortium_evidence.py), from a set_fact that runs before any connection:
    it must come first and carry exactly the role's switches, each from its own variable."""
    first = yaml.safe_load((PLAYBOOKS / "roles" / role / "tasks/preflight.yml").read_text())[0]
    switches = first["ansible.builtin.set_fact"][f"_{role}_evidence_switches"]
    if isinstance(switches, str):  # the role's own dict of switches (linux_server_baseline's vars)
        name = switches.strip("{} ")
        switches = yaml.safe_load((PLAYBOOKS / "roles" / role / "vars/main.yml").read_text())[name]
    concerns = {k.removeprefix(f"{role}_").removesuffix("_enabled") for k in _defaults(role) if k.endswith("_enabled")}
    assert set(switches) == concerns
    for concern, value in switches.items():
        assert value == f"{{{{ {role}_{concern}_enabled | bool }}}}", (concern, value)
    controls = yaml.safe_load((PLAYBOOKS / "roles" / role / "controls.yml").read_text())["controls"]
    assert {c["concern"] for c in controls} <= concerns


@pytest.mark.parametrize(
    ("inventory_vars", "expected"),
    [
        (None, None),  # the rendered inventory of the bundled example: its consortium.yaml's contacts.security
        ({}, []),  # no rendered inventory: /etc/aliases stays untouched
        ({"consortium_security_contact": ""}, []),
    ],
)
def test_root_mail_goes_to_the_rendered_security_contact(inventory_vars: dict | None, expected: list | None) -> None:
    """LNX-LOG-002's default reads the security contact `consortium render` writes into each inventory."""
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar, trust_as_template

    if inventory_vars is None:
        inventory = yaml.safe_load((PLAYBOOKS / "inventories" / "verona.yml").read_text())
        inventory_vars = inventory["all"]["children"]["member_verona"]["vars"]
        expected = [yaml.safe_load((REPO / "consortium.yaml").read_text())["contacts"]["security"]]
    templar = Templar(loader=DataLoader(), variables=inventory_vars)
    default = _defaults()["linux_server_baseline_root_mail_to"]
    assert templar.template(trust_as_template(default)) == expected


def _account_policy_defaults(policy: dict) -> dict:
    """What each baseline's password and lockout defaults must come to for the standard's ``policy``."""
    return {
        "linux_server_baseline": {
            "password_min_length": policy["min_length"],
            "password_min_classes": policy["min_classes"],
            "password_remember": policy["history"],
            "password_max_days": policy["max_age_days"],
            "faillock_deny": policy["lockout_threshold"],
            "faillock_unlock_time": policy["lockout_minutes"] * 60,
            "faillock_fail_interval": policy["lockout_minutes"] * 60,
        },
        "windows_baseline": {
            "password_min_length": policy["min_length"],
            "password_history": policy["history"],
            "password_max_age_days": policy["max_age_days"],
            "password_complexity": policy["min_classes"] >= 3,
            "lockout_threshold": policy["lockout_threshold"],
            "lockout_duration_minutes": policy["lockout_minutes"],
        },
    }


STRICTER = {
    "min_length": 16,
    "min_classes": 4,
    "history": 10,
    "max_age_days": 90,
    "lockout_threshold": 3,
    "lockout_minutes": 30,
}


@pytest.mark.parametrize(
    "policy",
    [None, {}, STRICTER, {**STRICTER, "min_classes": 2}],
    ids=["rendered-example", "no-inventory", "stricter", "two-classes"],
)
def test_both_baselines_take_the_account_policy_from_the_rendered_inventory(policy: dict | None) -> None:
    """The standard's password and lockout rules are set once (consortium.yaml account_policy, rendered as
    consortium_account_policy); without an inventory both roles fall back to the registry model's defaults."""
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar, trust_as_template

    from consortium.registry.models import AccountPolicy

    if policy is None:  # the bundled example's rendered inventory
        inventory = yaml.safe_load((PLAYBOOKS / "inventories" / "verona.yml").read_text())
        inventory_vars = inventory["all"]["children"]["member_verona"]["vars"]
        policy = yaml.safe_load((REPO / "consortium.yaml").read_text())["account_policy"]
        assert inventory_vars["consortium_account_policy"] == policy
    elif not policy:
        inventory_vars, policy = {}, AccountPolicy().model_dump()
    else:
        inventory_vars = {"consortium_account_policy": policy}
    templar = Templar(loader=DataLoader(), variables=inventory_vars)
    for role, expected in _account_policy_defaults(policy).items():
        defaults = _defaults(role)
        got = {name: templar.template(trust_as_template(defaults[f"{role}_{name}"])) for name in expected}
        # The argument specs turn "16" into 16 and "True" into True: compare as they will.
        got = {k: (str(v) == "True" if isinstance(expected[k], bool) else int(v)) for k, v in got.items()}
        assert got == expected, role
