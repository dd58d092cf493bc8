"""Feed codes: UPC/EAN (GS1 check digit) and ISRC formats, and the canonical royalty rate."""

from __future__ import annotations

import re
from decimal import Decimal

CENT = Decimal("0.01")

UPC_PATTERN = re.compile(r"[0-9]{12,13}", re.ASCII)
_ISRC = re.compile(r"([A-Z]{2})-?([A-Z0-9]{3})-?([0-9]{2})-?([0-9]{5})", re.ASCII)


def gs1_check_digit(body: str) -> int:
    """The GS1 check digit of a UPC/EAN body (its digits but the last; weights 3,1,3,... from
    the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def normalize_upc(upc: str) -> str | None:
    """The 13-digit form of a valid UPC-A / EAN-13 (check digit verified), else None."""
    if not UPC_PATTERN.fullmatch(upc) or gs1_check_digit(upc[:-1]) != int(upc[-1]):
        return None
    return upc.rjust(13, "0")


def normalize_isrc(isrc: str) -> str | None:
    """`CCXXXYYNNNNN` (uppercase, dashes removed) for a valid ISRC, else None."""
    match = _ISRC.fullmatch(isrc.upper())
    return "".join(match.groups()) if match else None



def canonical_rate(rate: Decimal) -> Decimal:
    """A royalty rate with trailing zeros dropped but at least 2 decimals: 0.7 -> 0.70."""
    reduced = rate.normalize()
    exponent = reduced.as_tuple().exponent
    assert isinstance(exponent, int)
    return reduced.quantize(CENT) if exponent > -2 else reduced
