"""The words a council reads: each service and each cost driver said plainly, and money as a person
writes it. One home for these phrases, so the HTML, the Markdown and the JSON say the same thing."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from consortium.money import cents
from consortium.registry.models import COST_DRIVERS, Service

# What each service gives a town, in words a council member knows (no product names unexplained).
SERVICE_WORDS: Mapping[Service, str] = {
    Service.SERVICE_DESK: "one help desk, run by the consortium, for your staff's computer problems and questions",
    Service.BACKUP: "your servers' backups to the consortium's vault and an offsite copy",
    Service.IDENTITY: "your staff's sign-in accounts in the consortium's shared directory, with a second check "
    "at sign-in (multi-factor authentication) and administrators of your own",
    Service.NETWORKING: "your offices joined to the consortium's network by an encrypted link (a VPN), behind "
    "the shared firewall",
}

# How each cost driver divides a shared cost, as a phrase after "x %".
DRIVER_WORDS: Mapping[str, str] = {
    "equal": "in equal parts",
    "population": "by population",
    "endpoints": "by the number of staff computers (endpoints)",
    "servers": "by the number of servers",
    "direct": "in proportion to each town's own Azure costs",
}
assert set(DRIVER_WORDS) == set(COST_DRIVERS)  # a new driver needs its words here

# The jargon the page cannot avoid, each with its one-line explanation.
HUB = (
    "the consortium's firewall, encrypted-link gateway, log store and key store in Azure, "
    "used by every town past the service desk"
)
MANDATORY = "a mandatory control is a rule of the consortium's security standard that every town must meet"


def money(amount: Decimal, currency: str) -> str:
    """``1,026.26 USD``: to the cent, with thousands separators."""
    return f"{cents(amount):,.2f} {currency}"


def percent(part: Decimal, whole: Decimal) -> str:
    """``20 %``, ``12.5 %``: a weight as a share of all the weights, without trailing zeros."""
    value = (part / whole * 100).quantize(Decimal("0.1"))
    return f"{value.normalize():f} %"


def formula_paragraph(weights: Mapping[str, Decimal], minimum: Decimal, currency: str) -> str:
    """The cost-sharing formula in one paragraph, from the consortium's own weights and minimum."""
    total = sum(weights.values(), Decimal(0))
    parts = [f"{percent(weights[d], total)} {DRIVER_WORDS[d]}" for d in COST_DRIVERS if weights.get(d) and total]
    split = ", ".join(parts[:-1]) + f" and {parts[-1]}" if len(parts) > 1 else (parts[0] if parts else "equally")
    text = (
        "Each town pays for its own Azure resources in full. The shared costs (the shared hub, and the "
        "consortium's staff, service desk and licences) are divided among the towns that use them: "
        f"{split}. A town pays part of a hub cost only when its services use it."
    )
    if minimum > 0:
        text += (
            f" Every town pays at least {money(minimum, currency)} a month of the shared costs; a town below that "
            "is raised to it and the others pay that much less."
        )
    return text
