"""Controls as lean functions with metadata, and the in-process evaluator.

A *resource control* looks at one resource (its type is in ``types``) and yields violation
messages. A *stack control* looks at a set of resources — one stack under CrossGuard, the whole
consortium under ``consortium audit`` — and yields ``(resource, message)`` pairs; it is how
tenant isolation and completeness are judged. Both receive the control's parameters, whose
defaults live with the control and are overridden from the registry (or the pack's config).

Resources carry ``props``: the inputs for a plan (what ``pulumi preview`` sends the engine) or the
outputs for deployed state (what Azure reports). azure-native uses the same camelCase names for
both, so a control reads one shape.

A value nobody can know before deployment (an id in a first preview) is the plan's mask
``consortium.wire.UNKNOWN``. A check that needs such a value says so for that resource alone: it
reads through :meth:`Resource.known` (which raises :class:`UnknownValue`) or yields an
:class:`Unknown`; :func:`verdicts` turns either into an advisory "cannot be judged until deployed"
finding on that resource, and a stack check written with :func:`each` goes on judging the others.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from consortium.registry.errors import shown_value
from consortium.wire import UNKNOWN, UNKNOWN_VALUE

_MISSING: Any = object()


def is_unknown(value: Any) -> bool:
    """True for a value that stays unknown until deployment: the plan's mask, or the engine's sentinel."""
    return isinstance(value, str) and value in (UNKNOWN, UNKNOWN_VALUE)


def unknown_path(value: Any, path: str = "") -> str | None:
    """The dotted path of the first unknown value in ``value`` (itself: ``path``), or None when all is known."""
    if is_unknown(value):
        return path
    if isinstance(value, Mapping):
        items: Iterable[tuple[Any, Any]] = value.items()
    elif isinstance(value, Sequence) and not isinstance(value, str | bytes):
        items = enumerate(value)
    else:
        return None
    for key, child in items:
        found = unknown_path(child, f"{path}.{key}" if path else str(key))
        if found is not None:
            return found
    return None


class UnknownValue(Exception):
    """A check read a value that is unknown until deployment; the resource cannot be judged yet."""

    def __init__(self, path: str, resource: Resource | None = None) -> None:
        super().__init__(f"{path} is not known until deployed")
        self.path = path
        self.resource = resource


class BadValue(Exception):
    """A check read a value of the wrong type (a number that is text, a list where a name belongs): no
    engine would deploy it, so the resource fails the control with a message naming the property."""

    def __init__(self, path: str, value: Any, expected: str, resource: Resource | None = None) -> None:
        super().__init__(f"{path} is {shown_value(value)}, not {expected}")
        self.resource = resource


@dataclass(frozen=True)
class Unknown:
    """Yielded by a check instead of a message: ``path`` (a property, or a sentence naming one) is unknown."""

    path: str


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class Enforcement(StrEnum):
    MANDATORY = "mandatory"
    ADVISORY = "advisory"
    DISABLED = "disabled"


def stack_of(urn: str) -> str:
    """``urn:pulumi:<stack>::<project>::...`` -> ``<stack>``."""
    return urn.split(":", 3)[2].split("::", 1)[0] if urn.startswith("urn:pulumi:") else ""


@dataclass(frozen=True)
class Resource:
    """One resource as a control sees it."""

    urn: str
    type: str
    name: str
    stack: str
    member: str | None  # the member slug; None for the hub
    props: Mapping[str, Any]
    parent: str | None = None
    id: str | None = None  # the provider id (Azure resource id, Entra object id) where known
    # The protect option: `pulumi up`/`destroy` refuse to delete the resource (plan record, state,
    # or the engine's resource options under CrossGuard).
    protect: bool = False

    @classmethod
    def at(
        cls,
        urn: str,
        type: str,
        props: Mapping[str, Any],
        *,
        name: str | None = None,
        stack: str | None = None,
        member: str | None = _MISSING,
        parent: str | None = None,
        id: str | None = None,
        protect: bool = False,
    ) -> Resource:
        """The resource at ``urn``: what a caller does not know is read from the URN.

        The name defaults to the URN's last part, the stack to the URN's stack, and the member to
        the stack (none for the hub); a plan names its member itself, so ``member=None`` is kept.
        """
        stack = stack_of(urn) if stack is None else stack
        return cls(
            urn=urn,
            type=type,
            name=urn.rsplit("::", 1)[-1] if name is None else name,
            stack=stack,
            member=(None if stack == "hub" else stack) if member is _MISSING else member,
            props=props,
            parent=parent,
            id=id,
            protect=protect,
        )

    def get(self, path: str, default: Any = None) -> Any:
        """``props`` at a dotted path (``properties.securitySettings.softDeleteSettings``)."""
        node: Any = self.props
        for part in path.split("."):
            if not isinstance(node, Mapping):
                return default
            node = node.get(part, _MISSING)
            if node is _MISSING:
                return default
        return node

    def known(self, path: str, default: Any = None) -> Any:
        """Like :meth:`get`, but raises :class:`UnknownValue` when the value (or anything in it) is unknown."""
        value = self.get(path, default)
        found = unknown_path(value, path)
        if found is not None:
            raise UnknownValue(found, self)
        return value

    def number(self, path: str, default: float | None = None) -> float | None:
        """A numeric property, ``default`` when absent or null: :class:`UnknownValue` when it is unknown
        until deployed, :class:`BadValue` when it is anything but a number."""
        value = self.known(path, default)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise BadValue(path, value, "a number", self)
        return value

    def azure_name(self, input_key: str) -> str:
        """The resource's Azure name: its name input in a plan, its ``name`` output in state."""
        return str(self.get(input_key) or self.get("name") or self.name)

    @property
    def azure_id(self) -> str:
        return str(self.id or self.get("id") or "")

    @property
    def label(self) -> str:
        return f"{self.type.rsplit(':', 1)[-1]} {self.name}"


