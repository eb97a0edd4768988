"""The hub screen keeps every card legible and reachable (pages) as a board fills up; the phone
editor adds cards where the user is looking; errors and limits are explained
in the user's language."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.e2e.conftest import UNIT_MS, Browsers, Server, card, join, shot, wait_connected
from tests.support.servers import token_of

pytestmark = pytest.mark.e2e

#: True when the hub screen shows all `n` cards, whole and legible: the
#: tiles of this page lie inside the card area, clear of its edges, with
#: text at the room's minimum size or larger; and the pages hold all n (in
#: a grid: as many pages as n needs at this page size; in columns: the
#: columns' counts add up to n).
FITS_JS = """(n) => {
  const area = document.querySelector("[data-testid=screen-cards]");
  const cards = [...area.querySelectorAll("[data-testid=card]")];
  if (cards.length === 0 || area.scrollHeight > area.clientHeight) return false;
  const a = area.getBoundingClientRect();
  const whole = cards.every((c) => {
    const r = c.getBoundingClientRect();
    return r.top >= a.top + 3 && r.left >= a.left + 3 && r.right <= a.right - 3
      && r.bottom <= a.bottom - 3;
  });
  const legible = [...area.querySelectorAll(".tile-title, .tile-body")]
    .every((el) => parseFloat(getComputedStyle(el).fontSize) >= 28);
  const pages = +document.querySelector("[data-testid=screen]").dataset.pages;
  const cols = [...area.querySelectorAll("[data-testid=screen-column] .count")];
  const all = cols.length
    ? cols.reduce((sum, c) => sum + parseInt(c.textContent), 0) === n
    : pages === Math.ceil(n / cards.length) && (pages > 1 || cards.length === n);
  return whole && legible && all;
}"""


DIAG_JS = """() => {
  const area = document.querySelector("[data-testid=screen-cards]");
  const a = area.getBoundingClientRect();
  const off = [...area.querySelectorAll("[data-testid=card]")].map((c) => c.getBoundingClientRect())
    .filter((r) => r.top < a.top + 3 || r.left < a.left + 3 || r.right > a.right - 3
      || r.bottom > a.bottom - 3).length;
  return {
    cards: area.querySelectorAll("[data-testid=card]").length,
    scrollHeight: area.scrollHeight,
    clientHeight: area.clientHeight,
    outside: off,
    font: document.querySelector(".screen").style.fontSize,
    titles: [...area.querySelectorAll(".card-title")].map((e) => e.textContent).join("|"),
  };
}"""


def wait_fits(screen: Page, n: int) -> None:
    try:
        screen.wait_for_function(FITS_JS, arg=n, timeout=5 * UNIT_MS)
    except PlaywrightTimeout:
        shot(screen, "hub-screen-overflow")
        raise AssertionError(f"{n} cards do not fit: {screen.evaluate(DIAG_JS)}") from None


def submit(page: Page, op: dict[str, Any]) -> None:
    """Send an op through the page's live session (the same path as the UI)."""
    page.evaluate(f"() => window.prikbord.submit({json.dumps(op)})")


def add_sections(page: Page, titles: list[str]) -> list[str]:
    ids = [f"sec{i}" for i in range(len(titles))]
    for i, (sid, title) in enumerate(zip(ids, titles, strict=True)):
        submit(page, {"type": "section.add", "id": sid, "title": title, "pos": f"a{i}"})
    return ids


def card_op(i: int, section: str = "") -> dict[str, Any]:
    body = " ".join(["Some words about this idea, as people write them."] * (1 + i % 2))
    op: dict[str, Any] = {
        "type": "card.add",
        "id": f"card{i:02d}",
        "kind": ["note", "question", "offer"][i % 3],
        "title": f"Card number {i + 1}",
        "body": body,
        "color": ["yellow", "pink", "blue", "green"][i % 4],
        "pos": f"b{i:02d}",
        "x": 40,
        "y": 40,
    }
    if section:
        op["section"] = section
    return op


