"""The hubs side of a server node, in one object (``app.state.hubs``): the
store, the screen tokens, and the lifecycle task the lifespan owns."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING

from redis.exceptions import RedisError

from server.hubs import lifecycle
from server.hubs.screen import ScreenTokens
from server.hubs.store import HubStore

if TYPE_CHECKING:
    from server.node import Node

log = logging.getLogger("prikbord.hubs")


class HubService:
    def __init__(self, node: Node) -> None:
        self.node = node
        self.store = HubStore(node.redis)
        self.screens = ScreenTokens(node.secret)
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start the lifecycle ticks (every ``hub_tick_s``; 0: off)."""
        if self.node.settings.hub_tick_s > 0:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="hubs")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        interval = self.node.settings.hub_tick_s
        while True:
            try:
                await lifecycle.tick(self.node, self.store, int(time.time() * 1000))
            except (RedisError, OSError) as exc:
                log.warning("hub lifecycle tick failed: %s", exc)
            except Exception:
                log.exception("hub lifecycle tick failed")
            await asyncio.sleep(interval)
