"""An anonymous request whose document already has a compiled plan, answered without the view.

A document qualifies once the view has admitted it (parsed, counted and validated: the admission cache
keeps it) and compiled its plan. Every check the view would make is made here, in its order and before
any Cypher: the limits on this request's values, the plan's argument checks, the caller's budget. The
body and headers are the view's own for the same answer. Anything else (a refusal, a value the plan
leaves to the executor) is left to the view, which answers it as always.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from api.admission import CACHES
from api.buckets import Quota
from api.compiled.plans import COMPILED, PLANS
from api.compiled.selection import Fallback
from api.limits import judge
from api.ratelimit import caller_key, cost_report, quota_headers
from api.services import services_of

if TYPE_CHECKING:
    from api.cached_request import Operation
    from api.http import GraphQLApp

log = logging.getLogger("tunegraph.api")


async def answer(view: GraphQLApp, request: Request, operation: Operation) -> Response | None:
    """The planned answer to this operation; None where the view must answer it."""
    if not services_of(request).settings.compiled:
        return None
    schema = view.schema
    document = CACHES.documents.get((schema._schema, operation.query))  # type: ignore[attr-defined]
    plan = PLANS.known(schema, operation.query, operation.name, document) if document is not None else None  # type: ignore[arg-type]
    if plan is None or document is None:
        return None
    found = CACHES.measures.measure(
        schema._schema, operation.query, document, operation.name, operation.variables  # type: ignore[attr-defined]
    )
    if judge(found) is not None:
        return None
    context = await view.get_context(request, None)
    try:
        planned = plan.prepare(context, operation.variables)
    except Fallback:
        return None
    quota = await charge(request, found.cost)
    if quota is not None and not quota.granted:
        return None
    try:
        data = await planned.answer()
    except Fallback:  # after the charge: the view charges again, for a request the plan could not answer
        COMPILED.labels("fallback").inc()
        return None
    except Exception:  # Neo4j away, or a plan's own fault: the view answers (and reports) it
        log.warning("compiled plan failed; the executor answers", exc_info=True)
        COMPILED.labels("error").inc()
        return None
    COMPILED.labels("planned").inc()
    return _response(view, request, data, quota)


async def charge(request: Request, cost: int, claimed: int | None = None) -> Quota | None:
    """Charge a request's caller (its token, else its address) its cost, under the limit its token claims (if
    any); None where no limit applies."""
    limiter = services_of(request).rate_limiter
    if not limiter.enabled:
        return None
    client = request.client.host if request.client else None
    return await limiter.charge(caller_key(request.headers, client), cost, limiter.limit_for(claimed))


def _response(view: GraphQLApp, request: Request, data: dict[str, Any], quota: Quota | None) -> Response:
    """The response the view sends for this data: the budget in the body (not of an anonymous GET) and headers."""
    payload: dict[str, Any] = {"data": data}
    if quota is not None and request.method != "GET":
        payload["extensions"] = {"cost": cost_report(quota)}
    body = view.encode_json(payload)
    response = Response(body, media_type="application/json")
    if quota is not None:
        response.headers.update(quota_headers(quota))
    return response
