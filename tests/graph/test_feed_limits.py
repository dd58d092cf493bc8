"""Feed limits: capped texts and lists, oversized lines read without being held, bounded problem lists."""

from __future__ import annotations

import io
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from graph.formats import AUDIO_FORMATS
from graph.importers.feed_limits import (
    MAX_AMOUNT_CHARS,
    MAX_ARTISTS,
    MAX_COMPOSER_CHARS,
    MAX_GENRE_CHARS,
    MAX_GENRES,
    MAX_KEY_CHARS,
    MAX_LINE_BYTES,
    MAX_NAME_CHARS,
    MAX_PROBLEMS_PER_LINE,
    MAX_SHOWN_KEY_CHARS,
    MAX_TERRITORIES,
    MAX_TITLE_CHARS,
    MAX_TRACKS,
    LongLine,
    read_lines,
)
from graph.importers.feed_problems import FeedError
from graph.importers.feed_validation import parse_feed, parse_feed_file
from graph.territories import ISO_3166_ALPHA2
from tests.graph.test_feed_validation import EXAMPLE, Json, edit, line, only_problem, problems, second_release

Setter = Callable[[Json, str], None]


def _artist_name(d: Json, v: str) -> None:
    d["artists"][0]["name"] = v
    del d["tracks"][0]["artists"]  # the same artist, credited on its own


def _artist_key(d: Json, v: str) -> None:
    d["artists"][0]["key"] = v
    del d["tracks"][0]["artists"]


def _genre(d: Json, v: str) -> None:
    d["genres"][1] = v


# (path, cap, how to put a value there, whether the value is stripped before it is measured)
TEXTS: list[tuple[str, int, Setter, bool]] = [
    ("title", MAX_TITLE_CHARS, lambda d, v: d.update(title=v), True),
    ("tracks[1].title", MAX_TITLE_CHARS, lambda d, v: d["tracks"][1].update(title=v), True),
    ("artists[0].name", MAX_NAME_CHARS, _artist_name, True),
    ("artists[0].key", MAX_KEY_CHARS, _artist_key, False),
    ("label.name", MAX_NAME_CHARS, lambda d, v: d["label"].update(name=v), True),
    ("label.key", MAX_KEY_CHARS, lambda d, v: d["label"].update(key=v), False),
    ("tracks[1].artists[0].name", MAX_NAME_CHARS, lambda d, v: d["tracks"][1].update(artists=[{"key": "g", "name": v}]), True),
    ("genres[1]", MAX_GENRE_CHARS, _genre, True),
    ("tracks[0].composer", MAX_COMPOSER_CHARS, lambda d, v: d["tracks"][0].update(composer=v), True),
    ("prices.album.MP3_320", MAX_AMOUNT_CHARS, lambda d, v: d["prices"]["album"].update(MP3_320=v), False),
]


def _text(most: int, path: str) -> str:
    """A text of exactly `most` characters that the field would accept (a price: digits)."""
    if path.startswith("prices"):
        return "0" * (most - 3) + ".99"
    return "x" * most


@pytest.mark.parametrize(("path", "most", "put", "stripped"), TEXTS, ids=[t[0] for t in TEXTS])
def test_every_text_field_is_capped(path: str, most: int, put: Setter, stripped: bool) -> None:
    at_cap = _text(most, path)
    assert parse_feed([line(edit(lambda d: put(d, at_cap)))])  # the cap itself is fine
    if stripped:
        assert parse_feed([line(edit(lambda d: put(d, f"  {at_cap}  ")))])  # measured after stripping
    over = _text(most + 1, path)
    assert only_problem(edit(lambda d: put(d, over))) == (
        f"line 1: {path}: too long: {most + 1} characters (at most {most})"
    )


def test_a_fifty_megabyte_title_in_a_line_is_refused_as_an_oversized_line() -> None:
    title = "x" * 50_000_000
    assert problems(line(EXAMPLE), line(edit(lambda d: d.update(title=title)))) == [
        f"line 2: too long: {50_000_000 + len(line(EXAMPLE)) - len('Night Drive')} bytes "
        f"(a line may take at most {MAX_LINE_BYTES})"
    ]


def test_the_royalty_rate_is_a_short_decimal() -> None:
    data = edit(lambda d: d["rights"].update(royaltyRate="0" * 10_000 + ".7"))
    assert only_problem(data).startswith("line 1: rights.royaltyRate: must be a decimal string")


def _tracks(count: int) -> list[Json]:
    return [{"isrc": f"QZABC26{n:05d}", "title": f"T{n}", "durationMs": 1000, "trackNumber": n + 1}
            for n in range(count)]


def _artists(count: int) -> list[Json]:
    return [{"key": f"a{n}", "name": f"A{n}"} for n in range(count)]


