"""``node.previews``: after a card's URL is acked, fetch its preview in the
background and append it to the board as a ``card.set`` by the server.

- At most ``preview_concurrency`` fetches at once per node, and at most
  ``preview_queue_max`` waiting; past that a link simply gets no preview
  (counted in ``prikbord_previews_total{result="dropped"}``).
- Results are cached in Redis by URL for ``preview_cache_ttl_s`` (failures
  for ``preview_failure_ttl_s``): a link pasted in 30 cards is fetched once. The
  image is cached as its stored file id; another board gets the same bytes
  registered as its own file (F1's ingest: re-encoded, no metadata).
- The append's op key is ``system:preview:<card>:<seq>`` (``seq``: the event
  that set the URL): every node that schedules the same preview appends it
  once (the board's op de-duplication), and a card whose URL changes again
  gets a new preview.
- Nothing is appended when the card is gone or its URL changed meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from redis.exceptions import RedisError

from protocol import codec
from protocol.messages import SYSTEM_ACTOR
from protocol.ops import CardSet, LinkPreview
from protocol.policy import check
from server.engine.state import read_state
from server.engine.store import BoardNotFound, now_ms
from server.files.detect import Refused as FileRefused
from server.metrics import METRICS
from server.previews.fetch import Fetcher, FetchError, Refused
from server.previews.parse import PageInfo

if TYPE_CHECKING:
    from protocol.model import BoardState
    from server.node import Node

log = logging.getLogger("prikbord.previews")

#: How long a preview waits for this node's replica to reach the event that
#: set the URL before it reads the board from Redis instead.
CATCH_UP_S = 2.0


def cache_key(url: str) -> str:
    return "preview:" + hashlib.sha256(url.encode()).hexdigest()


class Previews:
    def __init__(self, node: Node) -> None:
        self.node = node
        self.settings = node.settings
        self.fetcher = Fetcher(node.settings)
        self._slots = asyncio.Semaphore(max(1, self.settings.preview_concurrency))
        self._tasks: dict[tuple[str, str, int], asyncio.Task[None]] = {}

    def request(self, board: str, card: str, url: str, seq: int) -> None:
        """Fetch ``url``'s preview for ``card`` (its URL since event ``seq``)
        in the background. Returns at once; never raises."""
        if not self.settings.previews or not url:
            return
        key = (board, card, seq)
        if key in self._tasks:
            return
        if len(self._tasks) >= self.settings.preview_queue_max:
            METRICS.inc("prikbord_previews_total", result="dropped")
            return
        task = asyncio.get_running_loop().create_task(
            self._run(board, card, url, seq), name=f"preview:{board}:{card}"
        )
        self._tasks[key] = task
        task.add_done_callback(lambda _t: self._tasks.pop(key, None))

    async def aclose(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.fetcher.aclose()

    async def wait_idle(self) -> None:
        """Until every scheduled preview finished (tests)."""
        while self._tasks:
            await asyncio.gather(*self._tasks.values(), return_exceptions=True)

    # --- one preview ---------------------------------------------------------

    async def _run(self, board: str, card: str, url: str, seq: int) -> None:
        try:
            async with self._slots:
                preview = await self._preview(board, url)
            if preview is None:
                return
            await self._append(board, card, url, seq, preview)
        except (RedisError, OSError, BoardNotFound) as exc:
            METRICS.inc("prikbord_previews_total", result="error")
            log.warning("link preview for board %s not stored: %s", board, exc)
        except Exception:  # a bug: logged, and the node goes on (no preview)
            METRICS.inc("prikbord_previews_total", result="error")
            log.exception("link preview for board %s failed", board)

    async def _preview(self, board: str, url: str) -> LinkPreview | None:
        """The preview of ``url`` with its image registered on ``board``;
        None when the page gives none (cached as such)."""
        redis = self.node.redis
        raw = await redis.get(cache_key(url))
        cached: dict[str, Any] | None = json.loads(raw) if raw else None
        if cached is not None and not cached.get("ok"):
            METRICS.inc("prikbord_previews_total", result="cached_failure")
            return None
        if cached is None:
            try:
                async with asyncio.timeout(self.settings.preview_timeout_s):
                    cached = await self._fetch(board, url)
            except (FetchError, TimeoutError) as exc:
                reason = exc.reason if isinstance(exc, FetchError) else "timed out"
                result = "refused" if isinstance(exc, Refused) else "failed"
                METRICS.inc("prikbord_previews_total", result=result)
                log.info("no link preview for a card's link: %s", reason)
                await self._cache(url, {"ok": False, "reason": reason})
                return None
            await self._cache(url, cached)
            METRICS.inc("prikbord_previews_total", result="fetched")
        else:
            METRICS.inc("prikbord_previews_total", result="cached")
            cached["image"] = await self._reuse_image(board, cached)
        try:
            return LinkPreview(
                url=url, title=cached["title"], description=cached["description"],
                site=cached["site"], image=cached["image"],
            )  # fmt: skip
        except ValidationError as exc:  # text our cleaning let through
            log.info("link preview refused by the protocol: %s", exc.errors()[0]["msg"])
            return None

    async def _fetch(self, board: str, url: str) -> dict[str, Any]:
        final, info = await self.fetcher.page(url)
        image = ""
        if info.image:
            image = await self._image(board, info)
        if not (info.title or info.description or image):
            raise FetchError("the page says nothing about itself")
        return {"ok": True, **asdict(info), "final": final, "image_url": info.image,
                "image": image}  # fmt: skip

    async def _image(self, board: str, info: PageInfo) -> str:
        """The page's image as a stored file of ``board`` ("" without one):
        fetched under the same guard, then ingested like an upload."""
        try:
            data = await self.fetcher.image(info.image)
        except FetchError as exc:
            log.info("link preview without its image: %s", exc.reason)
            return ""
        return await self._ingest(board, data)

    async def _ingest(self, board: str, data: bytes) -> str:
        try:
            att = await self.node.files.ingest_bytes(board, data, "preview", by=SYSTEM_ACTOR)
        except FileRefused as exc:
            log.info("link preview image refused: %s", exc)
            return ""
        if att.get("kind") != "image":
            return ""  # a PDF or a text file posing as the page's image
        return str(att["id"])

    async def _reuse_image(self, board: str, cached: dict[str, Any]) -> str:
        """A cached preview's image on ``board``: the stored file when the
        board has it already, else its bytes registered on this board, else
        (collected meanwhile) fetched again."""
        file_id = str(cached.get("image", ""))
        if not file_id:
            return ""
        files = self.node.files
        if await files.entry(board, file_id) is not None:
            return file_id
        data = await files.store.get(file_id)
        if data is not None:
            return await self._ingest(board, data)
        try:
            async with asyncio.timeout(self.settings.preview_timeout_s):
                info = PageInfo(image=str(cached.get("image_url", "")))
                return await self._image(board, info) if info.image else ""
        except TimeoutError:
            return ""

    async def _cache(self, url: str, value: dict[str, Any]) -> None:
        s = self.settings
        ttl = s.preview_cache_ttl_s if value.get("ok") else s.preview_failure_ttl_s
        with contextlib.suppress(RedisError, OSError):
            await self.node.redis.set(cache_key(url), json.dumps(value), ex=ttl)

    async def _state(self, board: str, seq: int) -> BoardState:
        hub = self.node.hubs.get(board)
        if hub is not None and await hub.caught_up(seq, CATCH_UP_S):
            return hub.state
        return await read_state(self.node.store, board)

    async def _append(
        self, board: str, card_id: str, url: str, seq: int, preview: LinkPreview
    ) -> None:
        state = await self._state(board, seq)
        card = state.cards.get(card_id)
        if card is None or card.deleted or card.url != url:
            METRICS.inc("prikbord_previews_total", result="stale")
            return  # the card moved on: its new link has its own request
        if card.preview == preview:
            return
        op = CardSet(type="card.set", id=card_id, preview=preview)
        if check(state, op, SYSTEM_ACTOR, "facilitator") is not None:
            METRICS.inc("prikbord_previews_total", result="stale")
            return  # the same rules as any op (protocol/policy.py)
        head, tail = codec.event_parts(
            op_id=f"preview-{seq}", actor=SYSTEM_ACTOR, name="Prikbord", role="facilitator",
            at=now_ms(), op=op,
        )  # fmt: skip
        await self.node.store.append(board, f"{SYSTEM_ACTOR}:preview:{card_id}:{seq}", head, tail)
