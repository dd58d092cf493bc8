"""The storefront at `/`: a web shop built only on the public GraphQL API, from vendored ES modules (no CDN).

The page and its modules are static files under api/static/storefront/; the browser talks to tunegraph
through `/graphql` alone, as any partner's frontend would. In demo mode (TUNEGRAPH_DEMO_LOGIN=1) the
server also mints customer tokens for the demo sign-in; a production store signs customers in with its
own identity provider, which issues the same tokens, and leaves demo mode off.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from api.auth import PURCHASES_WRITE, issue_token
from api.ids import to_global
from api.request_body import BadRequestError, parse_json, read_capped
from settings import Settings

log = logging.getLogger("tunegraph.storefront")
STATIC_DIR = Path(__file__).resolve().parent / "static" / "storefront"
ASSETS_PATH = "/store"
DEMO_TOKEN_PATH = "/demo/token"
DEMO_TOKEN_LIFETIME = timedelta(hours=1)
DEMO_MODE_MARK = "<!--demo-login-->"
CUSTOMER_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
MAX_DEMO_BODY = 1024
NO_CACHE = "no-cache"


def page(demo_login: bool) -> str:
    """The shell page; it says whether the demo sign-in is on (a meta tag the modules read)."""
    shell = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    mode = '<meta name="tunegraph-demo-login" content="on">' if demo_login else ""
    return shell.replace(DEMO_MODE_MARK, mode)


async def _page(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    return HTMLResponse(page(settings.demo_login), headers={"Cache-Control": NO_CACHE})


def _refuse(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": "BAD_REQUEST", "message": message}}, status_code=status)


async def demo_token(request: Request) -> Response:
    """POST {"customer": "<key>"}: a one-hour customer token with purchases:write (demo mode only)."""
    try:
        data = parse_json(await read_capped(request.headers, request.stream(), MAX_DEMO_BODY), "the request body")
    except BadRequestError as bad:
        return _refuse(bad.status, bad.message)
    customer = data.get("customer") if isinstance(data, dict) else None
    if not isinstance(customer, str) or not CUSTOMER_KEY.fullmatch(customer.strip()):
        return _refuse(400, '`customer` must be a customer number such as "1" (letters, digits, ".", "_", "-")')
    settings: Settings = request.app.state.settings
    subject = to_global("Customer", customer.strip())
    token = issue_token(settings.jwt_secret, subject, [PURCHASES_WRITE], DEMO_TOKEN_LIFETIME)
    return JSONResponse({"token": token, "customerId": subject, "demo": True},
                        headers={"Cache-Control": "no-store"})


def routes(settings: Settings) -> list[BaseRoute]:
    """`/`, the storefront's assets, and (in demo mode only) the demo token endpoint."""
    found: list[BaseRoute] = [
        Route("/", _page, methods=["GET", "HEAD"], name="storefront"),
        Mount(ASSETS_PATH, app=StaticFiles(directory=STATIC_DIR), name="storefront-assets"),
    ]
    if settings.demo_login:
        log.warning("demo mode: %s mints customer tokens for anyone who asks (never on in production)",
                    DEMO_TOKEN_PATH)
        found.append(Route(DEMO_TOKEN_PATH, demo_token, methods=["POST"], name="demo-token"))
    return found
