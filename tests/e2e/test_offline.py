"""The offline shell (issue 10): a reload without network shows the board
from the device's cache with its unsent cards, instead of the browser's
error page; and the real server sends the built files precompressed and
cached right."""

from __future__ import annotations

import re
import urllib.request

import pytest
from playwright.sync_api import Page, expect

from server.routes.assets import IMMUTABLE
from tests.e2e.conftest import WEB, Browsers, Server, add_card, card, join, shot
from tests.support.servers import token_of

pytestmark = pytest.mark.e2e


def _controlled(page: Page) -> None:
    """Wait until the service worker controls the page (it installs after
    the first load, caches the shell and the assets, and claims the page)."""
    page.wait_for_function("() => navigator.serviceWorker?.controller != null")


def test_a_reload_without_network_shows_the_board_and_its_unsent_cards(
    server: Server, people: Browsers
) -> None:
    created = server.create_board("Offline shell", "grid")
    links = created["links"]
    ann = people.page(390, 844, mobile=True)
    join(ann, links["participant"], "Ann")
    _controlled(ann)
    add_card(ann, "Seen online")
    conn = ann.get_by_test_id("conn")
    expect(conn).to_have_attribute("data-unsent", "0")

    ann.context.set_offline(True)
    response = ann.reload()
    # The page came from the worker's cache, not from the (unreachable) server.
    assert response is not None and response.from_service_worker
    expect(ann.get_by_test_id("board-title")).to_have_text("Offline shell")
    expect(card(ann, "Seen online")).to_be_visible()
    expect(conn).to_have_attribute("data-state", "offline")

    # Still writable from the cache: the card waits in the outbox, marked.
    add_card(ann, "Typed with no network")
    pending = card(ann, "Typed with no network")
    expect(pending).to_have_attribute("data-unsaved", "true")
    expect(conn).to_contain_text("1 unsent")
    shot(ann, "offline-reload-phone-390x844")

    # A second reload, still offline: the outbox is in storage too.
    ann.reload()
    expect(card(ann, "Seen online")).to_be_visible()
    expect(card(ann, "Typed with no network")).to_have_attribute("data-unsaved", "true")

    laptop = people.page(1366, 800)
    join(laptop, links["participant"], "Bob")
    _controlled(laptop)
    laptop.context.set_offline(True)
    laptop.reload()
    expect(card(laptop, "Seen online")).to_be_visible()
    expect(laptop.get_by_test_id("conn")).to_have_attribute("data-state", "offline")
    shot(laptop, "offline-reload-laptop-1366x800")
    laptop.context.set_offline(False)

    # Back online: the card goes out once, and everyone sees it once.
    ann.context.set_offline(False)
    ann.wait_for_selector("[data-testid=conn][data-state=connected]", timeout=60_000)
    expect(conn).to_have_attribute("data-unsent", "0")
    expect(card(ann, "Typed with no network")).not_to_have_attribute("data-unsaved", "true")
    expect(card(laptop, "Typed with no network")).to_have_count(1, timeout=60_000)
    snap = server.snapshot(created["board"], token_of(links["participant"]))
    cards = snap.get("cards") or snap.get("snapshot", {}).get("cards", {})
    titles = [c["title"] for c in cards.values() if not c.get("deleted")]
    assert titles.count("Typed with no network") == 1


def _fetch(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()


def test_the_server_sends_the_build_precompressed_and_cached_right(server: Server) -> None:
    index = (WEB / "dist" / "index.html").read_text()
    script = re.search(r'src="(/assets/[^"]+\.js)"', index)
    assert script is not None
    js = WEB / "dist" / script.group(1).lstrip("/")
    assert js.with_name(js.name + ".br").is_file() and js.with_name(js.name + ".gz").is_file()

    status, headers, body = _fetch(server.url + script.group(1), **{"Accept-Encoding": "gzip, br"})
    assert status == 200
    assert headers["content-encoding"] == "br"
    assert body == js.with_name(js.name + ".br").read_bytes()
    assert headers["content-type"].startswith("text/javascript")
    assert headers["cache-control"] == IMMUTABLE
    assert headers["vary"] == "Accept-Encoding"

    status, headers, body = _fetch(server.url + script.group(1), **{"Accept-Encoding": "gzip"})
    assert headers["content-encoding"] == "gzip"
    assert body == js.with_name(js.name + ".gz").read_bytes()

    status, headers, body = _fetch(server.url + script.group(1))
    assert "content-encoding" not in headers
    assert body == js.read_bytes()

    for page in ("/", "/sw.js"):
        status, headers, _ = _fetch(server.url + page, **{"Accept-Encoding": "br"})
        assert status == 200, page
        assert headers["cache-control"] == "no-cache", page
    status, headers, body = _fetch(server.url + "/sw.js")
    assert headers["content-type"].startswith("text/javascript")
    assert b"__PRIKBORD_SW_MANIFEST__" not in body and script.group(1).encode() in body
    assert "worker-src 'self'" in headers["content-security-policy"]
