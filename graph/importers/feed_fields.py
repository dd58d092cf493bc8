"""Feed fields: the checks of a feed line's generic shapes (objects, lists, text, dates, parties, prices)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from graph.importers.feed_codes import CENT
from graph.importers.feed_problems import Problem
from graph.release import Offer, PartyRef

if TYPE_CHECKING:
    from graph.importers.feed_validation import _FeedChecker

FEED_FORMATS: tuple[str, ...] = ("MP3_320", "AAC_256", "FLAC_16_44", "FLAC_24_96")

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_PRICE = re.compile(r"-?[0-9]+(\.[0-9]+)?", re.ASCII)
_MISSING: Any = object()


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


class _DupDict(dict[str, Any]):
    """A JSON object in which some keys appeared more than once (the last value won)."""

    duplicates: tuple[str, ...] = ()


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"



class _FieldChecker:
    """The generic field checks of one line, each problem reported to the feed with its path."""

    def __init__(self, feed: _FeedChecker, number: int) -> None:
        self.feed = feed
        self.number = number
        self.ok = True

    def bad(self, path: str, message: str) -> None:
        self.ok = False
        self.feed.problems.append(Problem(self.number, path, message))

    # ---- generic shapes

    def get(self, obj: dict[str, Any], key: str, prefix: str, required: bool) -> Any:
        """obj[key]; _MISSING when absent or null (a problem when required)."""
        value = obj.get(key)
        if value is None:
            if required:
                self.bad(_join(prefix, key), "is required")
            return _MISSING
        return value

    def obj(self, value: object, path: str) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.bad(path, f"must be an object, not {_type_name(value)}")
            return None
        if isinstance(value, _DupDict):
            for key in value.duplicates:
                self.bad(_join(path, key), "appears more than once in this object")
        return value

    def list_(self, value: object, path: str, *, empty_ok: bool = False) -> list[Any] | None:
        if not isinstance(value, list):
            self.bad(path, f"must be a list, not {_type_name(value)}")
            return None
        if not value and not empty_ok:
            self.bad(path, "must not be empty")
            return None
        return value

    def text(self, obj: dict[str, Any], key: str, prefix: str, required: bool = True) -> str | None:
        value = self.get(obj, key, prefix, required)
        if value is _MISSING:
            return None
        if not isinstance(value, str):
            self.bad(_join(prefix, key), f"must be a string, not {_type_name(value)}")
            return None
        if not value.strip():
            self.bad(_join(prefix, key), "must not be blank")
            return None
        return value.strip()

    def positive_int(self, obj: dict[str, Any], key: str, prefix: str, default: int | None) -> int:
        value = self.get(obj, key, prefix, required=default is None)
        if value is _MISSING:
            return default or 0
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            self.bad(_join(prefix, key), "must be a positive whole number")
            return 0
        return value

    def date_(self, value: object, path: str) -> date | None:
        if not isinstance(value, str) or not _DATE.fullmatch(value):
            self.bad(path, "not a date (yyyy-mm-dd)")
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.bad(path, "not a date (yyyy-mm-dd)")
            return None

    def party(self, value: object, path: str, kind: str) -> PartyRef | None:
        obj = self.obj(value, path)
        if obj is None:
            return None
        key = self.get(obj, "key", path, required=True)
        name = self.text(obj, "name", path)
        if key is _MISSING:
            return None
        if not isinstance(key, str):
            self.bad(f"{path}.key", f"must be a string, not {_type_name(key)}")
            return None
        if not key.strip():
            self.bad(f"{path}.key", "must not be blank")
            return None
        if key != key.strip():
            self.bad(f"{path}.key", "must not start or end with whitespace")
            return None
        if name is None:
            return None
        first = self.feed.names.setdefault((kind, key), (name, self.number))
        if first[0] != name:
            self.bad(
                f"{path}.name",
                f"{kind} {key!r} is named {first[0]!r} on line {first[1]}, here {name!r}",
            )
            return None
        return PartyRef(key, name)

    def parties(self, value: object, path: str) -> tuple[PartyRef, ...] | None:
        items = self.list_(value, path)
        if items is None:
            return None
        result: list[PartyRef] = []
        positions: dict[str, int] = {}
        for i, item in enumerate(items):
            ref = self.party(item, f"{path}[{i}]", "artist")
            if ref is None:
                continue
            if ref.key in positions:
                self.bad(f"{path}[{i}].key", f"same artist as {path}[{positions[ref.key]}]")
                continue
            positions[ref.key] = i
            result.append(ref)
        return tuple(result)

    def price(self, value: object, path: str) -> Decimal | None:
        if not isinstance(value, str):
            self.bad(
                path,
                f'must be a decimal string such as "0.99", not {_type_name(value)} (money is never a float)',
            )
            return None
        if not _PRICE.fullmatch(value):
            self.bad(path, 'not a price (a decimal string such as "0.99")')
            return None
        amount = Decimal(value)
        if value.startswith("-"):
            self.bad(path, "must not be negative")
            return None
        if amount != amount.quantize(CENT):
            self.bad(path, "at most 2 decimals")
            return None
        return amount.quantize(CENT)

    def offers(self, value: object, path: str) -> tuple[Offer, ...] | None:
        table = self.obj(value, path)
        if table is None:
            return None
        prices: dict[str, Decimal] = {}
        valid = True
        for fmt, raw in table.items():
            if fmt not in FEED_FORMATS:
                self.bad(f"{path}.{fmt}", f"unknown format (known: {', '.join(FEED_FORMATS)})")
                valid = False
                continue
            amount = self.price(raw, f"{path}.{fmt}")
            if amount is None:
                valid = False
            else:
                prices[fmt] = amount
        if not valid:
            return None
        return tuple(Offer(fmt, prices[fmt]) for fmt in FEED_FORMATS if fmt in prices)
