"""What a role may see: the projection of a board for one viewer, and what
each event changes in it.

Moderation makes replicas differ by who looks: a pending card reaches its
author and the facilitators, not the room; a hidden-until-reveal board shows
each participant only their own cards; in an open vote round a participant
sees only their own votes; anonymous mode blanks authors. The rule is one
pure function, :func:`view` (per object) / :func:`project` (whole board), and
the server never decides visibility anywhere else (DESIGN.md).

A viewer's replica is ``project(state, viewer)``. Each event reaches it in
the form :class:`Change` computes:

* **raw** — the event itself, when the board is *plain* for that viewer
  before and after (the projection equals the whole state): the viewer
  applies it with the same reducer and lands on the same state. An open
  board is plain for everyone, so its hot path costs nothing here;
* a **view patch** — "set these objects to these values" (``None`` removes
  one): exactly the change of the viewer's projection, never naming an
  object the viewer could not see before or after (no id leaks);
* a **placeholder** — when nothing the viewer may see changed: the seq still
  arrives, so gaps stay detectable.

Viewers differ only on objects they are *special* for — their own cards and
comments (and comments on their cards), and in an open round the votes they
cast. So an event has few variants: one per role class (facilitator,
everyone else) plus one per special actor among the objects it touches; the
server encodes each once (``protocol`` is pure: the server only picks a
variant per connection). The property tests check, for random logs with
moderation mixed in, that every viewer's replica fed this way equals its
projection after every event.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from protocol.messages import Event, Role
from protocol.model import (
    BoardState,
    Card,
    Comment,
    card_wire,
    comment_wire,
    reactions_wire,
    section_wire,
    session_wire,
    settings_wire,
    votes_wire,
)
from protocol.notes import BOARD_DOC, card_doc, doc_card
from protocol.ops import (
    BoardSet,
    CardAdd,
    CardDelete,
    CardModerate,
    CardMove,
    CardSet,
    CommentAdd,
    CommentDelete,
    CommentModerate,
    NotesUpdate,
    ParticipantRemove,
    ParticipantRestore,
    PostsDelete,
    ReactionSet,
    RoundClose,
    RoundOpen,
    SectionAdd,
    SectionDelete,
    SectionSet,
    SpotlightSet,
    TimerSet,
    ViewPatch,
    VoteCast,
    VoteRetract,
)

RoleClass = Literal["fac", "pub"]


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who looks: a role and an actor ("" for nobody in particular, e.g. a
    REST read with a viewer token)."""

    role: Role
    actor: str = ""

    @property
    def role_class(self) -> RoleClass:
        return "fac" if self.role == "facilitator" else "pub"


def _own(author: str, viewer: Viewer) -> bool:
    return bool(viewer.actor) and author == viewer.actor


def sees_card(state: BoardState, card: Card, viewer: Viewer) -> bool:
    """Facilitators see every card, authors their own; everyone else a
    visible one, unless the board hides cards until the reveal."""
    if viewer.role == "facilitator" or _own(card.author, viewer):
        return True
    return card.status == "visible" and not state.settings.hide_cards


def sees_comment(state: BoardState, comment: Comment, viewer: Viewer) -> bool:
    """A comment shows where its card shows, and then like a card does."""
    card = state.cards.get(comment.card)
    if card is None or not sees_card(state, card, viewer):
        return False
    if viewer.role == "facilitator" or _own(comment.author, viewer):
        return True
    return comment.status == "visible"


def _anonymized(state: BoardState, author: str, viewer: Viewer) -> bool:
    mode = state.settings.anonymous
    if mode == "off" or _own(author, viewer):
        return False
    return mode == "all" or viewer.role != "facilitator"


