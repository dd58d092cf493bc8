"""The custom scalars Date, DateTime and Decimal, each with the specification it follows."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal

from strawberry.schema.types.base_scalars import DateDefinition, DateTimeDefinition, DecimalDefinition
from strawberry.types.scalar import ScalarDefinition

DATE_SPEC = "https://www.rfc-editor.org/rfc/rfc3339#section-5.6"
DATE_TIME_SPEC = "https://www.rfc-editor.org/rfc/rfc3339#section-5.6"
DECIMAL_SPEC = "https://www.w3.org/TR/xmlschema11-2/#decimal"


def _date_time(value: dt.datetime) -> str:
    """RFC 3339 needs an offset: an instant stored without one is UTC, as purchases are stored."""
    return (value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)).isoformat()


def _decimal(value: decimal.Decimal) -> str:
    """Plain notation, never an exponent ("0.99", not "9.9E-1")."""
    return format(value, "f")


SCALARS: dict[object, ScalarDefinition] = {
    dt.date: dataclasses.replace(
        DateDefinition,
        description='A calendar day, RFC 3339 `full-date` (ISO 8601 extended): "2026-11-28".',
        specified_by_url=DATE_SPEC,
    ),
    dt.datetime: dataclasses.replace(
        DateTimeDefinition,
        description="An instant, RFC 3339 `date-time` with an offset: \"2026-11-28T14:03:00+00:00\". "
        "Answers always carry an offset; an argument without one is taken as UTC.",
        specified_by_url=DATE_TIME_SPEC,
        serialize=_date_time,
    ),
    decimal.Decimal: dataclasses.replace(
        DecimalDefinition,
        description='An exact decimal number as a string, never a float: XML Schema `decimal` '
        'lexical form (optional sign, digits, optional fraction, no exponent), e.g. "0.99".',
        specified_by_url=DECIMAL_SPEC,
        serialize=_decimal,
    ),
}
"""Scalar definitions by Python type, for StrawberryConfig.scalar_map."""
