"""Session notes in real Chromium: two people type into the same paragraph
at once and both end with the merged text; others' cursors show with names;
undo takes back one's own edit only; a checkbox ticks an action item for
everyone; a latecomer gets the notes from the snapshot; the hub screen shows
them large. A card's description is the same editor on the card's own
document: two people type into it at once, and others see on the card that
it has one. Screenshots: laptop, phone, hub screen, description."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Browsers, Server, add_card, card, join, shot

pytestmark = pytest.mark.e2e


def open_notes(page: Page) -> None:
    page.get_by_test_id("notes-open").click()
    expect(page.get_by_test_id("notes-panel")).to_be_visible()


#: The board's notes as this page's replica holds them (confirmed by the log).
_CONFIRMED = (
    "() => window.prikbord.replica.confirmed.notes.get('board')?.getText('notes').toString() ?? ''"
)


def notes_text(page: Page) -> str:
    text: str = page.evaluate(_CONFIRMED)
    return text


def same_notes(*pages: Page) -> str:
    """Wait until every page's replica holds the same notes; that text."""
    first = pages[0]
    for page in pages[1:]:
        page.wait_for_function(f"(want) => ({_CONFIRMED})() === want", arg=notes_text(first))
    return notes_text(first)


def assert_all_kept(merged: str, words: list[str]) -> None:
    """Every word typed is in the merged text and no character was lost.
    Words are not split on spaces: two runs inserted at the same place at
    once may follow each other with no space between ("budget" + "ship ")."""
    for word in words:
        assert word in merged, (word, merged)
    assert sorted("".join(merged.split())) == sorted("".join(words)), merged


def editor(page: Page) -> object:
    return page.get_by_test_id("notes-text")


def test_two_people_type_into_the_same_paragraph_and_both_keep_their_words(
    server: Server, people: Browsers
) -> None:
    links = server.create_board("Kick-off", "columns")["links"]
    ann, bob = people.page(), people.page()
    join(ann, links["participant"], "Ann")
    join(bob, links["participant"], "Bob")
    open_notes(ann)
    open_notes(bob)
    ann.get_by_test_id("notes-text").click()
    ann.keyboard.type("Decided: ")
    expect(bob.get_by_test_id("notes-text")).to_contain_text("Decided:")
    bob.get_by_test_id("notes-text").click()
    bob.keyboard.press("Control+End")
    # Both type at the end of the same line at the same time, a few keys each
    # in turn, faster than the notes travel (they are batched every 150 ms).
    anns, bobs = ["ship ", "it ", "on ", "Friday"], ["wait ", "for ", "the ", "budget"]
    for a, b in zip(anns, bobs, strict=True):
        ann.keyboard.type(a)
        bob.keyboard.type(b)
    words = ["ship", "it", "on", "Friday", "wait", "for", "the", "budget"]
    for page in (ann, bob):
        for word in words:
            expect(page.get_by_test_id("notes-text")).to_contain_text(word)
    merged = same_notes(ann, bob)
    assert merged.startswith("Decided: ")
    assert_all_kept(merged.removeprefix("Decided: "), words)
    # Each sees the other's cursor, with their name.
    expect(ann.locator(".nt-caret .nt-name", has_text="Bob")).to_be_visible()
    expect(bob.locator(".nt-caret .nt-name", has_text="Ann")).to_be_visible()
    shot(ann, "notes-laptop")

    # Undo takes back one's own last edit only (edits less than half a
    # second apart are one step, as in any editor: so a pause first).
    bob.wait_for_timeout(700)
    bob.keyboard.press("Enter")
    bob.keyboard.type("oops")
    expect(ann.get_by_test_id("notes-text")).to_contain_text("oops")
    bob.get_by_test_id("notes-undo").click()
    expect(ann.get_by_test_id("notes-text")).not_to_contain_text("oops")
    assert all(w in notes_text(ann) for w in words)

    # An action item with an assignee, ticked by someone else.
    ann.get_by_test_id("notes-text").click()
    ann.keyboard.press("Control+End")
    ann.keyboard.press("Enter")
    ann.get_by_test_id("notes-task").click()
    ann.keyboard.type("send the slides @Anna")
    box = bob.locator(".nt-task .nt-check")
    expect(box).to_have_count(1)
    box.click()
    expect(ann.locator(".nt-done .nt-check")).to_be_checked()
    ann.wait_for_function(f"() => ({_CONFIRMED})().includes('- [x] send the slides @Anna')")

    # A latecomer gets the notes from the snapshot; a phone shows them too.
    cas = people.page(390, 844, mobile=True)
    join(cas, links["participant"], "Cas")
    open_notes(cas)
    expect(cas.get_by_test_id("notes-text")).to_contain_text("send the slides")
    same_notes(ann, cas)
    shot(cas, "notes-phone")

    # The hub screen follows the notes, large.
    wall = people.page(1920, 1080)
    wall.goto(links["viewer"].replace("#", "?notes#", 1))
    expect(wall.get_by_test_id("screen-notes")).to_contain_text("send the slides @Anna")
    ann.keyboard.press("Enter")
    ann.keyboard.type("- a line typed while the room watches")
    expect(wall.get_by_test_id("screen-notes")).to_contain_text("while the room watches")
    shot(wall, "notes-hub-screen")
    for page in (ann, bob, cas, wall):
        assert page.errors == []  # type: ignore[attr-defined]


