"""Catalog feed validation: every rule, every problem at once, normal forms, and the way back."""

from __future__ import annotations

import copy
import json
import sqlite3
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from graph.importers.feed_problems import MAX_PROBLEMS_SHOWN, FeedError, Problem
from graph.importers.feed_validation import parse_feed, parse_feed_file
from graph.importers.feed_writer import feed_line, release_to_feed_dict, write_feed
from graph.release import Offer, PartyRef, Release, Rights, TrackRecord
from graph.release_rows import prepare_release
from graph.territories import CHINOOK_COUNTRY_CODES, ISO_3166_ALPHA2, chinook_country_code
from settings import PROJECT_ROOT

Json = dict[str, Any]

# The example of catalog-feed.md. An earlier version of the contract printed its UPC as
# 0602445790088, which fails the GS1 check (the check digit of 060244579008 is 1); the check
# digit test below makes sure that misprint stays rejected.
MISPRINTED_UPC = "0602445790088"
EXAMPLE: Json = {
    "upc": "0602445790081",
    "title": "Night Drive",
    "type": "ALBUM",
    "releaseDate": "2026-11-27",
    "artists": [{"key": "the-midnight", "name": "The Midnight"}],
    "label": {"key": "counter-records", "name": "Counter Records"},
    "genres": ["Electronic", "Synthwave"],
    "rights": {"territories": ["GB", "US", "DE"], "royaltyRate": "0.70", "start": "2026-11-27", "end": None},
    "prices": {
        "currency": "USD",
        "album": {"MP3_320": "7.99", "FLAC_16_44": "9.99"},
        "track": {"MP3_320": "0.99", "FLAC_16_44": "1.29"},
    },
    "tracks": [
        {
            "isrc": "USXYZ2600001",
            "title": "Gloria",
            "durationMs": 242000,
            "discNumber": 1,
            "trackNumber": 1,
            "composer": "T. McEwan",
            "artists": [{"key": "the-midnight", "name": "The Midnight"}],
        },
        {"isrc": "USXYZ2600002", "title": "Vampires", "durationMs": 318500, "discNumber": 1, "trackNumber": 2},
    ],
}


def gs1(body: str) -> str:
    """The body plus its GS1 check digit, computed here independently of the code under test."""
    weights = [3 if i % 2 == 0 else 1 for i in range(len(body))]
    total = sum(int(d) * w for d, w in zip(reversed(body), weights, strict=True))
    return body + str(-total % 10)


def example(**changes: Any) -> Json:
    data = copy.deepcopy(EXAMPLE)
    data.update(changes)
    return data


def line(data: Json) -> str:
    return json.dumps(data)


def problems(*lines: str) -> list[str]:
    with pytest.raises(FeedError) as caught:
        parse_feed(lines)
    return [str(p) for p in caught.value.problems]


def only_problem(data: Json) -> str:
    found = problems(line(data))
    assert len(found) == 1, found
    return found[0]


def edit(change: Callable[[Json], None]) -> Json:
    data = copy.deepcopy(EXAMPLE)
    change(data)
    return data


# --------------------------------------------------------------------------- valid feeds


def test_the_contract_example_parses_into_normalized_records() -> None:
    [release] = parse_feed([line(EXAMPLE)])
    assert release.key == release.upc == "0602445790081"
    assert release.title == "Night Drive"
    assert release.type == "ALBUM"
    assert release.release_date == date(2026, 11, 27)
    assert release.artists == (PartyRef("the-midnight", "The Midnight"),)
    assert release.label == PartyRef("counter-records", "Counter Records")
    assert release.genres == ("Electronic", "Synthwave")
    assert release.rights == Rights(("DE", "GB", "US"), Decimal("0.70"), date(2026, 11, 27), None)
    assert release.currency == "USD"
    assert release.album_offers == (Offer("MP3_320", Decimal("7.99")), Offer("FLAC_16_44", Decimal("9.99")))
    gloria, vampires = release.tracks
    assert gloria.key == gloria.isrc == "USXYZ2600001"
    assert (gloria.title, gloria.duration_ms, gloria.disc_number, gloria.track_number) == ("Gloria", 242000, 1, 1)
    assert gloria.composer == "T. McEwan"
    assert gloria.offers == (Offer("MP3_320", Decimal("0.99")), Offer("FLAC_16_44", Decimal("1.29")))
    assert gloria.genre == vampires.genre == "Electronic"  # the album's first genre
    assert vampires.artists == release.artists  # a track without artists has the album's
    assert vampires.composer is None


def test_the_contract_examples_old_misprinted_upc_fails_its_check_digit() -> None:
    assert only_problem(example(upc=MISPRINTED_UPC)) == "line 1: upc: not a valid UPC: wrong check digit (should be 1)"


