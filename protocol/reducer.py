"""The deterministic reducer: ``apply(state, event) -> state``.

Total: every event, whatever it says, leaves a valid state — an op the policy
refuses at this point of the log is a no-op, never an error, so replicas that
apply the same log converge. Fields are last-writer-wins by seq simply
because events are applied in seq order. ``apply`` mutates ``state`` in place
and returns it.
"""

from __future__ import annotations

from protocol.messages import Event
from protocol.model import BoardState, Card, Comment, Section
from protocol.ops import (
    BoardSet,
    CardAdd,
    CardDelete,
    CardMove,
    CardSet,
    CommentAdd,
    CommentDelete,
    PostsDelete,
    ReactionSet,
    SectionAdd,
    SectionDelete,
    SectionSet,
    VoteCast,
    VoteRetract,
)
from protocol.policy import check


def apply(state: BoardState, event: Event) -> BoardState:
    """Apply one event. Events must come in seq order; an older or equal seq
    is ignored (a duplicate delivery), so apply is idempotent per seq."""
    if event.seq <= state.seq:
        return state
    state.seq = event.seq
    op = event.op
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
            )  # fmt: skip
        case CardSet():
            _set_card(state.cards[op.id], op, at)
        case CardMove():
            _move_card(state.cards[op.id], op, at)
        case CardDelete():
            _delete_card(state, op.id)
        case CommentAdd():
            state.comments[op.id] = Comment(
                id=op.id, card=op.card, body=op.body, author=actor,
                author_name=event.name, created_at=at,
            )  # fmt: skip
        case CommentDelete():
            _delete_comment(state, op.id)
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
    return state


def _delete_card(state: BoardState, card_id: str) -> None:
    """Tombstone: the default card, ``created_at`` kept; its reactions and
    votes go (the votes are refunded)."""
    created_at = state.cards[card_id].created_at
    state.cards[card_id] = Card(id=card_id, deleted=True, created_at=created_at)
    state.reactions.pop(card_id, None)
    state.votes.pop(card_id, None)


def _delete_comment(state: BoardState, comment_id: str) -> None:
    old = state.comments[comment_id]
    state.comments[comment_id] = Comment(id=comment_id, card=old.card, deleted=True)


def _set_card(card: Card, op: CardSet, at: int) -> None:
    named = (op.kind, op.title, op.body, op.color, op.url)
    if all(v is None for v in named):
        return  # names no field: changes nothing, updated_at included
    card.kind = op.kind if op.kind is not None else card.kind
    card.title = op.title if op.title is not None else card.title
    card.body = op.body if op.body is not None else card.body
    card.color = op.color if op.color is not None else card.color
    card.url = op.url if op.url is not None else card.url
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
