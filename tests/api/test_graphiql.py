"""GraphiQL works offline: every asset served by tunegraph, driven in headless Chromium with no network."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import pytest
import websockets

from api.graphiql import ASSETS_DIR, ASSETS_PATH, GUIDE
from api.ids import to_global
from graph.driver import Graph
from settings import PROJECT_ROOT, Settings
from tests.servers import server_process

ASSET_REF = re.compile(r'(?:src|href)="([^"]+)"')
LOOPBACK = "127.0.0.1"


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


class DevTools:
    """A minimal Chrome DevTools Protocol client over one page's websocket."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.next_id = 0
        self.pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.events: list[dict[str, Any]] = []
        self.reader = asyncio.ensure_future(self.read())

    async def read(self) -> None:
        async for raw in self.ws:
            message = json.loads(raw)
            future = self.pending.pop(message.get("id", -1), None)
            if future is not None:
                future.set_result(message)
            else:
                self.events.append(message)

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.pending[self.next_id] = future
        await self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        reply = await asyncio.wait_for(future, timeout=30)
        assert "error" not in reply, reply
        result: dict[str, Any] = reply.get("result", {})
        return result

    async def evaluate(self, expression: str) -> Any:
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    async def wait_for(self, expression: str, seconds: float = 60.0) -> Any:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while loop.time() < deadline:
            value = await self.evaluate(expression)
            if value:
                return value
            await asyncio.sleep(0.2)
        raise AssertionError(f"timed out waiting for {expression}; page: {await self.evaluate('document.body.innerText')}")


@contextmanager
def chromium() -> Iterator[str]:
    """Headless Chromium with no network but loopback; yields its blank page's DevTools websocket."""
    binary = shutil.which("chromium")
    assert binary, "chromium is not installed (make test installs it)"
    profile = tempfile.mkdtemp(prefix="tg-chromium-")
    log_path = os.path.join(profile, "stderr.log")
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-default-apps", "--disable-extensions", f"--user-data-dir={profile}",
             f"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE {LOOPBACK}",
             "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=log,
        )
    try:
        port = None
        for _ in range(300):
            with open(log_path) as log:
                found = re.search(r"DevTools listening on ws://[^:]+:(\d+)/", log.read())
            if found:
                port = int(found.group(1))
                break
            assert proc.poll() is None, "chromium exited"
            time.sleep(0.1)
        assert port, "chromium did not open its DevTools port"
        targets = httpx.get(f"http://{LOOPBACK}:{port}/json/list", timeout=5).json()
        yield next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(profile, ignore_errors=True)


@asynccontextmanager
async def devtools(page_ws: str) -> AsyncIterator[DevTools]:
    async with websockets.connect(page_ws, max_size=None) as ws:
        tools = DevTools(ws)
        try:
            yield tools
        finally:
            tools.reader.cancel()
            with suppress(asyncio.CancelledError):
                await tools.reader


async def test_graphiql_runs_a_query_in_chromium_without_network(
    graph: Graph, settings: Settings, sqlite: sqlite3.Connection
) -> None:
    album_id, title = sqlite.execute("SELECT AlbumId, Title FROM Album ORDER BY AlbumId DESC LIMIT 1").fetchone()
    query = f'{{ node(id: "{to_global("Album", str(album_id))}") {{ ... on Album {{ title }} }} }}'
    with api_server(settings) as base, chromium() as page_ws:
        async with devtools(page_ws) as page:
            await page.send("Network.enable")
            await page.send("Page.enable")
            await page.send("Page.navigate", url=f"{base}/graphql?query={quote(query)}")
            await page.wait_for("!!document.querySelector('.graphiql-execute-button')")
            assert title not in await page.evaluate("document.body.innerText")
            await page.evaluate("document.querySelector('.graphiql-execute-button').click()")
            shown = await page.wait_for(
                f"(document.querySelector('.graphiql-response') || {{innerText: ''}}).innerText.includes({json.dumps(title)})"
                f" && document.querySelector('.graphiql-response').innerText"
            )
    assert '"title"' in shown
    urls = [e["params"]["request"]["url"] for e in page.events if e.get("method") == "Network.requestWillBeSent"]
    assert any(u.startswith(f"{base}{ASSETS_PATH}/graphiql.min.js") for u in urls), urls
    assert any(u == f"{base}/graphql" for u in urls), urls  # the query itself, POSTed by GraphiQL
    for url in urls:
        parts = urlsplit(url)
        assert parts.scheme == "data" or parts.hostname == LOOPBACK, f"request left loopback: {url}"
    failed = [e["params"] for e in page.events if e.get("method") == "Network.loadingFailed"]
    assert not failed, failed
    statuses = [e["params"]["response"]["status"] for e in page.events if e.get("method") == "Network.responseReceived"]
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


async def test_graphiql_opens_on_a_working_example_with_a_token_hint(
    graph: Graph, settings: Settings, sqlite: sqlite3.Connection
) -> None:
    first_album = sqlite.execute("SELECT Title FROM Album WHERE AlbumId = 1").fetchone()[0]
    with api_server(settings) as base, chromium() as page_ws:
        async with devtools(page_ws) as page:
            await page.send("Page.enable")
            await page.send("Page.navigate", url=f"{base}/graphql")
            await page.wait_for("!!document.querySelector('.graphiql-execute-button')")
            query = await page.wait_for(editor_text(".graphiql-query-editor"))
            headers = await page.wait_for(editor_text(".graphiql-editor-tool .graphiql-editor:not(.hidden)"))
            footer = await page.evaluate("document.querySelector('.tunegraph-hint').innerText")
            guide = await page.evaluate("document.querySelector('.tunegraph-hint a').href")
            await page.evaluate("document.querySelector('.graphiql-execute-button').click()")
            # CodeMirror renders only the lines in view: the whole answer is the editor's value.
            answer_text = editor_text(".graphiql-response")
            shown = await page.wait_for(f"{answer_text}.includes({json.dumps(first_album)}) && {answer_text}")
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
