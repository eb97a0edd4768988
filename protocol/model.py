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
from protocol.notes import NotesDoc
from protocol.ops import Attachment, LinkPreview

#: Moderation status of a card or comment. Only "visible" objects reach
#: everyone; the others reach facilitators and their author (visibility.py).
STATUSES = ("visible", "pending", "rejected", "hidden")
#: Anonymous mode: authors hidden from participants and screens ("others"),
#: or from facilitators too ("all"). One's own objects always show one's name.
ANONYMOUS = ("off", "others", "all")


@dataclass(slots=True)
class Settings:
    title: str = "Untitled board"
    layout: str = "wall"
    theme: str = "light"
    vote_budget: int = limits.DEFAULT_VOTE_BUDGET
    #: New cards and comments of participants wait for a facilitator.
    approval: bool = False
    #: Read-only for participants (a facilitator still edits).
    locked: bool = False
    #: Hide until reveal: participants see only their own cards.
    hide_cards: bool = False
    anonymous: str = "off"
    #: Word filter: posts matching a word (the default lists and ``words``)
    #: are held for approval. The server matches; the event says ``held``.
    filter: bool = False
    words: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Session:
    """What a facilitator steers live: the timer, the spotlight, vote rounds.

    The timer runs on server time: ``ends_at`` (ms since the epoch, 0 when
    not running) comes from the event's ``at``, so every device counts down
    to the same moment whatever its own clock says (it corrects by the
    server time in ``welcome`` and ``pong``). Paused: ``ends_at`` 0 and
    ``remaining`` > 0."""

    timer_duration: int = 0  # ms, as last started
    timer_ends_at: int = 0
    timer_remaining: int = 0
    spotlight_kind: str = ""  # "" | "card" | "section"
    spotlight_id: str = ""
    #: Vote rounds: 0 = never used (voting always open, votes visible);
    #: n > 0 = round n, open (votes hidden from participants) or closed
    #: (no voting, results for everyone).
    round: int = 0
    round_open: bool = False


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
    status: str = "visible"
    files: list[Attachment] = field(default_factory=list)
    #: The link's Open Graph data, fetched by the server; None until then.
    preview: LinkPreview | None = None
    tags: list[str] = field(default_factory=list)
    contact: str = ""
    expires: int = 0  # ms since the epoch; 0 = never
    #: A question's or offer's progress (vraag en aanbod): "open",
    #: "matched", "resolved". Named so as not to be mistaken for ``status``.
    state: str = "open"


@dataclass(slots=True)
class Comment:
    id: str
    card: str
    body: str = ""
    author: str = ""
    author_name: str = ""
    created_at: int = 0
    deleted: bool = False
    status: str = "visible"


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
    session: Session = field(default_factory=Session)
    #: Actors a facilitator removed from the board: every op of theirs is
    #: refused, and the server closes their sockets (4105).
    removed: set[str] = field(default_factory=set)
    #: Session notes: the board's ("board") and cards' ("card:<id>") Yjs
    #: documents (protocol/notes.py), created by their first update.
    notes: dict[str, NotesDoc] = field(default_factory=dict)
    #: Cards and comments whose status is not "visible" (tombstones too).
    #: Derived, not in the snapshot form: the server's fast path (every
    #: viewer sees the same) needs it without a scan per event.
    held: int = 0

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


SETTINGS_FIELDS = (
    "title", "layout", "theme", "vote_budget", "approval", "locked", "hide_cards",
    "anonymous", "filter", "words",
)  # fmt: skip
SESSION_FIELDS = (
    "timer_duration", "timer_ends_at", "timer_remaining", "spotlight_kind", "spotlight_id",
    "round", "round_open",
)  # fmt: skip
SECTION_FIELDS = ("title", "pos", "deleted")
CARD_FIELDS = (
    "kind", "title", "body", "color", "url", "section", "pos", "x", "y",
    "author", "author_name", "created_at", "updated_at", "deleted", "status",
    "files", "preview", "tags", "contact", "expires", "state",
)  # fmt: skip
COMMENT_FIELDS = ("card", "body", "author", "author_name", "created_at", "deleted", "status")


