"""How the controller reaches Windows hosts, proven without a Windows host.

The registry's ``operations.windows`` is rendered into the inventory; the account comes from an
Ansible Vault file in the member's group_vars. ``playbooks/baseline_audit.yml`` then runs against a
local TLS listener that stands in for the WinRM HTTPS listener (port 5986 on a real host): a
certificate issued by a test "consortium CA" for 127.0.0.1, answering every request with 401.
What this proves: the real ansible.builtin.psrp plugin (pypsrp) speaks HTTPS to the rendered port,
validates the certificate against the rendered CA path (another CA: no request ever reaches the
listener), authenticates with the rendered method (NTLM), takes the account from the vault, never
prints the password, and the audit records the host as unreachable. What it cannot prove: anything
a real Windows host would answer after authentication.
"""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import json
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from .ansible_run import BIN, PLAYBOOKS, PlaybookRun, ansible_env, run_playbook

HOST = "fit-fs01"  # a Windows file server of Fitchburg in the example registry
PASSWORD = "S3cret-only-in-the-vault"
VAULT_KEY = "test-vault-key"


# ------------------------------------------------------------------------------------------ a test PKI


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _ca(folder: Path, cn: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(_name(cn))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )  # keyCertSign, cRLSign
        .sign(key, hashes.SHA256())
    )
    path = folder / f"{cn.replace(' ', '-')}.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key, cert, path


def _listener_cert(folder: Path, ca_key, ca_cert) -> tuple[Path, Path]:
    """What the consortium CA issues for a WinRM HTTPS listener reached by address."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(HOST))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    cert_path, key_path = folder / "listener.pem", folder / "listener.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("pki")
    ca_key, ca_cert, ca_path = _ca(folder, "Consortium Test CA")
    _, _, other_path = _ca(folder, "Some Other CA")
    cert, key = _listener_cert(folder, ca_key, ca_cert)
    return {"ca": ca_path, "other_ca": other_path, "cert": cert, "key": key}


# ------------------------------------------------------------------------------------------ a listener


class _Listener:
    """HTTPS on 127.0.0.1 with the listener certificate; records each request, answers 401."""

    def __init__(self, cert: Path, key: Path) -> None:
        self.requests: list[dict[str, str]] = []
        requests = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                requests.append({"path": self.path, **{k.lower(): v for k, v in self.headers.items()}})
                self.send_response(401)
                self.send_header("WWW-Authenticate", "Negotiate")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener(pki) -> Iterator[_Listener]:
    lis = _Listener(pki["cert"], pki["key"])
    yield lis
    lis.close()


# ------------------------------------------------------------------------------------------ registry


def _registry(root: Path, ca: Path) -> Path:
    """The example registry with the CA at ``ca``, rendered, and Fitchburg's Windows account in an
    encrypted vault file where the inventory comment says it lives."""
    from tests.conftest import copy_registry
    from tests.registry.helpers import cli

    registry = copy_registry(root)
    data = yaml.safe_load((registry / "consortium.yaml").read_text())
    data["operations"]["windows"]["ca_cert"] = str(ca)
    (registry / "consortium.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    assert cli("render", "--registry", registry).code == 0
    vault_dir = registry / "playbooks/inventories/group_vars/member_fitchburg"
    vault_dir.mkdir(parents=True)
    vault = vault_dir / "vault.yml"
    vault.write_text(
        yaml.safe_dump({"vault_fitchburg_windows_user": "svc-ansible", "vault_fitchburg_windows_password": PASSWORD})
    )
    (registry / "vault-key").write_text(VAULT_KEY + "\n")
    subprocess.run(
        [str(BIN / "ansible-vault"), "encrypt", "--vault-password-file", str(registry / "vault-key"), str(vault)],
        check=True,
        capture_output=True,
        env=ansible_env(),
    )
    assert PASSWORD not in vault.read_text()
    return registry


def _audit(registry: Path, port: int, evidence: Path, *extra: str) -> PlaybookRun:
    # The only overrides: where the "host" is (this machine, the listener's port).
    return run_playbook(
        PLAYBOOKS / "baseline_audit.yml",
        "-i",
        str(registry / "playbooks/inventories"),
        "--vault-password-file",
        str(registry / "vault-key"),
        "-e",
        json.dumps({"baseline_hosts": HOST, "ansible_host": "127.0.0.1", "ansible_port": port}),
        "-e",
        f"consortium_evidence_dir={evidence}",
        *extra,
        env={"NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"},
        timeout=300,
    )


def test_the_rendered_connection_reaches_the_listener_over_validated_tls_with_ntlm(
    tmp_path: Path, pki, listener: _Listener
) -> None:
    registry = _registry(tmp_path / "reg", pki["ca"])
    evidence = tmp_path / "evidence"
    run = _audit(registry, listener.port, evidence)
    assert run.rc != 0, run.explain()
    assert run.recap[HOST]["unreachable"] == 1, run.explain()
    # The TLS handshake succeeded against the consortium CA, and psrp posted to the WSMan endpoint
    # with NTLM (a Negotiate token wrapping an NTLMSSP message), as operations.windows says.
    assert listener.requests and {r["path"] for r in listener.requests} == {"/wsman"}, run.explain()
    authenticating = [r["authorization"] for r in listener.requests if "authorization" in r]
    assert authenticating, listener.requests
    scheme, _, token = authenticating[0].partition(" ")
    assert scheme == "Negotiate" and base64.b64decode(token).startswith(b"NTLMSSP\x00"), authenticating[0]
    assert PASSWORD not in run.output
    # The audit has evidence for the host: unreachable, nothing claimed compliant.
    doc = json.loads((evidence / f"{HOST}.json").read_text())
    assert doc["reachable"] is False and doc["summary"]["unreachable"]
    assert not doc["summary"]["compliant"] and not doc["summary"]["drift"]


def test_a_certificate_from_another_ca_is_refused_before_any_request(tmp_path: Path, pki, listener: _Listener) -> None:
    registry = _registry(tmp_path / "reg", pki["other_ca"])
    run = _audit(registry, listener.port, tmp_path / "evidence")
    assert run.recap[HOST]["unreachable"] == 1, run.explain()
    assert "CERTIFICATE_VERIFY_FAILED" in run.output or "certificate verify failed" in run.output, run.explain()
    assert listener.requests == [], "credentials reached a listener whose certificate did not validate"


@pytest.mark.parametrize(
    ("override", "fragment"),
    [
        ({"ansible_psrp_cert_validation": "ignore"}, "certificate validation is 'ignore'"),
        ({"ansible_psrp_protocol": "http"}, "the connection is http, not HTTPS"),
        ({"ansible_psrp_ca_cert": "/nonexistent/ca.pem"}, "/nonexistent/ca.pem does not exist on this controller"),
    ],
)
def test_an_override_that_weakens_the_connection_stops_before_connecting(
    tmp_path: Path, pki, listener: _Listener, override: dict, fragment: str
) -> None:
    registry = _registry(tmp_path / "reg", pki["ca"])
    run = _audit(registry, listener.port, tmp_path / "evidence", "-e", json.dumps(override))
    assert run.rc != 0 and run.recap[HOST]["failed"] == 1, run.explain()
    assert fragment in run.output, run.explain()
    assert listener.requests == [], "the play connected although its preflight refused the connection"
