"""The board's top bar fits a phone (issue 10): no sideways scroll at 360
and 390 px, for a participant and a facilitator, and every control in it is
on screen and reachable. Less used controls (sort, the library menu, the
language switch) fold into one "More" menu on narrow screens; the
facilitator's own controls stay in the bar.

Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Browsers, Server, join, shot

pytestmark = pytest.mark.e2e

_OVERFLOW = """() => {
  const bar = document.querySelector('header.topbar');
  const w = document.documentElement.clientWidth;
  const out = [...bar.querySelectorAll('summary, button, select, a')]
    .filter((el) => el.getClientRects().length > 0)
    .filter((el) => !el.closest('details:not([open]) > :not(summary)'))
    .map((el) => [el.getAttribute('data-testid') || el.textContent.trim().slice(0, 20),
                  el.getBoundingClientRect()])
    .filter(([, r]) => r.width > 0 && (r.left < 0 || r.right > w))
    .map(([name, r]) => `${name} at ${Math.round(r.left)}..${Math.round(r.right)}`);
  return {
    page: document.documentElement.scrollWidth - w,
    bar: bar.scrollWidth - bar.clientWidth,
    out,
  };
}"""


def _assert_fits(page: Page, what: str) -> None:
    got = page.evaluate(_OVERFLOW)
    assert got["page"] <= 0, f"{what}: the page scrolls sideways by {got['page']} px"
    assert got["bar"] <= 0, f"{what}: the top bar is {got['bar']} px wider than the screen"
    assert got["out"] == [], f"{what}: controls off screen: {got['out']}"


def test_the_board_top_bar_fits_a_phone_for_participant_and_facilitator(
    server: Server, people: Browsers
) -> None:
    links = server.create_board("Werkgroep energie en buurt", "columns")["links"]
    # The fullest bar: a running timer beside the votes left.
    laptop = people.page()
    join(laptop, links["facilitator"], "Kees")
    laptop.get_by_test_id("facilitate").click()
    laptop.get_by_test_id("tab-session").click()
    laptop.get_by_test_id("timer-minutes").fill("5")
    laptop.get_by_test_id("timer-start").click()
    for width in (360, 390):
        for role, name in (("participant", "Ann"), ("facilitator", "Fien")):
            what = f"{role} at {width}px"
            page = people.page(width, 844, mobile=True)
            join(page, links[role], name)
            expect(page.locator(".topbar").get_by_test_id("timer")).to_be_visible()
            _assert_fits(page, what)
            shot(page, f"board-topbar-{role}-{width}x844")
            # The folded controls are reachable: the library menu and the
            # language switch open from the More menu, still on screen.
            page.get_by_test_id("more-menu").locator(":scope > summary").click()
            _assert_fits(page, what + " (More open)")
            expect(page.get_by_test_id("sort")).to_be_visible()
            page.get_by_test_id("library-menu").locator(":scope > summary").click()
            expect(page.get_by_test_id("export-json")).to_be_in_viewport(ratio=1)
            shot(page, f"board-topbar-{role}-{width}x844-more")
            page.get_by_test_id("library-menu").locator(":scope > summary").click()
            page.get_by_test_id("lang-switch").click()
            expect(page.locator("html")).to_have_attribute("lang", "nl")
            if role == "facilitator":
                expect(page.get_by_test_id("settings")).to_be_in_viewport(ratio=1)
                expect(page.get_by_test_id("facilitate")).to_be_in_viewport(ratio=1)
            page.close()