def shown_focus(
    state: BoardState, card: str | None, doc: str | None
) -> tuple[str | None, str | None]:
    """What of a member's focus (the card they edit, the notes document they
    type in) presence may tell everyone. Presence is one list for the whole
    board, so only what every viewer may see is named: a card visible to
    all (not pending, hidden or hidden-until-reveal), its description, the
    board's notes — and nothing in anonymous mode, where "who is on which
    card" would name its author."""
    if state.settings.anonymous != "off":
        return None, None

    def public(card_id: str) -> bool:
        c = state.live_card(card_id)
        return c is not None and c.status == "visible" and not state.settings.hide_cards

    shown_card = card if card is not None and public(card) else None
    if doc is not None and doc.startswith("card:") and not public(doc.removeprefix("card:")):
        doc = None
    return shown_card, doc


def _votes_hidden(state: BoardState, viewer: Viewer) -> bool:
    return state.session.round_open and viewer.role != "facilitator"


# --- one object --------------------------------------------------------------

#: An object of the board: ("settings", ""), ("session", ""), ("removed", ""),
#: ("section", id), ("card", id), ("comment", id), ("reactions", card id),
#: ("votes", card id).
Key = tuple[str, str]
SETTINGS: Key = ("settings", "")
SESSION: Key = ("session", "")
REMOVED: Key = ("removed", "")


def view(state: BoardState, key: Key, viewer: Viewer) -> Any:
    """The snapshot form of one object as ``viewer`` may see it, or None
    when they may not see it (or it does not exist)."""
    kind, oid = key
    if kind == "card":
        card = state.cards.get(oid)
        if card is None or not sees_card(state, card, viewer):
            return None
        wire = card_wire(card)
        if _anonymized(state, card.author, viewer):
            wire["author"] = wire["author_name"] = ""
        return wire
    if kind == "comment":
        comment = state.comments.get(oid)
        if comment is None or not sees_comment(state, comment, viewer):
            return None
        wire = comment_wire(comment)
        if _anonymized(state, comment.author, viewer):
            wire["author"] = wire["author_name"] = ""
        return wire
    if kind == "reactions":
        return _if_card_seen(state, oid, viewer, reactions_wire(state.reactions.get(oid, {})))
    if kind == "votes":
        votes = votes_wire(state.votes.get(oid, {}))
        if _votes_hidden(state, viewer):
            votes = {viewer.actor: votes[viewer.actor]} if viewer.actor in votes else {}
        return _if_card_seen(state, oid, viewer, votes)
    if kind == "section":
        section = state.sections.get(oid)
        return None if section is None else section_wire(section)
    if kind == "settings":
        wire = settings_wire(state.settings)
        if viewer.role != "facilitator":
            wire["words"] = []  # the filter's own words are no one else's business
        return wire
    if kind == "session":
        return session_wire(state.session)
    if kind == "removed":
        return sorted(state.removed) if viewer.role == "facilitator" else []
    if kind == "notes":
        return notes_view(state, oid, viewer)
    raise ValueError(f"unknown object kind {kind!r}")


def sees_doc(state: BoardState, doc: str, viewer: Viewer) -> bool:
    """The board's notes are everyone's; a card's description shows where
    its card shows."""
    card_id = doc_card(doc)
    if card_id is None:
        return True
    card = state.cards.get(card_id)
    return card is not None and sees_card(state, card, viewer)


def notes_view(state: BoardState, doc: str, viewer: Viewer) -> bytes | None:
    """A notes document's merged state as ``viewer`` may see it, or None."""
    notes = state.notes.get(doc)
    if notes is None or not sees_doc(state, doc, viewer):
        return None
    return notes.state()


def _if_card_seen(state: BoardState, card_id: str, viewer: Viewer, value: dict[str, Any]) -> Any:
    card = state.cards.get(card_id)
    if not value or card is None or not sees_card(state, card, viewer):
        return None
    return value


def project(state: BoardState, viewer: Viewer) -> dict[str, Any]:
    """The whole board as ``viewer`` may see it, in the snapshot form."""
    out: dict[str, Any] = {
        "board": state.board,
        "seq": state.seq,
        "settings": view(state, SETTINGS, viewer),
        "sections": {sid: view(state, ("section", sid), viewer) for sid in state.sections},
        "cards": {},
        "comments": {},
        "reactions": {},
        "votes": {},
        "session": view(state, SESSION, viewer),
        "removed": view(state, REMOVED, viewer),
    }
    for kind, plural, ids in (
        ("card", "cards", state.cards),
        ("comment", "comments", state.comments),
        ("reactions", "reactions", state.reactions),
        ("votes", "votes", state.votes),
    ):
        for oid in ids:
            value = view(state, (kind, oid), viewer)
            if value is not None:
                out[plural][oid] = value
    notes = {doc: notes_view(state, doc, viewer) for doc in sorted(state.notes)}
    if any(v is not None for v in notes.values()):
        out["notes"] = {doc: v for doc, v in notes.items() if v is not None}
    return out


