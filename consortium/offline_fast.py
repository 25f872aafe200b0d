"""The offline runner's fast path: changes to the SDK's mock run that cannot show in a plan.

:func:`consortium.offline.plan_stack` with ``fast=True`` runs the same program under the same mock
monitor as the SDK's default path; what differs is only work whose result a plan never sees.
Every item here keeps URNs, inputs and dependencies identical to the default path
(``tests/infra`` compares both paths record by record, and the fast path's own pieces one by one):

* :func:`drop_aliases` — every azure-native resource carries dozens of type aliases, which the
  SDK turns into URN outputs eagerly; aliases only matter for renames in existing state;
* :class:`InlineLoop` — the SDK hands every monitor call to the loop's default executor (a thread
  pool), since a real monitor is a gRPC server; the offline monitor answers in microseconds
  without I/O, so the call runs at once in the loop's thread and its result goes straight into an
  asyncio future (no thread hand-off, no concurrent future chained through the loop's self-pipe);
* :func:`sdk_shortcuts` — for the duration of one run: no Python stack trace per resource (the
  engine's source positions), no debug log messages built for a logger that drops them, no mock
  URN computed by ``register_resource`` for a monitor-less run that this is not, and two pure
  type-metadata lookups of the SDK memoised (they re-evaluate a resource class's annotations,
  copying its module's globals, on every registration);
* :func:`collector_session` / :func:`collect_stack` — the SDK leaves some 10,000 objects in
  reference cycles per stack (resources and their outputs' futures, callbacks, closures); instead
  of the collector running every few hundred allocations and re-scanning everything that survived,
  it is off for the run and collects between stacks only when a memory budget is spent, freezing
  what survives (records, modules, the hub's plan) out of later collections. Frozen before forking,
  the parent's objects are also never written to by the workers' collections, so their memory
  pages stay shared;
* :func:`settle` — the SDK waits for outstanding outputs one at a time (quadratic in their
  number); the runner first waits for all of them at once, leaving the SDK's loop nothing to do.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import gc
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pulumi
from pulumi import _types as sdk_types
from pulumi import log as sdk_log
from pulumi.runtime import resource as sdk_resource
from pulumi.runtime import settings
from pulumi.runtime.proto import source_pb2

# --------------------------------------------------------------------------- aliases


def drop_aliases(args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult | None:
    """Stack transformation: aliases only matter for renames in existing state, which a plan has none of."""
    if not args.opts.aliases:
        return None
    if type(args.opts) is pulumi.ResourceOptions:
        # What copy.copy does for a plain object, without its generic reduce protocol.
        opts = pulumi.ResourceOptions.__new__(pulumi.ResourceOptions)
        opts.__dict__.update(args.opts.__dict__)
    else:
        opts = copy.copy(args.opts)
    opts.aliases = None
    return pulumi.ResourceTransformationResult(args.props, opts)


# --------------------------------------------------------------------------- the event loop


class InlineLoop(asyncio.SelectorEventLoop):
    """An event loop whose default executor is the calling thread (see the module docstring).

    Only ``run_in_executor(None, ...)`` changes: the job runs before the call returns, and its
    result or exception is already set on the returned future, exactly what awaiting a pool
    thread's job would give, minus the hand-off.
    """

    def run_in_executor(self, executor: Any, func: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
        if executor is not None:
            return super().run_in_executor(executor, func, *args)
        self._check_closed()
        future = self.create_future()
        try:
            future.set_result(func(*args))
        except Exception as exc:
            future.set_exception(exc)
        return future


@contextmanager
def event_loop(inline: bool) -> Iterator[asyncio.AbstractEventLoop]:
    """A fresh event loop for one run, closed afterwards; the caller's loop is left alone."""
    try:
        previous: asyncio.AbstractEventLoop | None = asyncio.get_event_loop_policy().get_event_loop()
    except RuntimeError:
        previous = None
    loop = InlineLoop() if inline else asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
        asyncio.set_event_loop(previous)


# --------------------------------------------------------------------------- SDK shortcuts


def _no_debug(msg: str, resource: Any = None, stream_id: Any = None, ephemeral: Any = None) -> None:
    """``pulumi.log.debug`` when the mock engine's logger (the root logger) drops debug messages anyway."""


