"""Anchor rules of other frameworks for the consortium's resource types, and what answers each.

An auditor cross-checks the standard against rules they already know: PSRule for Azure, Checkov and
the Microsoft cloud security benchmark (MCSB v1). Each anchor below is either covered by controls of
the catalog (their ``psrule``/``checkov``/``mcsb`` fields say the same from the other side) or is
*intentionally not enforced*, with the consortium's reason. Rule names are as their projects publish
them (PSRule: ``src/PSRule.Rules.Azure/rules/*.Rule.{ps1,yaml}``); none is invented.

So far the hub's network and resilience types are anchored (firewall, its policy, public addresses,
VPN gateway, virtual networks, the Log Analytics workspace); the other types' anchors are to come.
"""

from __future__ import annotations

from dataclasses import dataclass

FRAMEWORKS = ("psrule", "checkov", "mcsb")


@dataclass(frozen=True)
class Anchor:
    framework: str  # one of FRAMEWORKS
    rule: str  # the framework's own id
    title: str
    azure_type: str  # the ARM type it reads
    pillar: str  # PSRule's Well-Architected pillar, or the MCSB domain
    covered_by: tuple[str, ...] = ()  # control ids; empty: see ``not_enforced``
    not_enforced: str = ""  # why the consortium does not enforce it (then ``covered_by`` is empty)


ANCHORS: tuple[Anchor, ...] = (
    Anchor("psrule", "Azure.Firewall.AvailabilityZone", "Deploy firewall instances using availability zones",
           "Microsoft.Network/azureFirewalls", "Reliability", ("MCS-REL-001",)),
    Anchor("psrule", "Azure.Firewall.PolicyMode", "Deny high confidence malicious IP addresses, domains and URLs",
           "Microsoft.Network/firewallPolicies", "Security", ("MCS-NET-014",)),
    Anchor("psrule", "Azure.Firewall.Mode", "Deny on threat intel for classic managed firewalls",
           "Microsoft.Network/azureFirewalls", "Security", ("MCS-NET-014",)),
    Anchor("psrule", "Azure.PublicIP.AvailabilityZone", "Standard public IPs use availability zones",
           "Microsoft.Network/publicIPAddresses", "Reliability", ("MCS-REL-002",)),
    Anchor("psrule", "Azure.PublicIP.StandardSKU", "Public IPs use the Standard SKU",
           "Microsoft.Network/publicIPAddresses", "Reliability", ("MCS-REL-002",)),
    Anchor("psrule", "Azure.PublicIP.IsAttached", "Public IPs are attached or cleaned up",
           "Microsoft.Network/publicIPAddresses", "Security",
           not_enforced="judges exported state only; every address the program creates is attached to its hub "
           "appliance in the same deployment, and MCS-NET-006 forbids addresses in member stacks"),
    Anchor("psrule", "Azure.VNG.VPNAvailabilityZoneSKU", "VPN gateways use an availability zone SKU",
           "Microsoft.Network/virtualNetworkGateways", "Reliability", ("MCS-REL-003",)),
    Anchor("psrule", "Azure.VNG.VPNLegacySKU", "Migrate VPN gateways from legacy SKUs",
           "Microsoft.Network/virtualNetworkGateways", "Reliability", ("MCS-REL-003",)),
    Anchor("psrule", "Azure.VNG.VPNActiveActive", "VPN gateways are active-active",
           "Microsoft.Network/virtualNetworkGateways", "Reliability", ("MCS-REL-004",)),
    Anchor("psrule", "Azure.VNG.MaintenanceConfig", "Customer-controlled maintenance for gateways",
           "Microsoft.Network/virtualNetworkGateways", "Reliability", ("MCS-REL-005",)),
    Anchor("psrule", "Azure.VNET.UseNSGs", "Subnets have network security groups",
           "Microsoft.Network/virtualNetworks", "Security", ("MCS-NET-005",)),
    Anchor("psrule", "Azure.VNET.BastionSubnet", "A VNet with a GatewaySubnet has an AzureBastionSubnet",
           "Microsoft.Network/virtualNetworks", "Reliability",
           not_enforced="no Azure Bastion: the hub runs no virtual machines; the towns' machines are reached over "
           "their VPN, and break-glass is the Azure control plane (serial console, Run Command) with the "
           "emergency access accounts (README, 'The resilient hub'); a standing Basic Bastion, quoted at about "
           "$0.19 an hour (about $140 a month), would idle between emergencies"),
    Anchor("psrule", "Azure.VNET.SingleDNS", "VNets with custom DNS have at least two DNS servers",
           "Microsoft.Network/virtualNetworks", "Reliability",
           not_enforced="the spokes' one DNS server is the hub firewall's DNS proxy, itself zone-redundant "
           "(MCS-REL-001); a second server would resolve around the firewall and the private DNS zones"),
    Anchor("psrule", "Azure.LogAnalytics.Replication", "Log Analytics workspaces have workspace replication",
           "Microsoft.OperationalInsights/workspaces", "Reliability",
           not_enforced="the installed pulumi-azure-native (3.29.0) has no workspace replication property, so the "
           "program cannot set it; the rule is also in preview. Revisit when the SDK carries it"),
    Anchor("mcsb", "NS-1", "Establish network segmentation boundaries",
           "Microsoft.Network/firewallPolicies", "Network security",
           ("MCS-NET-005", "MCS-NET-014")),
    Anchor("mcsb", "NS-5", "Deploy DDoS protection",
           "Microsoft.Network/virtualNetworks", "Network security",
           not_enforced="DDoS Network Protection is quoted at about $2,944 a month per plan (DDoS IP Protection "
           "about $199 a month per address, so about $600 for the hub's three), more than the rest of a small "
           "hub; the hub's addresses serve the firewall's outbound traffic and the towns' tunnels, no town "
           "service is published to the internet, and Azure's free infrastructure DDoS protection covers them"),
    Anchor("checkov", "CKV_AZURE_216", "Ensure DenyIntelMode is set to Deny for Azure Firewalls",
           "Microsoft.Network/azureFirewalls", "Networking", ("MCS-NET-014",)),
)  # fmt: skip


def anchors(framework: str) -> list[Anchor]:
    """The anchors of one framework, by rule."""
    return sorted((a for a in ANCHORS if a.framework == framework), key=lambda a: a.rule)


def not_enforced() -> list[Anchor]:
    """Every anchor the consortium decided not to enforce, with its reason."""
    return sorted((a for a in ANCHORS if a.not_enforced), key=lambda a: (a.framework, a.rule))
