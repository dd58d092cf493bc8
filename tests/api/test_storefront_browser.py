"""The storefront in a real browser (Playwright, the machine's Chromium, loopback only) on Chinook.

The flow a customer takes (home, search, album, preview, basket, sign-in, checkout, library, download), a
rejected purchase's message, "you may also like" after a purchase, keyboard-only search, and every page at
desktop and phone width (screenshots in .storefront-shots/, with the album page's first-render figure).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from api.auth import PURCHASES_WRITE
from graph.driver import Graph
from graph.interactions import purchase_triples
from recommend import store
from recommend.matrix import from_triples
from recommend.train import train
from server import create_app
from settings import Settings
from tests.browser import DESKTOP, PHONE, SHOTS_DIR, Tab, chromium, tab
from tests.servers import served_in_thread
from tests.store_support import Fixtures, bearer, gid, token

ALBUM = gid("Album", "1")  # Chinook: AC/DC, For Those About To Rock We Salute You
ALBUM_TITLE = "For Those About To Rock We Salute You"
OWNED_TRACK = gid("Track", "6")  # Chinook: Put The Finger On You, on album 1
BUY = "mutation($input: PurchaseInput!) { purchase(input: $input) { __typename } }"
WAIT_MS = 60_000


@pytest.fixture(scope="module")
def shop_settings(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return dataclasses.replace(settings, model_dir=tmp_path_factory.mktemp("models"), demo_login=True,
                               media_dir=tmp_path_factory.mktemp("media"), album_cache=20_000, rate_limit=0)


@pytest.fixture(scope="module")
async def trained(graph: Graph, shop_settings: Settings) -> Path:
    """A recommender trained on the purchases in the graph (Chinook), where the served app finds it."""
    store.save(train(from_triples([t async for t in purchase_triples(graph)])), shop_settings.model_dir)
    return shop_settings.model_dir


@pytest.fixture(scope="module")
def base(trained: Path, shop_settings: Settings) -> Iterator[str]:
    with served_in_thread(create_app(shop_settings)) as url:
        yield url


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as b:
        yield b


@pytest.fixture
async def made(graph: Graph) -> AsyncIterator[Fixtures]:
    fixtures = Fixtures(graph)
    try:
        yield fixtures
    finally:
        await fixtures.cleanup()


def timings(name: str, value: float) -> None:
    """Keep a figure beside the screenshots (the report quotes them)."""
    SHOTS_DIR.mkdir(exist_ok=True)
    path = SHOTS_DIR / "timings.json"
    found = json.loads(path.read_text()) if path.exists() else {}
    path.write_text(json.dumps({**found, name: round(value, 1)}, indent=2))


async def sign_in(page: Page, customer: str) -> None:
    await page.get_by_role("link", name=re.compile(r"^Sign in")).first.click()
    await expect(page.get_by_text("Demo sign-in.")).to_be_visible()
    await page.get_by_label("Customer number").fill(customer)
    await page.get_by_role("button", name="Sign in (demo)").click()
    await expect(page.get_by_text(f"Customer {customer}")).to_be_visible(timeout=WAIT_MS)


async def picks(page: Page) -> list[str]:
    """The "you may also like" panel's cards, once it has loaded: title and reason of each."""
    panel = page.get_by_test_id("also")
    await expect(panel.locator(".card").first).to_be_visible(timeout=WAIT_MS)
    return [" / ".join((await card.inner_text()).split("\n")) for card in await panel.locator(".card").all()]


async def first_render_ms(page: Page) -> float:
    measured = await page.evaluate(
        "performance.getEntriesByName('tg:album-first-render').map(m => m.duration)")
    assert measured, "the album page marked no first render"
    return float(measured[-1])


