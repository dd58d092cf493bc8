"""The feed's product fields (explicit, C and P lines): validation, defaults of old files, the way back."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from graph.importers.feed_limits import MAX_NOTICE_CHARS
from graph.importers.feed_problems import FeedError
from graph.importers.feed_validation import parse_feed, parse_feed_file
from graph.importers.feed_writer import release_to_feed_dict, write_feed
from graph.release_rows import prepare_release
from tests.graph.test_feed_validation import EXAMPLE

Json = dict[str, Any]
C_LINE = "© 2026 Counter Records"
P_LINE = "℗ 2026 Counter Records"


def with_fields(**album: Any) -> Json:
    data = copy.deepcopy(EXAMPLE)
    data.update(album)
    return data


def problems(data: Json) -> list[str]:
    with pytest.raises(FeedError) as caught:
        parse_feed([json.dumps(data)])
    return [str(p) for p in caught.value.problems]


def test_an_old_format_line_imports_with_sensible_defaults() -> None:
    assert not {"explicit", "copyright", "phonographicCopyright"} & EXAMPLE.keys()
    [release] = parse_feed([json.dumps(EXAMPLE)])
    assert release.explicit is False
    assert release.copyright is None
    assert release.phonographic_copyright is None
    assert [t.explicit for t in release.tracks] == [False, False]


def test_the_new_fields_are_read_stripped() -> None:
    data = with_fields(explicit=True, copyright=f"  {C_LINE} ", phonographicCopyright=P_LINE)
    data["tracks"][1]["explicit"] = True
    data["tracks"][0]["explicit"] = False
    [release] = parse_feed([json.dumps(data)])
    assert (release.explicit, release.copyright, release.phonographic_copyright) == (True, C_LINE, P_LINE)
    assert [t.explicit for t in release.tracks] == [False, True]


def test_an_explicit_track_makes_its_release_explicit_when_the_release_does_not_say() -> None:
    data = with_fields()
    data["tracks"][1]["explicit"] = True
    [release] = parse_feed([json.dumps(data)])
    assert release.explicit is True


def test_null_new_fields_are_as_if_absent() -> None:
    data = with_fields(explicit=None, copyright=None, phonographicCopyright=None)
    data["tracks"][0]["explicit"] = None
    [release] = parse_feed([json.dumps(data)])
    assert (release.explicit, release.copyright, release.phonographic_copyright) == (False, None, None)
    assert release.tracks[0].explicit is False


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.update(explicit="yes"), "line 1: explicit: must be true or false, not a string"),
        (lambda d: d.update(explicit=1), "line 1: explicit: must be true or false, not a number"),
        (lambda d: d["tracks"][1].update(explicit=0), "line 1: tracks[1].explicit: must be true or false, not a number"),
        (lambda d: d.update(copyright=2026), "line 1: copyright: must be a string, not a number"),
        (lambda d: d.update(copyright="  "), "line 1: copyright: must not be blank"),
        (
            lambda d: d.update(phonographicCopyright={"year": 2026, "text": "Counter"}),
            "line 1: phonographicCopyright: must be a string, not an object",
        ),
        (
            lambda d: d.update(phonographicCopyright="℗" * (MAX_NOTICE_CHARS + 1)),
            f"line 1: phonographicCopyright: too long: {MAX_NOTICE_CHARS + 1} characters (at most {MAX_NOTICE_CHARS})",
        ),
        (
            lambda d: (d.update(explicit=False), d["tracks"][0].update(explicit=True)),
            "line 1: explicit: false, but 1 of its 2 tracks are explicit",
        ),
    ],
)
def test_bad_values_are_named_by_line_and_field(change: Any, expected: str) -> None:
    data = with_fields()
    change(data)
    assert problems(data) == [expected]


def test_the_longest_allowed_line_passes() -> None:
    [release] = parse_feed([json.dumps(with_fields(copyright="©" * MAX_NOTICE_CHARS))])
    assert release.copyright == "©" * MAX_NOTICE_CHARS


def test_each_field_survives_the_way_back(tmp_path: Path) -> None:
    [plain] = parse_feed([json.dumps(EXAMPLE)])
    marked = replace(
        plain,
        explicit=True,
        copyright=C_LINE,
        phonographic_copyright=P_LINE,
        tracks=(plain.tracks[0], replace(plain.tracks[1], explicit=True)),
    )
    for release in (plain, marked):
        path = tmp_path / f"{release.explicit}.jsonl"
        write_feed([release], path)
        assert parse_feed_file(path) == [release]
    [back] = parse_feed_file(path)
    assert (back.explicit, back.copyright, back.phonographic_copyright) == (True, C_LINE, P_LINE)
    assert [t.explicit for t in back.tracks] == [False, True]
    written = release_to_feed_dict(marked)
    assert written["tracks"][1]["explicit"] is True
    assert "explicit" not in written["tracks"][0]


@pytest.mark.parametrize(
    "change",
    [
        {"explicit": True},
        {"copyright": C_LINE},
        {"phonographic_copyright": P_LINE},
    ],
)
def test_each_field_changes_the_digest_and_leaves_an_unmarked_release_as_before(change: dict[str, Any]) -> None:
    [plain] = parse_feed([json.dumps(EXAMPLE)])
    marked = replace(plain, **change)
    assert prepare_release(marked).digest != prepare_release(plain).digest
    # The stored digest from before these fields existed: a release that does not use them is
    # unchanged on its next delivery.
    assert prepare_release(plain).digest == "ef48bb72dee203edde0e814e8f4e9aaeec839234541413e958dab5f5e4fa4aff"


def test_an_explicit_track_changes_the_digest() -> None:
    [plain] = parse_feed([json.dumps(EXAMPLE)])
    marked = replace(plain, tracks=(replace(plain.tracks[0], explicit=True), plain.tracks[1]))
    assert prepare_release(marked).digest != prepare_release(plain).digest
