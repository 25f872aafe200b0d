"""Plan records marshalled as the Pulumi engine marshals them for an analyzer.

The engine sends properties with ``KeepUnknowns`` and ``KeepSecrets`` (``MarshalProperties`` in
``pkg/resource/plugin``): a protobuf ``Struct`` (every number a double), an unknown as the string
sentinel ``UNKNOWN_VALUE``, a secret as ``{SIG_KEY: SECRET_SIG, "value": <plaintext>}``. A plan file
masks secrets (``SECRET``), so the plaintext sent here is a stand-in.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import struct_pb2
from pulumi.runtime.proto import analyzer_pb2

from consortium.wire import SECRET, SECRET_SIG, SIG_KEY, UNKNOWN, UNKNOWN_VALUE
from tests.audit.stack_export import export

SECRET_PLAINTEXT = "plan-secret-stand-in"  # what the engine would decrypt; the plan never holds it


def engine_value(value: Any) -> Any:
    """A plan value as the engine's property value (before protobuf turns numbers into doubles)."""
    if value == UNKNOWN:
        return UNKNOWN_VALUE
    if value == SECRET:
        return {SIG_KEY: SECRET_SIG, "value": SECRET_PLAINTEXT}
    if isinstance(value, dict):
        if value.get(SIG_KEY) == SECRET_SIG and "ciphertext" in value:  # state holds it encrypted
            return {SIG_KEY: SECRET_SIG, "value": SECRET_PLAINTEXT}
        return {k: engine_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [engine_value(v) for v in value]
    return value


def struct(props: dict[str, Any]) -> struct_pb2.Struct:
    out = struct_pb2.Struct()
    out.update(engine_value(props))
    return out


def options(parent: str | None, protect: bool = False) -> analyzer_pb2.AnalyzerResourceOptions:
    return analyzer_pb2.AnalyzerResourceOptions(parent=parent or "", protect=protect)


def analyze_request(rec: dict[str, Any]) -> analyzer_pb2.AnalyzeRequest:
    """``Analyze``/``Remediate`` for one resource: its inputs (what the program registered)."""
    return analyzer_pb2.AnalyzeRequest(
        type=rec["type"],
        properties=struct(rec.get("inputs", {})),
        urn=rec["urn"],
        name=rec["name"],
        options=options(rec.get("parent"), rec.get("protect") is True),
    )


def stack_request(records: list[dict[str, Any]], stack: str) -> analyzer_pb2.AnalyzeStackRequest:
    """``AnalyzeStack``: every resource of the stack with its outputs, parent and dependencies.

    Outputs are shaped as ``tests/audit/stack_export.py`` shapes deployed state from a plan (Azure's
    outputs: path parameters dropped; ``id``, ``name``, ``type``, ``provisioningState`` added); the
    stack's root resource and default provider come with them, as the engine sends them too.
    """
    resources = []
    for entry in export(records, stack)["deployment"]["resources"]:
        resources.append(
            analyzer_pb2.AnalyzerResource(
                type=entry["type"],
                properties=struct(entry.get("outputs") or {}),
                urn=entry["urn"],
                name=entry["urn"].rsplit("::", 1)[-1],
                options=options(entry.get("parent")),
                parent=entry.get("parent") or "",
                dependencies=entry.get("dependencies", []),
            )
        )
    return analyzer_pb2.AnalyzeStackRequest(resources=resources)