def test_only_the_right_check_digit_passes_for_the_contract_example() -> None:
    body = EXAMPLE["upc"][:-1]
    assert gs1(body) == EXAMPLE["upc"]  # the contract's UPC, by the independent computation
    for digit in "0123456789":
        upc = body + digit
        if upc == EXAMPLE["upc"]:
            assert parse_feed([line(example(upc=upc))])[0].key == upc
        else:
            assert only_problem(example(upc=upc)) == "line 1: upc: not a valid UPC: wrong check digit (should be 1)"


def test_optional_fields_may_be_left_out_or_null() -> None:
    data = example(label=None)
    del data["genres"]
    del data["rights"]["start"]
    del data["rights"]["end"]
    del data["prices"]["album"]
    for track in data["tracks"]:
        track.pop("composer", None)
        track.pop("discNumber")
    [release] = parse_feed([line(data)])
    assert release.label is None
    assert release.genres == ()
    assert release.tracks[0].genre is None
    assert release.rights.start is None
    assert release.rights.end is None
    assert release.album_offers == ()
    assert [t.disc_number for t in release.tracks] == [1, 1]  # discNumber defaults to 1


def test_unknown_fields_are_ignored() -> None:
    data = example(mood="dark", marketing={"tagline": "x"})  # (explicit is a field now: test_feed_product_fields)
    data["tracks"][0]["bpm"] = 120
    data["rights"]["notes"] = "n/a"
    assert parse_feed([line(data)]) == parse_feed([line(EXAMPLE)])


def test_normal_forms() -> None:
    data = example(upc="602445790081", title="  Night Drive ")  # UPC-A: 12 digits
    data["tracks"][0]["isrc"] = "us-xyz-26-00001"
    data["tracks"].reverse()  # delivered out of order
    data["rights"]["territories"] = ["US", "GB", "DE"]
    data["rights"]["royaltyRate"] = "0.7"
    data["prices"]["track"]["MP3_320"] = "1"
    [release] = parse_feed([line(data)])
    assert release.key == release.upc == "0602445790081"
    assert release.title == "Night Drive"
    assert [t.key for t in release.tracks] == ["USXYZ2600001", "USXYZ2600002"]
    assert release.tracks[0].isrc == "USXYZ2600001"
    assert release.rights.territories == ("DE", "GB", "US")
    assert str(release.rights.royalty_rate) == "0.70"
    assert str(release.tracks[0].offers[0].price) == "1.00"


def test_worldwide_rights_and_known_good_real_codes() -> None:
    data = example(upc="036000291452")  # a real UPC-A
    data["rights"]["territories"] = ["*"]
    second = example(upc="4006381333931")  # a real EAN-13
    second["tracks"] = [dict(t, isrc=f"GBAYE0{i}00001") for i, t in enumerate(second["tracks"])]
    first, other = parse_feed([line(data), line(second)])
    assert first.key == "0036000291452"
    assert first.rights.territories == ("*",)
    assert other.key == "4006381333931"


def test_blank_lines_are_skipped_but_counted() -> None:
    bad = example(upc=gs1("000000000001"), type="LP")
    bad["tracks"] = [dict(t, isrc=f"QZABC2600{i}01") for i, t in enumerate(bad["tracks"])]
    assert problems("", line(EXAMPLE), "   ", line(bad), "\n") == [
        "line 4: type: must be one of ALBUM, EP, SINGLE, COMPILATION"
    ]
    assert len(parse_feed(["\n", line(EXAMPLE) + "\n", "\r\n"])) == 1


def test_an_empty_feed_has_no_releases() -> None:
    assert parse_feed([]) == []
    assert parse_feed(["", "  "]) == []


# --------------------------------------------------------------------------- line-level


def test_invalid_json() -> None:
    assert problems('{"upc": ')[0].startswith("line 1: not valid JSON: Expecting value")
    assert problems('{"upc": NaN}')[0].startswith("line 1: not valid JSON: NaN is not JSON")


@pytest.mark.parametrize(
    ("text", "kind"), [("[1, 2]", "a list"), ('"x"', "a string"), ("3", "a number"), ("null", "null")]
)
def test_a_line_that_is_not_an_object(text: str, kind: str) -> None:
    assert problems(text) == [f"line 1: not a JSON object (got {kind})"]


def test_a_key_given_twice_in_an_object() -> None:
    text = line(EXAMPLE)[:-1] + ', "title": "Other"}'
    assert problems(text) == ["line 1: title: appears more than once in this object"]


# --------------------------------------------------------------------------- required fields and types


@pytest.mark.parametrize("field", ["upc", "title", "type", "releaseDate", "artists", "rights", "prices", "tracks"])
def test_required_top_level_fields(field: str) -> None:
    data = copy.deepcopy(EXAMPLE)
    del data[field]
    assert only_problem(data) == f"line 1: {field}: is required"
    assert only_problem(example(**{field: None})) == f"line 1: {field}: is required"


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("rights", "territories"),
        ("rights", "royaltyRate"),
        ("prices", "currency"),
    ],
)
def test_required_nested_fields(path: str, field: str) -> None:
    data = copy.deepcopy(EXAMPLE)
    del data[path][field]
    assert only_problem(data) == f"line 1: {path}.{field}: is required"


