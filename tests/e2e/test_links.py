"""Links in the browser (issue 8): the token leaves the address bar, a
reload still works, the facilitator's links stay hidden until asked for,
replacing the participant link disconnects a page open with the old one,
and an access code is asked for on the board page."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import UNIT_MS, Browsers, Server, add_card, card, join, shot, wait_connected
from tests.support.servers import token_of

pytestmark = pytest.mark.e2e


def _watch_console(page: Page) -> list[str]:
    """Console errors and CSP reports of the page (none expected)."""
    seen: list[str] = []
    page.on("console", lambda m: seen.append(m.text) if m.type == "error" else None)
    return seen


def _open_settings(page: Page) -> None:
    page.get_by_test_id("settings").click()
    expect(page.get_by_test_id("links-panel")).to_be_visible()
    expect(page.get_by_test_id("link-value-participant")).to_be_visible()


def _status(url: str) -> int:
    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    try:
        with urllib.request.build_opener(_NoRedirect).open(url, timeout=10) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_the_token_leaves_the_address_bar_and_a_reload_still_works(
    server: Server, people: Browsers
) -> None:
    board = server.create_board("Address bar")
    links = board["links"]
    page = people.page()
    console = _watch_console(page)
    join(page, links["participant"], "Ann")
    token = token_of(links["participant"])
    assert token not in page.url and "#" not in page.url
    assert page.url.endswith(f"/b/{board['board']}")
    add_card(page, "Before the reload")
    page.reload()
    wait_connected(page)  # the token came back from this tab's storage
    expect(card(page, "Before the reload")).to_be_visible()
    assert token not in page.url
    # Back and forward never bring it back: it was replaced, not pushed.
    assert token not in str(page.evaluate("history.length + location.href"))

    # The hub screen: no token in its address either, and its QR code stays.
    screen = people.page(1280, 720)
    screen.goto(links["viewer"])
    wait_connected(screen)
    assert token_of(links["viewer"]) not in screen.url and "#" not in screen.url
    expect(screen.get_by_test_id("join-link")).to_contain_text("/j/")
    screen.reload()
    wait_connected(screen)
    expect(screen.get_by_test_id("join-link")).to_contain_text(links["join"].split("://")[1])
    assert not [m for m in console if "Content Security Policy" in m or "CSP" in m], console
    assert not page.errors  # type: ignore[attr-defined]


def test_facilitator_replaces_the_participant_link_and_the_old_page_is_told(
    server: Server, people: Browsers
) -> None:
    board = server.create_board("Replace a link")
    links = board["links"]
    fac = people.page()
    join(fac, links["facilitator"], "Fiona")
    phone = people.page(390, 844, mobile=True)
    join(phone, links["participant"], "Pat")
    add_card(phone, "Posted with the old link")
    screen = people.page(1280, 720)
    screen.goto(links["viewer"])
    wait_connected(screen)

    _open_settings(fac)
    # Hidden until asked for: nothing of any link is on screen.
    panel = fac.get_by_test_id("links-panel")
    for role in ("facilitator", "participant", "viewer", "join"):
        value = fac.get_by_test_id(f"link-value-{role}").input_value()
        assert "/" not in value and token_of(links["facilitator"]) not in value
    assert token_of(links["facilitator"]) not in (panel.text_content() or "")
    fac.get_by_test_id("links-panel").scroll_into_view_if_needed()
    shot(fac, "links-panel-desktop")
    fac.get_by_test_id("link-show-participant").click()
    expect(fac.get_by_test_id("link-value-participant")).to_have_value(links["participant"])

    fac.get_by_test_id("link-replace-participant").click()  # confirm() is accepted
    new_value = fac.get_by_test_id("link-value-participant")
    expect(new_value).not_to_have_value(links["participant"])
    new_participant = new_value.input_value()
    assert f"/b/{board['board']}#t=" in new_participant

    # The page open with the old link says so, on the phone.
    closed = phone.get_by_test_id("closed")
    expect(closed).to_be_visible(timeout=10 * UNIT_MS)
    assert closed.get_attribute("data-code") == "4102"
    expect(closed).to_contain_text("replaced")
    shot(phone, "link-replaced-phone")
    # The old join code is gone; the hub screen shows the new one by itself.
    assert _status(links["join"]) == 404
    expect(screen.get_by_test_id("join-link")).not_to_contain_text(
        links["join"].split("://")[1], timeout=25 * UNIT_MS
    )
    # The facilitator is still connected; the new link works.
    wait_connected(fac)
    phone.goto(new_participant)
    wait_connected(phone)
    expect(card(phone, "Posted with the old link")).to_be_visible()

    # Replacing one's own facilitator link keeps this tab connected.
    fac.get_by_test_id("link-replace-facilitator").click()
    fac.get_by_test_id("link-show-facilitator").click()
    expect(fac.get_by_test_id("link-value-facilitator")).not_to_have_value(links["facilitator"])
    fac.keyboard.press("Escape")
    add_card(fac, "Still the facilitator")
    expect(card(phone, "Still the facilitator")).to_be_visible()
    fac.reload()  # the tab remembers the new token
    wait_connected(fac)
    expect(fac.get_by_test_id("settings")).to_be_visible()
    assert not fac.errors and not phone.errors  # type: ignore[attr-defined]


def test_an_access_code_is_asked_for_on_the_board_page(server: Server, people: Browsers) -> None:
    board = server.create_board("Access code")
    links = board["links"]
    fac = people.page()
    join(fac, links["facilitator"], "Fiona")
    _open_settings(fac)
    fac.get_by_test_id("access-code-generate").click()
    code = fac.get_by_test_id("access-code-input").input_value()
    assert len(code) == 6 and code.isdigit()
    fac.get_by_test_id("access-code-set").click()
    current = fac.get_by_test_id("access-code-current")
    expect(current).to_have_attribute("data-code", code)
    # The same panel on a facilitator's phone.
    fac_phone = people.page(390, 844, mobile=True)
    join(fac_phone, links["facilitator"], "Fiona")
    _open_settings(fac_phone)
    fac_phone.get_by_test_id("link-show-participant").click()
    fac_phone.get_by_test_id("link-row-participant").scroll_into_view_if_needed()
    shot(fac_phone, "links-panel-phone")
    fac_phone.get_by_test_id("access-code").scroll_into_view_if_needed()
    shot(fac_phone, "access-code-panel-phone")

    phone = people.page(390, 844, mobile=True, locale="nl-NL")
    phone.goto(links["participant"])
    phone.get_by_test_id("join-name").fill("Pat")
    phone.get_by_test_id("join").click()
    prompt = phone.get_by_test_id("access-code-prompt")
    expect(prompt).to_be_visible()
    expect(prompt).to_contain_text("toegangscode")
    shot(phone, "access-code-prompt-phone")
    phone.get_by_test_id("code-input").fill("0000" if code != "0000" else "1111")
    phone.get_by_test_id("code-submit").click()
    expect(phone.get_by_test_id("access-code-wrong")).to_be_visible()
    phone.get_by_test_id("code-input").fill(code)
    phone.get_by_test_id("code-submit").click()
    wait_connected(phone)
    phone.reload()  # the code is kept in the tab: no second prompt
    wait_connected(phone)
    # Clearing the code: a new participant joins without one.
    fac.get_by_test_id("access-code-clear").click()
    expect(fac.get_by_test_id("access-code-current")).not_to_have_attribute("data-code", code)
    other = people.page()
    join(other, links["participant"], "Olga")
    assert not phone.errors and not other.errors  # type: ignore[attr-defined]
