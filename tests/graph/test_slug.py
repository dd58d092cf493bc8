"""`slugify`: the key of a genre (and of generated artists and labels) from its name."""

from __future__ import annotations

import sqlite3

import pytest

from graph.slug import slugify
from settings import PROJECT_ROOT

CHINOOK = PROJECT_ROOT / "data" / "chinook" / "Chinook_Sqlite.sqlite"


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Alternative & Punk", "alternative-punk"),
        ("R&B/Soul", "r-b-soul"),
        ("Beyoncé", "beyonce"),
        ("Rock", "rock"),
        ("Hip Hop/Rap", "hip-hop-rap"),
        ("  Sci Fi & Fantasy  ", "sci-fi-fantasy"),
        ("Sigur Rós", "sigur-ros"),
        ("Motörhead", "motorhead"),
        ("Dvořák", "dvorak"),
        ("Straße", "strasse"),
        ("Œuvre", "oeuvre"),
        ("Łódź", "lodz"),
        ("Søren", "soren"),
        ("Children's Music", "children-s-music"),
        ("Rock_and_Roll", "rock-and-roll"),
        ("--Drum -- & -- Bass--", "drum-bass"),
        ("K-Pop 2", "k-pop-2"),
        ("ﬁne Ｒｏｃｋ", "fine-rock"),  # compatibility forms fold to plain letters
        ("½", "1-2"),
    ],
)
def test_slugify(name: str, slug: str) -> None:
    assert slugify(name) == slug


def test_other_scripts_keep_their_letters_and_marks() -> None:
    assert slugify("J-ポップ") == "j-ポップ"  # not "j-ホッフ": kana voicing marks are not accents
    assert slugify("Йога Music") == "йога-music"


def test_a_name_without_letters_or_digits_has_an_empty_slug() -> None:
    assert slugify("!!!") == ""
    assert slugify("   ") == ""


@pytest.mark.parametrize("name", ["Alternative & Punk", "Beyoncé", "J-ポップ", "R&B/Soul"])
def test_slugify_is_idempotent(name: str) -> None:
    assert slugify(slugify(name)) == slugify(name)


def test_chinook_genres_have_distinct_non_empty_slugs() -> None:
    with sqlite3.connect(CHINOOK) as conn:
        names = [row[0] for row in conn.execute("SELECT Name FROM Genre")]
    slugs = [slugify(n) for n in names]
    assert len(names) == 25
    assert all(slugs)
    assert len(set(slugs)) == len(slugs)
    assert slugify("Alternative & Punk") in slugs