@pytest.mark.parametrize("field", ["isrc", "title", "durationMs", "trackNumber"])
def test_required_track_fields(field: str) -> None:
    data = copy.deepcopy(EXAMPLE)
    del data["tracks"][1][field]
    assert only_problem(data) == f"line 1: tracks[1].{field}: is required"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"upc": 602445790081}, "upc: must be a string, not a number"),
        ({"title": 5}, "title: must be a string, not a number"),
        ({"title": "   "}, "title: must not be blank"),
        ({"type": "LP"}, "type: must be one of ALBUM, EP, SINGLE, COMPILATION"),
        ({"type": "album"}, "type: must be one of ALBUM, EP, SINGLE, COMPILATION"),
        ({"artists": "The Midnight"}, "artists: must be a list, not a string"),
        ({"artists": []}, "artists: must not be empty"),
        ({"artists": ["the-midnight"]}, "artists[0]: must be an object, not a string"),
        ({"label": "Counter Records"}, "label: must be an object, not a string"),
        ({"label": {"key": "counter-records"}}, "label.name: is required"),
        ({"genres": "Electronic"}, "genres: must be a list, not a string"),
        ({"rights": ["GB"]}, "rights: must be an object, not a list"),
        ({"prices": "7.99"}, "prices: must be an object, not a string"),
        ({"tracks": {}}, "tracks: must be a list, not an object"),
        ({"tracks": []}, "tracks: must not be empty"),
        ({"tracks": ["Gloria"]}, "tracks[0]: must be an object, not a string"),
    ],
)
def test_field_types(changes: Json, expected: str) -> None:
    assert only_problem(example(**changes)) == f"line 1: {expected}"


# --------------------------------------------------------------------------- codes


@pytest.mark.parametrize("upc", ["12345", "06024457900881", "060244579008A", " 0602445790081", "0602-445790081"])
def test_upc_format(upc: str) -> None:
    assert only_problem(example(upc=upc)) == "line 1: upc: not a valid UPC (12 digits UPC-A or 13 digits EAN-13)"


@pytest.mark.parametrize("body", ["06024457900", "19876543210", "00000000001"])
def test_upc_check_digit(body: str) -> None:
    good = gs1(body)  # 12 digits
    assert parse_feed([line(example(upc=good))])[0].key == "0" + good
    assert parse_feed([line(example(upc="0" + good))])[0].key == "0" + good  # same code as EAN-13
    wrong = good[:-1] + str((int(good[-1]) + 1) % 10)
    assert only_problem(example(upc=wrong)).startswith("line 1: upc: not a valid UPC: wrong check digit")


def test_ean13_check_digit() -> None:
    good = gs1("501234567890")
    assert parse_feed([line(example(upc=good))])[0].key == good
    wrong = good[:-1] + str((int(good[-1]) + 5) % 10)
    assert only_problem(example(upc=wrong)) == f"line 1: upc: not a valid UPC: wrong check digit (should be {good[-1]})"


@pytest.mark.parametrize(
    "isrc",
    [
        "US-XY-26-00001",  # registrant of 2
        "USXYZ260001",  # designation of 4 digits
        "USXYZ26000001",  # too long
        "1SXYZ2600001",  # country must be letters
        "USXYZ2A00001",  # year must be digits
        "USXYZ26A0001",  # designation must be digits
        "US XYZ 26 00001",
        "USX-YZ2600001",  # dashes only between the parts
        "",
    ],
)
def test_isrc_format(isrc: str) -> None:
    data = copy.deepcopy(EXAMPLE)
    data["tracks"][1]["isrc"] = isrc
    assert only_problem(data) == "line 1: tracks[1].isrc: not a valid ISRC"


def test_isrc_must_be_a_string() -> None:
    data = copy.deepcopy(EXAMPLE)
    data["tracks"][0]["isrc"] = 12
    assert only_problem(data) == "line 1: tracks[0].isrc: must be a string, not a number"


@pytest.mark.parametrize(
    ("isrc", "key"),
    [("US-XYZ-26-00009", "USXYZ2600009"), ("usxyz2600009", "USXYZ2600009"), ("QZ-AB1-99-12345", "QZAB19912345")],
)
def test_isrc_normal_form(isrc: str, key: str) -> None:
    data = copy.deepcopy(EXAMPLE)
    data["tracks"][1]["isrc"] = isrc
    assert parse_feed([line(data)])[0].tracks[1].key == key


# --------------------------------------------------------------------------- rights


