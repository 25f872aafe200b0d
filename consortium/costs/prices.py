"""Price files: ``prices/azure-<region>.json`` in the registry, one per Azure region the plan uses.

A price file is written by ``consortium prices update`` from the Azure Retail Prices API, or by
hand from Microsoft's published prices where the API cannot be reached; every entry says which
of the two it came from, where and when, so no figure is unexplained::

    {
      "format": 1,
      "region": "eastus2",
      "currency": "USD",
      "fetched": "2026-12-06",                      # when the file was made
      "source": "https://prices.azure.com/api/retail/prices",   # or a note on the pages used
      "meters": [
        {"key": "firewall-standard-deployment",     # consortium.costs.meters
         "unit": "1 Hour",
         "price": "1.25",                           # decimal text; null when not priced
         "origin": "api" | "published" | "not priced",
         "source": "<URL the figure was read from>",
         "as_of": "2026-09-24",                     # the date the figure holds for (or was read)
         "note": "..."}                             # optional: region basis, meter id, why not priced
      ]
    }

Prices are decimal strings, never JSON numbers, so no figure passes through a float.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from consortium.costs.meters import BY_KEY, METERS, Meter
from consortium.money import parse_decimal
from consortium.registry.errors import fail
from consortium.registry.files import read_json
from consortium.registry.validation import parse_model

PRICE_FORMAT = 1
PRICES_DIR = "prices"
API_URL = "https://prices.azure.com/api/retail/prices"


def price_file_name(region: str) -> str:
    """The registry-relative path of ``region``'s price file."""
    return f"{PRICES_DIR}/azure-{region}.json"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PriceEntry(_Strict):
    """One meter's price in one region, with where it came from."""

    key: str
    unit: str
    price: str | None
    origin: Literal["api", "published", "not priced"]
    source: Annotated[str, StringConstraints(min_length=1)]
    as_of: date
    note: str = ""

    @field_validator("key")
    @classmethod
    def _known(cls, key: str) -> str:
        if key not in BY_KEY:
            raise ValueError(f"unknown meter {key!r}")
        return key

    @field_validator("price")
    @classmethod
    def _decimal(cls, price: str | None) -> str | None:
        if price is not None and parse_decimal(price) < 0:
            raise ValueError(f"must not be negative: {price!r}")
        return price

    @model_validator(mode="after")
    def _consistent(self) -> PriceEntry:
        meter = BY_KEY[self.key]
        if self.unit != meter.unit:
            raise ValueError(f"unit {self.unit!r} is not the meter's unit {meter.unit!r}")
        if (self.price is None) != (self.origin == "not priced"):
            raise ValueError('a price needs origin "api" or "published"; origin "not priced" needs price null')
        return self

    @property
    def amount(self) -> Decimal | None:
        return None if self.price is None else parse_decimal(self.price)


class PriceFile(_Strict):
    format: Literal[1]
    region: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9]{2,30}$")]
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
    fetched: date
    source: Annotated[str, StringConstraints(min_length=1)]
    meters: list[PriceEntry] = Field(min_length=1)

    @field_validator("format", mode="before")
    @classmethod
    def _whole_one(cls, value: Any) -> Any:
        # Literal[1] alone lets true and 1.0 pass as 1 (Python's equality)
        if type(value) is not int:
            raise ValueError(f"expected the number {PRICE_FORMAT}, got {value!r}")
        return value

    @field_validator("meters")
    @classmethod
    def _unique(cls, meters: list[PriceEntry]) -> list[PriceEntry]:
        keys = [m.key for m in meters]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise ValueError(f"meter listed twice: {', '.join(dupes)}")
        return meters

    def entry(self, key: str) -> PriceEntry | None:
        return next((m for m in self.meters if m.key == key), None)


@dataclass(frozen=True)
class Price:
    """What the estimate needs of a meter in a region: the amount per ``meter.per`` units, or why none."""

    meter: Meter
    region: str
    amount: Decimal | None
    origin: str
    source: str
    as_of: date | None

    @property
    def priced(self) -> bool:
        return self.amount is not None


class PriceBook:
    """The price files of the regions an estimate needs, read once."""

    def __init__(self, files: dict[str, PriceFile], currency: str) -> None:
        self.files = files
        self.currency = currency

    def price(self, key: str, region: str) -> Price:
        meter = BY_KEY[key]
        file = self.files.get(region)
        entry = file.entry(key) if file is not None else None
        if file is None or entry is None:
            why = f"no price file for {region}" if file is None else f"not in {price_file_name(region)}"
            return Price(meter, region, None, "not priced", why, None)
        # Not priced: the entry's note says why (what was searched, what the API answered).
        source = entry.source if entry.amount is not None else (entry.note or entry.source)
        return Price(meter, region, entry.amount, entry.origin, source, entry.as_of)


def read_price_file(path: Path, shown: str, *, region: str, currency: str) -> PriceFile:
    """Read and check ``region``'s price file; anything wrong is one ``InputError`` line per problem."""
    data = read_json(path, shown)
    if not isinstance(data, dict):
        raise fail(shown, "", "not a price file (expected a JSON object)")
    prices: PriceFile = parse_model(PriceFile, data, shown)
    if prices.region != region:
        raise fail(shown, "region", f"is {prices.region!r}, but the file is {region!r}'s")
    if prices.currency != currency:
        raise fail(shown, "currency", f"is {prices.currency}, the consortium's cost model uses {currency}")
    return prices


def load_prices(root: Path, regions: list[str], currency: str) -> PriceBook:
    """The price files of ``regions`` in the registry ``root``; a missing file leaves its region unpriced."""
    files = {}
    for region in regions:
        rel = price_file_name(region)
        if (root / rel).exists():
            files[region] = read_price_file(root / rel, rel, region=region, currency=currency)
    return PriceBook(files, currency)


def price_file_json(prices: PriceFile) -> str:
    """The file's text: meters in catalog order, keys sorted, so two runs give the same bytes."""
    order = {m.key: i for i, m in enumerate(METERS)}
    document: dict[str, Any] = prices.model_dump(mode="json")
    document["meters"] = sorted(document["meters"], key=lambda m: order[m["key"]])
    return json.dumps(document, indent=1, sort_keys=True) + "\n"
