"""Adapters from catalog controls to CrossGuard policies (used by ``policies/__main__.py`` only).

Importing this module does not start anything; only constructing ``PolicyPack`` does.

Inside a pack, ``pulumi_policy`` hands a policy read-only ``Mapping``/``Sequence`` proxies whose
numbers are doubles (protobuf ``Struct``), whose unknowns are the SDK's sentinel strings (reading
one raises) and, in remediations, whose secrets are ``Secret`` objects; the config is plain JSON
with doubles. :func:`plain` turns all of that, at this boundary only, into what ``consortium
audit`` hands the same controls in-process, so both runners give the same verdicts and messages.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyComplianceFramework,
    PolicyConfigSchema,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Secret,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy import proxy as _sdk_proxy
from pulumi_policy import secret as _sdk_secret
from pulumi_policy.proxy import UnknownValueError

from consortium.wire import SECRET, UNKNOWN

from .catalog import CATALOG
from .framework import Control, Resource, Verdict, resolve_params, verdicts

# Every unknown sentinel the SDK recognises (one per kind of value); the engine itself sends the string one.
SDK_UNKNOWNS = frozenset(
    getattr(_sdk_proxy, name) for name in dir(_sdk_proxy) if name.startswith("UNKNOWN_") and name.endswith("_VALUE")
)
# The SDK's proxies: read through ``["__target"]`` (as its own serializer does), so unknowns never raise.
_PROXIES = (_sdk_proxy._DictProxy, _sdk_proxy._ListProxy, _sdk_secret._DictSecretsProxy, _sdk_secret._ListSecretsProxy)


def plain(value: Any) -> Any:
    """A property or config value as the controls see it in-process (a plan record's shape).

    dict/list instead of proxies, integral doubles as ints (``7``, never ``7.0``), the SDK's
    unknowns as the plan's ``UNKNOWN`` and secrets as the plan's ``SECRET``.
    """
    if isinstance(value, _PROXIES):
        value = value["__target"]
    if isinstance(value, Secret):
        return SECRET
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, str):
        return UNKNOWN if value in SDK_UNKNOWNS else value
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        return [plain(v) for v in value]
    return value


_ENFORCEMENT = {
    "mandatory": EnforcementLevel.MANDATORY,
    "advisory": EnforcementLevel.ADVISORY,
    "disabled": EnforcementLevel.DISABLED,
}


def to_resource(
    type_: str, props: Mapping[str, Any], urn: str, name: str, parent: str | None = None, protect: bool = False
) -> Resource:
    """The control's view of a resource the engine sent (its properties made :func:`plain`)."""
    return Resource.at(urn, type_, plain(props), name=name, parent=parent, protect=protect)


def config(args: ResourceValidationArgs | StackValidationArgs, ctrl: Control) -> dict[str, Any]:
    """The control's parameters from the pack config (doubles back to ints, as the registry wrote them)."""
    return resolve_params(ctrl, plain(args.get_config()))


def _schema(ctrl: Control) -> PolicyConfigSchema | None:
    if not ctrl.params:
        return None
    return PolicyConfigSchema(
        properties={
            k: {"type": p.type, "default": p.default, "description": p.description, **p.schema}
            for k, p in ctrl.params.items()
        }
    )


class CannotJudgeYet(UnknownValueError):
    """Resources a policy could not judge because values they need are unknown until deployed.

    The SDK turns this error into its advisory "can't run policy ... during preview" diagnostic; the
    violations reported before it are kept, so a first preview still fails on what can be judged.
    """

    def __init__(self, lines: list[str]) -> None:
        Exception.__init__(self, "; ".join(lines))
        self.message = "; ".join(lines)


def _report(ctrl: Control, found: list[Verdict], report_violation: Any) -> None:
    """Violations at the policy's level; the resources that cannot be judged yet, after them, as one advisory."""
    pending = []
    for v in found:
        if v.advisory:
            where = f"{v.resource.type.rsplit(':', 1)[-1]} {v.resource.name}: " if v.resource else ""
            pending.append(where + v.message)
        else:
            report_violation(f"{ctrl.id}: {v.message}", v.resource.urn if v.resource else None)
    if pending:
        raise CannotJudgeYet(pending)


def _resource_validator(ctrl: Control) -> Callable[[ResourceValidationArgs, Any], None]:
    def validate(args: ResourceValidationArgs, report_violation: Any) -> None:
        if args.resource_type not in ctrl.types:
            return
        protect = bool(getattr(args.opts, "protect", False))
        r = to_resource(args.resource_type, args.props, args.urn, args.name, protect=protect)
        _report(ctrl, verdicts(ctrl, [r], config(args, ctrl)), report_violation)

    return validate


def _stack_validator(ctrl: Control) -> Callable[[StackValidationArgs, Any], None]:
    def validate(args: StackValidationArgs, report_violation: Any) -> None:
        resources = [
            to_resource(
                r.resource_type, r.props, r.urn, r.name, r.parent.urn if r.parent else None, bool(r.opts.protect)
            )
            for r in args.resources
        ]
        _report(ctrl, verdicts(ctrl, resources, config(args, ctrl)), report_violation)

    return validate


def policy(ctrl: Control) -> Policy:
    common: dict[str, Any] = {
        "name": ctrl.policy_name,
        # The engine prints "<description>\n<message>" under the policy name; the message already
        # starts with the control id, so the description is the title alone (the id once per diagnostic).
        "description": ctrl.title,
        # The engine starts the pack for one stack (PULUMI_STACK): a control mandatory on the hub is so there.
        "enforcement_level": _ENFORCEMENT[ctrl.level(os.environ.get("PULUMI_STACK", "")).value],
        "config_schema": _schema(ctrl),
        "severity": Severity(ctrl.severity.value),
        "framework": PolicyComplianceFramework(name="CIS Controls", version="8", reference=", ".join(ctrl.cis_v8)),
        "remediation_steps": ctrl.fix,
        "tags": [ctrl.area, *(f"cis-v8:{s}" for s in ctrl.cis_v8)]
        + ([f"cis-azure:{ctrl.cis_azure}"] if ctrl.cis_azure else []),
    }
    if ctrl.scope == "resource":
        return ResourceValidationPolicy(validate=_resource_validator(ctrl), **common)
    return StackValidationPolicy(validate=_stack_validator(ctrl), **common)


def policies() -> list[Policy]:
    """Every control CrossGuard can judge (see ``Control.crossguard``)."""
    return [policy(c) for c in CATALOG if c.crossguard]
