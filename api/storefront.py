"""The storefront at `/`: a web shop built only on the public GraphQL API, from vendored ES modules (no CDN).

The page and its modules are static files under api/static/storefront/; the browser talks to tunegraph
through `/graphql` alone, as any partner's frontend would. In demo mode (TUNEGRAPH_DEMO_LOGIN=1) the
server also mints customer tokens for the demo sign-in; a production store signs customers in with its
own identity provider, which issues the same tokens, and leaves demo mode off.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
from datetime import timedelta
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send

from api.auth import PURCHASES_WRITE, issue_token
from api.ids import to_global
from api.request_body import BadRequestError, parse_json, read_capped
from api.services import services_of
from settings import Settings

log = logging.getLogger("tunegraph.storefront")
STATIC_DIR = Path(__file__).resolve().parent / "static" / "storefront"
ASSETS_PATH = "/store"
DEMO_TOKEN_PATH = "/demo/token"
DEMO_TOKEN_LIFETIME = timedelta(hours=1)
DEMO_MODE_MARK = "<!--demo-login-->"
ASSETS_MARK = "<!--assets-->"
ENTRIES = ("js/prefetch.js", "js/app.js")
"""Module scripts of the page: the early album query's small graph first, then the store."""
EARLY = ("js/api.js", "js/fragments.js", "js/pages/album-query.js", "js/route.js", "js/storage.js")
"""What prefetch.js imports: preloaded first, so the album query leaves before the rest has loaded."""
BARE_IMPORTS = {"preact": "vendor/preact.js", "preact/hooks": "vendor/preact-hooks.js", "htm": "vendor/htm.js"}
IMMUTABLE = "public, max-age=31536000, immutable"
CUSTOMER_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
MAX_DEMO_BODY = 1024
NO_CACHE = "no-cache"


def versioned() -> dict[str, str]:
    """Each asset's URL carrying its content hash (`?v=`), so browsers may keep it until it changes.

    Hashed on every page load (some 90 kB): an edited module is picked up without a restart.
    """
    found = {}
    for path in sorted(STATIC_DIR.rglob("*")):
        if path.suffix in (".js", ".css"):
            name = path.relative_to(STATIC_DIR).as_posix()
            found[name] = f"{ASSETS_PATH}/{name}?v={hashlib.sha256(path.read_bytes()).hexdigest()[:12]}"
    return found


def asset_tags() -> str:
    """The stylesheet, an import map sending every module to its versioned URL, preloads and the entry modules."""
    urls = versioned()
    modules = {name: url for name, url in sorted(urls.items(), key=_load_order) if name.endswith(".js")}
    imports = {**{bare: urls[name] for bare, name in BARE_IMPORTS.items()},
               **{f"{ASSETS_PATH}/{name}": url for name, url in modules.items()}}
    import_map = json.dumps({"imports": imports}, indent=1).replace("<", "\\u003c")
    preloads = "".join(f'  <link rel="modulepreload" href="{url}">\n' for name, url in modules.items()
                       if name not in ENTRIES)
    entries = "\n".join(f'  <script type="module" src="{urls[name]}"></script>' for name in ENTRIES)
    return (f'<link rel="stylesheet" href="{urls["store.css"]}">\n'
            f'  <script type="importmap">{import_map}</script>\n{preloads}{entries}')


def _load_order(item: tuple[str, str]) -> tuple[int, str]:
    name = item[0]
    return (0 if name in EARLY else 1 if name.startswith("vendor/") else 2), name


def page(demo_login: bool) -> str:
    """The shell page; it says whether the demo sign-in is on (a meta tag the modules read)."""
    shell = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    mode = '<meta name="tunegraph-demo-login" content="on">' if demo_login else ""
    return shell.replace(DEMO_MODE_MARK, mode).replace(ASSETS_MARK, asset_tags())


class Assets:
    """The storefront's files: kept for a year when asked for by versioned URL, else revalidated."""

    def __init__(self) -> None:
        self.files = StaticFiles(directory=STATIC_DIR)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        policy = IMMUTABLE if b"v=" in scope.get("query_string", b"") else NO_CACHE

        async def with_policy(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] < 400:
                message["headers"] = [*message["headers"], (b"cache-control", policy.encode())]
            await send(message)

        await self.files(scope, receive, with_policy)


async def _page(request: Request) -> Response:
    # page() reads and hashes the assets: off the event loop
    shell = await asyncio.to_thread(page, services_of(request).settings.demo_login)
    return HTMLResponse(shell, headers={"Cache-Control": NO_CACHE})


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
    subject = to_global("Customer", customer.strip())
    token = issue_token(services_of(request).settings.jwt_secret, subject, [PURCHASES_WRITE], DEMO_TOKEN_LIFETIME)
    return JSONResponse({"token": token, "customerId": subject, "demo": True},
                        headers={"Cache-Control": "no-store"})


def routes(settings: Settings) -> list[BaseRoute]:
    """`/`, the storefront's assets, and (in demo mode only) the demo token endpoint."""
    found: list[BaseRoute] = [
        Route("/", _page, methods=["GET", "HEAD"], name="storefront"),
        Mount(ASSETS_PATH, app=Assets(), name="storefront-assets"),
    ]
    if settings.demo_login:
        log.warning("demo mode: %s mints customer tokens for anyone who asks (never on in production)",
                    DEMO_TOKEN_PATH)
        found.append(Route(DEMO_TOKEN_PATH, demo_token, methods=["POST"], name="demo-token"))
    return found