@dataclass(frozen=True)
class Param:
    """A control parameter: its default, JSON type and meaning (becomes the pack's config schema)."""

    default: Any
    type: str  # JSON Schema type: integer, string, array, ...
    description: str
    # More JSON Schema keywords for the value (e.g. an object's keys and values), so the engine refuses a
    # pack config the check could not read before the pack runs.
    schema: Mapping[str, Any] = field(default_factory=dict)


Message = str | Unknown  # what a check yields for one resource: a violation, or "cannot judge this yet"
ResourceCheck = Callable[[Resource, Mapping[str, Any]], Iterable[Message]]
StackCheck = Callable[[Sequence[Resource], Mapping[str, Any]], Iterable[tuple[Resource | None, Message]]]


def each(
    resources: Iterable[Resource], judge: Callable[[Resource], Iterable[Message]]
) -> Iterator[tuple[Resource, Message]]:
    """Judge resources one by one for a stack check: an unknown value, or one of the wrong type, stops the
    judgement of its resource only."""
    for r in resources:
        try:
            for message in judge(r):
                yield r, message
        except (UnknownValue, BadValue) as e:
            yield r, _stopped(e)


@dataclass(frozen=True)
class Control:
    id: str  # stable: MCS-<AREA>-<NNN>
    title: str  # one line
    area: str
    rationale: str
    fix: str  # what to change, for the report
    types: tuple[str, ...]  # resource types the control reads
    severity: Severity
    enforcement: Enforcement
    cis_v8: tuple[str, ...]  # CIS Controls v8 safeguards (IG1 first)
    cis_azure: str | None  # CIS Microsoft Azure Foundations benchmark recommendation, where one exists
    params: Mapping[str, Param]
    check: ResourceCheck | StackCheck
    scope: str  # "resource" or "stack"
    # False where CrossGuard cannot judge (it hands policies secrets already decrypted): such a
    # control runs in `consortium audit` only, and the pack leaves it out.
    crossguard: bool = True
    # Stacks where the control is mandatory whatever its level (the Reliability area: advisory for a
    # council to see, mandatory on the hub every town depends on).
    mandatory_stacks: tuple[str, ...] = ()
    # The same check elsewhere, so an auditor can cross-check (empty: none exists): PSRule for Azure
    # rule names, Checkov check ids, Microsoft cloud security benchmark v1 controls.
    psrule: tuple[str, ...] = ()
    checkov: tuple[str, ...] = ()
    mcsb: tuple[str, ...] = ()

    def level(self, stack: str) -> Enforcement:
        """The control's enforcement on ``stack``'s resources."""
        return Enforcement.MANDATORY if stack in self.mandatory_stacks else self.enforcement

    @property
    def policy_name(self) -> str:
        """CrossGuard policy names: lowercase, e.g. ``mcs-sto-001``."""
        return self.id.lower()