def is_plain(state: BoardState, role_class: RoleClass) -> bool:
    """True when every viewer of this role class sees the whole state, so a
    raw event keeps their replica right. O(1): ``state.held`` counts the
    objects that are not visible to all."""
    s = state.settings
    if role_class == "fac":
        return s.anonymous != "all"
    return (
        state.held == 0
        and not s.hide_cards
        and s.anonymous == "off"
        and not state.session.round_open
        and not s.words
        and not state.removed
    )


# --- what an event touches ---------------------------------------------------


#: Ops that can make a plain board restricted; any other op on a plain board
#: leaves it plain, and goes out raw with no work here at all.
def _may_restrict(state: BoardState, op: Any) -> bool:
    """Whether ``op`` can make a plain board restricted (anything else on a
    plain board leaves it plain and goes out raw with no work here). Exact
    enough that the common ops of an open board — adding and editing cards
    without approval — stay on the fast path."""
    match op:
        case CardAdd() | CommentAdd():
            return state.settings.approval or bool(op.held)
        case CardSet():
            return bool(op.held)
        case CardModerate() | CommentModerate():
            return op.action in ("reject", "hide")
        case BoardSet():
            return bool(op.hide_cards or op.anonymous not in (None, "off") or op.words)
        case RoundOpen() | ParticipantRemove():
            return True
    return False


def touched(state: BoardState, event: Event) -> list[Key]:
    """The objects whose view ``event`` may change, from the state before it
    (a generous superset is correct, only slower)."""
    op = event.op
    match op:
        case None:
            return []
        case BoardSet():
            keys = [SETTINGS]
            if op.hide_cards is not None or op.anonymous is not None:
                keys += _all_content(state)
            return keys
        case SectionAdd() | SectionSet() | SectionDelete():
            return [("section", op.id)]
        case CardAdd() | CardMove():
            return _card_and_dependents(state, op.id, with_comments=False)
        case CardSet() | CardDelete() | CardModerate():
            return _card_and_dependents(state, op.id, with_comments=True)
        case CommentAdd():
            return [("comment", op.id)]
        case PostsDelete():
            cards, comments = state.posts_by(op.author, op.since)
            keys = [("comment", mid) for mid in comments]
            for card_id in cards:
                keys += _card_and_dependents(state, card_id, with_comments=True)
            return keys
        case CommentDelete() | CommentModerate():
            return [("comment", op.id)]
        case ReactionSet():
            return [("reactions", op.card)]
        case VoteCast() | VoteRetract():
            return [("votes", op.card)]
        case RoundOpen() | RoundClose():
            return [SESSION, *(("votes", cid) for cid in state.votes)]
        case TimerSet() | SpotlightSet():
            return [SESSION]
        case ParticipantRemove() | ParticipantRestore():
            return [REMOVED]
        case NotesUpdate():
            return [("notes", op.doc)]
        case ViewPatch():
            raise ValueError("a view patch is never in the log")
    return []


def _card_and_dependents(state: BoardState, card_id: str, *, with_comments: bool) -> list[Key]:
    keys: list[Key] = [("card", card_id), ("reactions", card_id), ("votes", card_id)]
    if card_doc(card_id) in state.notes:  # its description shows where it shows
        keys.append(("notes", card_doc(card_id)))
    if with_comments:  # O(comments), only for ops that can change who sees the card
        keys += [("comment", mid) for mid, m in state.comments.items() if m.card == card_id]
    return keys


