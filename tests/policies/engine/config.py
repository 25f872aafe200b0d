"""The pack config as the engine reconciles it before ``Configure`` (``ReconcilePolicyPackConfig``).

Per policy: the schema defaults and the policy's own enforcement level, then the config file's
entries (a string is an enforcement level; an object may carry ``enforcementLevel`` and
properties); then every policy's properties are validated against its config schema (an object
with the schema's ``properties`` and ``required``), as the engine does with gojsonschema.
"""

from __future__ import annotations

from typing import Any

import jsonschema
from google.protobuf import json_format
from pulumi.runtime.proto import analyzer_pb2

LEVELS = {
    "advisory": analyzer_pb2.ADVISORY,
    "mandatory": analyzer_pb2.MANDATORY,
    "remediate": analyzer_pb2.REMEDIATE,
    "disabled": analyzer_pb2.DISABLED,
}


class ConfigError(ValueError):
    """The config file does not fit the pack: the engine refuses to run the preview."""


def _schema(info: analyzer_pb2.PolicyInfo) -> dict[str, Any] | None:
    if not info.HasField("configSchema"):
        return None
    schema: dict[str, Any] = {"type": "object"}
    properties = json_format.MessageToDict(info.configSchema.properties)
    if properties:
        schema["properties"] = properties
    if info.configSchema.required:
        schema["required"] = list(info.configSchema.required)
    return schema


def reconcile(info: analyzer_pb2.AnalyzerInfo, file_config: dict[str, Any]) -> dict[str, analyzer_pb2.PolicyConfig]:
    """The ``Configure`` request's entries: one per policy of the pack."""
    result: dict[str, tuple[int, dict[str, Any]]] = {}
    schemas: dict[str, dict[str, Any] | None] = {}
    for policy in info.policies:
        schema = schemas[policy.name] = _schema(policy)
        defaults = {k: v["default"] for k, v in (schema or {}).get("properties", {}).items() if "default" in v}
        result[policy.name] = (policy.enforcementLevel, defaults)
    for name, given in file_config.items():
        level, props = result.get(name, (analyzer_pb2.ADVISORY, {}))
        if isinstance(given, str):
            given = {"enforcementLevel": given}
        if not isinstance(given, dict):
            raise ConfigError(f"parsing {name!r}: {given!r} is not a valid value; must be a string or object")
        given = dict(given)
        if "enforcementLevel" in given:
            text = given.pop("enforcementLevel")
            if text not in LEVELS:
                raise ConfigError(f"parsing enforcement level for {name!r}: {text!r} is not a valid enforcement level")
            level = LEVELS[text]
        result[name] = (level, {**props, **given})
    for name, schema in schemas.items():
        if schema is None:
            continue
        # Defaults come back from GetAnalyzerInfo as doubles (7.0): like gojsonschema, Draft 7 counts
        # an integral number as an integer (Draft 4 would not).
        errors = sorted(e.message for e in jsonschema.Draft7Validator(schema).iter_errors(result[name][1]))
        if errors:
            raise ConfigError(f"{name}: {'; '.join(errors)}")
    out = {}
    for name, (level, props) in result.items():
        entry = analyzer_pb2.PolicyConfig(enforcementLevel=level)
        if props:
            entry.properties.update(props)
        out[name] = entry
    return out
