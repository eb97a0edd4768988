"""The web app under its Content-Security-Policy (server/headers.py): every
screen works with no violation and no console error; and a facilitator
cleans a flooded board from a card (``posts.delete``)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from server.headers import CONTENT_SECURITY_POLICY
from tests.e2e.conftest import Browsers, Server, add_card, card, join, shot

pytestmark = pytest.mark.e2e

#: Installed before any page script: records every CSP violation the page
#: reports (the event fires for enforced policies, and is what a CSP
#: report would carry).
WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


def _watched(people: Browsers, width: int = 1366, height: int = 800) -> Page:
    page = people.page(width, height)
    page.add_init_script(WATCH_CSP)
    console: list[str] = []

    def on_console(msg: ConsoleMessage) -> None:
        if msg.type == "error":
            console.append(msg.text)

    page.on("console", on_console)
    page.console_errors = console  # type: ignore[attr-defined]
    return page


def _clean(page: Page, where: str) -> None:
    """No violation, no console error, no uncaught error on this page so far."""
    violations = page.evaluate("() => window.__csp")
    errors: list[str] = page.console_errors  # type: ignore[attr-defined]
    uncaught: list[str] = page.errors  # type: ignore[attr-defined]
    assert violations == [], f"{where}: CSP violations {violations}"
    assert errors == [], f"{where}: console errors {errors}"
    assert uncaught == [], f"{where}: page errors {uncaught}"


def test_every_screen_works_under_the_csp(server: Server, people: Browsers) -> None:
    landing = _watched(people)
    response = landing.goto(server.url + "/")
    assert response is not None
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    landing.get_by_test_id("new-title").fill("Under CSP")
    landing.get_by_test_id("create").click()
    participant_link = landing.get_by_test_id("link-participant").input_value()
    facilitator_link = landing.get_by_test_id("link-facilitator").input_value()
    screen_link = landing.get_by_test_id("link-screen").input_value()
    _clean(landing, "landing")

    fac = _watched(people)
    join(fac, facilitator_link, "Fien")
    add_card(fac, "Facilitator card", "with a body")
    expect(card(fac, "Facilitator card")).to_be_visible()
    fac.get_by_test_id("settings").click()  # the settings panel: links, QR codes
    fac.wait_for_timeout(300)
    shot(fac, "csp-settings-1366x800")
    fac.keyboard.press("Escape")
    fac.get_by_test_id("add-card").click()  # the editor, open
    expect(fac.get_by_test_id("card-title-input")).to_be_visible()
    fac.keyboard.press("Escape")
    card(fac, "Facilitator card").get_by_test_id("cleanup-toggle").click()
    expect(fac.get_by_test_id("delete-by-author")).to_be_visible()
    _clean(fac, "board as facilitator")

    ann = _watched(people, 390, 844)
    join(ann, participant_link, "Ann")
    add_card(ann, "Participant card")
    expect(card(ann, "Participant card")).to_be_visible()
    ann.get_by_test_id("add-card").click()
    expect(ann.get_by_test_id("card-title-input")).to_be_visible()
    _clean(ann, "board as participant")

    wall = _watched(people, 1920, 1080)
    wall.goto(screen_link)
    expect(wall.get_by_test_id("join-link")).to_be_visible()
    expect(card(wall, "Participant card")).to_be_visible()
    _clean(wall, "hub screen")

    for path in ("/login", "/my"):
        other = _watched(people)
        other.goto(server.url + path)
        other.wait_for_load_state("networkidle")
        _clean(other, path)


def test_the_policy_is_enforced_and_the_watch_sees_it(server: Server, people: Browsers) -> None:
    """Without this, "no violation" could mean a watch that sees nothing."""
    page = _watched(people)
    page.goto(server.url + "/")
    page.evaluate(
        """() => { const s = document.createElement("script");
                   s.textContent = "window.__ran = true"; document.body.append(s); }"""
    )
    page.wait_for_function("() => window.__csp.length > 0")
    assert page.evaluate("() => window.__ran === true") is False
    assert page.evaluate("() => window.__csp")[0].startswith("script-src")
    framed: Any = page.evaluate("() => window.top === window")
    assert framed is True


def test_facilitator_cleans_a_flooded_board_from_a_card(server: Server, people: Browsers) -> None:
    links = server.create_board("Flooded", "grid")["links"]
    spam, ann, fac = _watched(people), _watched(people), _watched(people)
    join(spam, links["participant"], "Spam")
    join(ann, links["participant"], "Ann")
    join(fac, links["facilitator"], "Fien")
    for i in range(4):
        spam.evaluate(
            "(i) => window.prikbord.submit({type: 'card.add', id: `spam${i}`, title: `Spam ${i}`})",
            i,
        )
    add_card(ann, "A real idea")
    expect(fac.get_by_test_id("card")).to_have_count(5)
    card(fac, "Spam 2").get_by_test_id("cleanup-toggle").click()
    shot(fac, "cleanup-menu-1366x800")
    fac.get_by_test_id("delete-by-author").click()  # the confirm is accepted
    for page in (fac, ann, spam):
        expect(page.get_by_test_id("card")).to_have_count(1)
        expect(card(page, "A real idea")).to_be_visible()
    add_card(spam, "Sorry")  # the board takes cards again
    expect(card(ann, "Sorry")).to_be_visible()
    shot(fac, "cleanup-after-1366x800")
    _clean(fac, "facilitator after clean-up")
