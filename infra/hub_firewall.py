"""The hub firewall: every spoke's way out, and the only path between spokes and shared services.

The policy says what the consortium promised its members: a member's spoke reaches the shared
services and the internet (web and time only), and never another member's spoke or any other
private range (another town hall's LAN). Azure Firewall denies whatever no rule allows; the
explicit deny collection makes the "no spoke to spoke" promise visible and keeps it true even if
someone widens the internet rule to ``*`` later, because the deny collection is evaluated first.

Zone-redundant where the hub's region has availability zones (``zones``: the firewall and its public
address span them; 99.99 % SLA with two or more zones). Azure sets a firewall's zones only when it is
deployed, so adding zones to a deployed firewall replaces it: `plan --against` shows the replacement,
and the README ("The resilient hub") says what it interrupts and when to run it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi_azure_native import network

from consortium.registry import naming

from .diagnostics import send_to_workspace
from .public_ip import hub_public_ip

# RFC 1918: other members' on-premises networks live here; spokes never reach them via the hub.
# Translated town LANs (the consortium's NAT pool) are added to these where the pool exists.
PRIVATE_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")

ALLOW_SHARED_SERVICES_PRIORITY = 100
DENY_BETWEEN_SPOKES_PRIORITY = 200
ALLOW_INTERNET_PRIORITY = 300


def _network_rule(
    name: str, sources: list[str], destinations: list[str], protocols: list[str], ports: list[str]
) -> network.NetworkRuleArgs:
    return network.NetworkRuleArgs(
        rule_type="NetworkRule",
        name=name,
        source_addresses=sources,
        destination_addresses=destinations,
        ip_protocols=protocols,
        destination_ports=ports,
    )


def _collection(
    name: str, priority: int, action: str, rules: list[network.NetworkRuleArgs]
) -> network.FirewallPolicyFilterRuleCollectionArgs:
    return network.FirewallPolicyFilterRuleCollectionArgs(
        rule_collection_type="FirewallPolicyFilterRuleCollection",
        name=name,
        priority=priority,
        action=network.FirewallPolicyFilterRuleCollectionActionArgs(type=action),
        rules=rules,
    )


def rule_collections(
    supernet: str, shared_services: str, nat_pool: str | None = None
) -> list[network.FirewallPolicyFilterRuleCollectionArgs]:
    """The spoke traffic policy, in evaluation order (lowest priority number first).

    ``nat_pool``: where translated town LANs live (outside RFC 1918, e.g. 100.64.0.0/16), denied
    to spokes like any other town's LAN; without it the internet rule would let a spoke reach
    another town's translated LAN on 80/443 through the gateway.

    Typed ``...Args`` objects, not dicts: rule collections and rules are union types, and the SDK
    only translates a dict's keys to wire names when it knows the type (a plan test guards this).
    """
    return [
        _collection(
            "allow-spokes-to-shared-services",
            ALLOW_SHARED_SERVICES_PRIORITY,
            "Allow",
            [_network_rule("spokes-to-shared-services", [supernet], [shared_services], ["Any"], ["*"])],
        ),
        _collection(
            "deny-between-spokes",
            DENY_BETWEEN_SPOKES_PRIORITY,
            "Deny",
            [
                _network_rule("spoke-to-spoke", [supernet], [supernet], ["Any"], ["*"]),
                _network_rule(
                    "spoke-to-private-ranges",
                    [supernet],
                    [*PRIVATE_RANGES, *([nat_pool] if nat_pool else [])],
                    ["Any"],
                    ["*"],
                ),
            ],
        ),
        _collection(
            "allow-spokes-to-internet",
            ALLOW_INTERNET_PRIORITY,
            "Allow",
            [
                _network_rule("web", [supernet], ["*"], ["TCP"], ["80", "443"]),
                _network_rule("time", [supernet], ["*"], ["UDP"], ["123"]),
            ],
        ),
    ]


def _first_private_ip(configs: list[Any] | None) -> str | None:
    """Azure gives the firewall the first free address of its subnet; we read it, never assume it."""
    return configs[0].private_ip_address if configs else None


@dataclass(frozen=True)
class HubFirewallArgs:
    consortium_slug: str
    resource_group_name: pulumi.Input[str]
    location: str
    firewall_subnet_id: pulumi.Input[str]
    supernet: str
    shared_services_prefix: str
    workspace_id: pulumi.Input[str]
    tags: dict[str, str]
    nat_pool: str | None = None  # translated town LANs (HubStack.nat_pool)
    zones: tuple[str, ...] = ()  # the hub region's availability zones (HubStack.zones); empty: regional


class HubFirewall(pulumi.ComponentResource):
    firewall: network.AzureFirewall
    private_ip: pulumi.Output[str]

    def __init__(self, name: str, args: HubFirewallArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("consortium:hub:Firewall", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        public_ip = hub_public_ip(
            naming.hub_public_ip(args.consortium_slug, "firewall"),
            resource_group_name=args.resource_group_name,
            location=args.location,
            tags=args.tags,
            zones=args.zones,
            parent=self,
        )
        policy_name = naming.hub_firewall_policy(args.consortium_slug)
        policy = network.FirewallPolicy(
            policy_name,
            firewall_policy_name=policy_name,
            resource_group_name=args.resource_group_name,
            location=args.location,
            sku={"tier": "Standard"},
            threat_intel_mode="Deny",
            # The spokes use the firewall as their DNS server, so the hub's private DNS zones resolve.
            dns_settings={"enable_proxy": True},
            tags=args.tags,
            opts=child,
        )
        rules = network.FirewallPolicyRuleCollectionGroup(
            f"{policy_name}-{naming.FIREWALL_RULE_COLLECTION_GROUP}",
            rule_collection_group_name=naming.FIREWALL_RULE_COLLECTION_GROUP,
            firewall_policy_name=policy.name,
            resource_group_name=args.resource_group_name,
            priority=200,
            rule_collections=rule_collections(args.supernet, args.shared_services_prefix, args.nat_pool),
            opts=child,
        )
        firewall_name = naming.hub_firewall(args.consortium_slug)
        self.firewall = network.AzureFirewall(
            firewall_name,
            azure_firewall_name=firewall_name,
            resource_group_name=args.resource_group_name,
            location=args.location,
            sku={"name": "AZFW_VNet", "tier": "Standard"},
            firewall_policy={"id": policy.id},
            ip_configurations=[
                {
                    "name": "ipconfig",
                    "subnet": {"id": args.firewall_subnet_id},
                    "public_ip_address": {"id": public_ip.id},
                }
            ],
            zones=list(args.zones) or None,
            tags=args.tags,
            # Azure rejects concurrent updates of a policy's rules and the firewall using it. Zones are set
            # at deployment only: a change replaces the firewall, deleted first (its name is fixed).
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=[rules], replace_on_changes=["zones"], delete_before_replace=True
            ),
        )
        send_to_workspace(firewall_name, self.firewall.id, args.workspace_id, metrics=True, parent=self)
        self.private_ip = self.firewall.ip_configurations.apply(_first_private_ip)
        self.register_outputs({"private_ip": self.private_ip})
