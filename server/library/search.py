"""Full-text search across boards (titles, cards, comments, session notes).

How it scales: a **bounded scan with a cache per board and seq**, not an
index updated on write. A hub has a few hundred boards; a search asks each
board's log head (all in one pipeline: one round trip) and reuses the
board's search text when its seq has not moved, so a repeated search over
an idle library reads no board state at all; a board that changed is read
once (snapshot + tail, ``engine.state.read_state``) and its text rebuilt.

Measured (one-off, this repo's dev machine: 2 cores shared with other test
runs, load average ~10; local Valkey): 300 boards of 40 cards with 3
comments each — the first search 0.66 s (every board read), then 25-28 ms
per search (heads + matching 12,000 texts); a search that fills its 100
hits early stops there. An index updated on every write would make
searches O(hits) but put work on the fan-out path for a page that is
opened a few times a day. Writes pay nothing (the fan-out is the hot path). Bounds:
``library_search_boards`` boards per search, ``library_search_cache``
boards kept per node (least recently searched dropped first),
``library_search_results`` hits per answer.

Matching (pure, :func:`matches`): every word of the query must occur in
the text, case- and accent-insensitive ("ideeen" finds "ideeën").
"""

from __future__ import annotations

import asyncio
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass
from typing import cast

from redis.asyncio.cluster import RedisCluster

from protocol.model import BoardState
from protocol.notes import card_doc
from server.engine.client import Client
from server.engine.keys import board_keys
from server.engine.state import read_state
from server.engine.store import BoardNotFound, Store


def fold(text: str) -> str:
    """Lower case without accents: what both the query and the text become."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(query: str) -> list[str]:
    return [w for w in fold(query).split() if w]


@dataclass(frozen=True, slots=True)
class Entry:
    """One searchable thing of a board: its title, a card (with its
    comments and its description) or the board's notes."""

    card: str  # "" for the board's title and notes
    title: str
    where: str  # what its text is made of, for the answer: "board" | "card" | "notes"
    text: str  # folded


def entries(state: BoardState) -> list[Entry]:
    """The board's searchable text, from a state the searcher may see. The
    title comes first: a finished board is looked for by its name ("the
    brainstorm about the workshop") more often than by a word on a card."""
    out: list[Entry] = []
    if state.settings.title.strip():
        out.append(Entry("", state.settings.title, "board", fold(state.settings.title)))
    comments: dict[str, list[str]] = {}
    for m in state.comments.values():
        if not m.deleted:
            comments.setdefault(m.card, []).append(m.body)
    for cid, c in state.cards.items():
        if c.deleted:
            continue
        parts = [
            c.title,
            c.body,
            c.url,
            " ".join(getattr(c, "tags", []) or []),
            *comments.get(cid, []),
        ]
        description = state.notes.get(card_doc(cid))
        if description is not None:
            parts.append(description.text())
        out.append(Entry(cid, c.title or c.body[:80], "card", fold("\n".join(parts))))
    notes = state.notes.get("board")
    if notes is not None and notes.text().strip():
        out.append(Entry("", state.settings.title, "notes", fold(notes.text())))
    return out


def matches(query: list[str], entry: Entry) -> bool:
    return bool(query) and all(w in entry.text for w in query)


@dataclass(frozen=True, slots=True)
class Hit:
    board: str
    board_title: str
    card: str
    title: str
    where: str

    def public(self) -> dict[str, str]:
        return {
            "board": self.board, "board_title": self.board_title, "card": self.card,
            "title": self.title, "where": self.where,
        }  # fmt: skip


class SearchCache:
    """Per node: board → (seq, title, entries), least recently used dropped."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._boards: OrderedDict[str, tuple[int, str, list[Entry]]] = OrderedDict()
        #: Boards read from Redis (not from the cache) since start: tests and
        #: operators see that an unchanged board is not read again.
        self.reads = 0

    async def boards(self, store: Store, boards: list[str]) -> list[tuple[str, str, list[Entry]]]:
        """(board, title, entries) of each board that exists, in order:
        every log head in one round trip, then only the boards whose seq
        moved are read (a few at a time)."""
        heads = await _heads(store.redis, boards)
        stale = [b for b in boards if heads[b] is not None and self._seq(b) != heads[b]]
        gate = asyncio.Semaphore(_READ_CONCURRENCY)

        async def refresh(board: str) -> None:
            async with gate:
                try:
                    state = await read_state(store, board)
                except BoardNotFound:
                    return
            self.reads += 1
            self._boards[board] = (state.seq, state.settings.title, entries(state))

        await asyncio.gather(*(refresh(b) for b in stale))
        out = []
        for board in boards:
            got = self._boards.get(board)
            if heads[board] is None:
                self._boards.pop(board, None)
            elif got is not None:
                self._boards.move_to_end(board)
                out.append((board, got[1], got[2]))
        while len(self._boards) > self.capacity:
            self._boards.popitem(last=False)
        return out

    def _seq(self, board: str) -> int | None:
        got = self._boards.get(board)
        return None if got is None else got[0]


#: Board states read at once when many changed: enough to overlap the round
#: trips, few enough not to crowd out the fan-out on a small machine.
_READ_CONCURRENCY = 8


async def _heads(redis: Client, boards: list[str]) -> dict[str, int | None]:
    """Each board's log head seq (None: no such board), in one pipeline on
    one server; on a cluster one command per board, concurrently (a cluster
    pipeline closes every connection on an error: server/engine/store.py)."""
    if isinstance(redis, RedisCluster):
        rows = await asyncio.gather(
            *(redis.hmget(board_keys(b).meta, ["epoch", "seq"]) for b in boards)
        )
    else:
        async with redis.pipeline(transaction=False) as pipe:
            for board in boards:
                pipe.hmget(board_keys(board).meta, ["epoch", "seq"])
            rows = await pipe.execute()
    out: dict[str, int | None] = {}
    for board, (epoch, seq) in zip(boards, cast(list[list[bytes | None]], rows), strict=True):
        out[board] = None if epoch is None else int(seq or 0)
    return out


async def search(
    store: Store, cache: SearchCache, boards: list[str], query: str, *, limit: int
) -> list[Hit]:
    """Hits for ``query`` in ``boards`` (in that order), at most ``limit``."""
    q = words(query)
    hits: list[Hit] = []
    if not q:
        return hits
    for board, title, found in await cache.boards(store, boards):
        for entry in found:
            if matches(q, entry):
                hits.append(Hit(board, title, entry.card, entry.title, entry.where))
                if len(hits) >= limit:
                    return hits
    return hits
