"""The Retail Prices API client against a local server on 127.0.0.1 replaying recorded pages
(tests/data/retail-prices/, in the API's documented format): paging, an empty NextPageLink on a
full page, 429 with Retry-After, 500s, malformed pages. Backoff is injected, so nothing sleeps."""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from consortium.costs.meters import BY_KEY
from consortium.costs.prices import API_URL
from consortium.costs.retail_api import RetailPrices, fetch_price_file
from consortium.registry.errors import InputError

PAGES = Path(__file__).resolve().parent.parent / "data" / "retail-prices"
TODAY = date(2026, 12, 6)

Reply = tuple[int, dict[str, str], str]  # status, headers, page file name (or a literal body after "body:")


class Replay:
    """A local HTTP server answering Retail Prices API queries from recorded pages.

    ``routes[(meterName, skip)]`` is the list of replies for that query, served in order (the last
    one repeats); any other query gets an empty page. Recorded links to prices.azure.com are
    rewritten to this server, as a recording proxy would."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, int], list[Reply]] = {}
        self.seen: list[tuple[str, int]] = []
        replay = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
                where = query.get("$filter", [""])[0]
                meter = where.split("meterName eq '")[1].split("'")[0] if "meterName eq '" in where else ""
                key = (meter, int(query.get("$skip", ["0"])[0]))
                replay.seen.append(key)
                replies = replay.routes.get(key) or [(200, {}, "empty.json")]
                status, headers, name = replies.pop(0) if len(replies) > 1 else replies[0]
                body = name[5:] if name.startswith("body:") else (PAGES / name).read_text()
                data = body.replace(API_URL, replay.base_url).encode()
                self.send_response(status)
                for k, v in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/api/retail/prices"


@pytest.fixture
def replay() -> Iterator[Replay]:
    server = Replay()
    thread = threading.Thread(target=server.server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


def client(replay: Replay, waits: list[float]) -> RetailPrices:
    return RetailPrices(base_url=replay.base_url, sleep=waits.append, retries=3, backoff_s=0.5)


def test_pages_are_followed_through_next_page_link(replay: Replay) -> None:
    replay.routes[("Standard Deployment", 0)] = [(200, {}, "firewall-standard-deployment-page1.json")]
    replay.routes[("Standard Deployment", 100)] = [(200, {}, "firewall-standard-deployment-page2.json")]
    api = client(replay, [])
    items = api.items("eastus2", BY_KEY["firewall-standard-deployment"], "USD")
    assert len(items) == 101
    assert replay.seen == [("Standard Deployment", 0), ("Standard Deployment", 100)]


def test_a_full_page_with_an_empty_link_continues_with_skip(replay: Replay) -> None:
    replay.routes[("Standard IPv4 Static Public IP", 0)] = [(200, {}, "public-ip-page1-empty-link.json")]
    replay.routes[("Standard IPv4 Static Public IP", 100)] = [(200, {}, "public-ip-page2.json")]
    api = client(replay, [])
    assert len(api.items("eastus2", BY_KEY["public-ip-standard-static"], "USD")) == 101
    assert ("Standard IPv4 Static Public IP", 100) in replay.seen


def test_429_honours_retry_after_and_500_backs_off(replay: Replay) -> None:
    replay.routes[("Operations", 0)] = [
        (429, {"Retry-After": "7"}, "body:{}"),
        (500, {}, "body:oops"),
        (200, {}, "key-vault-operations.json"),
    ]
    waits: list[float] = []
    items = client(replay, waits).items("eastus2", BY_KEY["key-vault-operations"], "USD")
    assert [i["retailPrice"] for i in items] == [Decimal("0.03")]
    assert waits == [7.0, 1.0]  # Retry-After, then 0.5 s x 2^1


def test_a_server_that_keeps_failing_is_one_line_after_the_retries(replay: Replay) -> None:
    replay.routes[("Operations", 0)] = [(503, {}, "body:down")]
    waits: list[float] = []
    with pytest.raises(InputError) as err:
        client(replay, waits).items("eastus2", BY_KEY["key-vault-operations"], "USD")
    assert "still answered 503 after 4 tries" in str(err.value)
    assert waits == [0.5, 1.0, 2.0]


@pytest.mark.parametrize(
    ("reply", "field"),
    [
        ((200, {}, "malformed-missing-retailprice.json"), "Items[0].retailPrice: missing"),
        ((200, {}, 'body:{"Items": 3}'), "Items: missing or not a list"),
        ((200, {}, "body:<html>gateway</html>"), "not JSON"),
        ((404, {}, "body:no such thing"), "answered 404"),
    ],
)
def test_a_malformed_answer_names_the_url_and_field(replay: Replay, reply: Reply, field: str) -> None:
    replay.routes[("Operations", 0)] = [reply]
    with pytest.raises(InputError) as err:
        client(replay, []).items("eastus2", BY_KEY["key-vault-operations"], "USD")
    [problem] = err.value.problems
    assert problem.path.startswith(replay.base_url) and field in str(problem)


def test_a_price_file_from_the_api_keeps_origin_and_not_priced_meters(replay: Replay) -> None:
    replay.routes[("Standard Deployment", 0)] = [(200, {}, "firewall-standard-deployment-page1.json")]
    replay.routes[("Standard Deployment", 100)] = [(200, {}, "firewall-standard-deployment-page2.json")]
    replay.routes[("Operations", 0)] = [(200, {}, "key-vault-operations.json")]
    prices = fetch_price_file(client(replay, []), "eastus2", "USD", TODAY)
    firewall = prices.entry("firewall-standard-deployment")
    assert firewall is not None and firewall.price == "1.25" and firewall.origin == "api"
    assert firewall.as_of == date(2024, 4, 1) and "6a2d5ecd" in firewall.note
    vault = prices.entry("key-vault-operations")
    assert vault is not None and vault.amount == Decimal("0.03")
    vpn = prices.entry("vpn-gateway-vpngw2az")
    assert vpn is not None and vpn.price is None and vpn.origin == "not priced"


def test_the_query_filters_exactly_one_meter_in_one_region() -> None:
    api = RetailPrices()
    url = urllib.parse.unquote(api.query_url("centralus", BY_KEY["firewall-standard-data"], "USD"))
    assert url.startswith(API_URL + "?currencyCode='USD'&$filter=")
    wanted = "armRegionName eq 'centralus' and serviceName eq 'Azure Firewall' and meterName eq 'Standard Data "
    wanted += "Processed'"
    assert wanted in url
    assert "armRegionName eq 'Global'" in urllib.parse.unquote(
        api.query_url("centralus", BY_KEY["private-endpoint-hour"], "USD")
    )


@pytest.mark.parametrize("url", ["notaurl", "ftp://prices.example/api", "file:///etc/passwd", "https://"])
def test_an_api_url_that_is_not_http_is_one_line(url: str) -> None:
    # "notaurl" was urllib's ValueError ("unknown url type") as a traceback from `prices update`
    with pytest.raises(InputError) as err:
        RetailPrices(base_url=url)
    assert [str(p) for p in err.value.problems] == [
        f"--api-url: {url}: expected an http:// or https:// URL of the Retail Prices API"
    ]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        # found by fuzzing the answers: each was a traceback (pydantic's ValidationError, InvalidOperation)
        ("retailPrice", "true", "retailPrice: not a non-negative number: True"),
        ("retailPrice", "1e400", "retailPrice: not a plausible amount"),
        ("retailPrice", '"0.03"', "retailPrice: not a non-negative number: '0.03'"),
        ("tierMinimumUnits", '"abc"', "tierMinimumUnits: not a non-negative number: 'abc'"),
        ("tierMinimumUnits", "[0]", "tierMinimumUnits: not a non-negative number: [0]"),
    ],
)
def test_a_number_of_the_answer_that_is_no_price_is_one_line(
    replay: Replay, field: str, value: str, message: str
) -> None:
    page = json.loads((PAGES / "key-vault-operations.json").read_text())
    raw = json.dumps(page)
    item = json.dumps(page["Items"][0])
    changed = json.loads(item)
    changed[field] = "__VALUE__"
    body = raw.replace(item, json.dumps(changed).replace('"__VALUE__"', value))
    replay.routes[("Operations", 0)] = [(200, {}, "body:" + body)]
    with pytest.raises(InputError) as err:
        fetch_price_file(client(replay, []), "eastus2", "USD", TODAY)
    [problem] = err.value.problems
    assert problem.path.startswith(replay.base_url) and message in str(problem), str(problem)


def test_retry_after_is_capped_and_read_as_ascii_digits(replay: Replay) -> None:
    # a day's Retry-After would hang `prices update`; "²" passed isdigit() and crashed float()
    replay.routes[("Operations", 0)] = [
        (429, {"Retry-After": "86400"}, "body:{}"),
        (429, {"Retry-After": "\u00b2"}, "body:{}"),
        (200, {}, "key-vault-operations.json"),
    ]
    waits: list[float] = []
    client(replay, waits).items("eastus2", BY_KEY["key-vault-operations"], "USD")
    assert waits == [120.0, 1.0]  # the cap, then 0.5 s x 2^1