async def test_a_customer_finds_previews_buys_and_downloads_an_album(
    browser: Browser, base: str, made: Fixtures
) -> None:
    customer = await made.customer("US")
    async with tab(browser) as t:
        page = t.page
        await page.goto(base + "/")
        await expect(page.get_by_role("heading", name="Bestsellers in United States")).to_be_visible(timeout=WAIT_MS)
        await page.get_by_role("combobox", name="Search artists, albums and tracks").fill("for those about to rock")
        await page.get_by_role("option", name=re.compile(ALBUM_TITLE)).first.click()
        await expect(page.get_by_role("heading", level=1, name=ALBUM_TITLE)).to_be_visible(timeout=WAIT_MS)
        timings("album first render after a search result is chosen (ms)", await first_render_ms(page))

        await page.get_by_role("button", name="Play preview of Put The Finger On You").click()
        await page.wait_for_function("window.tgPlayer().playing && window.tgPlayer().currentTime > 0", timeout=WAIT_MS)
        await expect(page.get_by_role("button", name="Pause preview of Put The Finger On You")).to_have_attribute(
            "aria-pressed", "true")

        await page.get_by_role("button", name=re.compile(r"^Buy album")).first.click()
        await expect(page.locator(".basket-link .badge")).to_have_text("1")
        await sign_in(page, customer)
        await page.goto(f"{base}/#/album/{ALBUM}")
        before = await picks(page)

        await page.get_by_role("link", name=re.compile("^Basket")).click()
        await page.get_by_role("button", name="Buy now").dblclick()
        await expect(page.get_by_role("heading", name="Thank you for your order")).to_be_visible(timeout=WAIT_MS)
        assert (await made.state(customer))["purchases"] == 1  # the double click bought once

        await page.get_by_role("link", name="Go to your library to download").click()
        await expect(page.get_by_role("heading", level=2, name=ALBUM_TITLE)).to_be_visible(timeout=WAIT_MS)
        await t.shot("library-signed-in")
        async with page.expect_download(timeout=WAIT_MS) as downloading:
            await page.get_by_role("button", name="Download Put The Finger On You, MP3 320 kbit/s").click()
        link = (await downloading.value).url
        answer = await page.request.get(link)
        assert answer.status == 200, await answer.text()
        assert answer.headers["content-type"] == "audio/mpeg"

        await page.goto(f"{base}/#/album/{ALBUM}")
        await expect(page.get_by_text("You own this album.")).to_be_visible(timeout=WAIT_MS)
        after = await picks(page)
        assert after != before
        assert any("Because you bought" in p for p in after), after
        await t.shot("receipt-then-album")
    assert not t.off_loopback, t.off_loopback
    assert not t.errors, t.errors


async def test_the_album_pages_first_render_is_measured_in_the_browser(browser: Browser, base: str) -> None:
    """Loaded from its address and reached by a link: both figures go to timings.json (reported, not asserted:
    the house runs no timed tests for speed)."""
    async with tab(browser) as t:
        await t.page.goto(f"{base}/#/album/{ALBUM}")  # warms the server's caches and the browser's
        await expect(t.page.get_by_role("heading", level=1, name=ALBUM_TITLE)).to_be_visible(timeout=WAIT_MS)
        await t.page.reload()
        await expect(t.page.get_by_role("heading", level=1, name=ALBUM_TITLE)).to_be_visible(timeout=WAIT_MS)
        loaded = await first_render_ms(t.page)
        await t.page.goto(f"{base}/#/artist/{gid('Artist', '1')}")
        await t.page.get_by_role("link", name=ALBUM_TITLE).first.click()
        await expect(t.page.get_by_role("heading", level=1, name=ALBUM_TITLE)).to_be_visible(timeout=WAIT_MS)
        followed = await first_render_ms(t.page)
    assert loaded > 0
    assert followed > 0
    timings("album first render, page loaded from its address (ms)", loaded)
    timings("album first render, link followed in the store (ms)", followed)


async def test_a_rejected_purchase_says_why(browser: Browser, base: str, made: Fixtures,
                                           shop_settings: Settings) -> None:
    customer = await made.customer("US")
    headers = bearer(token(shop_settings.jwt_secret, gid("Customer", customer), PURCHASES_WRITE))
    order = {"items": [{"id": OWNED_TRACK, "format": "MP3_320"}], "territory": "US", "idempotencyKey": "owned-1"}
    async with httpx.AsyncClient() as api:
        bought = await api.post(f"{base}/graphql", json={"query": BUY, "variables": {"input": order}}, headers=headers)
    assert bought.json()["data"]["purchase"]["__typename"] == "Purchase", bought.text
    async with tab(browser) as t:
        page = t.page
        await page.goto(f"{base}/#/album/{ALBUM}")
        await page.get_by_role("button", name="Buy Put The Finger On You, MP3 320 kbit/s, $0.99").click()
        await sign_in(page, customer)
        await page.get_by_role("link", name=re.compile("^Basket")).click()
        await page.get_by_role("button", name="Buy now").click()
        refusal = page.get_by_role("alert")
        await expect(refusal).to_have_attribute("data-code", "ALREADY_OWNED", timeout=WAIT_MS)
        await expect(refusal).to_contain_text("You already own “Put The Finger On You” (MP3 320 kbit/s)")
        await t.shot("basket-rejected")
    assert (await made.state(customer))["purchases"] == 1
    assert not t.errors, t.errors


