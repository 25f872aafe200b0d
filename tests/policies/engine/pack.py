"""The policy pack as a separate process, launched and driven as ``pulumi preview --policy-pack`` does.

The Python language host runs ``<venv>/bin/python -u -m pulumi.policy <engine address> <pack dir>``
with the pack directory as working directory, the virtualenv of ``PulumiPolicy.yaml`` and the
stack's ``PULUMI_*`` variables, then reads the pack's port from the first line of its stdout. The
engine then calls, in order: ``GetPluginInfo``, ``GetAnalyzerInfo``, ``ConfigureStack``,
``Configure``, ``Remediate`` and ``Analyze`` per resource, and ``AnalyzeStack`` once.
"""

from __future__ import annotations

import json
import os
import re
import selectors
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import yaml
from google.protobuf import empty_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc, engine_pb2_grpc

from tests.conftest import REPO

from .config import reconcile
from .marshal import analyze_request, stack_request

PACK_DIR = REPO / "policies"
PROJECT = "consortium"
START_TIMEOUT = 60.0  # seconds to the port line: generous, the machine is shared
CALL_TIMEOUT = 60.0
LEVEL_NAMES = {v: k for k, v in analyzer_pb2.EnforcementLevel.items()}


def venv_python(pack_dir: Path = PACK_DIR) -> Path:
    """The interpreter the language host picks: PulumiPolicy.yaml's ``runtime.options.virtualenv`` from the pack dir."""
    runtime = yaml.safe_load((pack_dir / "PulumiPolicy.yaml").read_text())["runtime"]
    return pack_dir / runtime["options"]["virtualenv"] / "bin" / "python"


class _Engine(engine_pb2_grpc.EngineServicer):
    """The engine's own service at the address the pack is given: records ``Log`` calls (the rest: unimplemented)."""

    def __init__(self) -> None:
        self.logs: list[Any] = []

    def Log(self, request: Any, context: Any) -> empty_pb2.Empty:
        self.logs.append(request)
        return empty_pb2.Empty()


# How pulumi_policy words an UnknownValueError: "can't run policy 'x' from policy pack 'p@v1' during preview: ..."
CANNOT_RUN = re.compile(r"^can't run policy '[^']+' from policy pack '[^']+' during preview: ")


@dataclass(frozen=True, order=True)
class Verdict:
    """One diagnostic as the engine reports it: control, resource, enforcement level, message."""

    control: str
    urn: str
    level: str
    message: str


@dataclass
class Preview:
    """What one run of the protocol returned."""

    info: analyzer_pb2.AnalyzerInfo
    diagnostics: list[analyzer_pb2.AnalyzeDiagnostic] = field(default_factory=list)
    remediations: list[analyzer_pb2.Remediation] = field(default_factory=list)
    not_applicable: list[analyzer_pb2.PolicyNotApplicable] = field(default_factory=list)

    def verdicts(self) -> list[Verdict]:
        """Diagnostics as verdicts: the message after the policy description, its ``<ID>: `` prefix read off."""
        descriptions = {p.name: p.description for p in self.info.policies}
        out = []
        for d in self.diagnostics:
            cid = d.policyName.upper()
            text = d.message
            head = descriptions.get(d.policyName, "") + "\n"
            if text.startswith(head):
                text = text[len(head) :]
            if text.startswith(f"{cid}: "):
                text = text[len(cid) + 2 :]
            level = LEVEL_NAMES[d.enforcementLevel].lower()
            if CANNOT_RUN.match(text):  # the SDK's advisory for what a first preview cannot judge: one per resource
                out.extend(Verdict(cid, d.urn, level, part) for part in CANNOT_RUN.sub("", text).split("; "))
            else:
                out.append(Verdict(cid, d.urn, level, text))
        return sorted(out)


