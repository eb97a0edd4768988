"""The deterministic reducer: ``apply(state, event) -> state``.

Total: every event, whatever it says, leaves a valid state — an op the policy
refuses at this point of the log is a no-op, never an error, so replicas that
apply the same log converge. Fields are last-writer-wins by seq simply
because events are applied in seq order. ``apply`` mutates ``state`` in place
and returns it.
"""

from __future__ import annotations

from typing import Any

from protocol.messages import Event, Role
from protocol.model import BoardState, Card, Comment, Section, Session, Settings, card_from_wire
from protocol.notes import NotesDoc, card_doc
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
    ModAction,
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
from protocol.policy import check

#: What a moderation action makes of an object's status.
_MOD_TO: dict[ModAction, str] = {
    "approve": "visible",
    "reject": "rejected",
    "hide": "hidden",
    "restore": "visible",
}


def apply(state: BoardState, event: Event) -> BoardState:
    """Apply one event. Events must come in seq order; an older or equal seq
    is ignored (a duplicate delivery), so apply is idempotent per seq."""
    if event.seq <= state.seq:
        return state
    state.seq = event.seq
    op = event.op
    if isinstance(op, ViewPatch):
        _apply_patch(state, op)  # made by the server for this viewer: no policy
        return state
    if op is None or check(state, op, event.actor, event.role) is not None:
        return state
    at, actor = event.at, event.actor
    match op:
        case BoardSet():
            s = state.settings
            s.title = op.title if op.title is not None else s.title
            s.layout = op.layout if op.layout is not None else s.layout
            s.theme = op.theme if op.theme is not None else s.theme
            s.vote_budget = op.vote_budget if op.vote_budget is not None else s.vote_budget
            s.approval = op.approval if op.approval is not None else s.approval
            s.locked = op.locked if op.locked is not None else s.locked
            s.hide_cards = op.hide_cards if op.hide_cards is not None else s.hide_cards
            s.anonymous = op.anonymous if op.anonymous is not None else s.anonymous
            s.filter = op.filter if op.filter is not None else s.filter
            s.words = list(op.words) if op.words is not None else s.words
        case SectionAdd():
            state.sections[op.id] = Section(id=op.id, title=op.title, pos=op.pos)
        case SectionSet():
            section = state.sections[op.id]
            section.title = op.title if op.title is not None else section.title
            section.pos = op.pos if op.pos is not None else section.pos
        case SectionDelete():
            state.sections[op.id] = Section(id=op.id, deleted=True)
        case CardAdd():
            state.cards[op.id] = Card(
                id=op.id, kind=op.kind, title=op.title, body=op.body, color=op.color,
                url=op.url or "", section=op.section or "", pos=op.pos, x=op.x, y=op.y,
                author=actor, author_name=event.name, created_at=at, updated_at=at,
                status=_new_status(state, event.role, op.held), files=list(op.files or ()),
                preview=op.preview, tags=list(op.tags or ()), contact=op.contact or "",
                expires=op.expires or 0, state=op.state or "open",
            )  # fmt: skip
            state.held += state.cards[op.id].status != "visible"
        case CardSet():
            card = state.cards[op.id]
            _set_card(card, op, at)
            if op.held and event.role != "facilitator" and card.status == "visible":
                _set_status(state, card, "pending")
        case CardMove():
            _move_card(state.cards[op.id], op, at)
        case CardDelete():
            _delete_card(state, op.id)
        case CommentAdd():
            state.comments[op.id] = Comment(
                id=op.id, card=op.card, body=op.body, author=actor,
                author_name=event.name, created_at=at,
                status=_new_status(state, event.role, op.held),
            )  # fmt: skip
            state.held += state.comments[op.id].status != "visible"
        case CommentDelete():
            _delete_comment(state, op.id)
        case CardModerate():
            _set_status(state, state.cards[op.id], _MOD_TO[op.action])
        case CommentModerate():
            _set_status(state, state.comments[op.id], _MOD_TO[op.action])
        case ParticipantRemove():
            state.removed.add(op.actor)
        case ParticipantRestore():
            state.removed.discard(op.actor)
        case TimerSet():
            _set_timer(state.session, op, at)
        case SpotlightSet():
            session = state.session
            session.spotlight_kind = "card" if op.card else "section" if op.section else ""
            session.spotlight_id = op.card or op.section or ""
        case RoundOpen():
            state.session.round += 1
            state.session.round_open = True
            if op.reset:
                state.votes.clear()
        case RoundClose():
            state.session.round_open = False
        case ReactionSet():
            actors = state.reactions.setdefault(op.card, {}).setdefault(op.emoji, set())
            if op.on:
                actors.add(actor)
            else:
                actors.discard(actor)
        case VoteCast():
            per_actor = state.votes.setdefault(op.card, {})
            per_actor[actor] = per_actor.get(actor, 0) + 1
        case VoteRetract():
            per_actor = state.votes[op.card]
            per_actor[actor] -= 1
            if per_actor[actor] == 0:
                del per_actor[actor]
        case PostsDelete():
            cards, comments = state.posts_by(op.author, op.since)
            for card_id in cards:
                _delete_card(state, card_id)
            for comment_id in comments:
                _delete_comment(state, comment_id)
        case NotesUpdate():
            # Yjs merges: concurrent updates keep everyone's characters.
            doc = state.notes.get(op.doc) or NotesDoc()
            if doc.apply(op.update):
                state.notes[op.doc] = doc
    return state


