"""Pulumi's wire values as plan-file JSON: secrets masked, unknowns marked, integral numbers as ints.

The engine receives a resource's inputs as a protobuf ``Struct`` whose special values are maps
carrying :data:`consortium.wire.SIG_KEY`; a plan file holds plain JSON with the masks of
:mod:`consortium.wire` in their place.
"""

from __future__ import annotations

import math
from typing import Any

from google.protobuf import json_format, struct_pb2

from consortium.wire import RESOURCE_SIG, SECRET, SECRET_SIG, SIG_KEY, UNKNOWN, UNKNOWN_VALUE


def plain(value: Any) -> Any:
    """A wire value as plain JSON: secrets masked, unknowns marked, integral floats as ints."""
    if isinstance(value, dict):
        sig = value.get(SIG_KEY)
        if sig == SECRET_SIG:
            return SECRET
        if sig == RESOURCE_SIG:
            return value.get("id") or value.get("urn")
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value == UNKNOWN_VALUE:
        return UNKNOWN
    return value


def value_to_python(value: struct_pb2.Value) -> Any:
    """One wire value as :func:`plain` would give it (the protobuf JSON printer's result, masked)."""
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        text = value.string_value
        return UNKNOWN if text == UNKNOWN_VALUE else text
    if kind == "number_value":
        number = value.number_value
        if math.isinf(number) or math.isnan(number):
            raise ValueError(f"not a JSON number: {number}")
        return int(number) if number.is_integer() else number
    if kind == "bool_value":
        return value.bool_value
    if kind == "struct_value":
        return struct_to_python(value.struct_value)
    if kind == "list_value":
        return [value_to_python(v) for v in value.list_value.values]
    return None


def struct_to_python(struct: struct_pb2.Struct) -> Any:
    """``plain(json_format.MessageToDict(struct))``, walking the message directly (several times
    faster; a test compares both). A struct carrying a signature (secret, resource reference, ...)
    goes through the original, so those stay exactly as :func:`plain` treats them."""
    fields = struct.fields
    if SIG_KEY in fields:
        return plain(json_format.MessageToDict(struct))
    return {key: value_to_python(value) for key, value in fields.items()}


def python_to_struct(values: dict[str, Any]) -> struct_pb2.Struct:
    """Plain values as the ``Struct`` a monitor answers with."""
    out = struct_pb2.Struct()
    out.update(values)
    return out


def provider_urn(reference: str) -> str | None:
    """The URN of a provider reference ``<urn>::<id>`` (URNs themselves contain ``::``); None for none."""
    return reference.rsplit("::", 1)[0] if reference else None
