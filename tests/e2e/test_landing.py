"""Links kept (issue 10): boards made on a device without an account are
listed on the landing page across reloads, one board per click, each link
labelled for what it is, an "open the board" button and a captioned QR."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import UNIT_MS, Browsers, Server, shot, wait_connected

pytestmark = pytest.mark.e2e


def _create(page: Page, title: str) -> None:
    page.get_by_test_id("new-title").fill(title)
    page.get_by_test_id("create").click()
    expect(page.get_by_test_id("created")).to_contain_text(title)


def test_boards_made_here_are_listed_and_kept(server: Server, people: Browsers) -> None:
    phone = people.page(390, 844, mobile=True)
    phone.goto(server.url + "/")
    phone.get_by_test_id("new-title").fill("Monday brainstorm")
    # A double click makes one board, not two (the second click finds the
    # button busy, then the title cleared).
    phone.get_by_test_id("create").dblclick()
    expect(phone.get_by_test_id("created")).to_contain_text("Monday brainstorm")
    phone.wait_for_timeout(UNIT_MS)
    expect(phone.get_by_test_id("device-board")).to_have_count(1)
    expect(phone.get_by_test_id("new-title")).to_have_value("")
    expect(phone.get_by_test_id("create")).to_be_disabled()

    facilitator = phone.get_by_test_id("link-facilitator").first.input_value()
    created = phone.get_by_test_id("created")
    # Four links, four different labels and purposes.
    labels = created.locator(".link-row .label").all_inner_texts()
    assert len(labels) == 4 and len(set(labels)) == 4, labels
    hints = created.locator(".link-hint").all_inner_texts()
    assert len(set(hints)) == 4, hints
    expect(created.get_by_test_id("qr-caption")).to_contain_text("Scan to join")
    expect(created.get_by_test_id("qr-caption")).to_contain_text("/j/")
    expect(created.get_by_test_id("open-board")).to_have_attribute("href", facilitator)
    shot(phone, "landing-created-phone-390x844")

    _create(phone, "Tuesday retro")
    # Lost on reload before; now listed, newest first.
    phone.reload()
    titles = phone.get_by_test_id("device-board-title")
    expect(titles).to_have_text(["Tuesday retro", "Monday brainstorm"])
    monday = phone.get_by_test_id("device-board").nth(1)
    expect(monday.get_by_test_id("device-open")).to_have_attribute("href", facilitator)
    monday.get_by_test_id("device-links").click()
    expect(monday.get_by_test_id("link-facilitator")).to_have_value(facilitator)
    expect(monday.get_by_test_id("qr-caption")).to_be_visible()
    shot(phone, "landing-list-phone-390x844")

    laptop = phone.context.new_page()
    laptop.set_viewport_size({"width": 1366, "height": 800})
    laptop.goto(server.url + "/")
    expect(laptop.get_by_test_id("device-board")).to_have_count(2)
    shot(laptop, "landing-list-laptop-1366x800")
    laptop.close()

    # "Open the board" opens it as the facilitator.
    monday.get_by_test_id("device-open").click()
    phone.get_by_test_id("join-name").fill("Fien")
    phone.get_by_test_id("join").click()
    wait_connected(phone)
    expect(phone.get_by_test_id("board-title")).to_have_text("Monday brainstorm")
    expect(phone.get_by_test_id("settings")).to_be_visible()  # a facilitator's board

    phone.goto(server.url + "/")
    # The confirm dialog is accepted (conftest).
    phone.get_by_test_id("device-board").nth(1).get_by_test_id("device-forget").click()
    expect(titles).to_have_text(["Tuesday retro"])