def _create_urn(original: Callable[..., Any]) -> Callable[..., Any]:
    """``create_urn`` that computes a URN of plain strings at once instead of through three outputs.

    ``register_resource`` computes a "mock URN" for every resource and uses it only when there is
    no monitor; the offline run always has one. Anything but plain strings goes to the SDK's own.
    """

    @functools.wraps(original)
    def create_urn(
        name: Any, type_: Any, parent: Any = None, project: str | None = None, stack: str | None = None
    ) -> pulumi.Output[str]:
        if not (isinstance(name, str) and isinstance(type_, str) and (parent is None or isinstance(parent, str))):
            return original(name, type_, parent, project, stack)
        if parent is not None:
            prefix = parent[0 : parent.rfind("::")] + "$"
        else:
            prefix = f"urn:pulumi:{stack or settings.get_stack()}::{project or settings.get_project()}::"
        return pulumi.Output.from_input(prefix + type_ + "::" + name)

    return create_urn


def _memo_by_identity(original: Callable[[Any], Any], limit: int = 50_000) -> Callable[[Any], Any]:
    """Memoise a pure one-argument function of type objects by the argument's identity.

    Identity, not equality: hashing large ``Union[...]`` types is itself a cost in the profile. The
    cache holds each key, so an id is never reused while cached; it is emptied when it grows past
    ``limit`` (types are created once per class, so a plan stays far below it).
    """
    cache: dict[int, tuple[Any, Any]] = {}

    @functools.wraps(original)
    def memo(value: Any) -> Any:
        hit = cache.get(id(value))
        if hit is not None and hit[0] is value:
            return hit[1]
        result = original(value)
        if len(cache) >= limit:
            cache.clear()
        cache[id(value)] = (value, result)
        return result

    return memo


_resource_types = _memo_by_identity(sdk_types.resource_types)
_unwrap_type = _memo_by_identity(sdk_types.unwrap_type)


@contextmanager
def sdk_shortcuts() -> Iterator[None]:
    """Patch the SDK for one run (see the module docstring); everything is restored afterwards."""
    patches: list[tuple[Any, str, Any]] = [
        (sdk_resource, "_get_stack_trace", source_pb2.StackTrace),
        (sdk_resource, "create_urn", _create_urn(sdk_resource.create_urn)),
        (sdk_types, "resource_types", _resource_types),
        (sdk_types, "unwrap_type", _unwrap_type),
    ]
    if not logging.getLogger().isEnabledFor(logging.DEBUG):
        patches.append((sdk_log, "debug", _no_debug))
    saved = [(owner, name, getattr(owner, name)) for owner, name, _ in patches]
    for owner, name, value in patches:
        setattr(owner, name, value)
    try:
        yield
    finally:
        for owner, name, value in saved:
            setattr(owner, name, value)


async def settle() -> None:
    """Wait for every pending registration and output at once, until none is left."""
    while True:
        with settings.SETTINGS.lock:
            pending = [t for t in settings.SETTINGS.outputs if not t.done()]
        pending += [t for t in settings.SETTINGS.rpc_manager.rpcs if not t.done()]
        if not pending:
            return
        await asyncio.wait(pending)


# --------------------------------------------------------------------------- the garbage collector

_SESSION: list[bool] = []  # non-empty while a collector session is open in this process
# Objects created since the last collection before one is due in a session: about 400 MB. Each
# stack leaves some 10,000 objects in reference cycles; collecting them costs the same whenever it
# happens (every object is scanned once), so a session collects only to bound its memory, and a
# worker that exits below the budget never pays for it.
GARBAGE_BUDGET = 3_000_000


@contextmanager
def collector_session() -> Iterator[None]:
    """Collector off for a run of many stacks; :func:`collect_stack` collects between stacks
    once :data:`GARBAGE_BUDGET` objects have piled up.

    Everything alive when the session opens is frozen first (never scanned again during it); at
    the end everything frozen returns to the collector's oldest generation and the collector's
    previous state is restored (what is left uncollected goes with its next collection).
    """
    if _SESSION:
        yield
        return
    enabled = gc.isenabled()
    gc.disable()
    gc.freeze()
    _SESSION.append(True)
    try:
        yield
    finally:
        _SESSION.clear()
        gc.unfreeze()
        if enabled:
            gc.enable()


@contextmanager
def collect_stack() -> Iterator[None]:
    """Around one stack's run: in a session, no collection during it, and after it one if the
    budget is spent, its survivors then frozen; outside a session, the collector runs less often
    during the stack (the SDK allocates many short-lived objects, and collecting every 700
    allocations dominated the profile)."""
    if _SESSION:
        try:
            yield
        finally:
            if gc.get_count()[0] >= GARBAGE_BUDGET:
                gc.collect()
                gc.freeze()
        return
    saved = gc.get_threshold()
    gc.set_threshold(10_000, 10, 10)
    try:
        yield
    finally:
        gc.set_threshold(*saved)


def start_worker_session() -> None:
    """A forked worker lives in the parent's session (it was open when the worker forked)."""
    if not _SESSION:
        gc.disable()
        gc.freeze()
        _SESSION.append(True)
