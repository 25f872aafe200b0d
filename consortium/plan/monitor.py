"""The recording monitor: every request of the Pulumi program, seen as the engine would see it.

:class:`RecordingMonitor` (a ``MockMonitor``) sees every ``RegisterResource`` and ``ReadResource``
request — type, name, parent, provider, dependencies and the inputs exactly as the engine would
get them (camelCase wire names, SDK defaults included) — and keeps a :class:`ResourceRecord` of
each, with secrets replaced by ``"[secret]"``. It answers from :class:`FakeAzure`.

Member stacks read the hub's outputs through a ``StackReference``; the monitor answers it with the
outputs of the offline hub plan, so a member's plan shows the hub's real (fake) ids. Reads are
records too, so dependencies always name a record.

With ``first_preview=True`` it answers as the engine does in a first ``pulumi preview`` (see
:mod:`consortium.plan.first_preview`): the inputs echoed, everything Azure computes unknown, no
ids; records then carry :data:`~consortium.wire.UNKNOWN` as their id, and the stack's exports are
kept as the engine receives them (``RegisterResourceOutputs``), unknowns included.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import empty_pb2, json_format
from pulumi.runtime import mocks
from pulumi.runtime.proto import resource_pb2

from consortium.plan.fake_azure import FakeAzure
from consortium.plan.first_preview import preview_outputs, wire_unknowns
from consortium.plan.records import ResourceRecord
from consortium.plan.wire_values import provider_urn, python_to_struct, struct_to_python
from consortium.wire import UNKNOWN

_STACK_TYPE = "pulumi:pulumi:Stack"
_STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference"


class _NoMocks(mocks.Mocks):
    """Every request is answered by :class:`RecordingMonitor` itself; these are never reached."""

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        raise AssertionError("RecordingMonitor answers new_resource")

    def call(self, args: mocks.MockCallArgs) -> dict[str, Any]:
        raise AssertionError("RecordingMonitor answers call")


class RecordingMonitor(mocks.MockMonitor):
    """Observe every request of the program; answer from :class:`FakeAzure`."""

    def __init__(
        self,
        stack: str,
        member: str | None,
        fake: FakeAzure,
        hub_outputs: dict[str, Any],
        *,
        first_preview: bool = False,
    ) -> None:
        super().__init__(_NoMocks())
        self.stack = stack
        self.member = member
        self.fake = fake
        self.hub_outputs = hub_outputs
        self.first_preview = first_preview
        self.records: list[ResourceRecord] = []
        self.stack_outputs: dict[str, Any] = {}  # the stack's exports as registered (plan form)
        self._stack_urn = ""

    def _record(self, urn: str, id_: str | None, request: Any, inputs: dict[str, Any], custom: bool) -> None:
        self.records.append(
            ResourceRecord(
                stack=self.stack,
                member=self.member,
                urn=urn,
                id=id_,
                type=request.type,
                name=request.name,
                custom=custom,
                parent=request.parent or None,
                provider=provider_urn(request.provider),
                dependencies=tuple(sorted(set(getattr(request, "dependencies", ())))),
                inputs=inputs,
                ignore_changes=tuple(sorted(set(getattr(request, "ignoreChanges", ())))),
                replace_on_changes=tuple(sorted(set(getattr(request, "replaceOnChanges", ())))),
                delete_before_replace=bool(getattr(request, "deleteBeforeReplace", False)),
                protect=bool(getattr(request, "protect", False)),
                retain_on_delete=bool(getattr(request, "retainOnDelete", False)),
            )
        )

    def RegisterResource(self, request: Any) -> Any:
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == _STACK_TYPE:
            self._stack_urn = urn
            return resource_pb2.RegisterResourceResponse(urn=urn)
        inputs = struct_to_python(request.object)
        if not request.custom:
            self._record(urn, None, request, inputs, False)
            return resource_pb2.RegisterResourceResponse(urn=urn, object=python_to_struct({}))
        id_, outputs = self.fake.new_resource(request.type, request.name, inputs, request.provider, urn)
        if self.first_preview:
            # An empty id is the engine's "not known until created"; the SDK reads it as unknown.
            outputs = preview_outputs(json_format.MessageToDict(request.object), outputs)
            self._record(urn, UNKNOWN, request, inputs, True)
            id_ = ""
        else:
            self._record(urn, id_, request, inputs, True)
        response = resource_pb2.RegisterResourceResponse(urn=urn, id=id_)
        response.object.update(outputs)  # in place: a Struct passed to the constructor would be copied
        return response

    def ReadResource(self, request: Any) -> Any:
        """Only the hub's StackReference is ever read; it is answered with the hub plan's outputs."""
        if request.type != _STACK_REFERENCE_TYPE:
            raise NotImplementedError(f"the offline runner cannot read {request.type} resources")
        urn = self.make_urn(request.parent, request.type, request.name)
        self._record(urn, request.id, request, {"name": request.id}, True)
        state = {"name": request.id, "outputs": wire_unknowns(self.hub_outputs), "secretOutputNames": []}
        return resource_pb2.ReadResourceResponse(urn=urn, properties=python_to_struct(state))

    def RegisterResourceOutputs(self, request: Any) -> Any:
        """Keep the stack's exports as the engine would store them (a component's outputs are not needed)."""
        if request.urn == self._stack_urn:
            self.stack_outputs = struct_to_python(request.outputs)
        return empty_pb2.Empty()

    def Invoke(self, request: Any) -> Any:
        result = self.fake.call(request.tok, struct_to_python(request.args))
        return resource_pb2.ResourceInvokeResponse(**{"return": python_to_struct(result)})