def test_a_locked_board_shows_the_notes_read_only(server: Server, people: Browsers) -> None:
    links = server.create_board("Locked", "wall")["links"]
    fay, ann = people.page(), people.page()
    join(fay, links["facilitator"], "Fay")
    join(ann, links["participant"], "Ann")
    open_notes(fay)
    fay.get_by_test_id("notes-text").click()
    fay.keyboard.type("Only the facilitator writes now")
    open_notes(ann)
    expect(ann.get_by_test_id("notes-text")).to_contain_text("Only the facilitator")
    fay.get_by_test_id("notes-close").click()
    fay.get_by_test_id("facilitate").click()
    fay.get_by_test_id("tab-session").click()
    fay.get_by_test_id("lock").check()
    expect(ann.get_by_test_id("notes-panel").locator(".banner")).to_be_visible()
    expect(ann.get_by_test_id("notes-text")).to_have_attribute("contenteditable", "false")


def _description(doc: str) -> str:
    """JS: the card description ``doc`` as this page's replica holds it."""
    return (
        f"() => window.prikbord.replica.confirmed.notes.get('{doc}')"
        "?.getText('notes').toString() ?? ''"
    )


def test_two_people_type_into_a_card_description_and_others_see_it_has_one(
    server: Server, people: Browsers
) -> None:
    links = server.create_board("Retro", "columns")["links"]
    ann, bob = people.page(), people.page()
    join(ann, links["participant"], "Ann")
    join(bob, links["participant"], "Bob")
    add_card(ann, "Move the stand-up to 10:00")
    for page in (ann, bob):
        expect(card(page, "Move the stand-up to 10:00")).to_be_visible()
    doc = "card:" + str(card(ann, "Move the stand-up to 10:00").get_attribute("data-card"))
    # No description yet: no indicator, only the way to add one.
    expect(card(bob, "Move the stand-up to 10:00").get_by_test_id("card-desc")).to_have_count(0)
    for page in (ann, bob):
        card(page, "Move the stand-up to 10:00").get_by_test_id("desc-add").click()
        expect(page.get_by_test_id("notes-panel")).to_have_attribute("data-doc", doc)
        expect(page.get_by_test_id("notes-card")).to_have_text("Move the stand-up to 10:00")
    ann.get_by_test_id("notes-text").click()
    ann.get_by_test_id("notes-heading").click()
    ann.keyboard.type("Why: ")
    expect(bob.get_by_test_id("notes-text")).to_contain_text("Why:")
    bob.get_by_test_id("notes-text").click()
    bob.keyboard.press("Control+End")
    # Both type at the end of the same line at once, faster than the batches.
    anns, bobs = ["people ", "come ", "by ", "train"], ["the ", "nine ", "o'clock ", "clashes"]
    for a, b in zip(anns, bobs, strict=True):
        ann.keyboard.type(a)
        bob.keyboard.type(b)
    words = ["people", "come", "by", "train", "the", "nine", "o'clock", "clashes"]
    for page in (ann, bob):
        for word in words:
            expect(page.get_by_test_id("notes-text")).to_contain_text(word)
    bob.wait_for_function(
        f"(want) => ({_description(doc)})() === want", arg=ann.evaluate(_description(doc))
    )
    merged = ann.evaluate(_description(doc))
    assert merged.startswith("## Why: ")
    assert_all_kept(merged.removeprefix("## Why: "), words)
    # The board's notes are another document: untouched.
    assert ann.evaluate(_CONFIRMED) == ""
    expect(ann.locator(".nt-caret .nt-name", has_text="Bob")).to_be_visible()
    expect(bob.locator(".nt-caret .nt-name", has_text="Ann")).to_be_visible()
    # Undo takes back Bob's own last edit only.
    bob.wait_for_timeout(700)
    bob.keyboard.press("Enter")
    bob.keyboard.type("- [ ] ask the team @Bob")
    expect(ann.locator(".nt-task .nt-check")).to_have_count(1)
    bob.get_by_test_id("notes-undo").click()
    expect(ann.get_by_test_id("notes-text")).not_to_contain_text("ask the team")
    bob.keyboard.press("Enter")
    bob.keyboard.type("- ask the team")
    shot(ann, "description-laptop")

    # A third participant, on a phone, sees on the card that it has a
    # description: its first line and how many more.
    cas = people.page(390, 844, mobile=True)
    join(cas, links["participant"], "Cas")
    indicator = card(cas, "Move the stand-up to 10:00").get_by_test_id("card-desc")
    expect(indicator).to_have_attribute("data-lines", "2")
    expect(indicator).to_contain_text("Why:")
    expect(indicator).to_contain_text("+1")
    indicator.scroll_into_view_if_needed()
    shot(cas, "description-phone")
    indicator.click()
    expect(cas.get_by_test_id("notes-text")).to_contain_text("ask the team")
    for word in words:
        expect(cas.get_by_test_id("notes-text")).to_contain_text(word)

    # The hub screen (the viewer link) shows it too: a count on the tile.
    vic = people.page(1920, 1080)
    vic.goto(links["viewer"])
    on_screen = card(vic, "Move the stand-up to 10:00").get_by_test_id("card-desc")
    expect(on_screen).to_have_attribute("data-lines", "2")
    assert on_screen.evaluate("(e) => e.tagName") == "SPAN"

    # Deleting the card takes its description along, and closes it for all.
    ann.once("dialog", lambda d: d.accept())
    card(ann, "Move the stand-up to 10:00").get_by_role("button", name="Delete").click()
    for page in (ann, bob, cas):
        expect(page.get_by_test_id("notes-panel")).to_have_count(0)
    expect(vic.get_by_test_id("card")).to_have_count(0)
    for page in (ann, bob, cas, vic):
        assert page.errors == []  # type: ignore[attr-defined]