def screen_font(screen: Page) -> int:
    return int(screen.get_by_test_id("screen").get_attribute("data-font") or 0)


@pytest.mark.parametrize("layout", ["grid", "columns"])
def test_hub_screen_fits_every_card_as_the_board_fills(
    server: Server, people: Browsers, layout: str
) -> None:
    links = server.create_board(f"Full {layout} board", layout)["links"]
    fac = people.page()
    join(fac, links["facilitator"], "Fien")
    sections = add_sections(fac, ["Questions", "Offers", "Ideas"]) if layout == "columns" else []
    screen = people.page(1920, 1080)
    screen.goto(links["viewer"])
    wait_connected(screen)
    fonts: list[int] = []
    # Cards arrive one by one while the screen is open (live, no reload).
    for i in range(40):
        submit(fac, card_op(i, sections[i % 3] if sections else ""))
        wait_fits(screen, i + 1)
        fonts.append(screen_font(screen))
    assert fonts[0] == 44, fonts  # few cards: the largest type
    assert min(fonts) == fonts[-1] == 28, fonts  # 40 cards: the room's minimum, paged
    shot(screen, f"hub-screen-40-cards-{layout}-1920x1080")
    # A comment shows in its tile, which keeps its size: still everything fits.
    submit(fac, {"type": "comment.add", "id": "m1", "card": "card00", "body": "Count me in!"})
    wait_fits(screen, 40)
    # Cards leave: the type grows back.
    for i in range(4, 40):
        submit(fac, {"type": "card.delete", "id": f"card{i:02d}"})
        wait_fits(screen, 39 - i + 4)
    assert screen_font(screen) > fonts[-1]
    # They come back; then a bigger screen: the type grows, everything still fits.
    for i in range(4, 40):
        submit(fac, card_op(i + 50, sections[i % 3] if sections else ""))
        wait_fits(screen, i + 1)
    full = screen_font(screen)
    screen.set_viewport_size({"width": 2560, "height": 1440})
    screen.wait_for_function(f"() => +document.querySelector('.screen').dataset.font > {full}")
    wait_fits(screen, 40)
    assert not getattr(screen, "errors", [])


def strip_scroll(page: Page) -> int:
    return int(page.get_by_test_id("layout-columns").evaluate("(el) => el.scrollLeft"))


def test_phone_adds_a_card_where_the_user_looks(server: Server, people: Browsers) -> None:
    links = server.create_board("Phone columns", "columns")["links"]
    fac = people.page()
    join(fac, links["facilitator"], "Fien")
    questions, offers, ideas = add_sections(fac, ["Questions", "Offers", "Ideas"])
    submit(fac, card_op(0, questions))
    phone = people.page(390, 844, mobile=True)
    join(phone, links["participant"], "Bo")
    expect(phone.get_by_test_id("column")).to_have_count(3)
    column = phone.locator("[data-testid=column]", has_text="Ideas")

    # Swipe to the last column, tap "add": the card goes there, in view.
    column.scroll_into_view_if_needed()
    expect(column).to_be_in_viewport(ratio=0.9)
    phone.get_by_test_id("add-card").click()
    expect(phone.locator("#card-section option:checked")).to_have_text("Ideas")
    phone.get_by_test_id("card-title-input").fill("Seen where I look")
    phone.get_by_test_id("card-save").click()
    mine = card(phone, "Seen where I look")
    expect(column.get_by_test_id("card")).to_have_count(1)
    expect(mine).to_be_in_viewport(ratio=0.9)

    # Picking "No column" makes that column appear on the left: the new card
    # is brought into view, not left off-screen.
    phone.get_by_test_id("add-card").click()
    phone.locator("#card-section").select_option(label="No column")
    phone.get_by_test_id("card-title-input").fill("Loose card")
    phone.get_by_test_id("card-save").click()
    expect(phone.get_by_test_id("column")).to_have_count(4)
    expect(card(phone, "Loose card")).to_be_in_viewport(ratio=0.9)
    shot(phone, "board-phone-added-390x844")

    # The column's own "add" button picks that column.
    offers_col = phone.locator("[data-testid=column]", has_text="Offers")
    offers_col.get_by_test_id("column-add").click()
    expect(phone.locator("#card-section option:checked")).to_have_text("Offers")
    # (The Cancel button, not Escape: a key press can land before the dialog
    # holds the focus on a busy machine.)
    phone.locator("dialog[open]").get_by_role("button", name="Cancel").click()
    expect(phone.locator("dialog[open]")).to_have_count(0)

    # Others' cards never move the view.
    offers_col.scroll_into_view_if_needed()
    phone.wait_for_timeout(500)  # scroll snapping settles
    before = strip_scroll(phone)
    for i, section in enumerate([ideas, offers, questions, ""]):
        submit(fac, card_op(10 + i, section))
    expect(phone.get_by_test_id("card")).to_have_count(7)
    phone.wait_for_timeout(500)
    assert strip_scroll(phone) == before
    assert not getattr(phone, "errors", [])


