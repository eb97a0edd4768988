"""Accounts in the browser, as a hub would first meet them: the setup link
the server printed creates the administrator, who logs in, creates a board,
reloads (the links are not lost: the board is in My boards), renames,
archives, deletes with confirmation, and opens a board as facilitator.
Screenshots (laptop and a 390x844 phone) go to test-artifacts/screenshots/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.e2e.conftest import Browsers, Server, join, shot, wait_connected

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery"


def console_errors(page: Page) -> list[str]:
    errors: list[str] = []

    def keep(msg: ConsoleMessage) -> None:
        if msg.type == "error":
            errors.append(msg.text)

    page.on("console", keep)
    return errors


def board_row(page: Page, title: str) -> object:
    return page.locator("[data-testid=board-item]", has=page.get_by_text(title, exact=True))


def test_setup_login_create_reload_my_boards_open(
    tmp_path: Path, web_dist: Path, people: Browsers
) -> None:
    server = Server(tmp_path / "data", env={"PRIKBORD_OPEN_BOARD_CREATION": "0"}).start()
    try:
        found = re.findall(r"https?://\S+/setup#[A-Za-z0-9_-]+", server.log_path.read_text())
        assert found, server.log_tail()
        setup_link = found[-1]

        page = people.page(1366, 800)
        errors = console_errors(page)
        # Not logged in: the landing page asks to log in instead of creating.
        page.goto(server.url + "/")
        expect(page.get_by_test_id("login-needed")).to_be_visible()
        expect(page.get_by_test_id("create")).to_have_count(0)
        shot(page, "accounts-landing-logged-out-1366x800")

        # The setup link: the token leaves the address bar at once.
        page.goto(setup_link)
        expect(page.get_by_test_id("setup-form")).to_be_visible()
        assert "#" not in page.url
        page.get_by_test_id("setup-username").fill("fien")
        page.get_by_test_id("setup-name").fill("Fien de Vries")
        page.get_by_test_id("setup-password").fill(PASSWORD)
        page.get_by_test_id("setup-again").fill(PASSWORD + "x")
        expect(page.get_by_test_id("setup-submit")).to_be_disabled()
        page.get_by_test_id("setup-again").fill(PASSWORD)
        shot(page, "accounts-setup-1366x800")
        page.get_by_test_id("setup-submit").click()
        page.wait_for_url("**/my")
        expect(page.get_by_test_id("no-boards")).to_be_visible()
        expect(page.get_by_test_id("account-name")).to_have_text("Fien de Vries")

        # Log out, then in again (a wrong password first).
        page.get_by_test_id("logout").click()
        page.wait_for_url("**/login")
        page.get_by_test_id("login-username").fill("Fien")
        page.get_by_test_id("login-password").fill("not the password")
        page.get_by_test_id("login-submit").click()
        expect(page.get_by_test_id("login-error")).to_have_text("Wrong username or password.")
        shot(page, "accounts-login-error-1366x800")
        assert errors == [  # the browser's own line for the refused request; nothing else
            "Failed to load resource: the server responded with a status of 401 (Unauthorized)"
        ]
        errors.clear()
        page.get_by_test_id("login-password").fill(PASSWORD)
        page.get_by_test_id("login-submit").click()
        page.wait_for_url("**/my")

        # Create two boards from the landing page.
        for title in ("Hub Noord · brainstorm", "Scratch board"):
            page.get_by_test_id("new-board").click()
            page.wait_for_url(server.url + "/")
            page.get_by_test_id("new-title").fill(title)
            page.get_by_test_id("create").click()
            expect(page.get_by_test_id("link-facilitator")).to_be_visible()
            expect(page.get_by_test_id("saved-note")).to_be_visible()
            facilitator_link = page.get_by_test_id("link-facilitator").input_value()
            if title == "Scratch board":
                shot(page, "accounts-created-1366x800")
            page.get_by_test_id("my-boards-link").click()
            page.wait_for_url("**/my")
        # A reload loses nothing: the boards are in My boards.
        page.reload()
        expect(page.get_by_test_id("board-item")).to_have_count(2)
        expect(page.get_by_test_id("board-item-title").first).to_have_text("Scratch board")
        shot(page, "accounts-my-boards-1366x800")

        # The links again, on demand.
        scratch = page.locator("[data-testid=board-item]").first
        scratch.get_by_test_id("board-links").click()
        expect(scratch.get_by_test_id("link-facilitator")).to_have_value(facilitator_link)
        scratch.get_by_test_id("board-links").click()

        # Rename, archive and restore.
        scratch.get_by_test_id("board-rename").click()
        scratch.get_by_test_id("rename-input").fill("Scratch board (old)")
        scratch.get_by_test_id("rename-save").click()
        expect(page.get_by_text("Scratch board (old)", exact=True)).to_be_visible()
        page.locator("[data-testid=board-item]").first.get_by_test_id("board-archive").click()
        expect(page.get_by_test_id("board-item")).to_have_count(1)
        page.get_by_test_id("tab-archived").click()
        expect(page.get_by_test_id("board-item-title")).to_have_text("Scratch board (old)")
        page.get_by_test_id("tab-active").click()
        expect(page.get_by_test_id("board-item")).to_have_count(1)

        # Delete, with a confirmation that names the board.
        page.get_by_test_id("tab-archived").click()
        page.get_by_test_id("board-delete").click()
        dialog = page.get_by_test_id("delete-dialog")
        expect(dialog).to_be_visible()
        expect(dialog).to_contain_text("Scratch board (old)")
        shot(page, "accounts-delete-confirm-1366x800")
        dialog.get_by_test_id("delete-cancel").click()
        expect(page.get_by_test_id("board-item")).to_have_count(1)
        page.get_by_test_id("board-delete").click()
        page.get_by_test_id("delete-confirm").click()
        expect(page.get_by_test_id("no-boards")).to_be_visible()
        page.get_by_test_id("tab-active").click()

        # Open as facilitator: the board page with the facilitator's controls.
        page.get_by_test_id("board-open").click()
        page.wait_for_url("**/b/**")
        page.get_by_test_id("join-name").fill("Fien")
        page.get_by_test_id("join").click()
        wait_connected(page)
        expect(page.get_by_test_id("settings")).to_be_visible()
        assert not errors, errors
        assert not page.errors, page.errors  # type: ignore[attr-defined]

        # A phone: log in, My boards.
        phone = people.page(390, 844, mobile=True)
        phone_errors = console_errors(phone)
        phone.goto(server.url + "/my")
        phone.wait_for_url("**/login?next=/my")
        shot(phone, "accounts-login-phone-390x844")
        phone.get_by_test_id("login-username").fill("fien")
        phone.get_by_test_id("login-password").fill(PASSWORD)
        phone.get_by_test_id("login-submit").click()
        phone.wait_for_url("**/my")
        expect(phone.get_by_test_id("board-item")).to_have_count(1)
        shot(phone, "accounts-my-boards-phone-390x844")
        phone.get_by_test_id("board-links").click()
        expect(phone.get_by_test_id("link-join")).to_be_visible()
        shot(phone, "accounts-my-boards-links-phone-390x844")
        assert not phone_errors, phone_errors
        # Still one participant link per board, and it works without an account.
        guest = people.page(1366, 800)
        join(guest, phone.get_by_test_id("link-participant").input_value(), "Gast")
        expect(guest.get_by_test_id("settings")).to_have_count(0)
    finally:
        server.stop()