def _all_content(state: BoardState) -> list[Key]:
    return [
        *(("card", cid) for cid in state.cards),
        *(("comment", mid) for mid in state.comments),
        *(("reactions", cid) for cid in state.reactions),
        *(("votes", cid) for cid in state.votes),
        *(("notes", doc) for doc in state.notes if doc != BOARD_DOC),
    ]


def _special(state: BoardState, key: Key) -> Iterable[str]:
    """Actors whose view of ``key`` may differ from everyone else's."""
    kind, oid = key
    if kind == "card":
        card = state.cards.get(oid)
        return (card.author,) if card is not None and card.author else ()
    if kind == "comment":
        comment = state.comments.get(oid)
        if comment is None:
            return ()
        card = state.cards.get(comment.card)
        return tuple(a for a in (comment.author, card.author if card else "") if a)
    if kind == "notes":
        card_id = doc_card(oid)
        card = state.cards.get(card_id) if card_id is not None else None
        return (card.author,) if card is not None and card.author else ()
    if kind in ("reactions", "votes"):
        card = state.cards.get(oid)
        author = (card.author,) if card is not None and card.author else ()
        if kind == "votes":
            return (*author, *state.votes.get(oid, {}))
        return author
    return ()


# --- the variants of one event -------------------------------------------------

#: A variant's class: (role class, actor) for a special actor, or
#: (role class, "") for everyone else of that role class.
ClassKey = tuple[RoleClass, str]
RAW: Literal["raw"] = "raw"
Variant = ViewPatch | Literal["raw"] | None  # None: a placeholder


@dataclass(slots=True)
class Change:
    """One event's effect per viewer class. Build it with :meth:`before` on
    the state before the event, apply the event, then call :meth:`variants`
    with the state after it."""

    event: Event
    fast: bool = False
    keys: list[Key] = field(default_factory=list)
    specials: dict[Key, set[str]] = field(default_factory=dict)
    plain: dict[RoleClass, bool] = field(default_factory=dict)
    _before: dict[ClassKey, dict[Key, Any]] = field(default_factory=dict)
    #: A ``notes.update`` on a board that is not plain: its variants, known
    #: before it applies (it changes no one's view of anything else).
    _notes: dict[ClassKey, Variant] | None = None

    @classmethod
    def before(cls, state: BoardState, event: Event) -> Change:
        plain = {"fac": is_plain(state, "fac"), "pub": is_plain(state, "pub")}
        change = cls(event, plain=plain)  # type: ignore[arg-type]
        if plain["fac"] and plain["pub"] and not _may_restrict(state, event.op):
            change.fast = True  # plain before, so plain after: raw for everyone
            return change
        if isinstance(event.op, NotesUpdate):
            change._notes = _notes_variants(state, event, event.op, change.plain)
            return change
        change.keys = touched(state, event)
        for key in change.keys:
            actors = set(_special(state, key))
            if event.actor and event.actor != "system":
                actors.add(event.actor)  # a new object's author, a new voter
            if isinstance(event.op, CommentAdd) and key == ("comment", event.op.id):
                card = state.cards.get(event.op.card)  # a new comment shows where its card does
                if card is not None and card.author:
                    actors.add(card.author)
            change.specials[key] = actors
        change._before = change._views(state)
        return change

    def _classes(self, state: BoardState) -> Iterable[ClassKey]:
        yield ("fac", "")
        yield ("pub", "")
        actors = set().union(*self.specials.values()) if self.specials else set()
        for actor in sorted(actors):
            yield ("pub", actor)
            if state.settings.anonymous == "all" or not self.plain["fac"]:
                yield ("fac", actor)  # only "all" makes a facilitator's own view differ

    def _views(self, state: BoardState) -> dict[ClassKey, dict[Key, Any]]:
        out: dict[ClassKey, dict[Key, Any]] = {}
        for role_class, actor in self._classes(state):
            viewer = Viewer("facilitator" if role_class == "fac" else "participant", actor)
            if actor:  # only where this actor is special; elsewhere the base view
                keys = [k for k in self.keys if actor in self.specials[k]]
            else:
                keys = self.keys
            out[(role_class, actor)] = {k: view(state, k, viewer) for k in keys}
        return out

    def variants(self, state: BoardState) -> dict[ClassKey, Variant]:
        """Per class: RAW, a view patch, or None (placeholder). A connection
        takes ``(its role class, its actor)`` if present, else
        ``(its role class, "")``."""
        if self.fast:
            return {("fac", ""): RAW, ("pub", ""): RAW}
        if self._notes is not None:
            return self._notes
        after = self._views(state)
        out: dict[ClassKey, Variant] = {}
        for role_class in ("fac", "pub"):
            plain_after = is_plain(state, role_class)
            for (rc, actor), views in after.items():
                if rc != role_class:
                    continue
                if self.plain[role_class] and plain_after:
                    out[(rc, actor)] = RAW
                    continue
                base_before = self._before.get((rc, ""), {})
                base_after = after[(rc, "")]
                own_before = self._before.get((rc, actor), {}) if actor else {}
                patch: dict[Key, Any] = {}
                for key in self.keys:
                    own = bool(actor) and actor in self.specials[key]
                    was = own_before.get(key) if own else base_before.get(key)
                    now = views[key] if own else base_after[key]
                    if was != now:
                        patch[key] = now
                out[(rc, actor)] = _patch(patch) if patch else None
        # Special actors whose variant equals their class's base one share it.
        for (rc, actor), variant in list(out.items()):
            if actor and variant == out[(rc, "")]:
                del out[(rc, actor)]
        return out


