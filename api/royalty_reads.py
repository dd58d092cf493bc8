"""The royalty statement a caller may read: the checks `royaltyStatement` and the file export share.

Both take the same arguments (label: a Label global ID; from, to: UTC days, both inclusive;
currency: optional ISO 4217 code) and refuse alike: UNAUTHENTICATED without a token, FORBIDDEN
without royalties:read or for a label the token's `labels` claim does not name (checked before
the graph is read, so existing and missing labels look the same), BAD_REQUEST naming the argument.
"""

from __future__ import annotations

import re
from datetime import date

from api.auth import ROYALTIES_READ, Viewer, require_label
from api.errors import ApiError, Code, bad_argument
from api.ids import key_of
from graph import royalties
from graph.driver import Graph
from graph.royalties import Statement

CURRENCY = re.compile(r"[A-Za-z]{3}", re.ASCII)


async def readable_statement(
    graph: Graph, viewer: Viewer | None, label: str, start: date, end: date, currency: str | None
) -> Statement:
    """The label's statement for [start, end] if the viewer may read it; ApiError saying why not."""
    label_key = key_of(label, "Label", "label")
    require_label(viewer, ROYALTIES_READ, label_key)
    if start > end:
        raise bad_argument("from", "must not be after `to`")
    if end >= date.max:  # the period ends at the start of the day after `to`
        raise bad_argument("to", f"must be before {date.max.isoformat()}")
    if currency is not None and not CURRENCY.fullmatch(currency):
        raise bad_argument("currency", f"{currency!r} is not an ISO 4217 code (three letters, e.g. EUR)")
    try:
        found = await royalties.statement(graph, label_key, start, end, currency.upper() if currency else None)
    except royalties.SeveralCurrencies as several:
        raise bad_argument("currency", f"{several}; choose one") from None
    if found is None:
        raise ApiError(Code.NOT_FOUND, f"label: no label with ID {label!r}", argument="label")
    return found