@pytest.mark.parametrize(
    ("territories", "expected"),
    [
        (["GB", "UK"], "rights.territories[1]: not an ISO 3166-1 alpha-2 country code (did you mean 'GB'?)"),
        (["gb"], "rights.territories[0]: not an ISO 3166-1 alpha-2 country code (did you mean 'GB'?)"),
        (["XX"], "rights.territories[0]: not an ISO 3166-1 alpha-2 country code"),
        (["XK"], "rights.territories[0]: not an ISO 3166-1 alpha-2 country code"),
        (["USA"], "rights.territories[0]: not an ISO 3166-1 alpha-2 country code"),
        ([7], "rights.territories[0]: not an ISO 3166-1 alpha-2 country code"),
        (["GB", "DE", "GB"], "rights.territories[2]: same territory as rights.territories[0]"),
        (["*", "GB"], 'rights.territories: "*" (worldwide) must be the only entry'),
        ([], "rights.territories: must not be empty"),
        ("*", "rights.territories: must be a list, not a string"),
    ],
)
def test_territories(territories: object, expected: str) -> None:
    assert only_problem(edit(lambda d: d["rights"].update(territories=territories))) == f"line 1: {expected}"


@pytest.mark.parametrize("rate", ["1.5", "-0.1", "0.12345", "70%", "", 0.7, 1])
def test_royalty_rate(rate: object) -> None:
    assert only_problem(edit(lambda d: d["rights"].update(royaltyRate=rate))) == (
        'line 1: rights.royaltyRate: must be a decimal string from "0" to "1" with at most 4 decimals, such as "0.70"'
    )


@pytest.mark.parametrize(
    ("rate", "stored"), [("0", "0.00"), ("1", "1.00"), ("0.7", "0.70"), ("0.125", "0.125"), ("0.7000", "0.70")]
)
def test_royalty_rate_normal_form(rate: str, stored: str) -> None:
    [release] = parse_feed([line(edit(lambda d: d["rights"].update(royaltyRate=rate)))])
    assert str(release.rights.royalty_rate) == stored


@pytest.mark.parametrize(
    "value", ["2026-13-01", "2026-02-30", "20261127", "27/11/2026", "2026-11-27T00:00:00", 20261127]
)
def test_dates(value: object) -> None:
    assert only_problem(example(releaseDate=value)) == "line 1: releaseDate: not a date (yyyy-mm-dd)"
    assert (
        only_problem(edit(lambda d: d["rights"].update(start=value))) == "line 1: rights.start: not a date (yyyy-mm-dd)"
    )
    assert only_problem(edit(lambda d: d["rights"].update(end=value))) == "line 1: rights.end: not a date (yyyy-mm-dd)"


@pytest.mark.parametrize("end", ["2026-11-27", "2026-01-01"])
def test_rights_end_after_start(end: str) -> None:
    assert only_problem(edit(lambda d: d["rights"].update(end=end))) == (
        "line 1: rights.end: must be after rights.start (end is the first day off sale)"
    )


def test_a_takedown_is_valid() -> None:
    [release] = parse_feed([line(edit(lambda d: d["rights"].update(end="2026-11-28")))])
    assert release.rights.end == date(2026, 11, 28)


# --------------------------------------------------------------------------- prices


@pytest.mark.parametrize(
    ("price", "message"),
    [
        (0.99, 'must be a decimal string such as "0.99", not a number (money is never a float)'),
        (1, 'must be a decimal string such as "0.99", not a number (money is never a float)'),
        (None, 'must be a decimal string such as "0.99", not null (money is never a float)'),
        ("1.999", "at most 2 decimals"),
        ("-0.99", "must not be negative"),
        ("abc", 'not a price (a decimal string such as "0.99")'),
        ("0.99 USD", 'not a price (a decimal string such as "0.99")'),
        (".99", 'not a price (a decimal string such as "0.99")'),
        ("1e2", 'not a price (a decimal string such as "0.99")'),
    ],
)
def test_prices(price: object, message: str) -> None:
    data = edit(lambda d: d["prices"]["track"].update(MP3_320=price))
    assert only_problem(data) == f"line 1: prices.track.MP3_320: {message}"
    data = edit(lambda d: d["prices"]["album"].update(FLAC_16_44=price))
    assert only_problem(data) == f"line 1: prices.album.FLAC_16_44: {message}"


@pytest.mark.parametrize(("price", "stored"), [("0", "0.00"), ("1", "1.00"), ("1.5", "1.50"), ("12.34", "12.34")])
def test_price_normal_form(price: str, stored: str) -> None:
    [release] = parse_feed([line(edit(lambda d: d["prices"]["track"].update(MP3_320=price)))])
    assert str(release.tracks[0].offers[0].price) == stored


@pytest.mark.parametrize("fmt", ["MP3_128", "mp3_320", "FLAC", "MPEG4_VIDEO"])
def test_formats_must_be_known(fmt: str) -> None:
    data = edit(lambda d: d["prices"]["track"].update({fmt: "0.99"}))
    assert (
        only_problem(data)
        == f"line 1: prices.track.{fmt}: unknown format (known: MP3_320, AAC_256, FLAC_16_44, FLAC_24_96)"
    )


