"""How the controller reaches Windows hosts, proven without a Windows host.

The registry's ``operations.windows`` is rendered into the inventory; the account comes from an
Ansible Vault file in the member's group_vars. ``playbooks/baseline_audit.yml`` then runs against a
local TLS listener that stands in for the WinRM HTTPS listener (port 5986 on a real host): a
certificate issued by a test "consortium CA" for 127.0.0.1, answering every request with 401.
Every test runs once per ``operations.windows.connection``: ``psrp`` (ansible.builtin.psrp, pypsrp)
and ``winrm`` (ansible.builtin.winrm, pywinrm with requests-ntlm), on the same PKI and listener.
What this proves, for each: the real plugin speaks HTTPS to the rendered port, validates the
certificate against the rendered CA path (``ansible_psrp_ca_cert`` / ``ansible_winrm_ca_trust_path``,
both handed to requests as ``verify``, so a PEM file means the same to both; another CA: no request
ever reaches the listener), authenticates with the rendered method (NTLM with both; CredSSP with
psrp), takes the account from the vault, never prints the password, and the audit records the host
as unreachable with the plugin's message; an override that weakens the connection is refused by the preflight.
What it cannot prove: anything a real Windows host would answer after authentication (NTLM stops
at its first message, CredSSP at its first TLS handshake token, before CredSSP's minimum server
version is ever checked), nor Kerberos (not installed). The registry refuses CredSSP over winrm:
pywinrm cannot require a CredSSP version patched for CVE-2018-0886. A rejected CredSSP logon over
psrp is not a connection failure to Ansible (the host's first task fails); the evidence callback
recognises requests_credssp's message and records the host unreachable all the same.
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
# What each connection library sends as User-Agent (pypsrp's wsman.py, pywinrm's transport.py).
USER_AGENT = {"psrp": "Python PSRP Client", "winrm": "Python WinRM client"}


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
                # What a WinRM listener with CredSSP enabled offers; each client picks its own.
                self.send_header("WWW-Authenticate", "Negotiate")
                self.send_header("WWW-Authenticate", "CredSSP")
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


@pytest.fixture(params=["psrp", "winrm"])
def connection(request) -> str:
    """operations.windows.connection: every test runs with each plugin the registry can choose."""
    return request.param


def _registry(root: Path, ca: Path, connection: str, auth: str = "ntlm") -> Path:
    """The example registry with ``connection``, ``auth`` and the CA at ``ca``, rendered, and Fitchburg's
    Windows account in an encrypted vault file where the inventory comment says it lives."""
    from tests.conftest import copy_registry
    from tests.registry.helpers import cli

    registry = copy_registry(root)
    data = yaml.safe_load((registry / "consortium.yaml").read_text())
    data["operations"]["windows"].update(connection=connection, auth=auth, ca_cert=str(ca))
    (registry / "consortium.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    assert cli("render", "--registry", registry).code == 0
    inventory = yaml.safe_load((registry / "playbooks/inventories/fitchburg.yml").read_text())
    windows = inventory["all"]["children"]["member_fitchburg"]["children"]["member_fitchburg_windows"]
    assert windows["vars"]["ansible_connection"] == connection and HOST in windows["hosts"]
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


# The first token each authentication sends: NTLM as a Negotiate token wrapping an NTLMSSP message;
# CredSSP as its own scheme, opening the TLS channel it runs inside (a TLS handshake record).
FIRST_TOKEN = {"ntlm": ("Negotiate", b"NTLMSSP\x00"), "credssp": ("CredSSP", b"\x16\x03")}


# The message each plugin's rejected logon carries: pypsrp's AuthenticationError (wsman.py), pywinrm via
# requests_ntlm's PermissionError on a 401 without a challenge, requests_credssp's AuthenticationException.
REJECTED = {
    ("psrp", "ntlm"): "Failed to authenticate the user svc-ansible with ntlm",
    ("winrm", "ntlm"): "Access denied: Server did not respond with NTLM challenge token",
    ("psrp", "credssp"): "Server did not response with a CredSSP token after step",
}


# CredSSP only with psrp: the registry refuses it with winrm (tests/registry/test_windows_connection.py).
@pytest.mark.parametrize(("connection", "auth"), [("psrp", "ntlm"), ("winrm", "ntlm"), ("psrp", "credssp")])
def test_the_rendered_connection_reaches_the_listener_over_validated_tls_with_the_chosen_auth(
    tmp_path: Path, pki, listener: _Listener, connection: str, auth: str
) -> None:
    registry = _registry(tmp_path / "reg", pki["ca"], connection, auth)
    evidence = tmp_path / "evidence"
    run = _audit(registry, listener.port, evidence)
    assert run.rc != 0, run.explain()
    # A rejected NTLM logon is a connection failure to both plugins; a CredSSP one is not (psrp maps
    # only its own exceptions to unreachable): the host's first task fails instead.
    assert run.recap[HOST]["unreachable" if auth == "ntlm" else "failed"] == 1, run.explain()
    # The TLS handshake succeeded against the consortium CA, and the plugin posted to the WSMan
    # endpoint with the authentication operations.windows chose ...
    assert listener.requests and {r["path"] for r in listener.requests} == {"/wsman"}, run.explain()
    authenticating = [r["authorization"] for r in listener.requests if "authorization" in r]
    assert authenticating, listener.requests
    scheme, _, token = authenticating[0].partition(" ")
    want_scheme, want_prefix = FIRST_TOKEN[auth]
    assert scheme == want_scheme and base64.b64decode(token).startswith(want_prefix), authenticating[0]
    # ... by the plugin the registry chose (each library names itself).
    assert {r["user-agent"] for r in listener.requests} == {USER_AGENT[connection]}, listener.requests
    assert PASSWORD not in run.output
    # The audit has evidence for the host: unreachable, every control with the plugin's message (one
    # line) as its reason, whichever way the plugin reported the rejected logon; nothing else claimed.
    doc = json.loads((evidence / f"{HOST}.json").read_text())
    assert doc["reachable"] is False, doc
    assert set(doc["summary"]["unreachable"]) == set(doc["controls"]) and doc["controls"], doc["summary"]
    reasons = {c["reason"] for c in doc["controls"].values()}
    assert len(reasons) == 1 and "\n" not in next(iter(reasons)), reasons
    assert REJECTED[connection, auth] in next(iter(reasons)), reasons
    # ... and the audit summary counts the host as unreachable.
    from tests.registry.helpers import cli

    report = cli("audit", "--registry", registry, "--evidence", evidence)
    assert report.code == 1 and "1 hosts baselined, 1 failing: 1 unreachable\n" in report.out, report.out


def test_a_certificate_from_another_ca_is_refused_before_any_request(
    tmp_path: Path, pki, listener: _Listener, connection: str
) -> None:
    registry = _registry(tmp_path / "reg", pki["other_ca"], connection)
    run = _audit(registry, listener.port, tmp_path / "evidence")
    assert run.recap[HOST]["unreachable"] == 1, run.explain()
    assert "CERTIFICATE_VERIFY_FAILED" in run.output or "certificate verify failed" in run.output, run.explain()
    assert listener.requests == [], "credentials reached a listener whose certificate did not validate"


@pytest.mark.parametrize(
    ("connection", "override", "fragment"),
    [
        ("psrp", {"ansible_psrp_cert_validation": "ignore"}, "certificate validation is 'ignore'"),
        ("psrp", {"ansible_psrp_protocol": "http"}, "the connection is http, not HTTPS"),
        (
            "psrp",
            {"ansible_psrp_ca_cert": "/nonexistent/ca.pem"},
            "/nonexistent/ca.pem does not exist on this controller",
        ),
        ("winrm", {"ansible_winrm_server_cert_validation": "ignore"}, "certificate validation is 'ignore'"),
        ("winrm", {"ansible_winrm_scheme": "http"}, "the connection is http, not HTTPS"),
        (
            "winrm",
            {"ansible_winrm_ca_trust_path": "/nonexistent/ca.pem"},
            "/nonexistent/ca.pem does not exist on this controller",
        ),
    ],
)
def test_an_override_that_weakens_the_connection_stops_before_connecting(
    tmp_path: Path, pki, listener: _Listener, connection: str, override: dict, fragment: str
) -> None:
    registry = _registry(tmp_path / "reg", pki["ca"], connection)
    run = _audit(registry, listener.port, tmp_path / "evidence", "-e", json.dumps(override))
    assert run.rc != 0 and run.recap[HOST]["failed"] == 1, run.explain()
    assert fragment in run.output, run.explain()
    assert listener.requests == [], "the play connected although its preflight refused the connection"
