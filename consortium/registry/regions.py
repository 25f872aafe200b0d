"""Which Azure regions have availability zones: the one table the hub's zone redundancy reads.

Source: Microsoft, "Azure regions list" (learn.microsoft.com/azure/reliability/regions-list, the
``MicrosoftDocs/reliability-docs`` article dated 2025-09-23), column "Availability zone support",
public cloud only; regions marked "coming soon" there are left out. Every region with zones has
three ("1", "2", "3"). A region in neither table is not guessed: the hub there is planned without
zones and the plan says the table does not know the region (add it here, from that list).
"""

from __future__ import annotations

from dataclasses import dataclass

SOURCE = "Microsoft's Azure regions list (learn.microsoft.com/azure/reliability/regions-list, 2025-09-23)"
ZONES = ("1", "2", "3")

# Programmatic names with availability zone support.
WITH_ZONES = frozenset(
    {
        "australiaeast", "austriaeast", "belgiumcentral", "brazilsouth", "canadacentral", "centralindia",
        "centralus", "chilecentral", "eastasia", "eastus", "eastus2", "francecentral", "germanywestcentral",
        "indonesiacentral", "israelcentral", "italynorth", "japaneast", "japanwest", "koreacentral",
        "malaysiawest", "mexicocentral", "newzealandnorth", "northeurope", "norwayeast", "polandcentral",
        "qatarcentral", "southafricanorth", "southcentralus", "southeastasia", "spaincentral", "swedencentral",
        "switzerlandnorth", "uaenorth", "uksouth", "westeurope", "westus2", "westus3",
    }
)  # fmt: skip

# Programmatic names the same list shows without availability zones.
WITHOUT_ZONES = frozenset(
    {
        "australiacentral", "australiacentral2", "australiasoutheast", "brazilsoutheast", "canadaeast",
        "francesouth", "germanynorth", "koreasouth", "northcentralus", "norwaywest", "southafricawest",
        "southindia", "switzerlandwest", "uaecentral", "ukwest", "westcentralus", "westindia", "westus",
    }
)  # fmt: skip


@dataclass(frozen=True)
class ZoneSupport:
    """A region's zones (empty: none to use) and the sentence that says why, for the plan and the runbook."""

    location: str
    zones: tuple[str, ...]
    statement: str

    @property
    def zone_redundant(self) -> bool:
        return bool(self.zones)


def zone_support(location: str) -> ZoneSupport:
    """What the table knows of ``location``: zones 1-3, none, or not known (then none, and said so)."""
    if location in WITH_ZONES:
        return ZoneSupport(location, ZONES, f"{location} has availability zones 1, 2, 3 ({SOURCE})")
    if location in WITHOUT_ZONES:
        return ZoneSupport(location, (), f"{location} has no availability zones ({SOURCE}): the hub is regional")
    return ZoneSupport(
        location,
        (),
        f"{location}: no zones known (not in {SOURCE}; add it to consortium/registry/regions.py): the hub is regional",
    )
