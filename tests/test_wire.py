"""The wire-format markers in consortium.wire are the pinned Pulumi SDK's, so plans, state and policies agree."""

from __future__ import annotations

from pulumi.runtime import rpc

from consortium import wire


def test_markers_are_the_sdks() -> None:
    assert rpc._special_sig_key == wire.SIG_KEY
    assert rpc._special_secret_sig == wire.SECRET_SIG
    assert rpc._special_resource_sig == wire.RESOURCE_SIG
    assert rpc._special_output_value_sig == wire.OUTPUT_VALUE_SIG
    assert wire.UNKNOWN_VALUE == rpc.UNKNOWN


def test_plan_masks_are_not_wire_values() -> None:
    """A mask in a plan file can never be mistaken for a real value or a marker."""
    assert wire.SECRET != wire.UNKNOWN
    assert {wire.SECRET, wire.UNKNOWN}.isdisjoint({wire.SECRET_SIG, wire.UNKNOWN_VALUE})
