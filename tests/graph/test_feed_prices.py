"""Feed prices per currency: the list form, its checks, round trips; the currency table."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import Any

import pytest

from graph.currencies import ISO_4217, TERRITORY_CURRENCY, check_table, currency_of, minor_units
from graph.importers.feed_problems import FeedError
from graph.importers.feed_validation import parse_feed
from graph.importers.feed_writer import feed_line
from graph.prices import prices_in
from graph.release import Offer, PriceList
from graph.territories import ISO_3166_ALPHA2, territory_code
from tests.graph.test_feed_validation import EXAMPLE

USD = {"currency": "USD", "album": {"MP3_320": "7.99"}, "track": {"MP3_320": "0.99"}}
EUR = {"currency": "EUR", "album": {"MP3_320": "6.99"}, "track": {"MP3_320": "0.89"}}
GBP = {"currency": "GBP", "album": {"MP3_320": "5.99"}, "track": {"MP3_320": "0.79"}}
JPY = {"currency": "JPY", "album": {"MP3_320": "1500"}, "track": {"MP3_320": "200"}}


def with_prices(prices: Any, territories: list[str] | None = None) -> str:
    data = copy.deepcopy(EXAMPLE)
    data["prices"] = copy.deepcopy(prices)
    if territories is not None:
        data["rights"]["territories"] = territories
    return json.dumps(data)


def problems(text: str) -> list[str]:
    with pytest.raises(FeedError) as caught:
        parse_feed([text])
    return [str(p) for p in caught.value.problems]


def test_an_old_single_list_is_a_fallback_and_hashes_as_before() -> None:
    [release] = parse_feed([with_prices(USD)])
    assert (release.currency, release.price_lists, release.price_fallback) == ("USD", (), True)
    assert feed_line(release) == feed_line(parse_feed([feed_line(release)])[0])
    assert "fallback" not in feed_line(release)


def test_a_list_per_currency() -> None:
    [release] = parse_feed([with_prices([GBP, EUR, {**JPY, "fallback": False}], ["GB", "DE", "JP", "FR"])])
    assert release.currency == "GBP"
    assert not release.price_fallback
    assert [p.currency for p in release.price_lists] == ["EUR", "JPY"]
    assert release.price_lists[1] == PriceList("JPY", (Offer("MP3_320", Decimal(1500)),),
                                               (Offer("MP3_320", Decimal(200)),))
    assert parse_feed([feed_line(release)]) == [release]


def test_the_fallback_list_is_the_release_own_and_prices_the_rest() -> None:
    [release] = parse_feed([with_prices([EUR, {**USD, "fallback": True}], ["*"])])
    assert (release.currency, release.price_fallback) == ("USD", True)
    assert [p.currency for p in release.price_lists] == ["EUR"]
    assert parse_feed([feed_line(release)]) == [release]


@pytest.mark.parametrize(
    ("prices", "territories", "expected"),
    [
        ([EUR, GBP], ["DE", "GB", "JP", "US"], 'line 1: prices: no price where rights.territories sell: JP (JPY), '
         'US (USD); add a list in that currency or mark one "fallback": true'),
        ([EUR, {**EUR, "album": {"MP3_320": "7.99"}}], ["DE"], "line 1: prices[1].currency: EUR has two price lists"),
        ([{**EUR, "fallback": True}, {**USD, "fallback": True}], ["DE"],
         "line 1: prices: at most one price list may be the fallback"),
        ([EUR, {**GBP, "track": {"FLAC_16_44": "1.29"}}], ["DE", "GB"],
         "line 1: prices[1].track: must price the same formats as prices[0].track (MP3_320)"),
        ([{**JPY, "track": {"MP3_320": "199.50"}}], ["JP"], "line 1: prices[0].track.MP3_320: JPY amounts are whole"),
        ([{**EUR, "currency": "EUX"}], ["DE"], "line 1: prices[0].currency: EUX is not an ISO 4217 currency code in use"),
        ([{**EUR, "currency": "eur"}], ["DE"], "line 1: prices[0].currency: not a currency code (3 uppercase letters, ISO 4217)"),
        ([{**EUR, "fallback": "yes"}], ["DE"], "line 1: prices[0].fallback: must be true or false, not a string"),
        ([], ["DE"], "line 1: prices: must not be empty"),
        ({**EUR, "fallback": False}, ["DE", "GB"], 'line 1: prices: no price where rights.territories sell: GB (GBP); '
         'add a list in that currency or mark one "fallback": true'),
    ],
)
def test_bad_price_lists(prices: Any, territories: list[str], expected: str) -> None:
    assert problems(with_prices(prices, territories)) == [expected]


def test_worldwide_rights_need_a_fallback_and_name_a_few_unpriced_territories() -> None:
    [found] = problems(with_prices([EUR], ["*"]))
    assert found.startswith("line 1: prices: no price where rights.territories sell: AE (AED), AF (AFN), ")
    assert found.count("(") == 10
    assert " …; " in found


def test_a_territory_is_priced_from_its_currency_list_or_the_fallback() -> None:
    album = {"currency": "USD", "priceFallback": False,
             "priceLists": json.dumps([{"currency": "EUR", "album": {"MP3_320": "6.99"}, "track": {}}])}
    chosen = prices_in(album, "FR")
    assert chosen is not None
    assert (chosen.currency, chosen.album) == ("EUR", {"MP3_320": Decimal("6.99")})
    assert prices_in(album, "GB") is None
    assert prices_in({**album, "priceFallback": None}, "GB") == prices_in({"currency": "USD"}, "US")


def test_every_territory_has_a_currency() -> None:
    check_table()
    assert set(TERRITORY_CURRENCY) == ISO_3166_ALPHA2
    assert set(TERRITORY_CURRENCY.values()) <= ISO_4217
    assert [currency_of(t) for t in ("DE", "FR", "GB", "BR", "JP", "US", "CH")] == [
        "EUR", "EUR", "GBP", "BRL", "JPY", "USD", "CHF"]
    assert (minor_units("JPY"), minor_units("EUR"), minor_units("KWD")) == (0, 2, 3)


@pytest.mark.parametrize(("value", "expected"), [("gb", "GB"), ("Gb", "GB"), ("US", "US")])
def test_a_territory_in_any_case(value: str, expected: str) -> None:
    assert territory_code(value) == expected


@pytest.mark.parametrize(("value", "hint"), [("UK", "did you mean GB?"), ("usa", "two letters"), ("XX", "assigned"),
                                             (" GB", "two letters"), ("", "two letters"), ("ÄB", "two letters")])
def test_a_bad_territory(value: str, hint: str) -> None:
    with pytest.raises(ValueError, match=hint):
        territory_code(value)
