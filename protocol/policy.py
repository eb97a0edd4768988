"""Who may do what: one function both the server and the reducer ask.

The server asks before appending, to answer with a clear error frame. The
reducer asks again when it applies the event in seq order, because the state
may have changed in between (a concurrent delete, the last dot vote spent by
another tab); there a refusal turns the event into a no-op on every replica
alike, so replicas never split.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from protocol import limits
from protocol.errors import ErrorCode
from protocol.messages import Role
from protocol.model import BoardState, Card
from protocol.ops import (
    BoardSet,
    CardAdd,
    CardDelete,
    CardMove,
    CardSet,
    CommentAdd,
    CommentDelete,
    Op,
    PostsDelete,
    ReactionSet,
    SectionAdd,
    SectionDelete,
    SectionSet,
    VoteCast,
    VoteRetract,
    is_blank,
)


class Rejection(NamedTuple):
    code: ErrorCode
    message: str


_FACILITATOR_ONLY = (BoardSet, SectionAdd, SectionSet, SectionDelete, PostsDelete)


def may_write(role: Role) -> bool:
    """Viewers (hub screens) only watch."""
    return role != "viewer"


def check(state: BoardState, op: Op, actor: str, role: Role) -> Rejection | None:
    """None when ``actor`` in ``role`` may apply ``op`` to ``state`` now."""
    if not may_write(role):
        return Rejection(ErrorCode.FORBIDDEN, "this link is read-only")
    if isinstance(op, _FACILITATOR_ONLY) and role != "facilitator":
        return Rejection(ErrorCode.FORBIDDEN, "only a facilitator may do this")
    return _check_objects(state, op, actor, role)


def _full(
    entries: int, live: Callable[[], int], cap: int, hard_cap: int, what: str
) -> Rejection | None:
    """Live objects count toward ``cap`` (deleting makes room); every entry,
    tombstones included, toward ``hard_cap`` (bounds memory). ``live`` is
    counted only when the entries reach ``cap``: a board below it is never
    scanned."""
    if entries >= hard_cap:
        return Rejection(
            ErrorCode.BOARD_FULL, f"a board holds at most {hard_cap} {what}, deleted ones included"
        )
    if entries >= cap and live() >= cap:
        return Rejection(ErrorCode.BOARD_FULL, f"a board holds at most {cap} {what}")
    return None


def _owner_or_facilitator(author: str, actor: str, role: Role) -> Rejection | None:
    if role == "facilitator" or author == actor:
        return None
    return Rejection(ErrorCode.FORBIDDEN, "only its author or a facilitator may change this")


def _edit_breaks_card(card: Card, op: CardSet) -> Rejection | None:
    """An edit must keep what ``card.add`` demands: some content, and a URL
    on a link card."""
    title = card.title if op.title is None else op.title
    body = card.body if op.body is None else op.body
    url = card.url if op.url is None else op.url
    kind = card.kind if op.kind is None else op.kind
    if is_blank(title) and is_blank(body) and not url:
        return Rejection(ErrorCode.INVALID, "a card needs a title, a body or a URL")
    if kind == "link" and not url:
        return Rejection(ErrorCode.INVALID, "a link card needs a url")
    return None


def _check_objects(state: BoardState, op: Op, actor: str, role: Role) -> Rejection | None:
    match op:
        case SectionAdd():
            if op.id in state.sections:
                return Rejection(ErrorCode.EXISTS, "section id already used")
            return _full(
                len(state.sections), state.live_sections,
                limits.MAX_SECTIONS, limits.MAX_SECTION_ENTRIES, "sections",
            )  # fmt: skip
        case SectionSet() | SectionDelete():
            section = state.sections.get(op.id)
            if section is None or section.deleted:
                return Rejection(ErrorCode.NOT_FOUND, "no such section")
        case CardAdd():
            if op.id in state.cards:
                return Rejection(ErrorCode.EXISTS, "card id already used")
            full = _full(
                len(state.cards), state.live_cards,
                limits.MAX_CARDS, limits.MAX_CARD_ENTRIES, "cards",
            )  # fmt: skip
            if full is not None:
                return full
            if op.section and op.section not in state.sections:
                return Rejection(ErrorCode.NOT_FOUND, "no such section")
        case CardSet() | CardMove() | CardDelete():
            card = state.live_card(op.id)
            if card is None:
                return Rejection(ErrorCode.NOT_FOUND, "no such card")
            if isinstance(op, CardSet):
                invalid = _edit_breaks_card(card, op)
                if invalid is not None:
                    return invalid
            # A section the board has known (a deleted one too: the card then
            # shows under "no section", and a concurrent delete loses nothing).
            if isinstance(op, CardMove) and op.section and op.section not in state.sections:
                return Rejection(ErrorCode.NOT_FOUND, "no such section")
            return _owner_or_facilitator(card.author, actor, role)
        case CommentAdd():
            if op.id in state.comments:
                return Rejection(ErrorCode.EXISTS, "comment id already used")
            if state.live_card(op.card) is None:
                return Rejection(ErrorCode.NOT_FOUND, "no such card")
            return _full(
                len(state.comments), state.live_comments,
                limits.MAX_COMMENTS, limits.MAX_COMMENT_ENTRIES, "comments",
            )  # fmt: skip
        case CommentDelete():
            comment = state.comments.get(op.id)
            if comment is None or comment.deleted:
                return Rejection(ErrorCode.NOT_FOUND, "no such comment")
            return _owner_or_facilitator(comment.author, actor, role)
        case ReactionSet():
            if state.live_card(op.card) is None:
                return Rejection(ErrorCode.NOT_FOUND, "no such card")
        case VoteCast():
            if state.live_card(op.card) is None:
                return Rejection(ErrorCode.NOT_FOUND, "no such card")
            if state.votes_used(actor) >= state.settings.vote_budget:
                return Rejection(ErrorCode.VOTE_BUDGET, "no dot votes left")
        case VoteRetract():
            if state.live_card(op.card) is None:
                return Rejection(ErrorCode.NOT_FOUND, "no such card")
            if state.votes.get(op.card, {}).get(actor, 0) <= 0:
                return Rejection(ErrorCode.NOT_FOUND, "no vote of yours on this card")
        case PostsDelete():
            if state.posts_by(op.author, op.since) == ([], []):
                return Rejection(ErrorCode.NOT_FOUND, "no cards or comments match")
    return None
