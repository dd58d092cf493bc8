"""Territory arguments: ISO 3166-1 alpha-2 in any case, checked alike wherever one is taken."""

from __future__ import annotations

from api.errors import bad_argument
from graph.territories import territory_code


def territory_argument(value: str, argument: str = "territory") -> str:
    """The uppercase code; BAD_REQUEST naming `argument` for a malformed or unassigned code."""
    try:
        return territory_code(value)
    except ValueError as problem:
        raise bad_argument(argument, str(problem)) from None


def optional_territory(value: str | None, argument: str = "territory") -> str | None:
    """As territory_argument, but None (no restriction) stays None."""
    return None if value is None else territory_argument(value, argument)
