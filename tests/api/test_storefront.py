"""The storefront over HTTP: `/` and its vendored modules, GraphiQL still at /graphql, the demo sign-in's switch."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import AsyncIterator

import httpx
import pytest

from api.storefront import ASSETS_PATH, DEMO_TOKEN_PATH, EARLY, STATIC_DIR
from graph.driver import Graph
from server import create_app
from settings import PROJECT_ROOT, Settings
from tests.store_support import Fixtures, bearer

ASSET_REF = re.compile(r'(?:src|href)="([^"]+)"')
IMPORT = re.compile(r'(?:import|export)\s*(?:[^"\']*?\sfrom\s*)?["\']([^"\']+)["\']')
VIEWER = "{ viewer { id country } }"
BUY_NOTHING = """mutation { purchase(input: {items: [], territory: "GB", idempotencyKey: "demo-1"}) {
  ... on PurchaseRejected { code } } }"""


@pytest.fixture(scope="module")
async def demo(graph: Graph, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(dataclasses.replace(settings, demo_login=True))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://tunegraph.test") as c:
            yield c


def import_map(page: str) -> dict[str, str]:
    found = re.search(r'<script type="importmap">(.*?)</script>', page, re.S)
    assert found, "the page has no import map"
    imports: dict[str, str] = json.loads(found.group(1))["imports"]
    return imports


async def test_the_store_is_at_the_root_and_loads_only_its_own_files(client: httpx.AsyncClient) -> None:
    page = await client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    refs = [r for r in ASSET_REF.findall(page.text) if not r.startswith(("data:", "/graphql", "/docs"))]
    refs += list(import_map(page.text).values())
    assert any("/js/app.js?v=" in r for r in refs)
    for ref in refs:
        assert ref.startswith(ASSETS_PATH + "/"), ref
        path, _, version = ref.partition("?v=")
        asset = await client.get(ref)
        assert asset.status_code == 200, ref
        content = (STATIC_DIR / path.removeprefix(ASSETS_PATH + "/")).read_bytes()
        assert asset.content == content
        assert version == hashlib.sha256(content).hexdigest()[:12], ref
        assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
        if path.endswith(".js"):
            assert asset.headers["content-type"].startswith("text/javascript"), ref  # module scripts need it
    assert "cdn" not in page.text.lower()
    assert "https://" not in page.text


async def test_an_unversioned_asset_is_revalidated_and_a_missing_one_is_404(client: httpx.AsyncClient) -> None:
    plain = await client.get(f"{ASSETS_PATH}/js/app.js")
    assert plain.headers["cache-control"] == "no-cache"
    assert (await client.get(f"{ASSETS_PATH}/js/nope.js?v=1")).status_code == 404
    assert (await client.get(f"{ASSETS_PATH}/..%2F..%2Fsettings.py")).status_code == 404


async def test_every_module_imports_only_files_that_are_served(client: httpx.AsyncClient) -> None:
    bare = set(import_map((await client.get("/")).text))
    modules = sorted((STATIC_DIR / "js").rglob("*.js"))
    assert len(modules) > 10
    for module in modules:
        for spec in IMPORT.findall(module.read_text(encoding="utf-8")):
            if spec in bare:
                continue
            assert spec.startswith("."), f"{module.name} imports {spec!r}: neither relative nor in the import map"
            target = (module.parent / spec).resolve()
            served = await client.get(f"{ASSETS_PATH}/{target.relative_to(STATIC_DIR).as_posix()}")
            assert served.status_code == 200, f"{module.name} imports {spec!r}, which is not served"


def test_the_early_album_query_loads_only_what_is_preloaded_first() -> None:
    found: set[str] = set()
    todo = [STATIC_DIR / "js" / "prefetch.js"]
    while todo:
        module = todo.pop()
        for spec in IMPORT.findall(module.read_text(encoding="utf-8")):
            assert spec.startswith("."), f"{module.name} imports {spec!r}: the early graph takes no library"
            target = (module.parent / spec).resolve()
            name = target.relative_to(STATIC_DIR).as_posix()
            if name not in found:
                found.add(name)
                todo.append(target)
    assert found == set(EARLY)


async def test_the_vendored_libraries_are_the_locked_versions() -> None:
    lock = json.loads((PROJECT_ROOT / "tools" / "storefront" / "package-lock.json").read_text())
    locked = {name: lock["packages"][f"node_modules/{name}"]["version"] for name in ("preact", "htm")}
    vendored = dict(line.split() for line in (STATIC_DIR / "vendor" / "VERSIONS").read_text().splitlines())
    assert vendored == locked
    assert "MIT License" in (STATIC_DIR / "vendor" / "LICENSE.preact").read_text()
    assert "Apache License" in (STATIC_DIR / "vendor" / "LICENSE.htm").read_text()


async def test_graphiql_and_the_json_api_stay_at_graphql(client: httpx.AsyncClient) -> None:
    ide = await client.get("/graphql", headers={"Accept": "text/html"})
    assert "graphiql.min.js" in ide.text
    answer = await client.get("/graphql", params={"query": "{ genres { name } }"}, headers={"Accept": "*/*"})
    assert answer.json()["data"]["genres"]
    for path in ("/healthz", "/metrics"):
        assert (await client.get(path)).status_code == 200, path


async def test_without_demo_mode_nobody_can_mint_a_token(client: httpx.AsyncClient) -> None:
    minted = await client.post(DEMO_TOKEN_PATH, json={"customer": "1"})
    assert minted.status_code in (404, 405)
    assert "tunegraph-demo-login" not in (await client.get("/")).text


async def test_demo_mode_mints_a_customer_token_that_can_buy(demo: httpx.AsyncClient, graph: Graph) -> None:
    made = Fixtures(graph)
    try:
        customer = await made.customer("GB")
        assert 'name="tunegraph-demo-login" content="on"' in (await demo.get("/")).text
        minted = await demo.post(DEMO_TOKEN_PATH, json={"customer": customer})
        assert minted.status_code == 200
        assert minted.headers["cache-control"] == "no-store"
        body = minted.json()
        assert body["demo"] is True
        auth = bearer(body["token"])
        me = (await demo.post("/graphql", json={"query": VIEWER}, headers=auth)).json()
        assert me["data"]["viewer"] == {"id": body["customerId"], "country": "GB"}
        bought = (await demo.post("/graphql", json={"query": BUY_NOTHING}, headers=auth)).json()
        assert bought["data"]["purchase"] == {"code": "INVALID_INPUT"}  # past the scope check: it may buy
    finally:
        await made.cleanup()


@pytest.mark.parametrize("body", [b'{"customer": ""}', b'{"customer": 1}', b'{"customer": "../1"}', b"[1]", b"{",
                                  b'{"customer": "' + b"9" * 65 + b'"}'])
async def test_the_demo_token_endpoint_names_what_is_wrong(demo: httpx.AsyncClient, body: bytes) -> None:
    refused = await demo.post(DEMO_TOKEN_PATH, content=body, headers={"Content-Type": "application/json"})
    assert refused.status_code == 400
    assert refused.json()["error"]["message"]


async def test_the_demo_token_endpoint_reads_a_bounded_body(demo: httpx.AsyncClient) -> None:
    refused = await demo.post(DEMO_TOKEN_PATH, content=b'{"customer": "' + b"1" * 5000 + b'"}')
    assert refused.status_code == 413


def test_demo_login_is_off_unless_the_environment_turns_it_on() -> None:
    assert not Settings.from_env({}).demo_login
    assert Settings.from_env({"TUNEGRAPH_DEMO_LOGIN": "1"}).demo_login
    with pytest.raises(ValueError, match="TUNEGRAPH_DEMO_LOGIN"):
        Settings.from_env({"TUNEGRAPH_DEMO_LOGIN": "on"})