async def test_a_release_not_licensed_in_the_customers_country_is_refused_by_name(
    browser: Browser, base: str, made: Fixtures
) -> None:
    release = await made.release(territories=("GB",))
    customer = await made.customer("US")
    async with tab(browser) as t:
        page = t.page
        await page.goto(base + "/")
        await page.get_by_label("Country").select_option("GB")
        await page.goto(f"{base}/#/album/{gid('Album', release.key)}")
        await page.get_by_role("button", name=re.compile(r"^Buy Test Track 0")).click()
        await sign_in(page, customer)
        await page.get_by_role("link", name=re.compile("^Basket")).click()
        await page.get_by_role("button", name="Buy now").click()
        refusal = page.get_by_role("alert")
        await expect(refusal).to_have_attribute("data-code", "NOT_LICENSED_IN_TERRITORY", timeout=WAIT_MS)
        await expect(refusal).to_contain_text("“Test Track 0” (MP3 320 kbit/s) is not on sale in United States")
    assert (await made.state(customer))["purchases"] == 0
    assert not t.errors, t.errors


async def focused(page: Page) -> dict[str, Any]:
    found: dict[str, Any] = await page.evaluate(
        "({id: document.activeElement.id, tag: document.activeElement.tagName,"
        " text: document.activeElement.innerText || ''})")
    return found


async def test_search_works_from_the_keyboard_alone(browser: Browser, base: str) -> None:
    async with tab(browser) as t:
        page = t.page
        await page.goto(base + "/")
        await expect(page.get_by_role("heading", level=1)).to_be_visible(timeout=WAIT_MS)
        for _ in range(5):
            await page.keyboard.press("Tab")
            if (await focused(page))["id"] == "search-input":
                break
        assert (await focused(page))["id"] == "search-input"
        box = page.get_by_role("combobox", name="Search artists, albums and tracks")
        await page.keyboard.type("ac/dc")
        await expect(box).to_have_attribute("aria-expanded", "true", timeout=WAIT_MS)
        listbox = page.get_by_role("listbox", name="Search results")
        await expect(listbox.get_by_role("group")).not_to_have_count(0)
        await page.keyboard.press("ArrowDown")
        await page.keyboard.press("ArrowDown")
        await page.keyboard.press("ArrowUp")
        active = await box.get_attribute("aria-activedescendant")
        assert active == "search-option-0"
        await expect(page.locator(f"#{active}")).to_have_attribute("aria-selected", "true")
        chosen = await page.locator(f"#{active} .option-label").inner_text()
        await page.keyboard.press("Escape")
        await expect(box).to_have_attribute("aria-expanded", "false")
        await page.keyboard.press("ArrowDown")
        await expect(box).to_have_attribute("aria-expanded", "true")
        await page.keyboard.press("Enter")
        await expect(page.get_by_role("heading", level=1, name=chosen)).to_be_visible(timeout=WAIT_MS)
        # the page's heading takes focus after the choice (waited for: it is focused once the page has rendered)
        await expect(page.get_by_role("heading", level=1, name=chosen)).to_be_focused(timeout=WAIT_MS)
        await page.keyboard.press("Tab")
        assert (await focused(page))["tag"] in ("A", "BUTTON")
    assert not t.errors, t.errors


PAGES = [("home", "/#/", "Music for"), ("album", f"/#/album/{ALBUM}", ALBUM_TITLE),
         ("artist", f"/#/artist/{gid('Artist', '1')}", "AC/DC"), ("genre", f"/#/genre/{gid('Genre', 'rock')}", "Rock"),
         ("signin", "/#/signin", "Sign in"), ("basket", "/#/basket", "Your basket"),
         ("library", "/#/library", "Your library")]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
async def test_every_page_fits_the_screen_labels_its_controls_and_is_screenshot(
    browser: Browser, base: str, viewport: dict[str, int]
) -> None:
    async with tab(browser, viewport) as t:
        for name, path, heading in PAGES:
            await t.page.goto(base + path)
            await expect(t.page.get_by_role("heading", level=1)).to_contain_text(heading, timeout=WAIT_MS)
            await t.page.wait_for_load_state("networkidle")
            await t.shot(name)
            await check_layout_and_labels(t, name)
        await t.page.goto(base + "/#/")
        await expect(t.page.get_by_role("heading", level=1)).to_contain_text("Music for", timeout=WAIT_MS)
        await t.page.get_by_role("combobox", name="Search artists, albums and tracks").fill("love")
        await expect(t.page.get_by_role("listbox")).to_be_visible(timeout=WAIT_MS)
        await t.shot("search")
    assert not t.off_loopback, t.off_loopback
    assert not t.errors, t.errors


async def check_layout_and_labels(t: Tab, name: str) -> None:
    overflow = await t.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name}: the page is {overflow}px wider than the screen"
    unlabelled = await t.page.evaluate(
        "[...document.querySelectorAll('input, select, button')].filter(e => !(e.labels && e.labels.length)"
        " && !e.getAttribute('aria-label') && !e.innerText.trim()).map(e => e.outerHTML)")
    assert not unlabelled, f"{name}: controls without a label: {unlabelled}"
    no_alt = await t.page.evaluate("[...document.images].filter(i => !i.alt).map(i => i.src)")
    assert not no_alt, f"{name}: images without alt text: {no_alt}"
