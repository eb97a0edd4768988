"""Full-text search across boards (cards, comments, session notes).

How it scales: a **bounded scan with a cache per board and seq**, not an
index updated on write. A hub has a few hundred boards; a search asks each
board's log head (one HMGET per board, pipelined by redis-py's pool) and
reuses the board's search text when its seq has not moved, so a repeated
search over an idle library reads no board state at all; a board that
changed is read once (snapshot + tail, ``engine.state.read_state``) and its
text rebuilt. Writes pay nothing (the fan-out is the hot path). Bounds:
``library_search_boards`` boards per search, ``library_search_cache``
boards kept per node (least recently searched dropped first),
``library_search_results`` hits per answer.

Matching (pure, :func:`matches`): every word of the query must occur in
the text, case- and accent-insensitive ("ideeen" finds "ideeën").
"""

from __future__ import annotations

import unicodedata
from collections import OrderedDict
from dataclasses import dataclass

from protocol.model import BoardState
from protocol.notes import card_doc
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
    """One searchable thing of a board: a card (with its comments and its
    description) or the board's notes."""

    card: str  # "" for the board's notes
    title: str
    where: str  # what its text is made of, for the answer: "card" | "notes"
    text: str  # folded


def entries(state: BoardState) -> list[Entry]:
    """The board's searchable text, from a state the searcher may see."""
    out: list[Entry] = []
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

    async def board(self, store: Store, board: str) -> tuple[str, list[Entry]] | None:
        try:
            head = await store.head(board)
        except BoardNotFound:
            self._boards.pop(board, None)
            return None
        cached = self._boards.get(board)
        if cached is not None and cached[0] == head.seq:
            self._boards.move_to_end(board)
            return cached[1], cached[2]
        try:
            state = await read_state(store, board)
        except BoardNotFound:
            return None
        self.reads += 1
        found = (state.seq, state.settings.title, entries(state))
        self._boards[board] = found
        self._boards.move_to_end(board)
        while len(self._boards) > self.capacity:
            self._boards.popitem(last=False)
        return found[1], found[2]


async def search(
    store: Store, cache: SearchCache, boards: list[str], query: str, *, limit: int
) -> list[Hit]:
    """Hits for ``query`` in ``boards`` (in that order), at most ``limit``."""
    q = words(query)
    hits: list[Hit] = []
    if not q:
        return hits
    for board in boards:
        got = await cache.board(store, board)
        if got is None:
            continue
        title, found = got
        for entry in found:
            if matches(q, entry):
                hits.append(Hit(board, title, entry.card, entry.title, entry.where))
                if len(hits) >= limit:
                    return hits
    return hits
