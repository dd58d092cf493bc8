"""Client-given UPCs and ISRCs: checked and put in the form the store keeps, or BAD_REQUEST saying why.

A malformed code is an error naming the argument and its index, never a silent null: null answers
"we have no such release", and a partner reconciling a catalog must not mistake a typo for that.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from api.errors import ApiError, Code, bad_argument
from graph.importers.feed_codes import gs1_check_digit, normalize_isrc, normalize_upc

MAX_CODES = 100
"""Codes one lookup may name."""


def stored_upc(given: str) -> str:
    """The stored 13-digit form of a UPC-A (12 digits) or EAN-13; ValueError saying what is wrong."""
    value = given.strip()
    if not (value.isascii() and value.isdigit() and len(value) in (12, 13)):
        raise ValueError(f"{given!r} is not a UPC (12 digits UPC-A or 13 digits EAN-13)")
    stored = normalize_upc(value)
    if stored is None:
        raise ValueError(f"{given!r} has a wrong check digit (should be {gs1_check_digit(value[:-1])})")
    return stored


def stored_isrc(given: str) -> str:
    """The stored form of an ISRC (any case, hyphens optional); ValueError saying what is wrong."""
    stored = normalize_isrc(given.strip())
    if stored is None:
        raise ValueError(f"{given!r} is not an ISRC (CC-XXX-YY-NNNNN: country, registrant, year, serial)")
    return stored


def code_argument(given: str, argument: str, parse: Callable[[str], str]) -> str:
    """One code argument in stored form; BAD_REQUEST naming `argument` when malformed."""
    try:
        return parse(given)
    except ValueError as exc:
        raise bad_argument(argument, str(exc)) from None


def code_list(given: Sequence[str], argument: str, parse: Callable[[str], str]) -> list[str]:
    """Every code of a list argument in stored form; BAD_REQUEST for too many or a malformed one."""
    if len(given) > MAX_CODES:
        raise bad_argument(argument, f"at most {MAX_CODES} codes at once, got {len(given)}")
    out: list[str] = []
    for i, code in enumerate(given):
        try:
            out.append(parse(code))
        except ValueError as exc:
            raise ApiError(Code.BAD_REQUEST, f"{argument}[{i}]: {exc}", argument=argument, index=i) from None
    return out