def test_offers_follow_the_format_order() -> None:
    table = {"FLAC_24_96": "1.99", "MP3_320": "0.99", "FLAC_16_44": "1.29", "AAC_256": "0.99"}
    [release] = parse_feed([line(edit(lambda d: d["prices"].update(track=table)))])
    assert [o.format for o in release.tracks[0].offers] == ["MP3_320", "AAC_256", "FLAC_16_44", "FLAC_24_96"]


@pytest.mark.parametrize("currency", ["usd", "US", "USDX", "$", 840])
def test_currency(currency: object) -> None:
    data = edit(lambda d: d["prices"].update(currency=currency))
    assert only_problem(data) == "line 1: prices.currency: not a currency code (3 uppercase letters, ISO 4217)"


def test_nothing_to_sell() -> None:
    data = edit(lambda d: d["prices"].update(album={}, track={}))
    assert only_problem(data) == "line 1: prices: no album or track prices: nothing to sell"
    data = edit(lambda d: d["prices"].update(album={}))
    assert parse_feed([line(data)])[0].album_offers == ()  # tracks only is fine


def test_prices_tables_must_be_objects() -> None:
    data = edit(lambda d: d["prices"].update(track=["0.99"]))
    assert only_problem(data) == "line 1: prices.track: must be an object, not a list"


# --------------------------------------------------------------------------- tracks


@pytest.mark.parametrize("field", ["durationMs", "discNumber", "trackNumber"])
@pytest.mark.parametrize("value", [0, -5, 1.5, 242000.0, "242000", True])
def test_track_numbers_and_durations(field: str, value: object) -> None:
    data = edit(lambda d: d["tracks"][1].update({field: value}))
    assert only_problem(data) == f"line 1: tracks[1].{field}: must be a positive whole number"


def test_disc_and_track_numbers_are_unique_per_release() -> None:
    data = edit(lambda d: d["tracks"][1].update(trackNumber=1))
    assert only_problem(data) == "line 1: tracks[1].trackNumber: disc 1 track 1 is also tracks[0]"
    data = edit(lambda d: d["tracks"][1].update(trackNumber=1, discNumber=2))
    assert [(t.disc_number, t.track_number) for t in parse_feed([line(data)])[0].tracks] == [(1, 1), (2, 1)]
    data = edit(lambda d: d["tracks"][1].update(trackNumber=1, discNumber=None))  # default disc 1
    assert only_problem(data) == "line 1: tracks[1].trackNumber: disc 1 track 1 is also tracks[0]"


def test_track_title_and_composer() -> None:
    assert only_problem(edit(lambda d: d["tracks"][0].update(title=""))) == "line 1: tracks[0].title: must not be blank"
    assert only_problem(edit(lambda d: d["tracks"][0].update(composer=["T. McEwan"]))) == (
        "line 1: tracks[0].composer: must be a string, not a list"
    )
    [release] = parse_feed([line(edit(lambda d: d["tracks"][0].update(composer="  ")))])
    assert release.tracks[0].composer is None


def test_track_artists() -> None:
    guest = {"key": "guest", "name": "A Guest"}
    data = edit(lambda d: d["tracks"][1].update(artists=[EXAMPLE["artists"][0], guest]))
    [release] = parse_feed([line(data)])
    assert release.tracks[1].artists == (PartyRef("the-midnight", "The Midnight"), PartyRef("guest", "A Guest"))
    assert (
        only_problem(edit(lambda d: d["tracks"][1].update(artists=[])))
        == "line 1: tracks[1].artists: must not be empty"
    )
    assert only_problem(edit(lambda d: d["tracks"][1].update(artists=[guest, guest]))) == (
        "line 1: tracks[1].artists[1].key: same artist as tracks[1].artists[0]"
    )


# --------------------------------------------------------------------------- parties and genres


@pytest.mark.parametrize(
    ("artist", "expected"),
    [
        ({"name": "X"}, "artists[0].key: is required"),
        ({"key": "", "name": "X"}, "artists[0].key: must not be blank"),
        ({"key": " x", "name": "X"}, "artists[0].key: must not start or end with whitespace"),
        ({"key": 5, "name": "X"}, "artists[0].key: must be a string, not a number"),
        ({"key": "x"}, "artists[0].name: is required"),
        ({"key": "x", "name": " "}, "artists[0].name: must not be blank"),
    ],
)
def test_artist_refs(artist: Json, expected: str) -> None:
    assert only_problem(example(artists=[artist])) == f"line 1: {expected}"


def test_the_same_artist_twice_on_a_release() -> None:
    same = EXAMPLE["artists"][0]
    assert only_problem(example(artists=[same, same])) == "line 1: artists[1].key: same artist as artists[0]"