def _new_status(state: BoardState, role: Role, held: bool | None) -> str:
    """A participant's post waits for approval in approval mode, or when the
    server held it (word filter); a facilitator's never waits."""
    if role != "facilitator" and (state.settings.approval or held):
        return "pending"
    return "visible"


def _set_status(state: BoardState, obj: Card | Comment, status: str) -> None:
    state.held += (status != "visible") - (obj.status != "visible")
    obj.status = status


def _set_timer(session: Session, op: TimerSet, at: int) -> None:
    """Times come from the event (server clock), never from a device."""
    if op.action == "start" and op.seconds is not None:
        session.timer_duration = op.seconds * 1000
        session.timer_ends_at = at + session.timer_duration
        session.timer_remaining = 0
    elif op.action == "pause":
        session.timer_remaining = max(1, session.timer_ends_at - at)
        session.timer_ends_at = 0
    elif op.action == "resume":
        session.timer_ends_at = at + session.timer_remaining
        session.timer_remaining = 0
    elif op.action == "reset":
        session.timer_duration = session.timer_ends_at = session.timer_remaining = 0


def _apply_patch(state: BoardState, patch: ViewPatch) -> None:
    """Set the objects a view patch names (visibility.py); None removes one."""
    if patch.settings is not None:
        settings = dict(patch.settings)
        settings["words"] = list(settings.get("words", []))
        state.settings = Settings(**settings)
    if patch.session is not None:
        state.session = Session(**patch.session)
    if patch.removed is not None:
        state.removed = set(patch.removed)
    _patch_map(state.sections, patch.sections, lambda oid, v: Section(id=oid, **v))
    _patch_map(state.cards, patch.cards, card_from_wire)
    _patch_map(state.comments, patch.comments, lambda oid, v: Comment(id=oid, **v))
    _patch_map(
        state.reactions,
        patch.reactions,
        lambda oid, v: {emoji: set(actors) for emoji, actors in v.items()},
    )
    _patch_map(state.votes, patch.votes, lambda oid, v: dict(v))
    for doc, update in (patch.notes or {}).items():
        if update is None:
            state.notes.pop(doc, None)
        else:  # merging a document's whole state into a part of it sets it
            state.notes.setdefault(doc, NotesDoc()).apply(update)
    state.held = sum(c.status != "visible" for c in state.cards.values()) + sum(
        m.status != "visible" for m in state.comments.values()
    )


def _patch_map(target: dict[str, Any], values: dict[str, Any] | None, make: Any) -> None:
    for oid, value in (values or {}).items():
        if value is None:
            target.pop(oid, None)
        else:
            target[oid] = make(oid, value)


def _delete_card(state: BoardState, card_id: str) -> None:
    """Tombstone: the default card, ``created_at`` kept; its reactions and
    votes go (the votes are refunded)."""
    old = state.cards[card_id]
    # The tombstone keeps its status: a card that was never shown stays
    # unshown (its id does not leak to those who never saw it).
    state.cards[card_id] = Card(
        id=card_id, deleted=True, created_at=old.created_at, status=old.status
    )
    state.reactions.pop(card_id, None)
    state.votes.pop(card_id, None)
    state.notes.pop(card_doc(card_id), None)  # its description goes with it


def _delete_comment(state: BoardState, comment_id: str) -> None:
    old = state.comments[comment_id]
    state.comments[comment_id] = Comment(
        id=comment_id, card=old.card, deleted=True, status=old.status
    )


def _set_card(card: Card, op: CardSet, at: int) -> None:
    """Each named field replaces the card's (lists whole). A new link drops
    the old link's preview, unless the op brings the new one: a stale
    preview never survives a change of URL."""
    named = (
        op.kind, op.title, op.body, op.color, op.url,
        op.files, op.preview, op.tags, op.contact, op.expires, op.state,
    )  # fmt: skip
    if all(v is None for v in named):
        return  # names no field: changes nothing, updated_at included
    if op.url is not None and op.url != card.url:
        card.preview = None
    card.kind = op.kind if op.kind is not None else card.kind
    card.title = op.title if op.title is not None else card.title
    card.body = op.body if op.body is not None else card.body
    card.color = op.color if op.color is not None else card.color
    card.url = op.url if op.url is not None else card.url
    card.files = list(op.files) if op.files is not None else card.files
    if op.preview is not None:
        card.preview = op.preview or None  # "" clears
    card.tags = list(op.tags) if op.tags is not None else card.tags
    card.contact = op.contact if op.contact is not None else card.contact
    card.expires = op.expires if op.expires is not None else card.expires
    card.state = op.state if op.state is not None else card.state
    card.updated_at = at


def _move_card(card: Card, op: CardMove, at: int) -> None:
    if all(v is None for v in (op.section, op.pos, op.x, op.y)):
        return  # names no field: changes nothing, updated_at included
    card.section = op.section if op.section is not None else card.section
    card.pos = op.pos if op.pos is not None else card.pos
    card.x = op.x if op.x is not None else card.x
    card.y = op.y if op.y is not None else card.y
    card.updated_at = at


def replay(state: BoardState, events: list[Event]) -> BoardState:
    for event in events:
        apply(state, event)
    return state
