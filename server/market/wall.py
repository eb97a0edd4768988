"""Gathering the wall: the question and offer cards of a set of boards, as
a viewer of each board sees them.

Visibility is the protocol's (``protocol.visibility.project`` with the
viewer role): a pending, rejected or hidden card, and every card of a board
that hides cards until the reveal, never reaches the wall; in anonymous
mode the author's name is blank. Which boards is the caller's business
(``routes``): the public ones of a hub, or all of a hub's for its managers.

Cost: like the library's search, a bounded scan with a cache per board and
seq — one head read per board per request; a board is read (snapshot +
tail) and projected again only when its seq moved. Bounds: the routes pass
at most ``market_boards`` boards; the cache keeps ``market_cache`` boards.
A wall just gathered is answered again for ``market_wall_ttl_s`` (a crowd
refreshing one wall costs one gather), and forgotten after a state change
made through this node.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from protocol.model import BoardState, Card, from_wire
from protocol.visibility import Viewer, project
from server.engine.state import read_state
from server.engine.store import BoardNotFound, Store
from server.library.templates import SYSTEM_ACTOR
from server.market.matching import KINDS, Item, expired

#: Walls a node keeps just gathered (``WallCache.recent``): one per hub and
#: the cross-hub wall, for the public and for managers, with room to spare.
RECENT_WALLS = 64


@dataclass(frozen=True, slots=True)
class Entry:
    """A question or offer on the wall: the card as a viewer sees it."""

    item: Item
    title: str
    body: str
    contact: str
    author_name: str
    board_title: str

    def public(self, now: int, *, hub: str, link: str) -> dict[str, Any]:
        i = self.item
        return {
            "board": i.board, "board_title": self.board_title, "hub": hub, "link": link,
            "card": i.card, "kind": i.kind, "title": self.title, "body": self.body,
            "tags": list(i.tags), "contact": self.contact, "expires": i.expires,
            "expired": expired(i, now), "state": i.state, "created_at": i.created_at,
            "author_name": self.author_name,
        }  # fmt: skip


def _entry(board: str, title: str, card: Card) -> Entry:
    item = Item(
        board, card.id, card.kind, tuple(card.tags), card.state, card.expires, card.created_at
    )
    return Entry(item, card.title, card.body, card.contact, card.author_name, title)


def entries(board: str, state: BoardState) -> list[Entry]:
    """The board's live questions and offers that a viewer sees, oldest
    first (by creation, then id). A template's starter cards (by
    "Prikbord", the system actor: the vraag-en-aanbod template's example
    question and offer) are left out: nobody to contact, and every board
    made from the template would repeat them on the wall."""
    seen = from_wire(project(state, Viewer("viewer")))
    title = state.settings.title
    found = [
        _entry(board, title, c)
        for c in seen.cards.values()
        if not c.deleted
        and c.kind in KINDS
        and c.status == "visible"
        and state.cards[c.id].author != SYSTEM_ACTOR
    ]
    found.sort(key=lambda e: (e.item.created_at, e.item.card))
    return found


class WallCache:
    """Per node: board → (seq, entries), least recently used dropped."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._boards: OrderedDict[str, tuple[int, list[Entry]]] = OrderedDict()
        #: Boards read from Redis (not from the cache) since start.
        self.reads = 0
        self._recent: OrderedDict[str, tuple[float, Any]] = OrderedDict()

    def recent(self, key: str, now: float, ttl: float) -> Any | None:
        """A wall gathered under ``key`` less than ``ttl`` seconds ago (a
        crowd of phones refreshing one wall costs one gather), or None."""
        hit = self._recent.get(key)
        if hit is None or now - hit[0] >= ttl:
            return None
        return hit[1]

    def remember(self, key: str, now: float, value: Any) -> None:
        self._recent[key] = (now, value)
        self._recent.move_to_end(key)
        while len(self._recent) > RECENT_WALLS:
            self._recent.popitem(last=False)

    def forget_recent(self) -> None:
        """After a change made through this node: the next read gathers."""
        self._recent.clear()

    async def board(self, store: Store, board: str) -> list[Entry] | None:
        """The board's wall entries; None when the board is gone."""
        try:
            head = await store.head(board)
        except BoardNotFound:
            self._boards.pop(board, None)
            return None
        cached = self._boards.get(board)
        if cached is not None and cached[0] == head.seq:
            self._boards.move_to_end(board)
            return cached[1]
        try:
            state = await read_state(store, board)
        except BoardNotFound:
            return None
        self.reads += 1
        found = entries(board, state)
        self._boards[board] = (state.seq, found)
        self._boards.move_to_end(board)
        while len(self._boards) > self.capacity:
            self._boards.popitem(last=False)
        return found


def keep(entry: Entry, now: int, *, state: str, tag: str, kind: str) -> bool:
    """The wall's filters: ``state`` ``open`` (open and not expired),
    ``matched``, ``resolved``, ``expired`` (open but past its date) or
    ``all``; ``tag`` one normalised tag or ""; ``kind`` one kind or ""."""
    i = entry.item
    if kind and i.kind != kind:
        return False
    if tag and tag not in i.tags:
        return False
    if state == "all":
        return True
    if state == "open":
        return i.state == "open" and not expired(i, now)
    if state == "expired":
        return i.state == "open" and expired(i, now)
    return i.state == state
