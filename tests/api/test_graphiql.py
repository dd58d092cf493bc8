"""GraphiQL works offline: every asset served by tunegraph, driven in headless Chromium (Playwright), no network."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from urllib.parse import quote, urlsplit

import httpx
import pytest
from playwright.async_api import Page, expect

from api.graphiql import ASSETS_DIR, ASSETS_PATH, GUIDE
from api.ids import to_global
from graph.driver import Graph
from settings import PROJECT_ROOT, Settings
from tests.browser import LOOPBACK, chromium, tab
from tests.servers import server_process

ASSET_REF = re.compile(r'(?:src|href)="([^"]+)"')
WAIT_MS = 60_000


async def test_the_page_references_only_our_own_assets(client: httpx.AsyncClient) -> None:
    page = await client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    refs = [r for r in ASSET_REF.findall(page.text) if not r.startswith("data:")]
    assert len(refs) == 4  # graphiql css + react, react-dom, graphiql js
    for ref in refs:
        assert ref.startswith(ASSETS_PATH + "/"), ref
        asset = await client.get(ref)
        assert asset.status_code == 200
        assert asset.content == (ASSETS_DIR / ref.removeprefix(ASSETS_PATH + "/")).read_bytes()
    assert "unpkg" not in page.text
    assert "cdn" not in page.text.lower()


async def test_licences_are_vendored_with_the_assets() -> None:
    for name in ("graphiql", "react", "react-dom"):
        assert "MIT License" in (ASSETS_DIR / f"LICENSE.{name}").read_text()


@contextmanager
def api_server(settings: Settings) -> Iterator[str]:
    with server_process({"NEO4J_URI": settings.neo4j_uri}, _healthy) as (base, _):
        yield base


def _healthy(base: str) -> bool:
    with suppress(httpx.HTTPError):
        return httpx.get(base + "/healthz", timeout=1).status_code == 200
    return False


async def test_graphiql_runs_a_query_in_chromium_without_network(
    graph: Graph, settings: Settings, sqlite: sqlite3.Connection
) -> None:
    album_id, title = sqlite.execute("SELECT AlbumId, Title FROM Album ORDER BY AlbumId DESC LIMIT 1").fetchone()
    query = f'{{ node(id: "{to_global("Album", str(album_id))}") {{ ... on Album {{ title }} }} }}'
    urls: list[str] = []
    failed: list[str] = []
    statuses: list[int] = []
    with api_server(settings) as base:
        async with chromium() as browser, tab(browser) as t:
            t.page.on("request", lambda r: urls.append(r.url))
            t.page.on("requestfailed", lambda r: failed.append(r.url))
            t.page.on("response", lambda r: statuses.append(r.status))
            await t.page.goto(f"{base}/graphql?query={quote(query)}")
            run = t.page.locator(".graphiql-execute-button")
            await expect(run).to_be_visible(timeout=WAIT_MS)
            assert title not in await t.page.inner_text("body")
            await run.click()
            await expect(t.page.locator(".graphiql-response")).to_contain_text(title, timeout=WAIT_MS)
            shown = await t.page.inner_text(".graphiql-response")
    assert '"title"' in shown
    assert any(u.startswith(f"{base}{ASSETS_PATH}/graphiql.min.js") for u in urls), urls
    assert any(u == f"{base}/graphql" for u in urls), urls  # the query itself, POSTed by GraphiQL
    assert not t.off_loopback, t.off_loopback
    for url in urls:
        parts = urlsplit(url)
        assert parts.scheme == "data" or parts.hostname == LOOPBACK, f"request left loopback: {url}"
    assert not failed, failed
    assert statuses
    assert all(s < 400 for s in statuses), statuses


@pytest.mark.parametrize("accept", ["application/json", "*/*"])
async def test_non_browsers_get_json_not_the_page(client: httpx.AsyncClient, accept: str) -> None:
    response = await client.get("/graphql", params={"query": "{ genres { name } }"}, headers={"Accept": accept})
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["data"]["genres"]


def editor_text(selector: str) -> str:
    """A JS expression: the text of the CodeMirror editor inside `selector`."""
    return f"(document.querySelector('{selector} .CodeMirror') || {{CodeMirror: {{getValue: () => ''}}}}).CodeMirror.getValue()"


async def editor_value(page: Page, selector: str, containing: str = "") -> str:
    """The editor's whole text (CodeMirror renders only the lines in view), once it holds `containing`."""
    handle = await page.wait_for_function(
        f"(() => {{ const v = {editor_text(selector)}; return v && v.includes({json.dumps(containing)}) && v; }})()",
        timeout=WAIT_MS)
    value: str = await handle.json_value()
    return value


async def test_graphiql_opens_on_a_working_example_with_a_token_hint(
    graph: Graph, settings: Settings, sqlite: sqlite3.Connection
) -> None:
    first_album = sqlite.execute("SELECT Title FROM Album WHERE AlbumId = 1").fetchone()[0]
    with api_server(settings) as base:
        async with chromium() as browser, tab(browser) as t:
            page = t.page
            await page.goto(f"{base}/graphql")
            await expect(page.locator(".graphiql-execute-button")).to_be_visible(timeout=WAIT_MS)
            query = await editor_value(page, ".graphiql-query-editor")
            headers = await editor_value(page, ".graphiql-editor-tool .graphiql-editor:not(.hidden)")
            footer = await page.inner_text(".tunegraph-hint")
            guide = await page.locator(".tunegraph-hint a").evaluate("a => a.href")
            await page.locator(".graphiql-execute-button").click()
            shown = await editor_value(page, ".graphiql-response", first_album)
    assert "Welcome to GraphiQL" not in query
    assert query.startswith("# Welcome to tunegraph")
    assert "albums(first: 5" in query
    assert "fragment AlbumCard on Album" in query
    assert "tunegraph token --customer 1" in query
    assert json.loads(headers) == {"Authorization": ""}
    assert "tunegraph token --customer 1" in footer
    assert "Bearer" in footer
    assert guide == f"{base}{GUIDE}"
    answer = json.loads(shown)
    assert "errors" not in answer, answer
    assert len(answer["data"]["albums"]["edges"]) == 5
    assert answer["data"]["album"]["title"] == first_album


async def test_docs_route_serves_only_the_guides(client: httpx.AsyncClient) -> None:
    guide = await client.get(GUIDE)
    assert guide.status_code == 200
    assert guide.headers["content-type"] == "text/plain; charset=utf-8"
    assert guide.text == (PROJECT_ROOT / "docs" / "getting-started.md").read_text(encoding="utf-8")
    for name in ("nope.md", "..%2FREADME.md", "%2E%2E%2Fpyproject.toml"):
        assert (await client.get(f"/docs/{name}")).status_code == 404, name
