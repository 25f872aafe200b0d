"""What the engine answers in a first ``pulumi preview``: nothing Azure computes is known yet.

In a preview of stacks never deployed, the engine answers every registration with the resource's
inputs, every output that only Azure could fill (ids, names, principal ids, private addresses,
nested ones such as a subnet's id) unknown, and no resource id. :func:`preview_outputs` derives
that answer from the :class:`~consortium.plan.fake_azure.FakeAzure`'s full one: whatever the fake
adds to or changes in the inputs is what Azure computes, so it becomes the wire's unknown; the
inputs themselves go back exactly as the program sent them (its own unknowns and secrets kept).

A member reads the hub through a ``StackReference``; in a first preview the hub's exports hold the
plan's mask :data:`~consortium.wire.UNKNOWN`, which :func:`wire_unknowns` turns back into the
engine's unknown so the program sees unknowns, never the mask as a string.
"""

from __future__ import annotations

from typing import Any

from consortium.plan.wire_values import plain
from consortium.wire import SIG_KEY, UNKNOWN, UNKNOWN_VALUE


def preview_outputs(sent: Any, computed: Any) -> Any:
    """The outputs a first preview answers: ``computed`` with every value Azure computed unknown.

    ``sent`` is the registration's inputs in wire form (``MessageToDict`` of the request's
    ``Struct``: unknowns and secrets as the engine receives them); ``computed`` is the full fake
    Azure's answer, built from the same inputs in plan form. A value both hold alike is an input
    echoed back and keeps its wire form; anything else (added, changed, or a list whose length
    changed) is unknown.
    """
    if isinstance(computed, dict) and isinstance(sent, dict) and SIG_KEY not in sent:
        return {k: preview_outputs(sent[k], item) if k in sent else UNKNOWN_VALUE for k, item in computed.items()}
    if isinstance(computed, list) and isinstance(sent, list) and len(sent) == len(computed):
        return [preview_outputs(s, c) for s, c in zip(sent, computed, strict=True)]
    return sent if plain(sent) == computed else UNKNOWN_VALUE


def wire_unknowns(value: Any) -> Any:
    """A plan-form value (exports read back by a member) with the mask turned into the engine's unknown."""
    if isinstance(value, dict):
        return {key: wire_unknowns(item) for key, item in value.items()}
    if isinstance(value, list):
        return [wire_unknowns(item) for item in value]
    return UNKNOWN_VALUE if value == UNKNOWN else value
