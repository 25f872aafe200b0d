"""The Azure Retail Prices API (public, unauthenticated): one price file per region from it.

One query per meter (``$filter`` on ``armRegionName``, ``serviceName``, ``meterName`` and
``priceType``), pages followed through ``NextPageLink``; when that link is empty although the page
is full (100 items, a known fault of the API) the next page is asked for with ``$skip``. 429 and
5xx answers are retried with backoff (``Retry-After`` honoured); anything else wrong with an answer
is one ``InputError`` line naming the URL and the field, and nothing is written.

Numbers are parsed straight into ``Decimal`` (``parse_float``), never through a float.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from consortium.costs.meters import GLOBAL_REGION, METERS, Meter
from consortium.costs.prices import API_URL, PriceEntry, PriceFile
from consortium.money import parse_decimal
from consortium.registry.errors import fail

PAGE_SIZE = 100  # what the API returns per page at most
MAX_PAGES = 200  # a runaway pager (a link that loops) stops here: 20,000 items is far past any one meter
RETRIES = 5
TIMEOUT_S = 30
MAX_WAIT_S = 120.0  # the longest pause between retries, whatever Retry-After asks

# The fields of an item the toolkit reads; a page whose items lack one is not the documented format.
ITEM_FIELDS = (
    "currencyCode", "retailPrice", "unitPrice", "armRegionName", "effectiveStartDate", "meterId", "meterName",
    "productName", "skuName", "serviceName", "unitOfMeasure", "type",
)  # fmt: skip

Http = Callable[[str], tuple[int, dict[str, str], bytes]]


def urllib_get(url: str) -> tuple[int, dict[str, str], bytes]:
    """GET ``url``: status, headers and body, HTTP errors included (the caller decides on retries)."""
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers or {}), exc.read() or b""


@dataclass
class RetailPrices:
    """A client of the API at ``base_url``; ``http`` and ``sleep`` are injectable so tests neither
    reach the internet nor wait."""

    base_url: str = API_URL
    http: Http = urllib_get
    sleep: Callable[[float], None] = time.sleep
    retries: int = RETRIES
    backoff_s: float = 1.0
    requests: int = field(default=0, init=False)  # how many GETs were made (retries included)

    def __post_init__(self) -> None:
        # urllib raises ValueError on a URL without a scheme ("unknown url type"): a bad flag, one line
        parts = urllib.parse.urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise fail("--api-url", self.base_url, "expected an http:// or https:// URL of the Retail Prices API")

    def query_url(self, region: str, meter: Meter, currency: str, skip: int = 0) -> str:
        """The URL asking for ``meter``'s consumption prices in ``region`` (its "Global" region if it has no other)."""
        where = GLOBAL_REGION if meter.global_meter else region
        clauses = [
            f"armRegionName eq '{where}'",
            f"serviceName eq '{meter.service}'",
            f"meterName eq '{meter.meter}'",
            "priceType eq 'Consumption'",
        ]
        params = {"currencyCode": f"'{currency}'", "$filter": " and ".join(clauses)}
        if skip:
            params["$skip"] = str(skip)
        return f"{self.base_url}?{urllib.parse.urlencode(params, quote_via=urllib.parse.quote, safe=chr(39) + '$')}"

    def items(self, region: str, meter: Meter, currency: str) -> list[dict[str, Any]]:
        """Every item the API answers for ``meter`` in ``region``, across all pages."""
        url = self.query_url(region, meter, currency)
        items: list[dict[str, Any]] = []
        for _ in range(MAX_PAGES):
            page = self._page(url)
            items.extend(page["Items"])
            link = page.get("NextPageLink")
            if link:
                url = link
            elif len(page["Items"]) >= PAGE_SIZE:
                url = self.query_url(region, meter, currency, skip=len(items))  # the empty-link fault
            else:
                return items
        raise fail(url, "NextPageLink", f"more than {MAX_PAGES} pages for one meter: the pager loops")

    def _page(self, url: str) -> dict[str, Any]:
        status, _headers, body = self._get(url)
        try:
            page = json.loads(body.decode("utf-8"), parse_float=Decimal)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise fail(url, "", f"the API answered {status} with something that is not JSON ({exc})") from None
        if not isinstance(page, dict) or not isinstance(page.get("Items"), list):
            raise fail(url, "Items", "missing or not a list: not a Retail Prices API page")
        for i, item in enumerate(page["Items"]):
            if not isinstance(item, dict):
                raise fail(url, f"Items[{i}]", "not an object")
            for name in ITEM_FIELDS:
                if name not in item:
                    raise fail(url, f"Items[{i}].{name}", "missing")
        link = page.get("NextPageLink")
        if link is not None and not isinstance(link, str):
            raise fail(url, "NextPageLink", "not a string")
        return page

    def _get(self, url: str) -> tuple[int, dict[str, str], bytes]:
        for attempt in range(self.retries + 1):
            self.requests += 1
            try:
                status, headers, body = self.http(url)
            except OSError as exc:  # refused, reset, timed out: worth another try like a 503
                status, headers, body = 0, {}, str(exc).encode()
            if status == 200:
                return status, headers, body
            if status not in (0, 429) and status < 500:
                raise fail(url, "", f"the API answered {status}: {body[:200].decode('utf-8', 'replace')}")
            if attempt < self.retries:
                self.sleep(self._wait(headers, attempt))
        raise fail(url, "", f"the API still answered {status or 'no connection'} after {self.retries + 1} tries")

    def _wait(self, headers: dict[str, str], attempt: int) -> float:
        """Retry-After when the API gives seconds, else exponential backoff."""
        given = {k.lower(): v for k, v in headers.items()}.get("retry-after", "").strip()
        # ASCII digits only ("²".isdigit() is true, float() refuses it), and never past MAX_WAIT_S:
        # an answer asking for a day's wait would hang the command
        if given.isascii() and given.isdigit():
            return min(float(given), MAX_WAIT_S)
        return min(self.backoff_s * 2**attempt, MAX_WAIT_S)


