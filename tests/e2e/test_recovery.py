"""Never lose input, never need a refresh: server restarts and crashes in
the middle of a session, with real browsers on both sides."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    UNIT_MS,
    WEB,
    Browsers,
    Server,
    add_card,
    card,
    join,
    shot,
    wait_connected,
)
from tests.support.servers import token_of

pytestmark = pytest.mark.e2e


def test_typing_through_a_server_restart_delivers_the_card_once(
    server: Server, people: Browsers
) -> None:
    created = server.create_board("Restart", "grid")
    links = created["links"]
    ann, bob = people.page(), people.page()
    join(ann, links["participant"], "Ann")
    join(bob, links["participant"], "Bob")

    ann.get_by_test_id("add-card").click()
    # type() does not wait for the dialog to open (fill() does): keys sent
    # before showModal() would land on the page, not in the field.
    expect(ann.get_by_test_id("card-title-input")).to_be_visible()
    ann.get_by_test_id("card-title-input").type("Half a thou")
    server.kill()  # SIGKILL mid-typing
    ann.get_by_test_id("card-title-input").type("ght, then the rest")
    ann.get_by_test_id("card-body-input").fill("typed while the server was gone")
    ann.get_by_test_id("card-save").click()
    # Shown at once (optimistic), and counted as unsent while offline.
    # (Generous wait: not a speed check — the machine may be busy.)
    expect(card(ann, "Half a thought, then the rest")).to_be_visible(timeout=15 * UNIT_MS)
    conn = ann.get_by_test_id("conn")
    expect(conn).not_to_have_attribute("data-state", "connected")
    expect(conn).to_have_attribute("data-unsent", "1")
    expect(conn).to_contain_text("1 unsent")

    server.start()
    wait_connected(ann, 40 * UNIT_MS)
    expect(conn).to_have_attribute("data-unsent", "0", timeout=20 * UNIT_MS)
    expect(card(bob, "Half a thought, then the rest")).to_be_visible(timeout=40 * UNIT_MS)
    expect(card(bob, "Half a thought, then the rest")).to_have_count(1)

    # A reload of Ann's page (fresh snapshot) still shows it once.
    ann.reload()
    wait_connected(ann)
    expect(card(ann, "Half a thought, then the rest")).to_have_count(1)
    snap = server.snapshot(created["board"], token_of(links["participant"]))
    cards = snap.get("cards") or snap.get("snapshot", {}).get("cards", {})
    titles = [c["title"] for c in cards.values() if not c.get("deleted")]
    assert titles.count("Half a thought, then the rest") == 1


def test_hub_screen_is_live_and_recovers_from_a_crash(server: Server, people: Browsers) -> None:
    links = server.create_board("Hub wall", "grid")["links"]
    screen = people.page(1920, 1080)
    screen.goto(links["viewer"])
    wait_connected(screen)
    screen.evaluate("() => { window.__noReload = 'still here'; }")
    expect(screen.get_by_test_id("join-link")).to_contain_text("/j/")

    ann = people.page()
    join(ann, links["participant"], "Ann")
    add_card(ann, "Before the crash", "shows live")
    expect(card(screen, "Before the crash")).to_be_visible()
    expect(card(screen, "Before the crash")).to_have_class(__import__("re").compile(r"recent"))

    server.kill()
    expect(screen.get_by_test_id("conn")).not_to_have_attribute("data-state", "connected")
    server.start()
    wait_connected(screen, 40 * UNIT_MS)
    wait_connected(ann, 40 * UNIT_MS)
    add_card(ann, "After the crash")
    expect(card(screen, "After the crash")).to_be_visible()
    expect(card(screen, "Before the crash")).to_have_count(1)
    assert screen.evaluate("() => window.__noReload") == "still here"  # no reload
    shot(screen, "hub-screen-1920x1080")


def test_hub_screen_reloads_itself_after_a_server_upgrade(server: Server, people: Browsers) -> None:
    """An upgrade ships a new web app: the unattended screen notices on its
    reconnect (``/api/version``) and reloads itself into the new one."""
    links = server.create_board("Upgrade", "grid")["links"]
    screen = people.page(1920, 1080)
    screen.goto(links["viewer"])
    wait_connected(screen)
    screen.evaluate("() => { window.__oldApp = true; }")
    index = WEB / "dist" / "index.html"
    original = index.read_bytes()
    try:
        server.stop()
        new_build = original.replace(b"</head>", b'<meta name="build" content="upgraded"></head>')
        assert new_build != original
        index.write_bytes(new_build)
        server.start()
        screen.wait_for_function("() => window.__oldApp === undefined", timeout=60 * UNIT_MS)
        wait_connected(screen, 40 * UNIT_MS)
        assert screen.locator("meta[name=build]").get_attribute("content") == "upgraded"
    finally:
        index.write_bytes(original)
