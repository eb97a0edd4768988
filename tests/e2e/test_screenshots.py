"""Screenshots of a realistic board (laptop and phone) and the hub screen,
written to test-artifacts/screenshots/ for a human to look at."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Browsers, Server, card, join, shot, wait_connected

pytestmark = pytest.mark.e2e

CARDS = [
    (
        "question",
        "Who can help with a 3D-printed prototype?",
        "We need a casing for a sensor by Friday.",
        "",
        "pink",
    ),
    (
        "offer",
        "Free workshop: pitching in 5 minutes",
        "Thursday 15:00 in the hub, room 2.",
        "",
        "green",
    ),
    ("link", "Open data of the municipality", "", "https://data.example.org/city", "blue"),
    (
        "note",
        "Idea: repair café for student bikes",
        "Once a month, with the bike shop next door.",
        "",
        "yellow",
    ),
    ("note", "Rooftop garden", "Ask facilities about the roof of building C.", "", "orange"),
]


def fill_board(page: Page) -> None:
    page.get_by_test_id("settings").click()
    for title in ("Questions", "Offers", "Ideas"):
        page.get_by_test_id("section-input").fill(title)
        page.get_by_test_id("section-add").click()
    page.keyboard.press("Escape")
    targets = ["Questions", "Offers", "Offers", "Ideas", "Ideas"]
    for (kind, title, body, url, color), section in zip(CARDS, targets, strict=True):
        page.get_by_test_id("add-card").click()
        page.locator(f"dialog input[name=kind][value={kind}]").check()
        page.get_by_test_id("card-title-input").fill(title)
        if body:
            page.get_by_test_id("card-body-input").fill(body)
        if url:
            page.get_by_test_id("card-url-input").fill(url)
        page.locator(f"dialog input[name=color][value={color}]").check()
        page.locator("#card-section").select_option(label=section)
        page.get_by_test_id("card-save").click()
        expect(card(page, title)).to_be_visible()


def test_screenshots(server: Server, people: Browsers) -> None:
    links = server.create_board("Hub Noord · vraag en aanbod", "columns")["links"]
    fac = people.page(1366, 800)
    join(fac, links["facilitator"], "Fien")
    fill_board(fac)

    laptop = people.page(1366, 800)
    join(laptop, links["participant"], "Ann")
    c = card(laptop, CARDS[3][1])
    c.get_by_test_id("vote").click()
    c.get_by_test_id("vote").click()
    c.get_by_test_id("react-toggle").click()
    c.locator("[data-emoji='🎉']").click()
    c.get_by_test_id("comments-toggle").click()
    c.get_by_test_id("comment-input").fill("I can bring tools!")
    c.get_by_test_id("comment-input").press("Enter")
    q = card(fac, CARDS[0][1])
    q.get_by_test_id("react-toggle").click()
    q.locator("[data-emoji='👍']").click()
    expect(card(laptop, CARDS[0][1]).locator("[data-emoji='👍']")).to_contain_text("1")
    shot(laptop, "board-laptop-1366x800")

    phone = people.page(390, 844, mobile=True)
    join(phone, links["participant"], "Bo")
    expect(card(phone, CARDS[0][1])).to_be_visible()
    shot(phone, "board-phone-390x844")
    phone.get_by_test_id("add-card").click()
    shot(phone, "editor-phone-390x844")
    phone.keyboard.press("Escape")

    fac.get_by_test_id("layout-switch").locator("[data-layout=grid]").click()
    expect(laptop.get_by_test_id("layout-grid")).to_be_visible()
    shot(laptop, "board-grid-laptop-1366x800")
    fac.get_by_test_id("layout-switch").locator("[data-layout=wall]").click()
    expect(laptop.get_by_test_id("layout-wall")).to_be_visible()
    shot(laptop, "board-wall-laptop-1366x800")
    fac.get_by_test_id("layout-switch").locator("[data-layout=columns]").click()

    screen = people.page(1920, 1080)
    screen.goto(links["viewer"])
    wait_connected(screen)
    expect(card(screen, CARDS[4][1])).to_be_visible()
    screen.wait_for_timeout(300)  # auto-fit settles
    shot(screen, "hub-screen-columns-1920x1080")

    landing = people.page(1366, 800)
    landing.goto(server.url + "/")
    landing.get_by_test_id("new-title").fill("Werkgroep energie")
    landing.get_by_test_id("create").click()
    expect(landing.get_by_test_id("link-screen")).to_be_visible()
    shot(landing, "landing-1366x800")
