"""The offline runner's fast path: changes to the SDK's mock run that cannot show in a plan.

:func:`consortium.plan.runner.plan_stack` with ``fast=True`` runs the same program under the same
mock monitor as the SDK's default path; what differs is only work whose result a plan never sees.
Every item here keeps URNs, inputs and dependencies identical to the default path
(``tests/plan/test_fastpath.py`` compares both paths record by record, and the fast path's own
pieces one by one):

* :func:`drop_aliases` — every azure-native resource carries dozens of type aliases, which the
  SDK turns into URN outputs eagerly; aliases only matter for renames in existing state;
* :class:`InlineLoop` — the SDK hands every monitor call to the loop's default executor (a thread
  pool), since a real monitor is a gRPC server; the offline monitor answers in microseconds
  without I/O, so the call runs at once in the loop's thread and its result goes straight into an
  asyncio future (no thread hand-off, no concurrent future chained through the loop's self-pipe);
* :func:`sdk_shortcuts` — for the duration of one run: no Python stack trace per resource (the
  engine's source positions), no debug log messages built for a logger that drops them, no mock
  URN computed by ``register_resource`` for a monitor-less run that this is not, the SDK's pure
  type-metadata lookups memoised (``resource_types`` re-evaluates a resource class's annotations,
  copying its module's globals, on every registration), one future per output property instead
  of four and a task (:func:`_transfer_properties`), no end-of-run tracking for outputs that
  need no waiting for (:func:`_track_pending`), and an iterative search for unknowns;
* :func:`collector_session` / :func:`collect_stack` — the SDK leaves some 10,000 objects in
  reference cycles per stack; instead of the collector running every few hundred allocations and
  re-scanning everything that survived, it is off for the run and collects each stack's garbage
  right after it, freezing the survivors; a forked worker whose whole run fits a memory budget
  does not collect at all (it exits without the interpreter's exit collection);
* :func:`settle` — the SDK waits for outstanding outputs one at a time (quadratic in their
  number); the runner first waits for all of them at once, leaving the SDK's loop nothing to do.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import gc
import logging
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi import _types as sdk_types
from pulumi import log as sdk_log
from pulumi import output as sdk_output
from pulumi.output import Unknown, _OutputData
from pulumi.runtime import resource as sdk_resource
from pulumi.runtime import rpc as sdk_rpc
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
            stack = settings.get_stack() if stack is None else stack
            project = settings.get_project() if project is None else project
            prefix = f"urn:pulumi:{stack}::{project}::"
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


def _transfer_properties(res: pulumi.Resource, props: Any, custom: bool) -> dict[str, Callable[..., None]]:
    """``rpc.transfer_properties`` with one future per output property, as the SDK's own
    ``resource_output`` makes the ``urn`` and ``id`` outputs.

    The SDK's version gives every output property four futures (value, known, secret,
    dependencies) and a task that waits for all four to build the output's single
    ``_OutputData``; azure-native resources declare dozens of outputs each. Here the resolver
    builds that ``_OutputData`` itself: same value, known and secret flags, same dependency set
    (the resource plus what the engine reported), and the same exception when registration failed.

    These outputs are not added to the SDK's set of outputs to wait for at the end of the run
    (with a done-callback each to take them out again): they are resolved inside the registration
    RPC, which the end of the run awaits anyway and which fails itself if registration fails.
    """
    resolvers: dict[str, Callable[..., None]] = {}
    for name in props:
        if name == "urn" or (name == "id" and custom):
            continue  # handled by register_resource itself
        data: asyncio.Future[Any] = asyncio.Future()
        resolvers[name] = functools.partial(_resolve_output, res, data)
        output: pulumi.Output[Any] = pulumi.Output.__new__(pulumi.Output)  # _from_data, minus _track
        output._data = data
        res.__dict__[name] = output
    return resolvers


def _resolve_output(
    res: pulumi.Resource,
    data: asyncio.Future[Any],
    value: Any,
    is_known: bool,
    is_secret: bool,
    deps: set[pulumi.Resource] | None,
    failed: Exception | None,
) -> None:
    if failed is not None:
        data.set_exception(failed)
        return
    resources = set(deps) if deps else set()
    resources.add(res)
    data.set_result(_OutputData(resources=resources, value=value, is_known=is_known, is_secret=is_secret))


def _contains_unknowns(value: Any) -> bool:
    """``rpc.contains_unknowns`` without a recursive call and a generator per element: true iff an
    ``Unknown`` is reachable through dicts and lists (each container visited once). The SDK asks
    it of every value it wraps, output properties' included."""
    pending = [value]
    seen: set[int] = set()
    while pending:
        item = pending.pop()
        if isinstance(item, Unknown):
            return True
        if isinstance(item, dict | list) and id(item) not in seen:
            seen.add(id(item))
            pending.extend([item[key] for key in item] if isinstance(item, dict) else item)
    return False


_track = pulumi.Output._track


def _track_pending(self: pulumi.Output[Any]) -> None:
    """``Output._track`` for outputs not resolved yet: the SDK tracks every output so that the end
    of the run waits for it and re-raises its failure, with a done-callback to untrack it; an
    output created already resolved (``Output.from_input`` of a plain value, ...) has nothing to
    wait for or re-raise, and its callback would only take it out again on the next loop turn."""
    data = self._data
    if data.done() and not data.cancelled() and data.exception() is None:
        return
    _track(self)


