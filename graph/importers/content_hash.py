"""Content hash: a stable sha256 of everything in a release, to recognise an unchanged re-delivery."""

from __future__ import annotations

import hashlib
import json
from dataclasses import fields, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from graph.release import Release

_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
_LATER_FIELDS = frozenset({"explicit", "copyright", "phonographic_copyright"})
"""Fields added to the records since v1: hashed only when not at their default (False, None), so that
a release that does not use them keeps its v1 hash (else every stored album would look changed)."""


def _plain(value: object, memo: dict[int, Any]) -> Any:
    """JSON-ready form of a record: dataclasses as {field: value}, Decimals without trailing
    zeros, dates in ISO form. `memo` shares the form of tuples used many times (offers)."""
    if value is None or isinstance(value, str | int):
        return value
    kind = type(value)
    names = _FIELD_NAMES.get(kind)
    if names is None and is_dataclass(value) and not isinstance(value, type):
        names = _FIELD_NAMES[kind] = tuple(f.name for f in fields(value))
    if names is not None:
        return {
            name: _plain(item, memo)
            for name in names
            if ((item := getattr(value, name)) is not None and item is not False) or name not in _LATER_FIELDS
        }
    if isinstance(value, tuple | list):
        found = memo.get(id(value))
        if found is None:
            found = memo[id(value)] = [_plain(v, memo) for v in value]
        return found
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"cannot hash a {kind.__name__}")


def content_hash(release: Release) -> str:
    """sha256 (hex) of everything in a release, in a stable form: equal releases, equal hashes.

    Numerically equal prices hash the same ("0.99" and "0.990"); any other difference (a title,
    a price, a territory, an offer's size, the order of tracks or artists) changes the hash.
    """
    plain = _plain(release, {})
    if not release.price_lists and release.price_fallback:  # one currency everywhere: hashes as before
        del plain["price_lists"], plain["price_fallback"]
    text = json.dumps(plain, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(("tunegraph.release.v1\n" + text).encode("utf-8")).hexdigest()