def test_rejections_are_explained_in_dutch(server: Server, people: Browsers) -> None:
    created = server.create_board("Alleen kijken", "grid")
    viewer = people.page(locale="nl-NL")
    token = token_of(created["links"]["viewer"])
    viewer.goto(f"{server.url}/b/{created['board']}#t={token}")
    viewer.get_by_test_id("join-name").fill("Vic")
    viewer.get_by_test_id("join").click()
    wait_connected(viewer)
    submit(viewer, card_op(0))
    toast = viewer.locator(".toast")
    expect(toast).to_contain_text("Niet opgeslagen: met deze link mag dat niet")
    expect(toast).to_contain_text("(310)")
    expect(toast).not_to_contain_text("read-only")


def test_save_is_blocked_with_the_reason_when_the_text_is_too_long(
    server: Server, people: Browsers
) -> None:
    links = server.create_board("Long text", "grid")["links"]
    ann = people.page()
    join(ann, links["participant"], "Ann")
    ann.get_by_test_id("add-card").click()
    ann.get_by_test_id("card-title-input").fill("A long story")
    ann.get_by_test_id("card-body-input").fill("x" * 4001)
    save = ann.get_by_test_id("card-save")
    reason = ann.get_by_test_id("card-save-blocked")
    expect(save).to_be_disabled()
    expect(reason).to_be_visible()
    expect(reason).to_contain_text("4001")
    expect(reason).to_contain_text("4000")
    expect(save).to_have_attribute("aria-describedby", reason.get_attribute("id") or "?")
    expect(ann.locator(".field.over")).to_contain_text("4001/4000")  # the limit stays shown
    ann.get_by_test_id("card-body-input").press("End")
    ann.get_by_test_id("card-body-input").press("Backspace")
    expect(save).to_be_enabled()
    expect(reason).to_have_count(0)
    save.click()
    expect(card(ann, "A long story")).to_be_visible()


def test_comment_delete_asks_first(server: Server, people: Browsers) -> None:
    links = server.create_board("Comments", "grid")["links"]
    ann = people.page()
    join(ann, links["participant"], "Ann")
    submit(ann, card_op(0))
    c = card(ann, "Card number 1")
    c.get_by_test_id("comments-toggle").click()
    c.get_by_test_id("comment-input").fill("Oops")
    c.get_by_test_id("comment-input").press("Enter")
    expect(c.get_by_test_id("comment")).to_have_count(1)
    asked: list[str] = []
    ann.on("dialog", lambda d: asked.append(d.message))  # the fixture accepts it
    c.get_by_test_id("comment-delete").click()
    expect(c.get_by_test_id("comment")).to_have_count(0)
    assert asked == ["Delete this comment?"]
