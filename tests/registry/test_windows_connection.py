"""operations.windows in consortium.yaml: how the rendered inventories reach Windows hosts.

HTTPS (5986) with certificate validation against the consortium CA is not a choice; the protocol
(psrp or winrm), the authentication and the CA's path on the controller are. Credentials are only
ever references to Ansible Vault variables named after the member.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from consortium.registry.load import load_registry
from consortium.registry.render import render_registry

from .helpers import cli, read, write

INVENTORY = "playbooks/inventories/{slug}.yml"


def _windows_vars(registry_dir: Path, slug: str) -> dict[str, Any]:
    inv = yaml.safe_load(render_registry(load_registry(registry_dir))[INVENTORY.format(slug=slug)])
    group = "member_" + slug.replace("-", "_")
    return inv["all"]["children"][group]["children"][f"{group}_windows"]["vars"]


def _set_windows(registry_dir: Path, **values: Any) -> None:
    data = read(registry_dir / "consortium.yaml")
    data["operations"]["windows"].update(values)
    write(registry_dir / "consortium.yaml", data)


def test_psrp_over_https_with_the_consortium_ca_and_vault_credentials(registry_dir: Path) -> None:
    got = _windows_vars(registry_dir, "sun-prairie")
    assert got == {
        "ansible_connection": "psrp",
        "ansible_port": 5986,
        "ansible_psrp_protocol": "https",
        "ansible_psrp_auth": "ntlm",
        "ansible_psrp_cert_validation": "validate",
        "ansible_psrp_ca_cert": "/etc/consortium/pki/consortium-ca.pem",
        # A member's name in the variable: a vault file in the wrong group_vars folder fails loudly
        # ("undefined") instead of handing another town's password to these hosts.
        "ansible_user": "{{ vault_sun_prairie_windows_user }}",
        "ansible_password": "{{ vault_sun_prairie_windows_password }}",
    }


def test_winrm_uses_the_winrm_names_of_the_same_settings(registry_dir: Path) -> None:
    _set_windows(registry_dir, connection="winrm", auth="kerberos", ca_cert="/srv/pki/ca.pem")
    got = _windows_vars(registry_dir, "verona")
    assert {
        k: v for k, v in got.items() if k.startswith("ansible_winrm_") or k in ("ansible_connection", "ansible_port")
    } == {
        "ansible_connection": "winrm",
        "ansible_port": 5986,
        "ansible_winrm_scheme": "https",
        "ansible_winrm_transport": "kerberos",
        "ansible_winrm_server_cert_validation": "validate",
        "ansible_winrm_ca_trust_path": "/srv/pki/ca.pem",
    }
    assert not any(k.startswith("ansible_psrp_") for k in got)


def test_credssp_refuses_servers_unpatched_for_cve_2018_0886(registry_dir: Path) -> None:
    _set_windows(registry_dir, auth="credssp")
    got = _windows_vars(registry_dir, "verona")
    assert got["ansible_psrp_auth"] == "credssp"
    assert got["ansible_psrp_credssp_minimum_version"] == 5


def test_every_rendered_inventory_has_the_connection_and_no_credential_value() -> None:
    from tests.conftest import REPO

    rendered = render_registry(load_registry(REPO))
    inventories = {rel: text for rel, text in rendered.items() if rel.startswith("playbooks/inventories/")}
    assert len(inventories) == 9
    for rel, text in inventories.items():
        slug = Path(rel).stem
        ident = slug.replace("-", "_")
        assert f'ansible_password: "{{{{ vault_{ident}_windows_password }}}}"' in text, rel
        assert 'ansible_psrp_cert_validation: "validate"' in text, rel
        assert "ignore" not in text, rel


@pytest.mark.parametrize(
    ("values", "field", "fragment"),
    [
        ({"auth": "basic"}, "operations.windows.auth", "'kerberos', 'ntlm' or 'credssp'"),
        ({"connection": "ssh"}, "operations.windows.connection", "'psrp' or 'winrm'"),
        # pywinrm takes no CredSSP minimum version: winrm could not refuse servers unpatched for CVE-2018-0886.
        ({"connection": "winrm", "auth": "credssp"}, "operations.windows", "credssp needs connection psrp"),
        ({"ca_cert": "pki/ca.pem"}, "operations.windows.ca_cert", "absolute path of a file"),
        ({"ca_cert": "/etc/pki/"}, "operations.windows.ca_cert", "absolute path of a file"),
        ({"cert_validation": "ignore"}, "operations.windows.cert_validation", "unknown field"),
    ],
)
def test_bad_windows_settings_are_one_clear_line(registry_dir: Path, values: dict, field: str, fragment: str) -> None:
    _set_windows(registry_dir, **values)
    result = cli("validate", "--registry", registry_dir)
    assert result.code == 2, result
    lines = [line for line in result.err_lines if line.startswith(f"consortium.yaml: {field}: ")]
    assert lines and fragment in lines[0], result.err
    assert "Traceback" not in result.err


def test_the_authentication_is_a_deliberate_choice(registry_dir: Path) -> None:
    data = read(registry_dir / "consortium.yaml")
    del data["operations"]["windows"]["auth"]
    write(registry_dir / "consortium.yaml", data)
    result = cli("validate", "--registry", registry_dir)
    assert result.code == 2
    assert any(line.startswith("consortium.yaml: operations.windows.auth: ") for line in result.err_lines), result.err
