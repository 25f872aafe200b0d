"""The fake Azure (consortium/plan/fake_azure.py): every id the example plans is a modelled Azure id."""

from __future__ import annotations

from consortium.plan.fake_azure import ARM_IDS, FALLBACK_PROVIDER
from consortium.plan.records import Plan, plan_json


def test_every_azure_id_is_modelled(example_plan, plan_member_at):
    """Ids come from FakeAzure's ARM templates; the fallback would mean an unmodelled type.

    The hub and every example member, plus a translated (NAT) town in the networking phase: the
    one member shape the example does not plan (its NAT rules on the hub gateway).
    """
    nat_member = plan_member_at("monona", 4)
    assert any(r.type == "azure-native:network:VirtualNetworkGatewayNatRule" for r in nat_member.records)
    plan = Plan(example_plan.consortium, (*example_plan.stacks, nat_member))
    azure = [r for r in plan.records if r.type.startswith("azure-native:") and r.custom]
    assert sorted({r.type for r in azure} - set(ARM_IDS)) == []
    assert [r.urn for r in azure if not r.id or FALLBACK_PROVIDER in r.id] == []
    assert FALLBACK_PROVIDER not in plan_json(plan)  # nor in any input that refers to one