LISTS: list[tuple[str, int, Callable[[int], Any], Setter]] = [
    ("tracks", MAX_TRACKS, _tracks, lambda d, v: d.update(tracks=v)),
    ("artists", MAX_ARTISTS, _artists, lambda d, v: d.update(artists=v)),
    ("tracks[1].artists", MAX_ARTISTS, _artists, lambda d, v: d["tracks"][1].update(artists=v)),
    ("genres", MAX_GENRES, lambda n: [f"genre {i}" for i in range(n)], lambda d, v: d.update(genres=v)),
]


@pytest.mark.parametrize(("path", "most", "items", "put"), LISTS, ids=[t[0] for t in LISTS])
def test_every_list_is_capped(path: str, most: int, items: Callable[[int], Any], put: Setter) -> None:
    [release] = parse_feed([line(edit(lambda d: put(d, items(most))))])
    assert release.key == EXAMPLE["upc"]
    assert only_problem(edit(lambda d: put(d, items(most + 1)))) == (
        f"line 1: {path}: too many: {most + 1} (at most {most})"
    )


def test_territories_are_capped_at_every_code_once() -> None:
    every = sorted(ISO_3166_ALPHA2)
    assert len(every) == MAX_TERRITORIES
    [release] = parse_feed([line(edit(lambda d: d["rights"].update(territories=every)))])
    assert release.rights.territories == tuple(every)
    assert only_problem(edit(lambda d: d["rights"].update(territories=[*every, "GB"]))) == (
        f"line 1: rights.territories: too many: {MAX_TERRITORIES + 1} (at most {MAX_TERRITORIES})"
    )


def test_a_price_table_holds_at_most_the_known_formats() -> None:
    table = {f"F{n}": "0.99" for n in range(10_000)}
    assert only_problem(edit(lambda d: d["prices"].update(album=table))) == (
        f"line 1: prices.album: too many formats: 10000 (known: {', '.join(AUDIO_FORMATS)})"
    )


def test_keys_quoted_in_a_path_are_cut() -> None:
    key = "K" * 100_000
    shown = "K" * MAX_SHOWN_KEY_CHARS + "…"
    assert only_problem(edit(lambda d: d["prices"]["album"].update({key: "0.99"}))) == (
        f"line 1: prices.album.{shown}: unknown format (known: {', '.join(AUDIO_FORMATS)})"
    )
    text = line(EXAMPLE)[:-1] + f', "{key}": 1, "{key}": 2}}'
    assert problems(text) == [f"line 1: {shown}: appears more than once in this object"]


def test_one_line_lists_at_most_its_share_of_problems() -> None:
    tracks = [dict(t, isrc="nope") for t in _tracks(MAX_TRACKS)]
    found = problems(line(edit(lambda d: d.update(tracks=tracks))), line(second_release(type="LP")))
    assert len(found) == MAX_PROBLEMS_PER_LINE + 2
    assert found[:MAX_PROBLEMS_PER_LINE] == [f"line 1: tracks[{n}].isrc: not a valid ISRC" for n in range(MAX_PROBLEMS_PER_LINE)]
    assert found[MAX_PROBLEMS_PER_LINE] == f"line 1: {MAX_TRACKS - MAX_PROBLEMS_PER_LINE} more problems on this line not listed"
    assert found[-1].startswith("line 2: type: must be one of")  # the next line is checked as usual


# --------------------------------------------------------------------------- reading lines


def test_read_lines_keeps_lines_up_to_the_limit_and_measures_longer_ones() -> None:
    data = b"abc\n" + b"x" * 9 + b"\n" + b"y" * 10 + b"\n" + b"z" * 25 + b"\nlast"
    assert list(read_lines(io.BytesIO(data), limit=10)) == [
        b"abc\n", b"x" * 9 + b"\n", LongLine(11), LongLine(26), b"last",
    ]
    assert list(read_lines(io.BytesIO(b"q" * 25), limit=10)) == [LongLine(25)]  # no newline at the end
    assert list(read_lines(io.BytesIO(b""), limit=10)) == []


def test_a_fifty_megabyte_line_is_refused_without_being_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    huge = b'{"upc": "0602445790081", "title": "' + b"x" * 50_000_000 + b'"}\n'
    path.write_bytes(line(EXAMPLE).encode() + b"\n" + huge + b'{"upc": 5}\n')
    size = len(huge)
    del huge
    tracemalloc.start()
    try:
        with pytest.raises(FeedError) as caught:
            parse_feed_file(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    found = [str(p) for p in caught.value.problems]
    assert found[0] == f"line 2: too long: {size} bytes (a line may take at most {MAX_LINE_BYTES})"
    assert found[1:3] == ["line 3: upc: must be a string, not a number", "line 3: title: is required"]
    assert peak < 4 * MAX_LINE_BYTES  # never the 50 MB line
