"""Connection truth (issue 10): a network drop that sends nothing at all is
noticed within 10 s, unsaved work says so, and it goes out on reconnect."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import UNIT_MS, Browsers, Server, add_card, card, join, shot
from tests.support.tcpproxy import CuttableProxy

pytestmark = pytest.mark.e2e


@pytest.fixture
def proxy(server: Server) -> Iterator[CuttableProxy]:
    p = CuttableProxy(server.port).start()
    try:
        yield p
    finally:
        p.stop()


def test_a_silent_drop_says_offline_within_10_s_and_the_unsaved_card_goes_out_after(
    server: Server, proxy: CuttableProxy, people: Browsers
) -> None:
    links = server.create_board("Wi-Fi drop", "grid")["links"]
    # Ann's phone reaches the server only through the proxy; Bob directly.
    ann = people.page(390, 844, mobile=True)
    join(ann, links["participant"].replace(server.url, proxy.url), "Ann")
    bob = people.page()
    join(bob, links["participant"], "Bob")
    add_card(ann, "Saved before the drop")
    expect(card(bob, "Saved before the drop")).to_be_visible()
    conn = ann.get_by_test_id("conn")
    expect(conn).to_have_attribute("data-unsent", "0")

    proxy.freeze()  # no FIN, no RST, no close frame: just silence
    # The page must not keep saying "connected": offline within 10 s of the
    # drop (the client's heartbeat, sync/heartbeat.ts), with no help from
    # the browser (no "offline" event: the interface is still up).
    add_card(ann, "Typed into a dead link")
    expect(conn).to_have_attribute("data-state", "offline", timeout=10 * UNIT_MS)
    expect(conn).to_contain_text("Offline")
    expect(conn).to_contain_text("1 unsent")
    pending = card(ann, "Typed into a dead link")
    expect(pending).to_have_attribute("data-unsaved", "true")
    expect(pending.get_by_test_id("unsaved")).to_be_visible()
    expect(pending.get_by_test_id("unsaved")).to_have_text("Not saved yet")
    expect(card(ann, "Saved before the drop")).not_to_have_attribute("data-unsaved", "true")
    ann.locator("[data-testid=unsaved]").first.scroll_into_view_if_needed()
    shot(ann, "offline-phone-390x844")
    expect(card(bob, "Typed into a dead link")).to_have_count(0)

    proxy.thaw()
    ann.wait_for_selector("[data-testid=conn][data-state=connected]", timeout=60 * UNIT_MS)
    expect(conn).to_have_attribute("data-unsent", "0", timeout=10 * UNIT_MS)
    expect(pending).not_to_have_attribute("data-unsaved", "true")
    expect(pending.get_by_test_id("unsaved")).to_have_count(0)
    expect(card(bob, "Typed into a dead link")).to_have_count(1)
    expect(card(ann, "Typed into a dead link")).to_have_count(1)
