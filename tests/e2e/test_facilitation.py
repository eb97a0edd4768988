"""Facilitation in real Chromium (issue 9): a facilitator moderates, times,
spotlights, runs a vote round and removes a participant; a phone, a laptop
and the hub screen follow. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import UNIT_MS, Browsers, Server, add_card, card, join, shot, wait_connected

pytestmark = pytest.mark.e2e

IDEA = "Bike sharing for students"
OTHER = "Longer opening hours for the hub"
#: The phone's own clock runs an hour fast: its timer must still agree.
SKEW_JS = """(() => {
  const real = Date.now.bind(Date);
  Date.now = () => real() + 3600 * 1000;
})();"""


def open_panel(page: Page, tab: str) -> None:
    if not page.get_by_test_id("fac-panel").is_visible():
        page.get_by_test_id("facilitate").click()
    page.get_by_test_id(f"tab-{tab}").click()


def close_panel(page: Page) -> None:
    page.get_by_test_id("fac-close").click()
    expect(page.get_by_test_id("fac-panel")).to_have_count(0)


def timer(page: Page) -> Locator:
    """The board's timer in the page's top bar (the panel shows it too)."""
    return page.locator(".topbar, .screen-head").get_by_test_id("timer")


def timer_left(page: Page) -> int:
    return int(timer(page).get_attribute("data-left") or -1)


def test_a_facilitator_runs_a_session(server: Server, people: Browsers) -> None:
    links = server.create_board("Campus mobility brainstorm", "columns")["links"]
    fac = people.page(1366, 800)
    join(fac, links["facilitator"], "Fien")
    fac.get_by_test_id("settings").click()
    for title in ("Ideas", "Questions"):
        fac.get_by_test_id("section-input").fill(title)
        fac.get_by_test_id("section-add").click()
    fac.keyboard.press("Escape")

    # Approval on: from now on participants' posts wait.
    open_panel(fac, "queue")
    fac.get_by_test_id("approval").check()
    expect(fac.get_by_test_id("queue-empty")).to_be_visible()
    fac.wait_for_timeout(300)  # the switch's slide settles before the picture
    shot(fac, "facilitation-panel-laptop-1366x800")
    close_panel(fac)

    phone = people.page(390, 844, mobile=True)
    phone.context.add_init_script(SKEW_JS)
    join(phone, links["participant"], "Bo")
    ann = people.page(1366, 800)
    join(ann, links["participant"], "Ann")
    screen = people.page(1920, 1080)
    screen.goto(links["viewer"])
    wait_connected(screen)
    expect(phone.get_by_test_id("notice-approval")).to_be_visible()

    # The phone posts: pending there, absent on the other participant's page
    # and on the hub screen (the facilitator's later card proves both have
    # received everything up to it).
    add_card(phone, IDEA, "Shared bikes between the station and the campus.")
    mine = card(phone, IDEA)
    expect(mine).to_have_attribute("data-status", "pending")
    expect(mine.get_by_test_id("status")).to_contain_text("Waiting for approval")
    shot(phone, "facilitation-pending-card-phone-390x844")
    expect(fac.get_by_test_id("pending-count")).to_have_text("1")
    add_card(fac, OTHER)
    expect(card(ann, OTHER)).to_be_visible()
    expect(card(screen, OTHER)).to_be_visible()
    expect(card(ann, IDEA)).to_have_count(0)
    expect(card(screen, IDEA)).to_have_count(0)

    # Approve from the queue: it reaches everyone.
    open_panel(fac, "queue")
    item = fac.get_by_test_id("queue-card")
    expect(item).to_contain_text(IDEA)
    shot(fac, "facilitation-queue-laptop-1366x800")
    item.get_by_test_id("approve").click()
    expect(fac.get_by_test_id("queue-empty")).to_be_visible()
    close_panel(fac)
    expect(card(ann, IDEA)).to_be_visible()
    expect(card(screen, IDEA)).to_be_visible()
    expect(card(phone, IDEA)).to_have_attribute("data-status", "visible")
    shot(fac, "facilitation-board-facilitator-laptop-1366x800")

    # Spotlight it from the card: the hub screen and the phone follow.
    card(fac, IDEA).get_by_test_id("card-spotlight").click()
    expect(screen.get_by_test_id("screen")).to_have_attribute("data-mode", "spotlight")
    expect(screen.get_by_test_id("screen-cards").get_by_test_id("card")).to_have_count(1)
    expect(card(screen, IDEA)).to_be_visible()
    layer = phone.get_by_test_id("spotlight")
    expect(layer).to_have_attribute("data-target", re.compile(".+"))
    expect(layer.get_by_text(IDEA, exact=True)).to_be_visible()
    screen.wait_for_timeout(300)  # auto-fit settles
    shot(screen, "facilitation-spotlight-screen-1920x1080")
    shot(phone, "facilitation-spotlight-phone-390x844")
    phone.get_by_test_id("step-out").click()
    expect(phone.get_by_test_id("spotlight")).to_have_count(0)
    expect(card(phone, IDEA)).to_have_class(re.compile("spotlit"))
    phone.get_by_test_id("follow").click()
    expect(phone.get_by_test_id("spotlight")).to_be_visible()

    # The timer runs on every screen, the same on the phone whose clock is off.
    fac.get_by_test_id("spotlight-end").click()
    expect(screen.get_by_test_id("screen")).to_have_attribute("data-mode", "board")
    expect(phone.get_by_test_id("spotlight")).to_have_count(0)
    open_panel(fac, "session")
    fac.get_by_test_id("timer-minutes").fill("5")
    fac.get_by_test_id("timer-start").click()
    for page in (fac, phone, ann, screen):
        expect(timer(page)).to_have_attribute("data-state", "running")
        left = timer_left(page)
        assert 270 <= left <= 300, (page.url, left)
    assert abs(timer_left(phone) - timer_left(ann)) <= 2
    # It runs: the screen counts down.
    expect(timer(screen)).not_to_have_attribute("data-left", "300")
    expect(timer(phone)).not_to_have_attribute("data-left", "300")
    shot(screen, "facilitation-timer-screen-1920x1080")
    shot(phone, "facilitation-timer-phone-390x844")
    fac.get_by_test_id("timer-pause").click()
    expect(timer(screen)).to_have_attribute("data-state", "paused")
    expect(timer(phone)).to_have_attribute("data-state", "paused")

    # A vote round: votes private while open, ranked results once closed.
    fac.get_by_test_id("round-open").click()
    expect(ann.get_by_test_id("notice-round")).to_have_attribute("data-round", "open")
    card(ann, IDEA).get_by_test_id("vote").click()
    card(ann, IDEA).get_by_test_id("vote").click()
    card(phone, IDEA).get_by_test_id("vote").click()
    card(phone, OTHER).get_by_test_id("vote").click()
    # Each participant sees only their own votes while the round is open.
    expect(card(ann, IDEA).get_by_test_id("votes")).to_have_attribute("data-votes", "2")
    expect(card(fac, IDEA).get_by_test_id("votes")).to_have_attribute("data-votes", "3")
    expect(card(phone, IDEA).get_by_test_id("votes")).to_have_attribute("data-votes", "1")
    fac.get_by_test_id("round-close").click()
    expect(screen.get_by_test_id("screen")).to_have_attribute("data-mode", "results")
    expect(card(screen, IDEA).get_by_test_id("rank")).to_have_text("1")
    expect(card(screen, OTHER).get_by_test_id("rank")).to_have_text("2")
    expect(card(phone, IDEA).get_by_test_id("votes")).to_have_attribute("data-votes", "3")
    results = fac.get_by_test_id("results").get_by_test_id("result")
    expect(results.first).to_contain_text(IDEA)
    shot(fac, "facilitation-round-results-panel-1366x800")
    screen.wait_for_timeout(300)
    shot(screen, "facilitation-round-results-screen-1920x1080")
    ann.get_by_test_id("show-results").click()
    expect(ann.get_by_test_id("results-dialog")).to_be_visible()
    expect(ann.get_by_test_id("results-dialog").get_by_test_id("result").first).to_contain_text(
        IDEA
    )
    shot(ann, "facilitation-round-results-laptop-1366x800")
    ann.keyboard.press("Escape")

    # Remove Ann: her page says so and stays that way.
    open_panel(fac, "people")
    fac.get_by_test_id("person").filter(has_text="Ann").get_by_test_id("remove").click()
    expect(ann.get_by_test_id("removed")).to_contain_text("removed from this board")
    expect(fac.get_by_test_id("removed-person")).to_contain_text("Ann")
    shot(fac, "facilitation-people-laptop-1366x800")
    shot(ann, "facilitation-removed-laptop-1366x800")
    ann.wait_for_timeout(2 * UNIT_MS)
    expect(ann.get_by_test_id("removed")).to_be_visible()
    ann.reload()
    expect(ann.get_by_test_id("removed")).to_be_visible()

    # The panel on a facilitator's phone.
    fac_phone = people.page(390, 844, mobile=True)
    join(fac_phone, links["facilitator"], "Fien")
    open_panel(fac_phone, "session")
    expect(fac_phone.get_by_test_id("round-state")).to_have_attribute("data-round", "closed")
    shot(fac_phone, "facilitation-panel-session-phone-390x844")
    fac_phone.get_by_test_id("tab-queue").click()
    shot(fac_phone, "facilitation-panel-queue-phone-390x844")

    for page in (fac, phone, screen, fac_phone):
        assert not page.errors, page.errors  # type: ignore[attr-defined]


def test_hide_reveal_lock_and_anonymous(server: Server, people: Browsers) -> None:
    links = server.create_board("Retro", "grid")["links"]
    fac = people.page(1366, 800)
    join(fac, links["facilitator"], "Fien")
    ann = people.page(1366, 800)
    join(ann, links["participant"], "Ann")
    screen = people.page(1920, 1080)
    screen.goto(links["viewer"])
    wait_connected(screen)

    # Hide a card from the card itself: its author still sees it, marked.
    add_card(ann, "Too many meetings")
    add_card(fac, "What went well?")
    card(fac, "Too many meetings").get_by_test_id("card-hide").click()
    expect(card(ann, "Too many meetings").get_by_test_id("status")).to_have_text(
        "Hidden by the facilitator"
    )
    expect(card(screen, "What went well?")).to_be_visible()
    expect(card(screen, "Too many meetings")).to_have_count(0)
    open_panel(fac, "queue")
    expect(fac.get_by_test_id("held-item")).to_contain_text("Too many meetings")
    shot(fac, "facilitation-hidden-card-laptop-1366x800")
    fac.get_by_test_id("held-item").get_by_test_id("restore").click()
    expect(card(screen, "Too many meetings")).to_be_visible()
    expect(card(ann, "Too many meetings").get_by_test_id("status")).to_have_count(0)

    # A comment waits for approval, then is approved from the card.
    fac.get_by_test_id("approval").check()
    close_panel(fac)
    c = card(ann, "What went well?")
    c.get_by_test_id("comments-toggle").click()
    c.get_by_test_id("comment-input").fill("The new coffee machine")
    c.get_by_test_id("comment-input").press("Enter")
    expect(c.get_by_test_id("comment")).to_have_attribute("data-status", "pending")
    f = card(fac, "What went well?")
    f.get_by_test_id("comments-toggle").click()
    f.get_by_test_id("comment-approve").click()
    expect(c.get_by_test_id("comment")).to_have_attribute("data-status", "visible")
    expect(card(screen, "What went well?").get_by_test_id("comment")).to_have_text(
        re.compile("The new coffee machine")
    )

    # Hide until reveal: participants see their own cards, the screen none.
    open_panel(fac, "session")
    fac.get_by_test_id("hide-cards").check()
    close_panel(fac)
    expect(ann.get_by_test_id("notice-hidden")).to_be_visible()
    expect(card(ann, "What went well?")).to_have_count(0)
    expect(card(ann, "Too many meetings")).to_be_visible()
    expect(screen.get_by_test_id("screen-cards")).to_contain_text("hidden until the facilitator")
    add_card(ann, "Shorter stand-ups")
    expect(card(fac, "Shorter stand-ups")).to_be_visible()
    shot(ann, "facilitation-hide-until-reveal-laptop-1366x800")
    fac.get_by_test_id("reveal").click()
    expect(card(ann, "What went well?")).to_be_visible()
    # Approval is still on: Ann's new card waits, then the facilitator approves it.
    expect(card(ann, "Shorter stand-ups")).to_have_attribute("data-status", "pending")
    expect(card(screen, "Shorter stand-ups")).to_have_count(0)
    card(fac, "Shorter stand-ups").get_by_test_id("card-approve").click()
    expect(card(screen, "Shorter stand-ups")).to_be_visible()
    expect(card(screen, "What went well?")).to_be_visible()

    # Lock: the participant can look, not post.
    open_panel(fac, "session")
    fac.get_by_test_id("lock").check()
    expect(ann.get_by_test_id("notice-locked")).to_be_visible()
    expect(ann.get_by_test_id("add-card")).to_have_count(0)
    expect(card(ann, "What went well?").get_by_test_id("vote")).to_be_disabled()
    shot(ann, "facilitation-locked-laptop-1366x800")
    fac.get_by_test_id("lock").uncheck()
    expect(ann.get_by_test_id("add-card")).to_be_visible()

    # Anonymous from participants and screens: authors blank, one's own kept.
    fac.get_by_test_id("anonymous").select_option("others")
    expect(card(ann, "What went well?")).to_contain_text("by anonymous")
    expect(card(ann, "Shorter stand-ups")).to_contain_text("by Ann")
    expect(card(screen, "Shorter stand-ups")).to_contain_text("by anonymous")
    expect(card(fac, "Shorter stand-ups")).to_contain_text("by Ann")

    # The word filter with the board's own word holds a post, approval off.
    open_panel(fac, "queue")
    fac.get_by_test_id("approval").uncheck()
    fac.get_by_test_id("filter").check()
    fac.get_by_test_id("filter-words").fill("flauwekul\n")
    fac.get_by_test_id("save-words").click()
    expect(fac.get_by_test_id("save-words")).to_be_disabled()
    add_card(ann, "Fine retro")
    expect(card(screen, "Fine retro")).to_be_visible()
    add_card(ann, "Wat een flauwekul")
    expect(card(ann, "Wat een flauwekul")).to_have_attribute("data-status", "pending")
    expect(fac.get_by_test_id("queue-card")).to_contain_text("Wat een flauwekul")
    add_card(fac, "Thanks all")
    expect(card(screen, "Thanks all")).to_be_visible()
    expect(card(screen, "Wat een flauwekul")).to_have_count(0)

    for page in (fac, ann, screen):
        assert not page.errors, page.errors  # type: ignore[attr-defined]
