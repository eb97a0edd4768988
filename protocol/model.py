"""The board model: what a replica holds after applying the log up to ``seq``.

Plain mutable dataclasses, because the reducer updates them in place (a copy
per event would make every event cost O(board size)). ``to_wire`` and
``from_wire`` give the snapshot form that travels in ``welcome`` and is stored
in Redis; it is plain msgpack data, the same for every client.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from protocol import limits


@dataclass(slots=True)
class Settings:
    title: str = "Untitled board"
    layout: str = "wall"
    theme: str = "light"
    vote_budget: int = limits.DEFAULT_VOTE_BUDGET


@dataclass(slots=True)
class Section:
    id: str
    title: str = ""
    pos: str = "a0"
    deleted: bool = False


@dataclass(slots=True)
class Card:
    id: str
    kind: str = "note"
    title: str = ""
    body: str = ""
    color: str = "yellow"
    url: str = ""
    section: str = ""  # "" = no section (also shown there when its section is gone)
    pos: str = "a0"
    x: int = 0
    y: int = 0
    author: str = ""
    author_name: str = ""
    created_at: int = 0
    updated_at: int = 0
    deleted: bool = False


@dataclass(slots=True)
class Comment:
    id: str
    card: str
    body: str = ""
    author: str = ""
    author_name: str = ""
    created_at: int = 0
    deleted: bool = False


@dataclass(slots=True)
class BoardState:
    """State of one board at ``seq``. Deleted objects stay as tombstones
    (content cleared) so a late edit cannot bring them back."""

    board: str
    seq: int = 0
    settings: Settings = field(default_factory=Settings)
    sections: dict[str, Section] = field(default_factory=dict)
    cards: dict[str, Card] = field(default_factory=dict)
    comments: dict[str, Comment] = field(default_factory=dict)
    #: card id → emoji → actors who reacted
    reactions: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    #: card id → actor → number of dot votes
    votes: dict[str, dict[str, int]] = field(default_factory=dict)

    def live_card(self, card_id: str) -> Card | None:
        card = self.cards.get(card_id)
        return None if card is None or card.deleted else card

    def live_cards(self) -> int:
        """Cards that are not deleted (the card cap counts these)."""
        return sum(1 for c in self.cards.values() if not c.deleted)

    def live_comments(self) -> int:
        return sum(1 for m in self.comments.values() if not m.deleted)

    def live_sections(self) -> int:
        return sum(1 for s in self.sections.values() if not s.deleted)

    def posts_by(self, author: str | None, since: int | None) -> tuple[list[str], list[str]]:
        """Ids of the live cards and comments by ``author`` (None: anyone)
        created at or after ``since`` (None: ever), in insertion order: what
        ``posts.delete`` removes."""

        def match(who: str, at: int) -> bool:
            return (author is None or who == author) and (since is None or at >= since)

        cards = [
            i for i, c in self.cards.items() if not c.deleted and match(c.author, c.created_at)
        ]
        comments = [
            i for i, m in self.comments.items() if not m.deleted and match(m.author, m.created_at)
        ]
        return cards, comments

    def votes_used(self, actor: str) -> int:
        """Votes the actor has on cards that still exist (deleted ones refund)."""
        return sum(
            per_actor.get(actor, 0)
            for card_id, per_actor in self.votes.items()
            if self.live_card(card_id) is not None
        )

    def vote_total(self, card_id: str) -> int:
        return sum(self.votes.get(card_id, {}).values())


_SETTINGS_FIELDS = ("title", "layout", "theme", "vote_budget")
_SECTION_FIELDS = ("title", "pos", "deleted")
_CARD_FIELDS = (
    "kind", "title", "body", "color", "url", "section", "pos", "x", "y",
    "author", "author_name", "created_at", "updated_at", "deleted",
)  # fmt: skip
_COMMENT_FIELDS = ("card", "body", "author", "author_name", "created_at", "deleted")


def to_wire(state: BoardState) -> dict[str, Any]:
    """The snapshot form: maps keyed by id; reaction actor lists sorted so the
    form is canonical (equal states give equal data)."""
    return {
        "board": state.board,
        "seq": state.seq,
        "settings": {f: getattr(state.settings, f) for f in _SETTINGS_FIELDS},
        "sections": {
            sid: {f: getattr(s, f) for f in _SECTION_FIELDS} for sid, s in state.sections.items()
        },
        "cards": {cid: {f: getattr(c, f) for f in _CARD_FIELDS} for cid, c in state.cards.items()},
        "comments": {
            mid: {f: getattr(m, f) for f in _COMMENT_FIELDS} for mid, m in state.comments.items()
        },
        "reactions": {
            cid: {emoji: sorted(actors) for emoji, actors in per.items() if actors}
            for cid, per in state.reactions.items()
            if any(per.values())
        },
        "votes": {
            cid: {actor: n for actor, n in per.items() if n > 0}
            for cid, per in state.votes.items()
            if any(n > 0 for n in per.values())
        },
    }


def from_wire(data: dict[str, Any]) -> BoardState:
    """Inverse of :func:`to_wire` (trusted input: our own snapshots)."""
    return BoardState(
        board=data["board"],
        seq=data["seq"],
        settings=Settings(**data["settings"]),
        sections={sid: Section(id=sid, **s) for sid, s in data["sections"].items()},
        cards={cid: Card(id=cid, **c) for cid, c in data["cards"].items()},
        comments={mid: Comment(id=mid, **m) for mid, m in data["comments"].items()},
        reactions={
            cid: {emoji: set(actors) for emoji, actors in per.items()}
            for cid, per in data["reactions"].items()
        },
        votes={cid: dict(per) for cid, per in data["votes"].items()},
    )
