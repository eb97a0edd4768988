"""The library in the browser: a board exported as JSON from its menu and
imported on the library page is the same board; the printable page renders
in Chromium and prints to a PDF."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Browsers, Server, add_card, card, join
from tests.e2e.test_accounts import PASSWORD
from tests.support.servers import token_of

pytestmark = pytest.mark.e2e


def _board(server: Server, page: Page) -> dict[str, Any]:
    made = server.create_board("Bibliotheek proef")
    links = made["links"]
    join(page, links["facilitator"], "Fien")
    add_card(page, "Koffiehoek", "met zonnepanelen")
    add_card(page, "Fietsenstalling")
    expect(card(page, "Fietsenstalling")).to_be_visible()
    return made


def test_export_json_then_import_makes_the_same_board(server: Server, people: Browsers) -> None:
    page = people.page()
    made = _board(server, page)
    page.get_by_test_id("library-menu").locator("summary").click()
    with page.expect_download() as info:
        page.get_by_test_id("export-json").click()
    path = info.value.path()
    doc = json.loads(path.read_text())
    assert doc["format"] == "prikbord-board"
    titles = {c["title"] for c in doc["state"]["cards"].values()}
    assert titles == {"Koffiehoek", "Fietsenstalling"}

    page.goto(server.url + "/library")
    page.get_by_test_id("import-file").set_input_files(str(path))
    page.get_by_test_id("import").click()
    expect(page.get_by_test_id("library-made")).to_contain_text("Bibliotheek proef")
    href = page.get_by_test_id("library-open").get_attribute("href")
    assert href and made["board"] not in href
    other = people.page()  # someone else opens the imported board's link
    join(other, href, "Karel")
    expect(card(other, "Koffiehoek")).to_be_visible()
    expect(card(other, "Fietsenstalling")).to_be_visible()
    assert not page.errors  # type: ignore[attr-defined]


def test_the_printable_page_renders_and_prints_to_pdf(server: Server, people: Browsers) -> None:
    page = people.page()
    made = _board(server, page)
    links = made["links"]
    assert isinstance(links, dict)
    printer = people.page()
    printer.set_extra_http_headers({"Authorization": f"Bearer {token_of(links['participant'])}"})
    printer.goto(f"{server.url}/api/boards/{made['board']}/export.html")
    expect(printer.locator("h1")).to_have_text("Bibliotheek proef")
    expect(printer.locator("article.card h3")).to_have_count(2)
    # The stylesheet (our origin, allowed by the CSP) applied.
    border = printer.locator("article.card").first.evaluate("e => getComputedStyle(e).borderStyle")
    assert border == "solid"
    pdf = printer.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000

    # From the board's menu: the page opens in a new tab, styled there too
    # (a blob: page inherits the app's CSP; its stylesheet is ours).
    page.get_by_test_id("library-menu").locator("summary").click()
    with page.context.expect_page() as popup:
        page.get_by_test_id("export-html").click()
    tab = popup.value
    expect(tab.locator("h1")).to_have_text("Bibliotheek proef")
    border = tab.locator("article.card").first.evaluate("e => getComputedStyle(e).borderStyle")
    assert border == "solid"


def test_library_page_archives_and_searches_ones_boards(
    tmp_path: Path, web_dist: Path, people: Browsers
) -> None:
    """Logged in: the library lists one's boards, archives one (it moves to
    Archived and back), and search finds a card by a word in its comment;
    the page is axe-clean logged out and in (axe needs the CSP bypassed)."""
    from tests.e2e.test_a11y import _page, _violations

    server = Server(tmp_path / "data", env={"PRIKBORD_OPEN_BOARD_CREATION": "0"}).start()
    try:
        setup = re.findall(r"https?://\S+/setup#[A-Za-z0-9_-]+", server.log_path.read_text())[-1]
        page = _page(people, 1366, 800)
        page.goto(server.url + "/library")
        expect(page.get_by_test_id("template-brainstorm:en")).to_be_visible()
        assert _violations(page) == []
        page.goto(setup)
        page.get_by_test_id("setup-username").fill("fien")
        page.get_by_test_id("setup-name").fill("Fien")
        page.get_by_test_id("setup-password").fill(PASSWORD)
        page.get_by_test_id("setup-again").fill(PASSWORD)
        page.get_by_test_id("setup-submit").click()
        page.wait_for_url("**/my")
        made = page.evaluate(
            """async () => {
                const me = await (await fetch('/api/me')).json();
                const r = await fetch('/api/boards', {method: 'POST', headers: {
                    'content-type': 'application/json', 'x-csrf-token': me.csrf},
                    body: JSON.stringify({title: 'Werkplaats mei'})});
                return await r.json();
            }"""
        )
        join(page, made["links"]["facilitator"], "Fien")
        add_card(page, "Lasapparaat")
        card(page, "Lasapparaat").get_by_test_id("comments-toggle").click()
        page.get_by_test_id("comment-input").fill("Bij de buren lenen")
        page.get_by_test_id("comment-input").press("Enter")
        expect(page.get_by_text("Bij de buren lenen")).to_be_visible()

        page.goto(server.url + "/library")
        page.get_by_test_id("search-input").fill("BUREN")
        page.get_by_role("button", name="Search").click()
        expect(page.get_by_test_id("search-hits")).to_contain_text("Lasapparaat")
        shelf = page.get_by_test_id("library-boards")
        expect(shelf.get_by_test_id("shelf-board")).to_contain_text("Werkplaats mei")
        shelf.get_by_test_id("archive-toggle").click()
        expect(shelf.get_by_test_id("shelf-board")).to_have_count(0)
        shelf.get_by_test_id("show-archived").click()
        expect(shelf.get_by_test_id("shelf-board")).to_contain_text("Werkplaats mei")
        assert [v["id"] for v in _violations(page)] == []

        # A hub's library (/library?hub=noord): search over the hub's boards,
        # and a board from a template is filed in the hub.
        boards = page.evaluate(
            """async (board) => {
                const me = await (await fetch('/api/me')).json();
                const h = {'content-type': 'application/json', 'x-csrf-token': me.csrf};
                await fetch('/api/hubs', {method: 'POST', headers: h,
                    body: JSON.stringify({slug: 'noord', name: 'Hub Noord'})});
                await fetch(`/api/hubs/noord/boards/${board}`, {method: 'PUT', headers: h,
                    body: JSON.stringify({public: false})});
                return (await (await fetch('/api/hubs/noord/boards')).json()).boards;
            }""",
            made["board"],
        )
        assert len(boards) == 1
        page.goto(server.url + "/library?hub=noord")
        expect(page.locator("h1")).to_contain_text("noord")
        expect(page.get_by_role("heading", name="Search this hub's boards")).to_be_visible()
        page.get_by_test_id("search-input").fill("lenen")
        page.get_by_role("button", name="Search").click()
        expect(page.get_by_test_id("search-hits")).to_contain_text("Werkplaats mei")
        # A finished board is found by its name too (one hit: the board).
        page.get_by_test_id("search-input").fill("werkplaats")
        page.get_by_role("button", name="Search").click()
        expect(page.get_by_test_id("search-hits").locator("li")).to_have_text(["Werkplaats mei"])
        page.get_by_test_id("template-title").fill("Week 20")
        page.get_by_test_id("template-brainstorm:en").click()
        expect(page.get_by_test_id("library-made")).to_contain_text("Week 20")
        count = page.evaluate(
            "async () => (await (await fetch('/api/hubs/noord/boards')).json()).boards.length"
        )
        assert count == 2
    finally:
        server.stop()


def test_copy_a_card_to_another_board_from_the_menu(server: Server, people: Browsers) -> None:
    page = people.page()
    _board(server, page)
    other = server.create_board("Ander bord")
    page.get_by_test_id("library-menu").locator("summary").click()
    page.get_by_test_id("copy-card").click()
    form = page.get_by_test_id("copy-card-form")
    expect(form.get_by_test_id("copy-card-select").locator("option")).to_have_count(2)
    form.get_by_test_id("copy-card-select").select_option(label="Koffiehoek")
    form.get_by_test_id("copy-card-target").fill(other["links"]["participant"])
    form.get_by_test_id("copy-card-submit").click()
    expect(page.get_by_test_id("library-note")).to_have_text("Copied.")
    form.get_by_test_id("copy-card-target").fill("https://example.org/not-a-board")
    form.get_by_test_id("copy-card-submit").click()
    expect(page.get_by_test_id("library-note")).to_contain_text("not a board link")

    watcher = people.page()
    join(watcher, other["links"]["participant"], "Karel")
    expect(card(watcher, "Koffiehoek")).to_be_visible()
    assert not page.errors  # type: ignore[attr-defined]
