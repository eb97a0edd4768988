"""Vraag en aanbod in real Chromium: a participant on a phone posts an offer
with tags (chips in the editor, chips and contact on the card); the hub's
wall shows it beside an open question of another board and suggests the
pair (an expired question is marked on its card and stays off the open
list); the hub's coordinator marks the pair matched on the wall, the card
on the phone shows "Matched" live (an op on its board), and its author
moves it on to "Resolved" from the card."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Browsers, Server, card, join, shot
from tests.e2e.test_a11y import Axe, _page
from tests.e2e.test_hubs_web import PASSWORD, _api

pytestmark = pytest.mark.e2e


def test_an_offer_from_a_phone_meets_a_question_on_the_wall(
    tmp_path: Path, web_dist: Path, people: Browsers
) -> None:
    server = Server(tmp_path / "data", env={"PRIKBORD_OPEN_BOARD_CREATION": "0"}).start()
    try:
        setup = re.findall(r"https?://\S+/setup#[A-Za-z0-9_-]+", server.log_path.read_text())[-1]
        coco = people.page(1366, 800)
        coco.goto(setup)
        coco.get_by_test_id("setup-username").fill("fien")
        coco.get_by_test_id("setup-name").fill("Fien")
        coco.get_by_test_id("setup-password").fill(PASSWORD)
        coco.get_by_test_id("setup-again").fill(PASSWORD)
        coco.get_by_test_id("setup-submit").click()
        coco.wait_for_url("**/my")
        _api(coco, "POST", "/api/hubs", {"slug": "delft", "name": "Hub Delft"})
        boards = {}
        for title in ("Werkplaats", "Vragenmuur"):
            made = _api(coco, "POST", "/api/boards", {"title": title})
            _api(coco, "PUT", f"/api/hubs/delft/boards/{made['board']}", {"public": True})
            boards[title] = made

        # The coordinator asks a question on one board, in the editor.
        join(coco, boards["Vragenmuur"]["links"]["facilitator"], "Fien")
        coco.get_by_test_id("add-card").click()
        coco.locator("dialog input[name=kind][value=question]").check()
        coco.get_by_test_id("card-title-input").fill("Wie heeft een zaag?")
        coco.get_by_test_id("card-tags-input").fill("#Hout, design")
        coco.get_by_test_id("card-save").click()
        expect(card(coco, "Wie heeft een zaag?").get_by_test_id("card-tag")).to_have_text(
            ["#hout", "#design"]
        )
        # An older question whose end date has passed: shown as expired.
        coco.get_by_test_id("add-card").click()
        coco.locator("dialog input[name=kind][value=question]").check()
        coco.get_by_test_id("card-title-input").fill("Oude vraag")
        coco.get_by_test_id("card-tags-input").fill("hout")
        coco.get_by_test_id("card-expires-input").fill("2020-01-31")
        coco.get_by_test_id("card-save").click()
        expect(card(coco, "Oude vraag").get_by_test_id("card-expired")).to_be_visible()

        # A participant on a phone offers, with tags as chips and a contact.
        phone = people.page(390, 844, mobile=True)
        join(phone, boards["Werkplaats"]["links"]["participant"], "Piet")
        phone.get_by_test_id("add-card").click()
        phone.locator("dialog input[name=kind][value=offer]").check()
        phone.get_by_test_id("card-title-input").fill("Zaag en werkbank te leen")
        tags = phone.get_by_test_id("card-tags-input")
        tags.fill("#HOUT")
        tags.press("Enter")
        tags.fill("gereedschap")  # still in the box at Save: it counts
        expect(phone.get_by_test_id("editor-tag")).to_have_text([re.compile("#hout")])
        phone.get_by_test_id("card-contact-input").fill("piet@example.org")
        phone.get_by_test_id("card-save").click()
        offer = card(phone, "Zaag en werkbank te leen")
        expect(offer.get_by_test_id("card-tag")).to_have_text(["#hout", "#gereedschap"])
        expect(offer.get_by_test_id("card-contact")).to_contain_text("piet@example.org")
        expect(offer.get_by_test_id("card-state")).to_have_text("Open")

        # The hub's wall, on the phone: both cards, and the suggested pair.
        wall = people.page(390, 844, mobile=True)
        wall.goto(server.url + "/hubs/delft/market")
        offers = wall.get_by_test_id("wall-offers").get_by_test_id("wall-card")
        expect(offers).to_have_count(1)
        expect(offers.first).to_contain_text("Zaag en werkbank te leen")
        expect(offers.first).to_contain_text("piet@example.org")
        questions = wall.get_by_test_id("wall-questions").get_by_test_id("wall-card")
        expect(questions).to_have_text([re.compile("Wie heeft een zaag")])  # not the expired one
        match = wall.get_by_test_id("wall-match")
        expect(match).to_have_count(1)
        expect(match).to_contain_text("Zaag en werkbank te leen")
        expect(match).to_contain_text("#hout")
        wall.get_by_test_id("filter-tag").select_option("design")
        expect(wall.get_by_test_id("wall-offers").get_by_test_id("wall-card")).to_have_count(0)
        expect(questions).to_have_count(1)
        shot(wall, "market-wall-phone")
        assert not wall.errors, wall.errors  # type: ignore[attr-defined]

        # axe: the wall, and a board with the cards and the editor's fields.
        axe = Axe()
        a11y = _page(people, 390, 844, mobile=True)
        a11y.goto(server.url + "/hubs/delft/market")
        expect(a11y.get_by_test_id("wall-match")).to_have_count(1)
        axe.check(a11y, "wall")
        join(a11y, boards["Vragenmuur"]["links"]["participant"], "Ans")
        expect(card(a11y, "Oude vraag").get_by_test_id("card-expired")).to_be_visible()
        axe.check(a11y, "board with questions")
        a11y.get_by_test_id("add-card").click()
        a11y.locator("dialog input[name=kind][value=offer]").check()
        a11y.get_by_test_id("card-tags-input").fill("hout,")
        expect(a11y.get_by_test_id("editor-tag")).to_have_count(1)
        axe.check(a11y, "editor of an offer")
        assert axe.report == [], "\n".join(axe.report)

        # The coordinator marks the pair matched; the phone's card follows live.
        coco.goto(server.url + "/hubs/delft/market")
        coco.get_by_test_id("mark-matched").click()
        expect(coco.get_by_test_id("wall-match")).to_have_count(0)
        expect(coco.get_by_test_id("wall-card")).to_have_count(0)  # the open list is empty
        coco.get_by_test_id("filter-state").select_option("matched")
        expect(coco.get_by_test_id("wall-card")).to_have_count(2)
        coco.get_by_test_id("filter-state").select_option("expired")
        expect(coco.get_by_test_id("wall-card")).to_have_text([re.compile("Oude vraag")])
        expect(offer.get_by_test_id("card-state")).to_have_text("Matched")
        # Its author moves it on from the card.
        offer.get_by_test_id("card-next-state").click()
        expect(offer.get_by_test_id("card-state")).to_have_text("Resolved")
        assert not phone.errors, phone.errors  # type: ignore[attr-defined]
    finally:
        server.stop()