def test_a_key_with_two_names_in_one_file() -> None:
    other = example(upc=gs1("000000000002"), artists=[{"key": "the-midnight", "name": "Midnight"}])
    other["tracks"] = [dict(t, isrc=f"QZABC2600{i}02") for i, t in enumerate(other["tracks"])]
    del other["tracks"][0]["artists"]
    assert problems(line(EXAMPLE), line(other)) == [
        "line 2: artists[0].name: artist 'the-midnight' is named 'The Midnight' on line 1, here 'Midnight'"
    ]
    other["artists"] = EXAMPLE["artists"]
    other["label"] = {"key": "counter-records", "name": "Counter"}
    assert problems(line(EXAMPLE), line(other)) == [
        "line 2: label.name: label 'counter-records' is named 'Counter Records' on line 1, here 'Counter'"
    ]
    other["label"] = {"key": "the-midnight", "name": "Midnight"}  # labels and artists are apart
    assert len(parse_feed([line(EXAMPLE), line(other)])) == 2


def test_a_track_artist_must_agree_with_the_album_artist_of_the_same_key() -> None:
    data = edit(lambda d: d["tracks"][0].update(artists=[{"key": "the-midnight", "name": "The Midnite"}]))
    assert only_problem(data) == (
        "line 1: tracks[0].artists[0].name: artist 'the-midnight' is named 'The Midnight' on line 1, here 'The Midnite'"
    )


@pytest.mark.parametrize(
    ("genres", "expected"),
    [
        (["Hip-Hop", "Hip Hop"], "genres[1]: same genre as genres[0]"),
        (["!!!"], "genres[0]: must contain a letter or digit"),
        ([""], "genres[0]: must be a genre name (a non-blank string)"),
        ([5], "genres[0]: must be a genre name (a non-blank string)"),
    ],
)
def test_genres(genres: list[object], expected: str) -> None:
    assert only_problem(example(genres=genres)) == f"line 1: {expected}"


# --------------------------------------------------------------------------- across the file


def second_release(**changes: Any) -> Json:
    data = example(**{"upc": gs1("000000000003"), **changes})
    data["tracks"] = [dict(t, isrc=f"QZABC2600{i}03") for i, t in enumerate(data["tracks"])]
    return data


def test_duplicate_upcs() -> None:
    assert problems(line(EXAMPLE), line(second_release(upc=EXAMPLE["upc"]))) == [
        "line 2: upc: duplicate UPC, also on line 1"
    ]
    upc_a = EXAMPLE["upc"][1:]  # the same code in its 12-digit form
    assert problems(line(EXAMPLE), "", line(second_release(upc=upc_a))) == [
        "line 3: upc: duplicate UPC, also on line 1"
    ]


def test_duplicate_isrcs_across_releases() -> None:
    other = second_release()
    other["tracks"][1]["isrc"] = "US-XYZ-26-00002"  # the same ISRC, written with dashes
    assert problems(line(EXAMPLE), line(other)) == ["line 2: tracks[1].isrc: duplicate ISRC, also line 1 tracks[1]"]


def test_duplicate_isrcs_within_a_release() -> None:
    data = edit(lambda d: d["tracks"][1].update(isrc="USXYZ2600001"))
    assert only_problem(data) == "line 1: tracks[1].isrc: duplicate ISRC, also tracks[0]"


def test_every_problem_of_the_file_is_reported_at_once() -> None:
    bad_track = edit(lambda d: d["tracks"][1].update(isrc="nope", durationMs=-1))
    bad_track["upc"] = gs1("000000000004")
    bad_track["tracks"][0]["isrc"] = "QZABC2600004"
    third = second_release(type="LP", releaseDate="tomorrow")
    third["prices"]["track"]["MP3_320"] = 0.99
    lines = [line(EXAMPLE), "{oops", line(bad_track), "", line(third), line(second_release(upc="123"))]
    with pytest.raises(FeedError) as caught:
        parse_feed(lines, source="daily.jsonl")
    found = [str(p) for p in caught.value.problems]
    assert found == [
        "line 2: not valid JSON: Expecting property name enclosed in double quotes (column 2)",
        "line 3: tracks[1].isrc: not a valid ISRC",
        "line 3: tracks[1].durationMs: must be a positive whole number",
        "line 5: type: must be one of ALBUM, EP, SINGLE, COMPILATION",
        "line 5: releaseDate: not a date (yyyy-mm-dd)",
        'line 5: prices.track.MP3_320: must be a decimal string such as "0.99", not a number (money is never a float)',
        "line 6: upc: not a valid UPC (12 digits UPC-A or 13 digits EAN-13)",
        "line 6: tracks[0].isrc: duplicate ISRC, also line 5 tracks[0]",
        "line 6: tracks[1].isrc: duplicate ISRC, also line 5 tracks[1]",
    ]
    assert str(caught.value) == "\n".join(["daily.jsonl: feed rejected, 9 problems:", *found])
    assert caught.value.problems[1] == Problem(3, "tracks[1].isrc", "not a valid ISRC")


