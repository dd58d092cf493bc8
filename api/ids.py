"""Relay global IDs: base64("<TypeName>:<key>"), as Strawberry encodes them."""

from __future__ import annotations

import base64
import binascii

from api.errors import bad_argument

SHOWN_CHARS = 60
"""How much of a bad value an error message repeats."""


def shown(value: str) -> str:
    """A client's value quoted in an error message, cut short when long."""
    return repr(value) if len(value) <= SHOWN_CHARS else repr(value[:SHOWN_CHARS]) + f"... ({len(value)} characters)"


def to_global(type_name: str, key: str) -> str:
    """The global ID of a record."""
    return base64.b64encode(f"{type_name}:{key}".encode()).decode()


def from_global(value: str, argument: str = "id") -> tuple[str, str]:
    """(type name, key) of a global ID; BAD_REQUEST naming the argument if malformed."""
    try:
        decoded = base64.b64decode(value.encode(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise bad_argument(argument, f"{shown(value)} is not a valid ID") from None
    type_name, sep, key = decoded.partition(":")
    if not sep or not type_name or not key:
        raise bad_argument(argument, f"{shown(value)} is not a valid ID")
    return type_name, key


def key_of(value: str, expected: str, argument: str) -> str:
    """The key of a global ID that must name an `expected` record."""
    type_name, key = from_global(value, argument)
    if type_name != expected:
        raise bad_argument(argument, f"expected the ID of a {expected}, got the ID of a {type_name}")
    return key
