"""A pool of shared cost: what the estimate and the bill hand to the cost-sharing formula."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Pool:
    """Costs the members share: the hub's resources that serve some services, or the consortium's
    own overhead. A member shares a pool when its phase gives it any of ``services``; an empty
    ``services`` means every member shares it (overhead, the service desk). ``not_priced`` counts
    the estimate's lines of the pool that have no price: left out of ``monthly``, never zero."""

    name: str
    services: frozenset[str]
    monthly: Decimal
    not_priced: int = 0