def test_problem_and_error_text() -> None:
    assert str(Problem(17, "tracks[3].isrc", "not a valid ISRC")) == "line 17: tracks[3].isrc: not a valid ISRC"
    assert str(Problem(2, "", "not a JSON object (got a list)")) == "line 2: not a JSON object (got a list)"
    assert str(FeedError([Problem(1, "upc", "is required")])) == "feed rejected, 1 problem:\nline 1: upc: is required"
    many = FeedError([Problem(n, "", "x") for n in range(1, MAX_PROBLEMS_SHOWN + 6)])
    text = str(many).splitlines()
    assert text[0] == f"feed rejected, {MAX_PROBLEMS_SHOWN + 5} problems:"
    assert len(text) == MAX_PROBLEMS_SHOWN + 2
    assert text[-1] == "... and 5 more"
    assert len(many.problems) == MAX_PROBLEMS_SHOWN + 5


# --------------------------------------------------------------------------- files


def test_parse_feed_file(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_bytes(("\ufeff" + line(EXAMPLE) + "\n\n").encode() + b'{"title": "\xff"}\n')
    with pytest.raises(FeedError) as caught:
        parse_feed_file(path)
    assert [str(p) for p in caught.value.problems] == ["line 3: not valid UTF-8 (invalid start byte)"]
    assert str(caught.value).startswith(f"{path}: feed rejected, 1 problem:")
    path.write_text("\ufeff" + line(EXAMPLE) + "\r\n", encoding="utf-8")  # a BOM and CRLF are fine
    assert parse_feed_file(path) == parse_feed([line(EXAMPLE)])


# --------------------------------------------------------------------------- the way back


def offers(*pairs: tuple[str, str]) -> tuple[Offer, ...]:
    return tuple(Offer(f, Decimal(p)) for f, p in pairs)


def catalog() -> list[Release]:
    """Releases covering every feed feature, in normal form."""
    mid, guest = PartyRef("the-midnight", "The Midnight"), PartyRef("zoë", "Zoë Keating")
    track_offers = offers(("MP3_320", "0.99"), ("AAC_256", "0.99"), ("FLAC_16_44", "1.29"), ("FLAC_24_96", "1.99"))

    def track(isrc: str, number: int, disc: int = 1, **kw: Any) -> TrackRecord:
        fields: dict[str, Any] = {"artists": (mid,), "offers": track_offers, "genre": "Synthwave", "composer": None}
        fields.update(kw)
        return TrackRecord(isrc, f"Track {number}", 200_000 + number, disc, number, isrc=isrc, **fields)

    album = Release(
        key="0602445790081",
        title="Night Drive (Deluxe)",
        type="ALBUM",
        artists=(mid,),
        genres=("Synthwave", "Electronic"),
        rights=Rights(("DE", "GB", "US"), Decimal("0.70"), date(2026, 11, 27), None),
        currency="USD",
        album_offers=offers(("MP3_320", "7.99"), ("FLAC_16_44", "9.99")),
        tracks=(
            track("USXYZ2600001", 1, composer="T. McEwan"),
            track("USXYZ2600002", 2, artists=(mid, guest)),
            track("USXYZ2600003", 1, disc=2),
        ),
        upc="0602445790081",
        release_date=date(2026, 11, 27),
        label=PartyRef("counter-records", "Counter Records"),
    )
    single = Release(
        key="0036000291452",
        title="Gloria – Remix",
        type="SINGLE",
        artists=(guest,),
        genres=(),
        rights=Rights(("*",), Decimal("0.125"), None, date(2027, 1, 1)),
        currency="EUR",
        album_offers=(),
        tracks=(track("GBAYE2600001", 1, artists=(guest,), offers=offers(("MP3_320", "1.29")), genre=None),),
        upc="0036000291452",
        release_date=date(2026, 1, 2),
        label=None,
    )
    compilation = Release(
        key="4006381333931",
        title="Synth Hits 2026",
        type="COMPILATION",
        artists=(PartyRef("various-artists", "Various Artists"),),
        genres=("Synthwave",),
        rights=Rights(("*",), Decimal("0.50"), date(2026, 1, 1), date(2026, 6, 1)),
        currency="USD",
        album_offers=offers(("MP3_320", "0.00")),
        tracks=tuple(
            track(f"QZAB1260000{n}", n, artists=(mid if n % 2 else guest,), offers=offers(("MP3_320", "0.00")))
            for n in range(1, 9)
        ),
        upc="4006381333931",
        release_date=date(2026, 1, 1),
        label=PartyRef("counter-records", "Counter Records"),
    )
    return [album, single, compilation]


def test_a_valid_multi_release_feed_round_trips() -> None:
    releases = catalog()
    lines = [feed_line(r) for r in releases]
    assert parse_feed(lines) == releases
    assert parse_feed(json.dumps(release_to_feed_dict(r)) for r in releases) == releases
    assert [content_hash(r) for r in parse_feed(lines)] == [content_hash(r) for r in releases]


def test_the_feed_dict_leaves_out_what_is_implied() -> None:
    album = release_to_feed_dict(catalog()[0])
    assert "artists" not in album["tracks"][0]  # the album's artists
    assert album["tracks"][1]["artists"] == [
        {"key": "the-midnight", "name": "The Midnight"},
        {"key": "zoë", "name": "Zoë Keating"},
    ]
    assert "composer" not in album["tracks"][1]
    assert album["prices"] == {
        "currency": "USD",
        "album": {"MP3_320": "7.99", "FLAC_16_44": "9.99"},
        "track": {"MP3_320": "0.99", "AAC_256": "0.99", "FLAC_16_44": "1.29", "FLAC_24_96": "1.99"},
    }
    single = release_to_feed_dict(catalog()[1])
    assert "label" not in single
    assert "album" not in single["prices"]
    assert single["rights"] == {"territories": ["*"], "royaltyRate": "0.125", "start": None, "end": "2027-01-01"}


def test_write_feed(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    assert write_feed(catalog(), path) == 3
    assert parse_feed_file(path) == catalog()
    assert "Zoë" in path.read_text(encoding="utf-8")  # UTF-8, not \u escapes


def test_releases_a_feed_cannot_express() -> None:
    album = catalog()[0]
    odd = replace(album.tracks[0], offers=offers(("MP3_320", "0.49")))
    with pytest.raises(ValueError, match="different offers"):
        release_to_feed_dict(replace(album, tracks=(odd, *album.tracks[1:])))
    other_genre = replace(album.tracks[0], genre="Electronic")
    with pytest.raises(ValueError, match="another genre"):
        release_to_feed_dict(replace(album, tracks=(other_genre, *album.tracks[1:])))


# --------------------------------------------------------------------------- content hash


def content_hash(release: Release) -> str:
    """The digest the write path stores for a release (`graph.upsert`): equal digests, nothing changed."""
    return prepare_release(release).digest


def test_content_hash_ignores_cosmetic_differences_of_a_redelivery() -> None:
    again = example(upc=EXAMPLE["upc"][1:], title=" Night Drive ")
    again["tracks"].reverse()
    again["tracks"][0]["isrc"] = "US-XYZ-26-00002"
    again["tracks"][0]["artists"] = EXAMPLE["artists"]
    again["rights"].update(territories=["US", "DE", "GB"], royaltyRate="0.7")
    again["prices"]["album"] = {"FLAC_16_44": "9.99", "MP3_320": "7.99"}
    text = json.dumps(dict(reversed(list(again.items()))))
    assert content_hash(parse_feed([text])[0]) == content_hash(parse_feed([line(EXAMPLE)])[0])


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.update(title="Night Drive!"),
        lambda d: d["prices"]["album"].update(MP3_320="6.99"),
        lambda d: d["rights"].update(end="2027-01-01"),
        lambda d: d["rights"].update(territories=["GB", "US"]),
        lambda d: d["tracks"][1].update(durationMs=318501),
        lambda d: d.update(genres=["Synthwave", "Electronic"]),
        lambda d: d.update(label=None),
    ],
)
def test_content_hash_changes_with_the_content(change: Callable[[Json], None]) -> None:
    assert content_hash(parse_feed([line(edit(change))])[0]) != content_hash(parse_feed([line(EXAMPLE)])[0])


