"""Accessibility (issue 10): zero axe-core violations on every page, in
real Chromium, with axe-core from npm (client/web/node_modules); and the
reaction emoji render from bundled images, not from an emoji font.

axe is injected with Playwright's ``add_script_tag``; that is an inline
script, which the app's CSP forbids, so these contexts bypass the CSP
(tests/e2e/test_csp.py checks the app under it)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import UNIT_MS, WEB, Browsers, Server, add_card, card, join, shot

pytestmark = pytest.mark.e2e

AXE = WEB / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "correct horse battery"


def _page(people: Browsers, width: int, height: int, *, mobile: bool = False) -> Page:
    ctx = people.browser.new_context(
        viewport={"width": width, "height": height},
        locale="en-GB",
        is_mobile=mobile,
        has_touch=mobile,
        bypass_csp=True,
    )
    ctx.set_default_timeout(10 * UNIT_MS)
    people.contexts.append(ctx)
    page = ctx.new_page()
    page.on("dialog", lambda d: d.accept())
    return page


def _violations(page: Page) -> list[dict[str, Any]]:
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate("async () => await window.axe.run(document)")
    return list(result["violations"])


class Axe:
    """Runs axe on each page it is shown; the test asserts once at the end,
    so one run reports every page's violations."""

    def __init__(self) -> None:
        self.report: list[str] = []
        self.pages: list[str] = []

    def check(self, page: Page, where: str) -> None:
        self.pages.append(where)
        for v in _violations(page):
            targets = "; ".join(str(n["html"])[:160] for n in v["nodes"][:4])
            self.report.append(f"{where}: {v['id']} ({v['impact']}): {v['help']} — {targets}")


def test_every_page_is_axe_clean(tmp_path: Path, web_dist: Path, people: Browsers) -> None:
    assert AXE.is_file(), "axe-core missing: cd client/web && npm ci"
    # Board creation needs an account on this server (the default), so the
    # login and "My boards" pages are the real ones.
    server = Server(tmp_path / "data", env={"PRIKBORD_OPEN_BOARD_CREATION": "0"}).start()
    axe = Axe()
    assert_axe_clean = axe.check
    try:
        setup = re.findall(r"https?://\S+/setup#[A-Za-z0-9_-]+", server.log_path.read_text())[-1]
        laptop = _page(people, 1366, 800)
        laptop.goto(server.url + "/")
        expect(laptop.get_by_test_id("login-needed")).to_be_visible()
        assert_axe_clean(laptop, "landing (logged out)")
        laptop.goto(server.url + "/login")
        expect(laptop.get_by_test_id("login-username")).to_be_visible()
        assert_axe_clean(laptop, "login")

        laptop.goto(setup)
        laptop.get_by_test_id("setup-username").fill("fien")
        laptop.get_by_test_id("setup-name").fill("Fien")
        laptop.get_by_test_id("setup-password").fill(PASSWORD)
        laptop.get_by_test_id("setup-again").fill(PASSWORD)
        assert_axe_clean(laptop, "setup")
        laptop.get_by_test_id("setup-submit").click()
        laptop.wait_for_url("**/my")
        expect(laptop.get_by_test_id("no-boards")).to_be_visible()
        assert_axe_clean(laptop, "my boards (empty)")

        laptop.goto(server.url + "/")
        laptop.get_by_test_id("new-title").fill("Axe board")
        laptop.get_by_test_id("create").click()
        expect(laptop.get_by_test_id("created")).to_be_visible()
        assert_axe_clean(laptop, "landing (board created)")
        links = {
            k: laptop.get_by_test_id(f"link-{k}").input_value()
            for k in ("facilitator", "participant", "screen")
        }
        laptop.goto(server.url + "/my")
        laptop.get_by_test_id("board-item").first.wait_for()
        assert_axe_clean(laptop, "my boards")

        # Board as facilitator, with a card and the facilitate panel open.
        join(laptop, links["facilitator"], "Fien")
        add_card(laptop, "Accessible idea", "with a body")
        expect(card(laptop, "Accessible idea")).to_be_visible()
        assert_axe_clean(laptop, "board (facilitator)")
        laptop.get_by_test_id("facilitate").click()
        expect(laptop.get_by_test_id("fac-panel")).to_be_visible()
        assert_axe_clean(laptop, "board (facilitator, panel open)")

        # Board as a participant on a phone, with a reaction and comments open.
        phone = _page(people, 390, 844, mobile=True)
        join(phone, links["participant"], "Ann")
        idea = card(phone, "Accessible idea")
        idea.get_by_test_id("react-toggle").click()
        idea.locator("[data-emoji='👍']").click()
        expect(idea.locator("[data-emoji='👍']")).to_contain_text("1")
        idea.get_by_test_id("comments-toggle").click()
        assert_axe_clean(phone, "board (participant, phone)")

        screen = _page(people, 1920, 1080)
        screen.goto(links["screen"])
        expect(card(screen, "Accessible idea")).to_be_visible()
        assert_axe_clean(screen, "hub screen")
    finally:
        server.stop()
    assert len(axe.pages) == 10
    assert axe.report == [], "axe violations:\n" + "\n".join(axe.report)


def test_reactions_render_from_bundled_images(server: Server, people: Browsers) -> None:
    """No emoji font needed (this machine's Chromium has none): every
    reaction is a decoded image, the add button too."""
    links = server.create_board("Emoji", "grid")["links"]
    ann = people.page(390, 844, mobile=True)
    join(ann, links["participant"], "Ann")
    add_card(ann, "React to me")
    idea = card(ann, "React to me")
    idea.get_by_test_id("react-toggle").click()
    buttons = idea.locator("button.reaction[data-emoji]")
    expect(buttons).to_have_count(6)
    for i in range(6):
        img = buttons.nth(i).locator("img.emoji")
        expect(img).to_have_count(1)
        ok = img.evaluate("(el) => el.complete && el.naturalWidth > 0")
        assert ok, buttons.nth(i).get_attribute("data-emoji")
    idea.locator("[data-emoji='🎉']").click()
    expect(idea.locator("[data-emoji='🎉'] img.emoji")).to_be_visible()
    shot(ann, "reactions-bundled-emoji-390x844")
