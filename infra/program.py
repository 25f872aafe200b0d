"""The program's entry point: read the stack's one config key, build the hub or a member.

``pulumi up`` (via :mod:`infra.__main__`) and ``consortium plan`` (via the mock runtime in
:mod:`consortium.plan.runner`) both call :func:`main`, so the offline plan is the real program.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

import pulumi
import pulumi_azuread as azuread
from pulumi_azure_native import authorization
from pydantic import Field, TypeAdapter, ValidationError

from consortium.registry.models import Service
from consortium.registry.stackconfig import AS_OF_KEY, BUDGET_START_KEY, CONFIG_KEY, PROJECT, HubStack, MemberStack

from .hub import Hub, HubArgs
from .hub_outputs import export_hub_outputs
from .member import Member, MemberArgs

_STACK = TypeAdapter(Annotated[HubStack | MemberStack, Field(discriminator="kind")])


def read_stack(raw: Any) -> HubStack | MemberStack:
    """Validate ``consortium:stack`` into the registry's own models; bad config is a one-line error each."""
    try:
        return _STACK.validate_python(raw)
    except ValidationError as exc:
        lines = [
            f"{PROJECT}:{CONFIG_KEY}: {'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        ]
        raise pulumi.RunError("\n".join(lines) + "\nre-render the stack config: consortium render") from None


def budget_start(config: pulumi.Config, today: date | None = None) -> date:
    value = config.get(BUDGET_START_KEY)
    if value:
        return date.fromisoformat(value)
    today = today or datetime.now(UTC).date()
    return today.replace(day=1)


def as_of(config: pulumi.Config, today: date | None = None) -> date:
    """The run's date, against which a leaving town's unhook date is compared: the ``as-of`` config
    key when set (the offline plan pins it, so a plan is reproducible), else today (UTC): the one
    place besides the budget start where the program reads the clock."""
    value = config.get(AS_OF_KEY)
    if value:
        return date.fromisoformat(value)
    return today or datetime.now(UTC).date()


def main() -> None:
    config = pulumi.Config(PROJECT)
    stack = read_stack(config.require_object(CONFIG_KEY))
    client_config = authorization.get_client_config_output()
    if isinstance(stack, HubStack):
        hub = Hub(
            "hub",
            HubArgs(
                stack=stack,
                tenant_id=client_config.tenant_id,
                subscription_id=client_config.subscription_id,
                deployer_object_id=client_config.object_id,
                as_of=as_of(config),
            ),
        )
        export_hub_outputs(hub.outputs)
        return

    services = set(stack.services)
    admin_object_ids = None
    if Service.IDENTITY in services:
        admin_object_ids = azuread.get_users_output(user_principal_names=list(stack.member.admins)).object_ids
    vpn_shared_keys = None
    if Service.NETWORKING in services:
        vpn_shared_keys = {
            site: config.require_secret(config_key) for site, config_key in sorted(stack.vpn_secret_keys.items())
        }
    member = Member(
        stack.member.slug,
        MemberArgs(
            stack=stack,
            tenant_id=client_config.tenant_id,
            subscription_id=client_config.subscription_id,
            budget_start=budget_start(config),
            as_of=as_of(config),
            admin_object_ids=admin_object_ids,
            vpn_shared_keys=vpn_shared_keys,
        ),
    )
    pulumi.export("resource_group_name", member.resource_group.name)
    pulumi.export("services", [s.value for s in stack.services])