def test_content_hash_is_stable_across_runs_and_versions() -> None:
    # A changed normal form would make every stored album look changed on its next delivery.
    [release] = parse_feed([line(EXAMPLE)])
    assert content_hash(release) == "ef48bb72dee203edde0e814e8f4e9aaeec839234541413e958dab5f5e4fa4aff"
    sized = replace(release, album_offers=(Offer("MP3_320", Decimal("7.99"), 81_000_000),))
    assert content_hash(sized) != content_hash(release)


# --------------------------------------------------------------------------- territories


def test_iso_territories() -> None:
    assert len(ISO_3166_ALPHA2) == 249
    assert {"GB", "US", "DE", "JP", "BR", "SS", "CW", "AX"} <= ISO_3166_ALPHA2
    assert not {"UK", "XK", "EU", "*", "gb", "AN", "YU"} & ISO_3166_ALPHA2


def test_chinook_countries_map_to_iso_codes() -> None:
    with sqlite3.connect(PROJECT_ROOT / "data" / "chinook" / "Chinook_Sqlite.sqlite") as conn:
        names = {
            row[0] for row in conn.execute("SELECT Country FROM Customer UNION SELECT BillingCountry FROM Invoice")
        }
    assert names == set(CHINOOK_COUNTRY_CODES)
    assert set(CHINOOK_COUNTRY_CODES.values()) <= ISO_3166_ALPHA2
    assert chinook_country_code("USA") == "US"
    assert chinook_country_code("United Kingdom") == "GB"
    assert chinook_country_code("Czech Republic") == "CZ"
    with pytest.raises(KeyError, match="Atlantis"):
        chinook_country_code("Atlantis")
