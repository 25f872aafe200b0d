"""A member's monthly consumption budget, scoped to its resource group.

The amount and the alert thresholds and contacts come from the registry (``MemberStack.budget``):
the member's billing contact and the consortium's finance office hear about it at each threshold,
and so does the service desk, through the member's action group (:mod:`infra.member_alerts`).
Azure wants the start date to be the first of a month no earlier than the current one, and a
changed start date would replace the budget, so the first value is kept (``ignore_changes``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pulumi
from pulumi_azure_native import consumption

from consortium.registry import naming


@dataclass(frozen=True)
class MemberBudgetArgs:
    member_slug: str
    scope: pulumi.Input[str]  # the member's resource group id
    amount: float
    thresholds: list[int]  # percent of the amount
    contacts: list[str]
    start: date  # first day of a month
    # The desk's action group(s): every threshold also raises an alert there.
    action_group_ids: tuple[pulumi.Input[str], ...] = ()


def notifications(
    thresholds: list[int], contacts: list[str], action_group_ids: tuple[pulumi.Input[str], ...] = ()
) -> dict[str, dict[str, object]]:
    """One alert per threshold on actual (not forecast) spending: e-mails, and the action groups given."""
    return {
        f"actual-{threshold}-percent": {
            "enabled": True,
            "operator": "GreaterThanOrEqualTo",
            "threshold": threshold,
            "threshold_type": "Actual",
            "contact_emails": contacts,
            **({"contact_groups": list(action_group_ids)} if action_group_ids else {}),
        }
        for threshold in thresholds
    }


class MemberBudget(pulumi.ComponentResource):
    budget: consumption.Budget

    def __init__(self, name: str, args: MemberBudgetArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("consortium:member:Budget", name, None, opts)
        if args.start.day != 1:
            raise ValueError(f"a budget starts on the first of a month, not {args.start.isoformat()}")
        budget_name = naming.budget(args.member_slug)
        self.budget = consumption.Budget(
            budget_name,
            budget_name=budget_name,
            scope=args.scope,
            amount=args.amount,
            category="Cost",
            time_grain="Monthly",
            time_period={"start_date": f"{args.start.isoformat()}T00:00:00Z"},
            notifications=notifications(args.thresholds, args.contacts, args.action_group_ids),
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["time_period"]),
        )
        self.register_outputs({"budget_id": self.budget.id})
