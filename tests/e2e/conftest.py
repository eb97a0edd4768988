"""Browser end-to-end fixtures: real ``prikbord serve`` processes (embedded
Valkey, tmp data dir, free port) and Debian's Chromium driven by Playwright.

The web client must be built (``client/web/dist``); if it is missing the
session fixture builds it once with npm.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from tests.support.servers import ServerProcess

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "client" / "web"
CHROMIUM = os.environ.get("PRIKBORD_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Every wait in these tests scales from this unit (slow CI machines: raise it).
UNIT_MS = int(os.environ.get("PRIKBORD_E2E_UNIT_MS", "1000"))


class Server(ServerProcess):
    """One ``prikbord serve`` node with its own embedded Valkey. Restarts keep
    the port and the data directory, so browsers reconnect to the same board."""

    def __init__(self, data_dir: Path, env: dict[str, str] | None = None) -> None:
        super().__init__("", data_dir, env=env)

    @property
    def url(self) -> str:
        return self.http


@pytest.fixture(scope="session")
def web_dist() -> Path:
    index = WEB / "dist" / "index.html"
    if not index.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("client/web/dist is missing and npm is not installed (apt-get install npm)")
        install = "ci" if (WEB / "package-lock.json").exists() else "install"
        subprocess.run([npm, install], cwd=WEB, check=True)
        subprocess.run([npm, "run", "build"], cwd=WEB, check=True)
    return index


@pytest.fixture
def server(tmp_path: Path, web_dist: Path) -> Iterator[Server]:
    srv = Server(tmp_path / "data").start()
    try:
        yield srv
    finally:
        srv.stop()


# Package scope, not session: Playwright's sync API keeps an event loop
# running on the main thread while it lives, which would break every
# pytest-asyncio test collected after this package.
@pytest.fixture(scope="package")
def playwright_instance() -> Iterator[Playwright]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="package")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    b = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        yield b
    finally:
        b.close()


class Browsers:
    """Separate browser contexts = separate people (own storage, own identity)."""

    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        self.contexts: list[BrowserContext] = []

    def page(
        self, width: int = 1366, height: int = 800, *, mobile: bool = False, locale: str = "en-GB"
    ) -> Page:
        ctx = self.browser.new_context(
            viewport={"width": width, "height": height},
            locale=locale,
            is_mobile=mobile,
            has_touch=mobile,
            device_scale_factor=1,
        )
        ctx.set_default_timeout(10 * UNIT_MS)
        self.contexts.append(ctx)
        page = ctx.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("dialog", lambda d: d.accept())
        page.errors = errors  # type: ignore[attr-defined]
        return page

    def close(self) -> None:
        for ctx in self.contexts:
            ctx.close()


@pytest.fixture
def people(browser: Browser) -> Iterator[Browsers]:
    b = Browsers(browser)
    try:
        yield b
    finally:
        b.close()


def join(page: Page, link: str, name: str) -> None:
    """Open a board link, type a name, wait until connected."""
    page.goto(link)
    page.get_by_test_id("join-name").fill(name)
    page.get_by_test_id("join").click()
    wait_connected(page)


def wait_connected(page: Page, timeout_ms: int | None = None) -> None:
    page.wait_for_selector(
        "[data-testid=conn][data-state=connected]", timeout=timeout_ms or 10 * UNIT_MS
    )


def add_card(page: Page, title: str, body: str = "", kind: str | None = None) -> None:
    page.get_by_test_id("add-card").click()
    if kind is not None:
        page.locator(f"dialog input[name=kind][value={kind}]").check()
    page.get_by_test_id("card-title-input").fill(title)
    if body:
        page.get_by_test_id("card-body-input").fill(body)
    page.get_by_test_id("card-save").click()


def card(page: Page, title: str) -> Any:
    return page.locator("[data-testid=card]", has=page.get_by_text(title, exact=True))


def shot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
