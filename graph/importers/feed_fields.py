"""Feed fields: the checks of a feed line's generic shapes (objects, lists, text, dates, parties, prices)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from graph.importers.feed_codes import CENT
from graph.importers.feed_limits import (
    MAX_AMOUNT_CHARS,
    MAX_ARTISTS,
    MAX_KEY_CHARS,
    MAX_NAME_CHARS,
    MAX_PROBLEMS_PER_LINE,
    shown_key,
)
from graph.importers.feed_problems import Problem
from graph.release import Offer, PartyRef

if TYPE_CHECKING:
    from graph.importers.feed_validation import FeedChecker

FEED_FORMATS: tuple[str, ...] = ("MP3_320", "AAC_256", "FLAC_16_44", "FLAC_24_96")

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_PRICE = re.compile(r"-?[0-9]+(\.[0-9]+)?", re.ASCII)
MISSING: Any = object()


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


class _DupDict(dict[str, Any]):
    """A JSON object in which some keys appeared more than once (the last value won)."""

    duplicates: tuple[str, ...] = ()


def object_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """json's object_pairs_hook: a dict, a _DupDict where some key came twice."""
    result = dict(pairs)
    if len(result) == len(pairs):
        return result
    seen: set[str] = set()
    dupes: dict[str, None] = {}
    for key, _ in pairs:
        if key in seen:
            dupes[key] = None
        seen.add(key)
    marked = _DupDict(result)
    marked.duplicates = tuple(dupes)
    return marked


def reject_constant(name: str) -> Any:
    """json's parse_constant: NaN and Infinity are not JSON."""
    raise ValueError(f"{name} is not JSON")


def type_name(value: object) -> str:
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


class FieldChecker:
    """The generic field checks of one line, each problem reported to the feed with its path."""

    def __init__(self, feed: FeedChecker, number: int) -> None:
        self.feed = feed
        self.number = number
        self.ok = True
        self.count = 0

    def bad(self, path: str, message: str) -> None:
        self.ok = False
        self.count += 1
        if self.count <= MAX_PROBLEMS_PER_LINE:
            self.feed.problems.append(Problem(self.number, path, message))

    def finish(self) -> None:
        """After the line's checks: how many problems were left unlisted, if any."""
        if self.count > MAX_PROBLEMS_PER_LINE:
            hidden = self.count - MAX_PROBLEMS_PER_LINE
            self.feed.problems.append(Problem(self.number, "", f"{hidden} more problems on this line not listed"))

    # ---- generic shapes

    def get(self, obj: dict[str, Any], key: str, prefix: str, required: bool) -> Any:
        """obj[key]; MISSING when absent or null (a problem when required)."""
        value = obj.get(key)
        if value is None:
            if required:
                self.bad(_join(prefix, key), "is required")
            return MISSING
        return value

    def obj(self, value: object, path: str) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.bad(path, f"must be an object, not {type_name(value)}")
            return None
        if isinstance(value, _DupDict):
            for key in value.duplicates:
                self.bad(_join(path, shown_key(key)), "appears more than once in this object")
        return value

    def list_(self, value: object, path: str, *, most: int, empty_ok: bool = False) -> list[Any] | None:
        """A list of at most `most` items (its items are not checked when it holds more)."""
        if not isinstance(value, list):
            self.bad(path, f"must be a list, not {type_name(value)}")
            return None
        if not value and not empty_ok:
            self.bad(path, "must not be empty")
            return None
        if len(value) > most:
            self.bad(path, f"too many: {len(value)} (at most {most})")
            return None
        return value

    def short(self, value: str, path: str, most: int) -> bool:
        """Whether a text holds at most `most` characters (a problem when not)."""
        if len(value) <= most:
            return True
        self.bad(path, f"too long: {len(value)} characters (at most {most})")
        return False

    def text(self, obj: dict[str, Any], key: str, prefix: str, *, most: int, required: bool = True) -> str | None:
        """A non-blank string of at most `most` characters, stripped."""
        value = self.get(obj, key, prefix, required)
        if value is MISSING:
            return None
        if not isinstance(value, str):
            self.bad(_join(prefix, key), f"must be a string, not {type_name(value)}")
            return None
        if not value.strip():
            self.bad(_join(prefix, key), "must not be blank")
            return None
        stripped = value.strip()
        return stripped if self.short(stripped, _join(prefix, key), most) else None

    def flag(self, obj: dict[str, Any], key: str, prefix: str) -> bool | None:
        """An optional boolean: None when absent, null or not a boolean (a problem then)."""
        value = self.get(obj, key, prefix, required=False)
        if value is MISSING:
            return None
        if not isinstance(value, bool):
            self.bad(_join(prefix, key), f"must be true or false, not {type_name(value)}")
            return None
        return value

    def positive_int(self, obj: dict[str, Any], key: str, prefix: str, default: int | None) -> int:
        value = self.get(obj, key, prefix, required=default is None)
        if value is MISSING:
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
        name = self.text(obj, "name", path, most=MAX_NAME_CHARS)
        if key is MISSING:
            return None
        if not isinstance(key, str):
            self.bad(f"{path}.key", f"must be a string, not {type_name(key)}")
            return None
        if not key.strip():
            self.bad(f"{path}.key", "must not be blank")
            return None
        if key != key.strip():
            self.bad(f"{path}.key", "must not start or end with whitespace")
            return None
        if not self.short(key, f"{path}.key", MAX_KEY_CHARS) or name is None:
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
        items = self.list_(value, path, most=MAX_ARTISTS)
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
                f'must be a decimal string such as "0.99", not {type_name(value)} (money is never a float)',
            )
            return None
        if not self.short(value, path, MAX_AMOUNT_CHARS):
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
        if len(table) > len(FEED_FORMATS):
            self.bad(path, f"too many formats: {len(table)} (known: {', '.join(FEED_FORMATS)})")
            return None
        prices: dict[str, Decimal] = {}
        valid = True
        for fmt, raw in table.items():
            if fmt not in FEED_FORMATS:
                self.bad(f"{path}.{shown_key(fmt)}", f"unknown format (known: {', '.join(FEED_FORMATS)})")
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