def control(
    id: str,
    title: str,
    *,
    area: str,
    types: Sequence[str],
    severity: Severity,
    cis_v8: Sequence[str],
    rationale: str,
    fix: str,
    cis_azure: str | None = None,
    enforcement: Enforcement = Enforcement.MANDATORY,
    params: Mapping[str, Param] | None = None,
    scope: str = "resource",
    crossguard: bool = True,
    mandatory_stacks: Sequence[str] = (),
    psrule: Sequence[str] = (),
    checkov: Sequence[str] = (),
    mcsb: Sequence[str] = (),
) -> Callable[[Callable[..., Any]], Control]:
    """Decorate a check function into a :class:`Control` (the function stays callable as ``.check``)."""

    def wrap(fn: Callable[..., Any]) -> Control:
        return Control(
            id=id,
            title=title,
            area=area,
            rationale=rationale,
            fix=fix,
            types=tuple(types),
            severity=severity,
            enforcement=enforcement,
            cis_v8=tuple(cis_v8),
            cis_azure=cis_azure,
            params=dict(params or {}),
            check=fn,
            scope=scope,
            crossguard=crossguard,
            mandatory_stacks=tuple(mandatory_stacks),
            psrule=tuple(psrule),
            checkov=tuple(checkov),
            mcsb=tuple(mcsb),
        )

    return wrap


def require_value(
    r: Resource, path: str, *allowed: Any, message: str, unset: str | None = None, default: Any = None
) -> Iterator[str]:
    """Yield ``message`` when the property at ``path`` is none of ``allowed``: the one-property control.

    ``message`` is a format string over ``{path}`` and ``{value}``; ``unset`` stands in for a missing
    or empty value, ``default`` is what a missing property counts as. True and False match only
    themselves: CrossGuard hands numbers over as floats, and ``1.0 == True``. An unknown value
    raises :class:`UnknownValue` (the resource cannot be judged yet).
    """
    value = r.known(path, default)
    if not any(value is a if isinstance(a, bool) else value == a for a in allowed):
        yield message.format(path=path, value=unset if unset is not None and not value else value)


@dataclass(frozen=True, order=True)
class Finding:
    """A violation of a control by a resource (or by the stack, when ``urn`` is empty)."""

    control: str
    member: str  # slug, or "hub"
    urn: str
    resource_type: str
    resource_name: str
    message: str
    stack: str = field(default="", compare=False)
    # True when the resource could not be judged (an unknown value): advisory whatever the control's level.
    advisory: bool = False


def resolve_params(ctrl: Control, config: Mapping[str, Any] | None) -> dict[str, Any]:
    """The control's parameters: its defaults, overridden by ``config`` (keys it does not declare are ignored)."""
    values = {name: p.default for name, p in ctrl.params.items()}
    values.update({k: v for k, v in (config or {}).items() if k in ctrl.params})
    return values


@dataclass(frozen=True, order=True)
class Check:
    """One evaluated (control, subject) pair: a resource, or a member for stack controls."""

    control: str
    member: str
    urn: str  # empty for a member-level check of a stack control
    name: str


@dataclass(frozen=True)
class Evaluation:
    findings: list[Finding]
    checks: list[Check]