def _notes_variants(
    state: BoardState, event: Event, op: NotesUpdate, plain: dict[RoleClass, bool]
) -> dict[ClassKey, Variant]:
    """Who gets a notes update in which form (the board is not plain for
    some role class). Raw wherever applying the event with the reducer on
    the viewer's replica does what it does on the whole state: the board's
    notes are everyone's and their policy check reads only the role, the
    lock and — for an event that applies — an actor who is not removed, so
    an update that applies goes out raw to everyone, even on a moderated
    board. A card's description is raw for a class that sees the whole
    board, a view patch carrying the update for one that sees the card but
    not everything, and a placeholder for one that does not see the card.
    An update the policy refuses (a race with a lock or a removal) changes
    nothing: raw where the replica refuses it alike, else a placeholder."""
    from protocol.policy import check  # policy builds on this module

    effective = check(state, op, event.actor, event.role) is None
    actors = sorted(
        {a for a in (event.actor, *_special(state, ("notes", op.doc))) if a and a != "system"}
    )
    classes: list[ClassKey] = [("fac", ""), ("pub", ""), *(("pub", a) for a in actors)]
    out: dict[ClassKey, Variant] = {}
    for role_class, actor in classes:
        viewer = Viewer("facilitator" if role_class == "fac" else "participant", actor)
        if plain[role_class]:
            out[(role_class, actor)] = RAW
        elif not effective or not sees_doc(state, op.doc, viewer):
            out[(role_class, actor)] = None
        elif doc_card(op.doc) is None:
            out[(role_class, actor)] = RAW
        else:
            out[(role_class, actor)] = ViewPatch(type="view.patch", notes={op.doc: op.update})
    for (rc, actor), variant in list(out.items()):
        if actor and variant == out[(rc, "")]:
            del out[(rc, actor)]
    return out


def _patch(changes: dict[Key, Any]) -> ViewPatch:
    fields: dict[str, Any] = {"type": "view.patch"}
    plural = {"section": "sections", "card": "cards", "comment": "comments"}
    for (kind, oid), value in changes.items():
        if kind in ("settings", "session", "removed"):
            fields[kind] = value
        else:
            fields.setdefault(plural.get(kind, kind), {})[oid] = value
    return ViewPatch.model_validate(fields)


def pick(variants: dict[ClassKey, Variant], viewer: Viewer) -> Variant:
    """The variant a viewer gets."""
    own = variants.get((viewer.role_class, viewer.actor))
    return (
        own
        if own is not None or (viewer.role_class, viewer.actor) in variants
        else (variants[(viewer.role_class, "")])
    )
