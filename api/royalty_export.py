"""`GET /royalties/statement.tsv` and `.csv`: a royalty statement as a file, for partners' systems.

The query string carries royaltyStatement's own arguments: `label` (a Label global ID), `from`
and `to` (UTC days, both inclusive) and `currency` (optional), e.g.
`/royalties/statement.tsv?label=TGFiZWw6aW5kaWU=&from=2026-01-01&to=2026-03-31`. The label is a
query parameter rather than a path segment because a global ID is base64 and may hold `/`.
The bearer token and every refusal are the GraphQL field's (api/royalty_reads.py); a refusal is
JSON `{"errors": [{"message", "extensions": {"code", ...}}]}` with status 400, 401, 403, 404 or
429. `.tsv` is the DDEX DSR-style flat file, `.csv` the same sales flat (api/royalty_files.py).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import UTC, date, datetime

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.auth import Viewer, caller_from_headers
from api.errors import ApiError, Code, bad_argument
from api.ratelimit import caller_key
from api.royalty_files import dsr_flat_file, sales_csv
from api.royalty_reads import readable_statement
from api.services import services_of
from graph.driver import UNAVAILABLE_ERRORS
from graph.royalties import Statement

PARAMETERS = ("label", "from", "to", "currency")
EXPORT_COST = 100
"""What one export costs of the caller's rate-limit budget: a statement with its lists."""
STATUS = {
    Code.BAD_REQUEST: 400, Code.UNAUTHENTICATED: 401, Code.FORBIDDEN: 403, Code.NOT_FOUND: 404,
    Code.RATE_LIMITED: 429, Code.UNAVAILABLE: 503,
}
FILE_NAME = re.compile(r"[^A-Za-z0-9._-]")
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
Render = Callable[[Statement, date, date], str]


def _refusal(error: ApiError, **headers: str) -> JSONResponse:
    body = {"errors": [{"message": error.message, "extensions": {"code": error.code.value, **error.extensions}}]}
    return JSONResponse(body, status_code=STATUS.get(error.code, 400), headers=headers or None)


def _arguments(request: Request) -> dict[str, str]:
    """The query string's arguments; BAD_REQUEST for unknown, repeated or missing ones."""
    params = request.query_params
    for name in params:
        if name not in PARAMETERS:
            raise bad_argument(name, f"unknown parameter (expected {', '.join(PARAMETERS)})")
        if len(params.getlist(name)) > 1:
            raise bad_argument(name, "given more than once")
    for name in PARAMETERS[:3]:
        if not params.get(name):
            raise bad_argument(name, "required")
    return dict(params)


def _day(value: str, name: str) -> date:
    try:
        if DAY.fullmatch(value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise bad_argument(name, f"{value!r} is not a date (YYYY-MM-DD)")


async def _charge(request: Request, viewer: Viewer | None) -> ApiError | None:
    """Charge the export to the caller's rate-limit budget (the GraphQL one); RATE_LIMITED past it."""
    limiter = services_of(request).rate_limiter
    if not limiter.enabled:
        return None
    client = request.client.host if request.client else None
    claimed = viewer.rate_limit if viewer is not None else None
    quota = await limiter.charge(caller_key(request.headers, client), EXPORT_COST, limiter.limit_for(claimed))
    if quota.granted:
        return None
    seconds = max(1, math.ceil(quota.retry_after))
    return ApiError(Code.RATE_LIMITED, f"Rate limit exceeded: an export costs {EXPORT_COST} of a budget of "
                    f"{quota.limit} per minute; retry in {seconds} s.", retryAfter=seconds)


async def _export(request: Request, render: Render, media_type: str, suffix: str) -> Response:
    viewer, token_error = caller_from_headers(request.headers, services_of(request).settings.jwt_secret)
    if token_error is not None:
        return _refusal(token_error, **{"WWW-Authenticate": "Bearer"})
    if (limited := await _charge(request, viewer)) is not None:
        return _refusal(limited, **{"Retry-After": str(limited.extensions["retryAfter"])})
    try:
        given = _arguments(request)
        start, end = _day(given["from"], "from"), _day(given["to"], "to")
        statement = await readable_statement(
            services_of(request).graph, viewer, given["label"], start, end, given.get("currency")
        )
    except ApiError as error:
        extra = {"WWW-Authenticate": "Bearer"} if error.code is Code.UNAUTHENTICATED else {}
        return _refusal(error, **extra)
    except UNAVAILABLE_ERRORS:
        return _refusal(ApiError(Code.UNAVAILABLE, "The catalog database is unavailable; retry shortly."))
    name = FILE_NAME.sub("_", f"royalties_{statement.label_key}_{start}_{end}_{statement.currency}.{suffix}")
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    return Response(render(statement, start, end), media_type=media_type, headers=headers)


async def statement_tsv(request: Request) -> Response:
    """The statement as a DDEX DSR-style flat file."""

    def render(statement: Statement, start: date, end: date) -> str:
        return dsr_flat_file(statement, start, end, datetime.now(UTC))

    return await _export(request, render, "text/tab-separated-values; charset=utf-8", "tsv")


async def statement_csv(request: Request) -> Response:
    """The statement's sales as CSV."""
    return await _export(request, sales_csv, "text/csv; charset=utf-8", "csv")


def routes() -> list[Route]:
    """The export's routes, for server.py."""
    return [
        Route("/royalties/statement.tsv", statement_tsv, methods=["GET"]),
        Route("/royalties/statement.csv", statement_csv, methods=["GET"]),
    ]
