"""The Azure meters the consortium's plan needs a price for: the one list `prices update` fetches,
the price files hold and the estimate reads.

Each meter is named as the Azure Retail Prices API names it (``serviceName``, ``skuName``,
``meterName``, ``unitOfMeasure``; ``productName`` where one service has several products with the
same meter name). A name the API does not answer is reported "not priced", never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

# The region the API files a region-less meter under (Private Link, private DNS): such a meter is
# fetched from there and kept in every region's price file.
GLOBAL_REGION = "Global"


@dataclass(frozen=True)
class Meter:
    """One priced quantity: the API's names for it and how many units its price covers."""

    key: str  # the toolkit's stable name, used by the price files and the estimate
    service: str  # serviceName
    meter: str  # meterName
    unit: str  # unitOfMeasure the price is per ("1 Hour", "1 GB", "10K", "1/Month", "1 GB/Month")
    sku: str | None = None  # skuName, where the service has several
    product: str | None = None  # productName, where meter names repeat across products
    global_meter: bool = False  # priced in the API's "Global" region, not per region

    @property
    def per(self) -> Decimal:
        """How many units one price covers: "10K" is ten thousand operations, every other unit one."""
        return Decimal(10_000) if self.unit == "10K" else Decimal(1)

    @property
    def per_text(self) -> str:
        """The unit as the estimate's basis says it ("1.25/h", "0.03/10,000 operations")."""
        return UNIT_WORDS.get(self.unit, self.unit)


UNIT_WORDS = {"1 Hour": "h", "1 GB": "GB", "1 GB/Month": "GB-month", "10K": "10,000 operations", "1/Month": "month"}


def _firewall(tier: str) -> list[Meter]:
    return [
        Meter(f"firewall-{tier.lower()}-deployment", "Azure Firewall", f"{tier} Deployment", "1 Hour", sku=tier),
        Meter(f"firewall-{tier.lower()}-data", "Azure Firewall", f"{tier} Data Processed", "1 GB", sku=tier),
    ]


VPN_GATEWAY_SKUS = ("VpnGw1", "VpnGw2", "VpnGw3", "VpnGw1AZ", "VpnGw2AZ", "VpnGw3AZ")
STORAGE_TIERS = ("Hot", "Cool")
STORAGE_REDUNDANCY = ("LRS", "GRS")

METERS: tuple[Meter, ...] = (
    *_firewall("Standard"),
    *_firewall("Premium"),
    *_firewall("Basic"),
    *(Meter(f"vpn-gateway-{sku.lower()}", "VPN Gateway", sku, "1 Hour", sku=sku) for sku in VPN_GATEWAY_SKUS),
    Meter("vpn-s2s-tunnel", "VPN Gateway", "S2S Connection", "1 Hour"),
    Meter(
        "public-ip-standard-static",
        "Virtual Network",
        "Standard IPv4 Static Public IP",
        "1 Hour",
        sku="Standard",
        product="IP Addresses",
    ),
    Meter(
        "private-endpoint-hour",
        "Virtual Network",
        "Standard Private Endpoint",
        "1 Hour",
        product="Virtual Network Private Link",
        global_meter=True,
    ),
    Meter(
        "private-endpoint-data-in",
        "Virtual Network",
        "Standard Data Processed - Ingress",
        "1 GB",
        product="Virtual Network Private Link",
        global_meter=True,
    ),
    Meter(
        "private-endpoint-data-out",
        "Virtual Network",
        "Standard Data Processed - Egress",
        "1 GB",
        product="Virtual Network Private Link",
        global_meter=True,
    ),
    Meter("private-dns-zone", "Azure DNS", "Private Zone", "1/Month", global_meter=True),
    Meter("log-analytics-ingestion", "Log Analytics", "Analytics Logs Data Ingestion", "1 GB"),
    Meter("log-analytics-retention", "Log Analytics", "Analytics Logs Data Retention", "1 GB/Month"),
    Meter("key-vault-operations", "Key Vault", "Operations", "10K", sku="Standard"),
    Meter("backup-protected-instance", "Backup", "Protected Instances", "1/Month"),
    Meter("backup-storage-lrs", "Backup", "LRS Data Stored", "1 GB/Month"),
    Meter("backup-storage-grs", "Backup", "GRS Data Stored", "1 GB/Month"),
    *(
        Meter(
            f"storage-{tier.lower()}-{red.lower()}",
            "Storage",
            f"{tier} {red} Data Stored",
            "1 GB/Month",
            sku=f"{tier} {red}",
            product="General Block Blob v2",
        )
        for tier in STORAGE_TIERS
        for red in STORAGE_REDUNDANCY
    ),
)

BY_KEY: dict[str, Meter] = {m.key: m for m in METERS}
