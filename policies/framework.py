"""Controls as lean functions with metadata, and the in-process evaluator.

A *resource control* looks at one resource (its type is in ``types``) and yields violation
messages. A *stack control* looks at a set of resources — one stack under CrossGuard, the whole
consortium under ``consortium audit`` — and yields ``(resource, message)`` pairs; it is how
tenant isolation and completeness are judged. Both receive the control's parameters, whose
defaults live with the control and are overridden from the registry (or the pack's config).

Resources carry ``props``: the inputs for a plan (what ``pulumi preview`` sends the engine) or the
outputs for deployed state (what Azure reports). azure-native uses the same camelCase names for
both, so a control reads one shape.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

_MISSING: Any = object()


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


ResourceCheck = Callable[[Resource, Mapping[str, Any]], Iterable[str]]
StackCheck = Callable[[Sequence[Resource], Mapping[str, Any]], Iterable[tuple[Resource | None, str]]]


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
        )

    return wrap


def require_value(
    r: Resource, path: str, *allowed: Any, message: str, unset: str | None = None, default: Any = None
) -> Iterator[str]:
    """Yield ``message`` when the property at ``path`` is none of ``allowed``: the one-property control.

    ``message`` is a format string over ``{path}`` and ``{value}``; ``unset`` stands in for a missing
    or empty value, ``default`` is what a missing property counts as. True and False match only
    themselves: CrossGuard hands numbers over as floats, and ``1.0 == True``.
    """
    value = r.get(path, default)
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
            for t in ctrl.types:
                for r in by_type.get(t, ()):
                    checks.append(Check(ctrl.id, r.member or "hub", r.urn, r.name))
                    for message in ctrl.check(r, params):  # type: ignore[call-arg]
                        findings.append(_finding(ctrl, r, message))
        else:
            seen = {r.member or "hub" for t in ctrl.types for r in by_type.get(t, ())}
            checks.extend(Check(ctrl.id, m, "", "") for m in members if m in seen)
            for r, message in ctrl.check(resources, params):  # type: ignore[call-arg,misc]
                findings.append(_finding(ctrl, r, message))
    return Evaluation(sorted(findings), sorted(checks))


def _finding(ctrl: Control, r: Resource | None, message: str) -> Finding:
    if r is None:
        return Finding(ctrl.id, "consortium", "", "", "", message)
    return Finding(ctrl.id, r.member or "hub", r.urn, r.type, r.name, message, r.stack)
