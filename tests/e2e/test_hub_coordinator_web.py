"""A facilitator account named among a hub's coordinators (not a
coordinator by role) finds the hub from its account bar, and opens a board
of the hub by its title in "Boards of this hub" (GET /api/my/boards/<id>
applies the hubs' rule). Before, the Hubs link showed only for coordinators
and admins, and the account API refused the hub's boards with 404."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis
from playwright.sync_api import expect

from server.embedded import EmbeddedValkey
from server.hubs.model import Hub
from server.hubs.store import HubStore
from tests.e2e.conftest import Browsers, shot
from tests.integration.test_accounts import PASSWORD, add_account
from tests.support.cluster import valkey
from tests.support.servers import ServerProcess

pytestmark = pytest.mark.e2e

__all__ = ["valkey"]  # the fixture, imported for this module's tests


@pytest.fixture
def hub_server(valkey: EmbeddedValkey, tmp_path: Path, web_dist: Path) -> Iterator[ServerProcess]:
    srv = ServerProcess(valkey.url, tmp_path / "data").start()
    try:
        yield srv
    finally:
        srv.stop()


def _in_thread(work: Coroutine[Any, Any, None]) -> None:
    """Playwright's sync API keeps an event loop on this thread."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, work).result()


async def _prepare(valkey: EmbeddedValkey, board: str) -> None:
    """Fien, a facilitator account, named among Hub Noord's coordinators;
    the board in the hub."""
    await add_account(valkey, "fien", "facilitator")
    r = aioredis.Redis.from_url(valkey.url)
    try:
        hubs = HubStore(r)
        assert await hubs.create(Hub(slug="noord", name="Hub Noord", coordinators=("fien",)))
        assert await hubs.attach(board, "noord", public=False, now=int(time.time() * 1000))
    finally:
        await r.aclose()


def test_a_named_hub_coordinator_finds_the_hub_and_opens_its_boards(
    valkey: EmbeddedValkey, hub_server: ServerProcess, people: Browsers
) -> None:
    made = hub_server.create_board("Werkplaats week 2", "columns")
    _in_thread(_prepare(valkey, made["board"]))

    page = people.page()
    page.goto(hub_server.http + "/login?next=/my")
    page.get_by_test_id("login-username").fill("fien")
    page.get_by_test_id("login-password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.wait_for_url("**/my")
    page.get_by_test_id("hubs-link").click()
    page.wait_for_url("**/my/hubs")
    page.goto(hub_server.http + "/my/hubs/noord")
    page.get_by_test_id("tab-boards").click()
    row = page.get_by_test_id("hub-board").filter(has_text="Werkplaats week 2")
    expect(row).to_be_visible()
    shot(page, "hub-boards-title-links")
    row.get_by_test_id("hub-board-title").get_by_role("button", name="Werkplaats week 2").click()
    page.wait_for_url(f"**/b/{made['board']}**")
    page.get_by_test_id("join-name").fill("Fien")
    page.get_by_test_id("join").click()
    expect(page.get_by_test_id("board-title")).to_have_text("Werkplaats week 2")
    expect(page.get_by_test_id("settings")).to_be_visible()  # the facilitator link