def settings_wire(s: Settings) -> dict[str, Any]:
    return {f: list(s.words) if f == "words" else getattr(s, f) for f in SETTINGS_FIELDS}


def session_wire(s: Session) -> dict[str, Any]:
    return {f: getattr(s, f) for f in SESSION_FIELDS}


def section_wire(s: Section) -> dict[str, Any]:
    return {f: getattr(s, f) for f in SECTION_FIELDS}


def card_wire(c: Card) -> dict[str, Any]:
    wire = {f: getattr(c, f) for f in CARD_FIELDS}
    wire["files"] = [a.model_dump() for a in c.files]
    wire["tags"] = list(c.tags)
    wire["preview"] = None if c.preview is None else c.preview.model_dump()
    return wire


def card_from_wire(card_id: str, data: dict[str, Any]) -> Card:
    """A card from its snapshot form (trusted: our own snapshots and view
    patches). Fields added later (files and the rest, issues 13-14) may be
    absent in older snapshots: they take their defaults."""
    fields = dict(data)
    fields["files"] = [Attachment.model_construct(**a) for a in data.get("files", [])]
    fields["tags"] = list(data.get("tags", []))
    preview = data.get("preview")
    fields["preview"] = None if preview is None else LinkPreview.model_construct(**preview)
    return Card(id=card_id, **fields)


def comment_wire(m: Comment) -> dict[str, Any]:
    return {f: getattr(m, f) for f in COMMENT_FIELDS}


def reactions_wire(per: dict[str, set[str]]) -> dict[str, list[str]]:
    return {emoji: sorted(actors) for emoji, actors in per.items() if actors}


def votes_wire(per: dict[str, int]) -> dict[str, int]:
    return {actor: n for actor, n in per.items() if n > 0}


def to_wire(state: BoardState) -> dict[str, Any]:
    """The snapshot form: maps keyed by id; reaction actor lists sorted so the
    form is canonical (equal states give equal data). ``notes`` (each
    document's merged Yjs state, msgpack bin) is there only when the board
    has notes, so boards without any keep the form they always had."""
    wire: dict[str, Any] = {
        "board": state.board,
        "seq": state.seq,
        "settings": settings_wire(state.settings),
        "sections": {sid: section_wire(s) for sid, s in state.sections.items()},
        "cards": {cid: card_wire(c) for cid, c in state.cards.items()},
        "comments": {mid: comment_wire(m) for mid, m in state.comments.items()},
        "reactions": {
            cid: reactions_wire(per) for cid, per in state.reactions.items() if any(per.values())
        },
        "votes": {
            cid: votes_wire(per)
            for cid, per in state.votes.items()
            if any(n > 0 for n in per.values())
        },
        "session": session_wire(state.session),
        "removed": sorted(state.removed),
    }
    if state.notes:
        wire["notes"] = notes_wire(state.notes)
    return wire


def notes_wire(notes: dict[str, NotesDoc]) -> dict[str, bytes]:
    return {doc: notes[doc].state() for doc in sorted(notes)}


def from_wire(data: dict[str, Any]) -> BoardState:
    """Inverse of :func:`to_wire` (trusted input: our own snapshots). Fields
    added after version 1's first release may be absent: they take their
    defaults, so snapshots stored before them still load."""
    settings = dict(data["settings"])
    settings["words"] = list(settings.get("words", []))
    state = BoardState(
        board=data["board"],
        seq=data["seq"],
        settings=Settings(**settings),
        sections={sid: Section(id=sid, **s) for sid, s in data["sections"].items()},
        cards={cid: card_from_wire(cid, c) for cid, c in data["cards"].items()},
        comments={mid: Comment(id=mid, **m) for mid, m in data["comments"].items()},
        reactions={
            cid: {emoji: set(actors) for emoji, actors in per.items()}
            for cid, per in data["reactions"].items()
        },
        votes={cid: dict(per) for cid, per in data["votes"].items()},
        session=Session(**data.get("session", {})),
        removed=set(data.get("removed", [])),
        notes={doc: NotesDoc(bytes(update)) for doc, update in data.get("notes", {}).items()},
    )
    state.held = sum(c.status != "visible" for c in state.cards.values()) + sum(
        m.status != "visible" for m in state.comments.values()
    )
    return state
