"""operations.log_collector in consortium.yaml: where servers forward their logs, and over TLS how.

With ``tls: true`` the rendered inventories hand the Linux baseline everything it needs to speak
syslog over TLS (RFC 5425): the CA certificate's path on the controller (public, copied to every
server) and, when the certificate does not name ``host``, the name it carries. An incomplete TLS
setting is one clear line at validation, not a server that silently logs in plain text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from consortium.registry.load import load_registry
from consortium.registry.render import render_registry

from .helpers import cli, read, write


def _collector_var(registry_dir: Path, slug: str) -> dict[str, Any]:
    inv = yaml.safe_load(render_registry(load_registry(registry_dir))[f"playbooks/inventories/{slug}.yml"])
    return inv["all"]["children"]["member_" + slug.replace("-", "_")]["vars"]["consortium_log_collector"]


def _set_collector(registry_dir: Path, replace: bool = False, **values: Any) -> None:
    data = read(registry_dir / "consortium.yaml")
    if replace:
        data["operations"]["log_collector"] = values
    else:
        data["operations"]["log_collector"].update(values)
    write(registry_dir / "consortium.yaml", data)


def test_the_example_forwards_over_tls_with_the_consortium_ca(registry_dir: Path) -> None:
    assert _collector_var(registry_dir, "verona") == {
        "host": "logs.dane-consortium.example",
        "port": 6514,
        "protocol": "tcp",
        "tls": True,
        "ca_cert": "/etc/consortium/pki/consortium-ca.pem",
        "permitted_peer": None,
    }


def test_plain_tcp_stays_possible_and_tls_is_off_by_default(registry_dir: Path) -> None:
    _set_collector(registry_dir, replace=True, host="10.64.0.40")
    assert _collector_var(registry_dir, "verona") == {
        "host": "10.64.0.40",
        "port": 514,
        "protocol": "tcp",
        "tls": False,
        "ca_cert": None,
        "permitted_peer": None,
    }


def test_a_collector_reached_by_address_names_its_certificate(registry_dir: Path) -> None:
    _set_collector(registry_dir, host="10.64.0.40", permitted_peer="logs.dane-consortium.example")
    got = _collector_var(registry_dir, "verona")
    assert got["host"] == "10.64.0.40" and got["permitted_peer"] == "logs.dane-consortium.example"


@pytest.mark.parametrize(
    ("values", "fragment"),
    [
        ({"ca_cert": None}, "tls needs ca_cert"),
        ({"protocol": "udp"}, "tls needs protocol tcp"),
        ({"tls": False}, "apply only with tls: true"),
        ({"tls": "yes"}, "valid boolean"),
        ({"ca_cert": "pki/ca.pem"}, "'pki/ca.pem' must be the absolute path of a file on the Ansible controller"),
        ({"ca_cert": "/etc/pki/"}, "'/etc/pki/' must be the absolute path of a file on the Ansible controller"),
        ({"permitted_peer": "logs dane"}, "must match"),
        ({"verify": False}, "unknown field"),
    ],
)
def test_bad_collector_settings_are_one_clear_line(registry_dir: Path, values: dict, fragment: str) -> None:
    _set_collector(registry_dir, **values)
    result = cli("validate", "--registry", registry_dir)
    assert result.code == 2, result
    lines = [line for line in result.err_lines if line.startswith("consortium.yaml: operations.log_collector")]
    assert len(lines) == 1 and fragment in lines[0], result.err
    assert "Traceback" not in result.err


@pytest.mark.parametrize("path", ["pki/ca.pem", "/etc/pki/", "/etc/pki/ca pem"])
def test_both_ca_cert_fields_reject_a_path_with_the_same_words(registry_dir: Path, path: str) -> None:
    """operations.log_collector.ca_cert and operations.windows.ca_cert are the same kind of value
    (often the same file): one type validates both, so the two lines differ only in the field."""
    data = read(registry_dir / "consortium.yaml")
    data["operations"]["log_collector"]["ca_cert"] = path
    data["operations"]["windows"]["ca_cert"] = path
    write(registry_dir / "consortium.yaml", data)
    result = cli("validate", "--registry", registry_dir)
    assert result.code == 2, result
    lines = {
        field: [line for line in result.err_lines if line.startswith(f"consortium.yaml: operations.{field}.ca_cert: ")]
        for field in ("log_collector", "windows")
    }
    assert all(len(found) == 1 for found in lines.values()), result.err
    messages = {found[0].split(".ca_cert: ", 1)[1] for found in lines.values()}
    expected = f"{path!r} must be the absolute path of a file on the Ansible controller (letters, digits . _ - /)"
    assert messages == {expected}
