"""Playwright for the browser tests: the machine's Chromium, no network but loopback, screenshots kept.

Browsers are never downloaded: Playwright drives Debian's `chromium` (`make chromium` installs it) through
`executable_path`. Every request to anything but 127.0.0.1 is aborted and recorded, so a page that reached
for a CDN fails its test.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from playwright.async_api import Browser, BrowserContext, Page, Playwright, Route, async_playwright

from settings import PROJECT_ROOT

LOOPBACK = "127.0.0.1"
SHOTS_DIR = PROJECT_ROOT / ".storefront-shots"
"""Screenshots of each page at each width, written by the test run (git-ignored): look at them."""
ACTION_MS = 60_000
"""How long a click or fill waits for its element: generous, as the shared test machine is often loaded."""
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """Headless Chromium from the machine's package, with previews allowed to play."""
    binary = shutil.which("chromium")
    assert binary, "chromium is not installed (make chromium installs it)"
    async with async_playwright() as playwright:
        browser = await _launch(playwright, binary)
        try:
            yield browser
        finally:
            await browser.close()


async def _launch(playwright: Playwright, binary: str) -> Browser:
    return await playwright.chromium.launch(
        executable_path=binary,
        args=["--autoplay-policy=no-user-gesture-required", "--disable-background-networking",
              "--disable-component-update", f"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE {LOOPBACK}"],
    )


@dataclass
class Tab:
    """A page in a context of its own, and what it tried to reach off loopback, logged or threw."""

    context: BrowserContext
    page: Page
    off_loopback: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    async def shot(self, name: str) -> None:
        """A full-page screenshot under SHOTS_DIR, named after the page and the viewport width."""
        SHOTS_DIR.mkdir(exist_ok=True)
        width = self.page.viewport_size["width"] if self.page.viewport_size else 0
        await self.page.screenshot(path=SHOTS_DIR / f"{name}-{width}.png", full_page=True)


@asynccontextmanager
async def tab(browser: Browser, viewport: dict[str, int] = DESKTOP) -> AsyncIterator[Tab]:
    """A fresh context (no storage) whose requests off 127.0.0.1 are aborted and recorded."""
    context = await browser.new_context(viewport=viewport, accept_downloads=True)  # type: ignore[arg-type]
    context.set_default_timeout(ACTION_MS)
    page = await context.new_page()
    opened = Tab(context, page)

    async def only_loopback(route: Route) -> None:
        url = route.request.url
        if urlsplit(url).scheme in ("data", "blob") or urlsplit(url).hostname == LOOPBACK:
            await route.continue_()
        else:
            opened.off_loopback.append(url)
            await route.abort()

    await context.route("**/*", only_loopback)
    page.on("pageerror", lambda exc: opened.errors.append(f"page error: {exc}"))
    page.on("console", lambda m: opened.errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    try:
        yield opened
    finally:
        await context.close()