# Pure functions of a class or type whose results the SDK only reads (dict lookups).
_MEMOISED = (
    "resource_types",
    "resource_pulumi_to_py_names",
    "input_type_types",
    "input_type_py_to_pulumi_names",
    "unwrap_type",
)
_MEMOS = {name: _memo_by_identity(getattr(sdk_types, name)) for name in _MEMOISED}


@contextmanager
def sdk_shortcuts() -> Iterator[None]:
    """Patch the SDK for one run (see the module docstring); everything is restored afterwards."""
    patches: list[tuple[Any, str, Any]] = [
        (sdk_resource, "_get_stack_trace", source_pb2.StackTrace),
        (sdk_resource, "create_urn", _create_urn(sdk_resource.create_urn)),
        *((sdk_types, name, memo) for name, memo in _MEMOS.items()),
        (sdk_rpc, "transfer_properties", _transfer_properties),
        (pulumi.Output, "_track", _track_pending),
        (sdk_rpc, "contains_unknowns", _contains_unknowns),
        (sdk_output, "contains_unknowns", _contains_unknowns),
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

# Objects a forked worker may leave uncollected: about 500 MB.
GARBAGE_BUDGET = 4_000_000
# Stacks whose objects project the rest of a worker's run; the projection starts after twice as
# many, since the first stacks also import modules (tens of thousands of objects).
PROJECTION_WINDOW = 8


@dataclass
class _Session:
    """The collector policy of one process's run of stacks (see :func:`collector_session`)."""

    stacks: int  # stacks this process expects to plan in the session
    collecting: bool  # collecting after every stack (from now on)
    planned: int = 0
    recent: deque[int] = field(default_factory=lambda: deque(maxlen=PROJECTION_WINDOW))

    def after_stack(self, made: int) -> None:
        """``made``: tracked objects the stack left (live or in cycles), first-time imports included."""
        self.planned += 1
        self.recent.append(made)
        pending = gc.get_count()[0]  # tracked objects created since the last collection
        if not self.collecting and self.planned >= 2 * PROJECTION_WINDOW:  # past the first ones' imports
            per_stack = sum(self.recent) / len(self.recent)
            self.collecting = pending + per_stack * max(self.stacks - self.planned, 0) > GARBAGE_BUDGET
        if self.collecting or pending > GARBAGE_BUDGET:
            self.collecting = True
            gc.collect()
            gc.freeze()


_SESSION: list[_Session] = []  # the open session of this process, if any


@contextmanager
def collector_session() -> Iterator[None]:
    """Collector off for a run of stacks in this process; :func:`collect_stack` collects each
    stack's garbage right after it.

    Each stack leaves some 10,000 objects in reference cycles (resources and their outputs'
    futures, callbacks, closures). Collecting them right after their stack is cheap: they are
    still in the CPU's caches (about half a microsecond each, where a collection of millions at
    once, or the interpreter's own at exit, costs twice that). What survives a stack (records,
    the hub's plan) is frozen out of later collections, and so is everything alive when the
    session opens: each object is scanned at most once. At the end everything frozen returns to
    the collector's oldest generation and the collector's previous state is restored.

    Forked workers (:func:`start_worker_session`) may skip collecting altogether: they end
    without the interpreter's exit collection.
    """
    if _SESSION:
        yield
        return
    enabled = gc.isenabled()
    gc.disable()
    gc.freeze()
    _SESSION.append(_Session(0, collecting=True))
    try:
        yield
    finally:
        _SESSION.clear()
        gc.unfreeze()
        if enabled:
            gc.enable()


def start_worker_session(stacks: int) -> None:
    """In a forked worker that expects to plan ``stacks`` stacks (its share of the members).

    A worker ends with ``os._exit`` (multiprocessing's forked processes do), without the
    interpreter's exit collection, so garbage it never collects costs it nothing but memory. It
    projects the garbage of its whole run from its last :data:`PROJECTION_WINDOW` stacks: while
    that fits :data:`GARBAGE_BUDGET`, nothing is collected; otherwise every stack's garbage is
    collected after it, as in the main process. The parent's session was open when the worker
    forked: what the parent made since is frozen here too (its memory pages stay shared).
    """
    _SESSION.clear()
    gc.disable()
    gc.freeze()
    _SESSION.append(_Session(stacks, collecting=False))


@contextmanager
def collect_stack() -> Iterator[None]:
    """Around one stack's run: in a session, no collection during it and the session's policy
    after it; outside a session, the collector runs less often during the stack (the SDK allocates
    many short-lived objects, and collecting every 700 allocations dominated the profile)."""
    if _SESSION:
        before = gc.get_count()[0]
        try:
            yield
        finally:
            _SESSION[0].after_stack(max(gc.get_count()[0] - before, 0))
        return
    saved = gc.get_threshold()
    gc.set_threshold(10_000, 10, 10)
    try:
        yield
    finally:
        gc.set_threshold(*saved)
