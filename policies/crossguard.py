"""Adapters from catalog controls to CrossGuard policies (used by ``policies/__main__.py`` only).

Importing this module does not start anything; only constructing ``PolicyPack`` does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyComplianceFramework,
    PolicyConfigSchema,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from .catalog import CATALOG
from .framework import Control, Resource, resolve_params

_ENFORCEMENT = {
    "mandatory": EnforcementLevel.MANDATORY,
    "advisory": EnforcementLevel.ADVISORY,
    "disabled": EnforcementLevel.DISABLED,
}


def to_resource(type_: str, props: Mapping[str, Any], urn: str, name: str, parent: str | None = None) -> Resource:
    return Resource.at(urn, type_, props, name=name, parent=parent)


def _schema(ctrl: Control) -> PolicyConfigSchema | None:
    if not ctrl.params:
        return None
    return PolicyConfigSchema(
        properties={
            k: {"type": p.type, "default": p.default, "description": p.description} for k, p in ctrl.params.items()
        }
    )


def _resource_validator(ctrl: Control) -> Callable[[ResourceValidationArgs, Any], None]:
    def validate(args: ResourceValidationArgs, report_violation: Any) -> None:
        if args.resource_type not in ctrl.types:
            return
        r = to_resource(args.resource_type, args.props, args.urn, args.name)
        for message in ctrl.check(r, resolve_params(ctrl, args.get_config())):  # type: ignore[call-arg]
            report_violation(f"{ctrl.id}: {message}", args.urn)

    return validate


def _stack_validator(ctrl: Control) -> Callable[[StackValidationArgs, Any], None]:
    def validate(args: StackValidationArgs, report_violation: Any) -> None:
        resources = [
            to_resource(r.resource_type, r.props, r.urn, r.name, r.parent.urn if r.parent else None)
            for r in args.resources
        ]
        for r, message in ctrl.check(resources, resolve_params(ctrl, args.get_config())):  # type: ignore[call-arg,misc]
            report_violation(f"{ctrl.id}: {message}", r.urn if r else None)

    return validate


def policy(ctrl: Control) -> Policy:
    common: dict[str, Any] = {
        "name": ctrl.policy_name,
        "description": f"{ctrl.id}: {ctrl.title}",
        "enforcement_level": _ENFORCEMENT[ctrl.enforcement.value],
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
