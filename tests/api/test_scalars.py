"""Date, DateTime and Decimal answer in the formats their @specifiedBy URLs name."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from api.scalars import SCALARS

RFC3339_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)$")
XSD_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def shown_as(kind: type, value: object) -> str:
    serialize = SCALARS[kind].serialize
    assert serialize is not None
    out: str = serialize(value)
    return out


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (dt.datetime(2026, 11, 28, 14, 3), "2026-11-28T14:03:00+00:00"),
        (dt.datetime(2026, 11, 28, 14, 3, tzinfo=dt.UTC), "2026-11-28T14:03:00+00:00"),
        (dt.datetime(2026, 11, 28, 15, 3, 0, 500, tzinfo=dt.timezone(dt.timedelta(hours=1))),
         "2026-11-28T15:03:00.000500+01:00"),
    ],
)
def test_date_times_always_carry_an_offset(value: dt.datetime, shown: str) -> None:
    out = shown_as(dt.datetime, value)
    assert out == shown
    assert RFC3339_DATE_TIME.match(out)


@pytest.mark.parametrize(
    ("value", "shown"),
    [(Decimal("0.99"), "0.99"), (Decimal("1E+2"), "100"), (Decimal("9.9E-7"), "0.00000099"), (Decimal("-1.50"), "-1.50")],
)
def test_decimals_never_use_an_exponent(value: Decimal, shown: str) -> None:
    out = shown_as(Decimal, value)
    assert out == shown
    assert XSD_DECIMAL.match(out)
    assert Decimal(out) == value


def test_dates_are_full_dates_and_parse_back() -> None:
    definition = SCALARS[dt.date]
    assert shown_as(dt.date, dt.date(2026, 1, 2)) == "2026-01-02"
    assert definition.parse_value is not None
    assert definition.parse_value("2026-01-02") == dt.date(2026, 1, 2)
