"""The graph properties a plan's rows carry: only those its document's fields read.

Every plain field of a node type a plan reads is mapped to the property its `from_row` takes it from;
rows then carry those (and what `from_row` cannot do without), plus offers' and rights' properties
where a covered resolver reads them. A plain field missing here makes the rows of its type carry
every property: a new field is never answered from a row that left it out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from graph.node_reads import SALE_READS as SALE

__all__ = ["PLAIN", "REQUIRED", "SALE", "properties"]

REQUIRED: Mapping[str, tuple[str, ...]] = {
    "Album": ("key", "title"), "Artist": ("key", "name"), "Track": ("key", "title"), "Genre": ("key", "name"),
}
"""What each type's `from_row` reads unconditionally."""
PLAIN: Mapping[str, Mapping[str, str]] = {
    "Album": {
        "id": "key", "title": "title", "upc": "upc", "releaseDate": "releaseDate", "trackCount": "trackCount",
        "durationMs": "durationMs", "releaseType": "type", "explicit": "explicit", "copyright": "copyright",
        "phonographicCopyright": "phonographicCopyright", "popularity": "popularity",
    },
    "Artist": {"id": "key", "name": "name"},
    "Track": {
        "id": "key", "title": "title", "isrc": "isrc", "durationMs": "durationMs", "discNumber": "discNumber",
        "trackNumber": "trackNumber", "composer": "composer", "explicit": "explicit", "popularity": "popularity",
    },
    "Genre": {"id": "key", "name": "name"},
}
"""GraphQL plain field -> the property its value is made from, per type."""


def properties(type_name: str, fields: Iterable[tuple[str, bool]], sale: bool) -> tuple[str, ...] | None:
    """The properties rows of `type_name` need for these (field, is plain) pairs; None for every property."""
    plain = PLAIN.get(type_name)
    if plain is None:
        return None
    needed = dict.fromkeys(REQUIRED[type_name])
    for name, is_plain in fields:
        if not is_plain or name == "__typename":
            continue  # a covered resolver: it reads children or lists, or the sale properties below
        if (prop := plain.get(name)) is None:
            return None
        needed[prop] = None
    if sale:
        needed.update(dict.fromkeys(SALE.get(type_name, ())))
    return tuple(needed)