UNKNOWN_MESSAGE = "cannot be judged until deployed: {paths} not known yet"


@dataclass(frozen=True)
class Verdict:
    """What one control says about one resource (None: the stack as a whole)."""

    resource: Resource | None
    message: str
    advisory: bool = False  # the resource could not be judged: some value it needs is unknown


#: A resource that fails a control because one of its values has a type the control cannot read.
UNJUDGED = "a property has a value of the wrong type, so the control fails it"
#: What stops a check on a value: unknown until deployed, or of the wrong type (read through
#: Resource.number, or met by code that did not expect it).
STOPPED = (UnknownValue, BadValue, TypeError, ValueError)


def _stopped(e: Exception) -> Message:
    """The verdict of a check stopped by ``e``: advisory when the value is unknown, a failure otherwise."""
    if isinstance(e, UnknownValue):
        return Unknown(e.path)
    return str(e) if isinstance(e, BadValue) else f"{UNJUDGED}: {e}"


def verdicts(ctrl: Control, resources: Sequence[Resource], params: Mapping[str, Any]) -> list[Verdict]:
    """The control's violations on ``resources`` (all of them for a stack control, those of its types otherwise).

    Unknown values become one advisory verdict per resource naming the properties, after that
    resource's violations; in-process and CrossGuard both judge through here.
    """
    found: list[tuple[Resource | None, Message]] = []
    if ctrl.scope == "resource":
        for r in resources:
            if r.type in ctrl.types:
                try:
                    found.extend((r, m) for m in ctrl.check(r, params))  # type: ignore[call-arg]
                except STOPPED as e:
                    found.append((r, _stopped(e)))
    else:
        try:
            found.extend(ctrl.check(resources, params))  # type: ignore[call-arg,arg-type]
        except STOPPED as e:  # a check that stopped outside `each`: it judged no further
            found.append((getattr(e, "resource", None), _stopped(e)))
    out = [Verdict(r, m) for r, m in found if isinstance(m, str)]
    unknown: dict[str, tuple[Resource | None, list[str]]] = {}
    for r, m in found:
        if isinstance(m, Unknown):
            paths = unknown.setdefault(r.urn if r else "", (r, []))[1]
            if m.path not in paths:
                paths.append(m.path)
    for r, paths in unknown.values():
        text = (paths[0] + " is") if len(paths) == 1 else (", ".join(paths) + " are")
        out.append(Verdict(r, UNKNOWN_MESSAGE.format(paths=text), advisory=True))
    return out


def evaluate(
    controls: Sequence[Control],
    resources: Sequence[Resource],
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> Evaluation:
    """Run every control over the resources; findings and checks sorted (deterministic reports)."""
    by_type: dict[str, list[Resource]] = defaultdict(list)
    for r in resources:
        by_type[r.type].append(r)
    members = sorted({r.member or "hub" for r in resources})
    findings: list[Finding] = []
    checks: list[Check] = []
    for ctrl in controls:
        params = resolve_params(ctrl, (overrides or {}).get(ctrl.id))
        if ctrl.scope == "resource":
            mine = [r for t in ctrl.types for r in by_type.get(t, ())]
            checks.extend(Check(ctrl.id, r.member or "hub", r.urn, r.name) for r in mine)
        else:
            mine = list(resources)
            seen = {r.member or "hub" for t in ctrl.types for r in by_type.get(t, ())}
            checks.extend(Check(ctrl.id, m, "", "") for m in members if m in seen)
        findings.extend(_finding(ctrl, v) for v in verdicts(ctrl, mine, params))
    return Evaluation(sorted(findings), sorted(checks))


def _finding(ctrl: Control, v: Verdict) -> Finding:
    r = v.resource
    if r is None:
        return Finding(ctrl.id, "consortium", "", "", "", v.message, advisory=v.advisory)
    return Finding(ctrl.id, r.member or "hub", r.urn, r.type, r.name, v.message, r.stack, v.advisory)
