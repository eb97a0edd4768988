"""Live collaboration in real Chromium: two participants, a facilitator, a
viewer; everything arrives without reload; user text stays text."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Browsers, Server, add_card, card, join, wait_connected
from tests.support.servers import token_of

pytestmark = pytest.mark.e2e


def add_section(page: Page, title: str) -> None:
    page.get_by_test_id("section-input").fill(title)
    page.get_by_test_id("section-add").click()


def test_landing_creates_a_board_with_a_screen_link(server: Server, people: Browsers) -> None:
    page = people.page()
    page.goto(server.url + "/")
    page.get_by_test_id("new-title").fill("Vraag en aanbod")
    page.locator("input[name=layout][value=columns]").check()
    page.get_by_test_id("create").click()
    screen = page.get_by_test_id("link-screen").input_value()
    participant = page.get_by_test_id("link-participant").input_value()
    assert "/screen/" in screen and "join=" in screen
    assert "/b/" in participant and "#t=" in participant
    other = people.page()
    join(other, participant, "Sam")
    expect(other.get_by_test_id("board-title")).to_have_text("Vraag en aanbod")
    expect(other.get_by_test_id("layout-columns")).to_be_visible()
    # The hub screen shows a short link (and its QR code) that joins as a participant.
    wall = people.page(1920, 1080)
    wall.goto(screen)
    short = wall.get_by_test_id("join-link").inner_text()
    assert "/j/" in short and len(short.rsplit("/j/", 1)[1]) == 8
    assert page.get_by_test_id("link-join").input_value().endswith(short)
    scanner = people.page()
    join(scanner, "http://" + short, "Scanner")
    expect(scanner.get_by_test_id("board-title")).to_have_text("Vraag en aanbod")


def test_two_participants_see_each_other_live(server: Server, people: Browsers) -> None:
    created = server.create_board("Brainstorm", "columns")
    links = created["links"]
    fac = people.page()
    join(fac, links["facilitator"], "Fien")
    fac.get_by_test_id("settings").click()
    add_section(fac, "Ideas")
    add_section(fac, "Done")
    fac.keyboard.press("Escape")
    expect(fac.get_by_test_id("column")).to_have_count(2)

    ann, bob = people.page(), people.page()
    join(ann, links["participant"], "Ann")
    join(bob, links["participant"], "Bob")
    expect(bob.get_by_test_id("presence")).to_contain_text("3")

    # A card from Ann appears at Bob's, highlighted as new.
    add_card(ann, "Solar benches", "Charge phones in the park")
    bob_card = card(bob, "Solar benches")
    expect(bob_card).to_be_visible()
    expect(bob_card).to_contain_text("Charge phones in the park")
    expect(bob_card).to_have_class(re.compile(r"\brecent\b"))

    # Bob comments; Ann sees it.
    bob_card.get_by_test_id("comments-toggle").click()
    bob_card.get_by_test_id("comment-input").fill("Love it")
    bob_card.get_by_test_id("comment-input").press("Enter")
    ann_card = card(ann, "Solar benches")
    expect(ann_card.get_by_test_id("comments-toggle")).to_contain_text("1")
    ann_card.get_by_test_id("comments-toggle").click()
    expect(ann_card.get_by_test_id("comment")).to_contain_text("Love it")

    # Ann reacts; Bob sees the count.
    ann_card.get_by_test_id("react-toggle").click()
    ann_card.locator("[data-emoji='💡']").click()
    expect(bob_card.locator("[data-emoji='💡']")).to_contain_text("1")

    # Bob votes; Ann sees the total, Bob's budget goes down.
    bob_card.get_by_test_id("vote").click()
    expect(ann_card.get_by_test_id("votes")).to_have_attribute("data-votes", "1")
    expect(bob.get_by_test_id("votes-left")).to_contain_text("4/5")

    # Ann drags her card from "Ideas"... first into "Done"; Bob sees it move.
    done_ann = ann.locator("[data-testid=column]", has_text="Done")
    # (From the card's handle: a press on its text selects the text.)
    src = ann_card.get_by_test_id("drag-handle").bounding_box()
    dst = done_ann.bounding_box()
    assert src is not None and dst is not None
    ann.mouse.move(src["x"] + 8, src["y"] + 8)
    ann.mouse.down()
    ann.mouse.move(src["x"] + 60, src["y"] + 80, steps=4)
    ann.mouse.move(dst["x"] + dst["width"] / 2, dst["y"] + 60, steps=8)
    ann.mouse.up()
    done_bob = bob.locator("[data-testid=column]", has_text="Done")
    expect(done_bob.get_by_text("Solar benches", exact=True)).to_be_visible()

    # Keyboard alternative: Shift+ArrowLeft moves it back one column.
    ann_done_card = card(ann, "Solar benches")
    ann_done_card.focus()
    ann.keyboard.press("Shift+ArrowLeft")
    ideas_bob = bob.locator("[data-testid=column]", has_text="Ideas")
    expect(ideas_bob.get_by_text("Solar benches", exact=True)).to_be_visible()

    # "X is editing": Ann opens the editor of her card; Bob sees it.
    card(ann, "Solar benches").get_by_role("button", name="Edit").click()
    expect(card(bob, "Solar benches").get_by_test_id("editing")).to_contain_text("Ann")
    ann.keyboard.press("Escape")
    assert not getattr(ann, "errors", []) and not getattr(bob, "errors", [])


def test_wall_drag_reaches_the_other_participant(server: Server, people: Browsers) -> None:
    links = server.create_board("Wall", "wall")["links"]
    ann, bob = people.page(), people.page()
    join(ann, links["participant"], "Ann")
    join(bob, links["participant"], "Bob")
    add_card(ann, "Drag me")
    c = card(ann, "Drag me")
    bob_card = card(bob, "Drag me")
    expect(bob_card).to_be_visible()
    before = _position(c.get_attribute("style"))
    box = c.get_by_test_id("drag-handle").bounding_box()
    assert box is not None
    ann.mouse.move(box["x"] + 8, box["y"] + 8)
    ann.mouse.down()
    ann.mouse.move(box["x"] + 208, box["y"] + 208, steps=10)
    ann.mouse.up()
    # Ann's card moved by the drag (about 200 px right and down)…
    ann.wait_for_function(
        "([el, x]) => parseInt(el.style.left) >= x + 150", arg=[c.element_handle(), before[0]]
    )
    after = _position(c.get_attribute("style"))
    assert after[0] - before[0] >= 150 and after[1] - before[1] >= 150, (before, after)
    # …and Bob sees it at the very same place.
    expect(bob_card).to_have_attribute(
        "style",
        re.compile(rf"left: {after[0]}px.*top: {after[1]}px|top: {after[1]}px.*left: {after[0]}px"),
    )


def _position(style: str | None) -> tuple[int, int]:
    left = re.search(r"left: (-?\d+)px", style or "")
    top = re.search(r"top: (-?\d+)px", style or "")
    assert left and top, style
    return int(left.group(1)), int(top.group(1))


def test_facilitator_layout_change_reaches_everyone(server: Server, people: Browsers) -> None:
    created = server.create_board("Layouts", "wall")
    links = created["links"]
    fac, ann = people.page(), people.page()
    join(fac, links["facilitator"], "Fien")
    join(ann, links["participant"], "Ann")
    screen = people.page(1280, 720)
    screen.goto(links["viewer"])
    wait_connected(screen)
    expect(ann.get_by_test_id("layout-wall")).to_be_visible()
    expect(ann.get_by_test_id("layout-switch")).to_have_count(0)  # not for participants
    fac.get_by_test_id("layout-switch").locator("[data-layout=grid]").click()
    expect(ann.get_by_test_id("layout-grid")).to_be_visible()
    fac.get_by_test_id("layout-switch").locator("[data-layout=columns]").click()
    expect(ann.get_by_test_id("layout-columns")).to_be_visible()
    # The facilitator's title change reaches the hub screen too.
    fac.get_by_test_id("settings").click()
    fac.get_by_test_id("board-title-input").fill("Renamed live")
    fac.get_by_role("button", name="Close").click()
    expect(screen.get_by_test_id("board-title")).to_have_text("Renamed live")
    expect(ann.get_by_test_id("board-title")).to_have_text("Renamed live")


def test_xss_card_renders_as_text(server: Server, people: Browsers) -> None:
    links = server.create_board("XSS", "grid")["links"]
    ann, bob = people.page(), people.page()
    alerts: list[str] = []
    bob.on("dialog", lambda d: alerts.append(d.message))
    join(ann, links["participant"], "<b>Ann</b>")
    join(bob, links["participant"], "Bob")
    evil = "<img src=x onerror=alert(1)>"
    add_card(ann, evil, "<script>alert(2)</script>")
    c = card(bob, evil)
    expect(c.get_by_test_id("card-title")).to_have_text(evil)
    expect(c.get_by_test_id("card-body")).to_have_text("<script>alert(2)</script>")
    expect(c).to_contain_text("<b>Ann</b>")
    # The app's own emoji images (img.emoji, ui/emoji) are the only images.
    assert (
        bob.locator(
            "[data-testid=card] img:not(.emoji), [data-testid=card] script, [data-testid=card] b"
        ).count()
        == 0
    )
    bob.wait_for_timeout(300)
    assert alerts == []


def test_form_refuses_over_long_input_showing_the_limit(server: Server, people: Browsers) -> None:
    links = server.create_board("Limits", "grid")["links"]
    ann = people.page()
    join(ann, links["participant"], "Ann")
    ann.get_by_test_id("add-card").click()
    ann.get_by_test_id("card-title-input").fill("x" * 201)
    expect(ann.locator(".field.over")).to_contain_text("201")
    expect(ann.locator(".field.over")).to_contain_text("200")
    expect(ann.get_by_test_id("card-save")).to_be_disabled()  # not sendable, and says why
    expect(ann.get_by_test_id("card-save-blocked")).to_contain_text("201")
    ann.get_by_test_id("card-title-input").fill("ok")
    ann.get_by_test_id("card-url-input").fill("javascript:alert(1)")
    ann.get_by_test_id("card-save").click()
    expect(ann.locator("dialog [role=alert]")).to_be_visible()


def test_viewer_cannot_post_ui_and_server_refuse(server: Server, people: Browsers) -> None:
    created = server.create_board("Read only", "grid")
    links = created["links"]
    ann = people.page()
    join(ann, links["participant"], "Ann")
    add_card(ann, "Visible to all")

    # The hub screen link offers nothing to post with.
    screen = people.page(1280, 720)
    screen.goto(links["viewer"])
    wait_connected(screen)
    expect(card(screen, "Visible to all")).to_be_visible()
    assert screen.locator("input, textarea, [data-testid=add-card], .card-tools").count() == 0
    assert screen.locator("[data-testid=vote]:not([disabled])").count() == 0

    # The viewer token on the board page: read-only UI...
    viewer = people.page()
    board, token = created["board"], token_of(links["viewer"])
    join(viewer, f"{server.url}/b/{board}#t={token}", "Vic")
    expect(viewer.locator(".banner")).to_be_visible()
    expect(viewer.get_by_test_id("add-card")).to_have_count(0)
    # ...and the server refuses an op sent around the UI (error 310).
    viewer.evaluate(
        """() => window.prikbord.submit({type: "card.add", id: "sneaky", kind: "note",
            title: "Sneaky", body: "", color: "yellow", pos: "a0", x: 0, y: 0})"""
    )
    expect(viewer.locator(".toast")).to_contain_text("310")
    expect(viewer.get_by_text("Sneaky")).to_have_count(0)
    ann.wait_for_timeout(300)
    expect(ann.get_by_text("Sneaky")).to_have_count(0)
    snap = server.snapshot(board, token_of(links["participant"]))
    cards = snap.get("cards", snap.get("snapshot", {}).get("cards", {}))
    assert "sneaky" not in cards