def _number(url: str, field: str, value: Any) -> Decimal:
    """A number of the answer (JSON numbers arrive as Decimal): finite, 0 or more, plausible."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise fail(url, field, f"not a non-negative number: {value!r}")
    try:
        number = parse_decimal(str(value))
    except ValueError as exc:
        raise fail(url, field, str(exc)) from None
    if number < 0:
        raise fail(url, field, f"not a non-negative number: {value!r}")
    return number


def _pick(items: list[dict[str, Any]], meter: Meter, url: str) -> dict[str, Any] | None:
    """The current first-tier consumption price of exactly this meter (latest effective start)."""
    fits = [
        i
        for i in items
        if i["type"] == "Consumption"
        and i["serviceName"] == meter.service
        and i["meterName"] == meter.meter
        and (meter.sku is None or i["skuName"] == meter.sku)
        and (meter.product is None or i["productName"] == meter.product)
        and _number(url, "tierMinimumUnits", i.get("tierMinimumUnits", 0)) == 0
    ]
    return max(fits, key=lambda i: str(i["effectiveStartDate"]), default=None)


def _entry(client: RetailPrices, region: str, meter: Meter, currency: str, today: date) -> PriceEntry:
    url = client.query_url(region, meter, currency)
    item = _pick(client.items(region, meter, currency), meter, url)
    if item is None:
        return PriceEntry(
            key=meter.key,
            unit=meter.unit,
            price=None,
            origin="not priced",
            source=url,
            as_of=today,
            note=f"the API answered no first-tier consumption item for sku {meter.sku or 'any'}",
        )
    if item["currencyCode"] != currency:
        raise fail(url, "currencyCode", f"is {item['currencyCode']!r}, asked for {currency}")
    price = _number(url, "retailPrice", item["retailPrice"])
    if item["unitOfMeasure"] != meter.unit:
        return PriceEntry(
            key=meter.key,
            unit=meter.unit,
            price=None,
            origin="not priced",
            source=url,
            as_of=today,
            note=f"the API prices it per {item['unitOfMeasure']!r}, the toolkit expects {meter.unit!r}",
        )
    start = str(item["effectiveStartDate"])[:10]
    try:
        effective = date.fromisoformat(start)
    except ValueError:
        raise fail(url, "effectiveStartDate", f"not a date: {item['effectiveStartDate']!r}") from None
    return PriceEntry(
        key=meter.key,
        unit=meter.unit,
        price=str(price),
        origin="api",
        source=url,
        as_of=effective,
        note=f"meterId {item['meterId']}, {item['productName']}, {item['armRegionName']}, fetched {today}",
    )


def fetch_price_file(client: RetailPrices, region: str, currency: str, today: date) -> PriceFile:
    """Every meter of the catalog in ``region``, from the API; a meter it does not answer is "not priced"."""
    entries = [_entry(client, region, meter, currency, today) for meter in METERS]
    return PriceFile(format=1, region=region, currency=currency, fetched=today, source=client.base_url, meters=entries)
