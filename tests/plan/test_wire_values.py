"""Wire values as plan-file JSON (consortium/plan/wire_values.py): the fast conversion is the printer's."""

from __future__ import annotations

import pytest
from google.protobuf import json_format, struct_pb2

from consortium import wire
from consortium.plan import wire_values


def test_struct_conversion_equals_the_protobuf_json_printer():
    value = {
        "int": 3.0,
        "float": 2.5,
        "big": 1e20,
        "text": "x",
        "unknown": wire.UNKNOWN_VALUE,
        "null": None,
        "flags": [True, False],
        "nested": {"list": [1.0, "s", {"deep": [2.0, None, wire.UNKNOWN_VALUE]}, []], "empty": {}},
        "secret": {wire.SIG_KEY: wire.SECRET_SIG, "value": "hunter2"},
        "ref": {wire.SIG_KEY: wire.RESOURCE_SIG, "urn": "urn:a", "id": wire.UNKNOWN_VALUE},
        "ref-no-id": {wire.SIG_KEY: wire.RESOURCE_SIG, "urn": "urn:b", "id": ""},
        "output": {wire.SIG_KEY: wire.OUTPUT_VALUE_SIG, "value": 3.0},
    }
    struct = struct_pb2.Struct()
    struct.update(value)
    expected = wire_values.plain(json_format.MessageToDict(struct))
    got = wire_values.struct_to_python(struct)
    assert got == expected
    assert got["secret"] == wire.SECRET and got["nested"]["list"][2]["deep"][2] == wire.UNKNOWN
    assert isinstance(got["int"], int) and isinstance(got["float"], float)
    bad = struct_pb2.Struct()
    bad.update({"n": float("nan")})
    with pytest.raises(ValueError):
        wire_values.struct_to_python(bad)