class Pack:
    """One pack process for one stack (as one ``pulumi preview --stack <stack>`` starts it)."""

    def __init__(self, stack: str, *, stack_config: dict[str, str] | None = None, pack_dir: Path = PACK_DIR) -> None:
        self.stack = stack
        self.pack_dir = pack_dir
        self.stack_config = stack_config or {}
        self.engine = _Engine()
        self._server: grpc.Server | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process; closed in close()
        self._channel: grpc.Channel | None = None
        self.stub: analyzer_pb2_grpc.AnalyzerStub | None = None
        self.started_in = 0.0  # seconds from launch to the port line

    def __enter__(self) -> Pack:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSAFEPATH", "VIRTUAL_ENV")}
        env.update(
            PULUMI_ORGANIZATION="organization",
            PULUMI_PROJECT=PROJECT,
            PULUMI_STACK=self.stack,
            PULUMI_DRY_RUN="true",
            PULUMI_CONFIG=json.dumps(self.stack_config),
            VIRTUAL_ENV=str(venv_python(self.pack_dir).parent.parent),
        )
        return env

    def start(self) -> None:
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        engine_pb2_grpc.add_EngineServicer_to_server(self.engine, self._server)
        engine_port = self._server.add_insecure_port("127.0.0.1:0")
        self._server.start()
        command = [str(venv_python(self.pack_dir)), "-u", "-m", "pulumi.policy"]
        began = time.monotonic()
        self._proc = subprocess.Popen(
            [*command, f"127.0.0.1:{engine_port}", str(self.pack_dir)],
            cwd=self.pack_dir,
            env=self.environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            start_new_session=True,
        )
        port = self._read_port(began + START_TIMEOUT)
        self.started_in = time.monotonic() - began
        self._channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        self.stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)

    def _read_port(self, deadline: float) -> int:
        assert self._proc is not None and self._proc.stdout is not None
        stdout = self._proc.stdout
        line = b""
        with selectors.DefaultSelector() as sel:
            sel.register(stdout, selectors.EVENT_READ)
            while not line.endswith(b"\n"):
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    raise RuntimeError(f"the pack printed no port in {START_TIMEOUT:.0f} s: {self.stderr()}")
                chunk = os.read(stdout.fileno(), 1)
                if not chunk:
                    raise RuntimeError(f"the pack exited ({self._proc.wait()}) before its port: {self.stderr()}")
                line += chunk
        # Keep draining stdout so that a chatty pack can never block on a full pipe.
        threading.Thread(target=lambda: stdout.read(), daemon=True).start()
        return int(line.decode().strip())

    def stderr(self) -> str:
        self._stderr.seek(0)
        text = self._stderr.read().decode(errors="replace").strip()
        return text[-3000:] or "(nothing on stderr)"

    def close(self) -> None:
        if self._channel is not None:
            self._channel.close()
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(10)
        if self._proc is not None and self._proc.stdout is not None:
            self._proc.stdout.close()
        if self._server is not None:
            self._server.stop(0)
        self._stderr.close()

    def preview(self, records: Iterable[dict[str, Any]], file_config: dict[str, Any]) -> Preview:
        """The engine's calls for a preview of this stack (``records``: the whole plan; this stack's are sent)."""
        assert self.stub is not None, "start the pack first"
        stub, empty = self.stub, empty_pb2.Empty()
        everything = list(records)
        mine = [r for r in everything if r["stack"] == self.stack]
        stub.GetPluginInfo(empty, timeout=CALL_TIMEOUT)
        result = Preview(info=stub.GetAnalyzerInfo(empty, timeout=CALL_TIMEOUT))
        stub.ConfigureStack(
            analyzer_pb2.AnalyzerStackConfigureRequest(
                stack=self.stack, project=PROJECT, organization="organization", dry_run=True, config=self.stack_config
            ),
            timeout=CALL_TIMEOUT,
        )
        stub.Configure(
            analyzer_pb2.ConfigureAnalyzerRequest(policyConfig=reconcile(result.info, file_config)),
            timeout=CALL_TIMEOUT,
        )
        for rec in mine:
            request = analyze_request(rec)
            remediated = stub.Remediate(request, timeout=CALL_TIMEOUT)
            result.remediations.extend(remediated.remediations)
            analyzed = stub.Analyze(request, timeout=CALL_TIMEOUT)
            result.diagnostics.extend(analyzed.diagnostics)
            result.not_applicable.extend(analyzed.not_applicable)
        stacked = stub.AnalyzeStack(stack_request(mine, self.stack), timeout=CALL_TIMEOUT)
        result.diagnostics.extend(stacked.diagnostics)
        result.not_applicable.extend(stacked.not_applicable)
        return result


def stack_config(stack: str) -> dict[str, str]:
    """``PULUMI_CONFIG`` for a stack: its rendered stack file's config, every value as a string (objects as JSON)."""
    path = REPO / "stacks" / f"Pulumi.{stack}.yaml"
    config = (yaml.safe_load(path.read_text()) or {}).get("config") or {} if path.exists() else {}
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in config.items()}
