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
from protocol.messages import SYSTEM_ACTOR, Role
from protocol.model import BoardState, Card
from protocol.notes import doc_card
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
    LinkPreview,
    ModAction,
    NotesUpdate,
    Op,
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
    VoteCast,
    VoteRetract,
    is_blank,
)
from protocol.visibility import Viewer, sees_card, sees_comment


class Rejection(NamedTuple):
    code: ErrorCode
    message: str


_FACILITATOR_ONLY = (
    BoardSet, SectionAdd, SectionSet, SectionDelete, CardModerate, CommentModerate,
    ParticipantRemove, ParticipantRestore, TimerSet, SpotlightSet, RoundOpen, RoundClose,
    PostsDelete,
)  # fmt: skip
_VOTING = (VoteCast, VoteRetract)
#: Which moderation action applies to which status (SPEC §5, Moderation).
_MOD_FROM: dict[ModAction, tuple[str, ...]] = {
    "approve": ("pending",),
    "reject": ("pending",),
    "hide": ("visible",),
    "restore": ("hidden", "rejected"),
}


def may_write(role: Role) -> bool:
    """Viewers (hub screens) only watch."""
    return role != "viewer"


def check(state: BoardState, op: Op, actor: str, role: Role) -> Rejection | None:
    """None when ``actor`` in ``role`` may apply ``op`` to ``state`` now."""
    if not may_write(role):
        return Rejection(ErrorCode.FORBIDDEN, "this link is read-only")
    if actor in state.removed:
        return Rejection(ErrorCode.FORBIDDEN, "you were removed from this board")
    if isinstance(op, CardAdd | CardSet) and op.preview is not None and actor != SYSTEM_ACTOR:
        return Rejection(ErrorCode.FORBIDDEN, "only the server sets a link preview")
    if role != "facilitator":
        if isinstance(op, _FACILITATOR_ONLY):
            return Rejection(ErrorCode.FORBIDDEN, "only a facilitator may do this")
        if state.settings.locked:
            return Rejection(ErrorCode.FORBIDDEN, "the board is locked")
    if isinstance(op, _VOTING) and state.session.round > 0 and not state.session.round_open:
        return Rejection(ErrorCode.FORBIDDEN, "voting is closed until the next round")
    return _check_objects(state, op, actor, role) or _check_session(state, op)


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
    files = card.files if op.files is None else op.files
    if is_blank(title) and is_blank(body) and not url and not files:
        return Rejection(ErrorCode.INVALID, "a card needs a title, a body, a URL or a file")
    if kind == "link" and not url:
        return Rejection(ErrorCode.INVALID, "a link card needs a url")
    return _preview_fits(op.preview, url)


def _preview_fits(preview: LinkPreview | str | None, url: str) -> Rejection | None:
    """A preview describes the card's link as it is after the op: one
    fetched for a link the card has since lost is refused, so it never
    lands on the new one."""
    if isinstance(preview, LinkPreview) and preview.url != url:
        return Rejection(ErrorCode.INVALID, "the preview is for another URL than the card's")
    return None


def _no_card(state: BoardState, card_id: str, viewer: Viewer) -> Rejection | None:
    """NOT_FOUND for a card that is gone or that the sender may not see: a
    pending or hidden card of someone else is, to them, not there (the same
    answer as for a missing one, so its existence does not leak)."""
    card = state.live_card(card_id)
    if card is None or not sees_card(state, card, viewer):
        return Rejection(ErrorCode.NOT_FOUND, "no such card")
    return None


def _check_objects(state: BoardState, op: Op, actor: str, role: Role) -> Rejection | None:
    viewer = Viewer(role, actor)
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
            return _preview_fits(op.preview, op.url or "")
        case CardSet() | CardMove() | CardDelete():
            card = state.live_card(op.id)
            if card is None or not sees_card(state, card, viewer):
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
            missing = _no_card(state, op.card, viewer)
            if missing is not None:
                return missing
            return _full(
                len(state.comments), state.live_comments,
                limits.MAX_COMMENTS, limits.MAX_COMMENT_ENTRIES, "comments",
            )  # fmt: skip
        case CommentDelete():
            comment = state.comments.get(op.id)
            if comment is None or comment.deleted or not sees_comment(state, comment, viewer):
                return Rejection(ErrorCode.NOT_FOUND, "no such comment")
            return _owner_or_facilitator(comment.author, actor, role)
        case ReactionSet():
            return _no_card(state, op.card, viewer)
        case VoteCast():
            missing = _no_card(state, op.card, viewer)
            if missing is not None:
                return missing
            if state.votes_used(actor) >= state.settings.vote_budget:
                return Rejection(ErrorCode.VOTE_BUDGET, "no dot votes left")
        case VoteRetract():
            missing = _no_card(state, op.card, viewer)
            if missing is not None:
                return missing
            if state.votes.get(op.card, {}).get(actor, 0) <= 0:
                return Rejection(ErrorCode.NOT_FOUND, "no vote of yours on this card")
        case NotesUpdate():
            # The board's notes: anyone who writes on the board. A card's
            # description: anyone who may see the card (it is shared text,
            # not the author's own like the card itself).
            card_id = doc_card(op.doc)
            if card_id is not None:
                return _no_card(state, card_id, viewer)
        case PostsDelete():
            if state.posts_by(op.author, op.since) == ([], []):
                return Rejection(ErrorCode.NOT_FOUND, "no cards or comments match")
        case CardModerate():
            card = state.live_card(op.id)
            if card is None:
                return Rejection(ErrorCode.NOT_FOUND, "no such card")
            return _moderation_applies(card.status, op.action, "card")
        case CommentModerate():
            comment = state.comments.get(op.id)
            if comment is None or comment.deleted:
                return Rejection(ErrorCode.NOT_FOUND, "no such comment")
            return _moderation_applies(comment.status, op.action, "comment")
    return None


def _moderation_applies(status: str, action: ModAction, what: str) -> Rejection | None:
    if status in _MOD_FROM[action]:
        return None
    return Rejection(ErrorCode.INVALID, f"cannot {action} a {status} {what}")


def _check_session(state: BoardState, op: Op) -> Rejection | None:
    session = state.session
    match op:
        case TimerSet(action="pause") if session.timer_ends_at == 0:
            return Rejection(ErrorCode.INVALID, "the timer is not running")
        case TimerSet(action="resume") if session.timer_remaining == 0:
            return Rejection(ErrorCode.INVALID, "the timer is not paused")
        case SpotlightSet(card=str(card_id)):
            card = state.live_card(card_id)
            hidden = state.settings.hide_cards  # until the reveal, no card is everyone's
            if card is None or card.status != "visible" or hidden:
                return Rejection(ErrorCode.NOT_FOUND, "no such card (or not visible to all)")
        case SpotlightSet(section=str(section_id)):
            section = state.sections.get(section_id)
            if section is None or section.deleted:
                return Rejection(ErrorCode.NOT_FOUND, "no such section")
        case RoundClose() if not session.round_open:
            return Rejection(ErrorCode.INVALID, "no vote round is open")
        case ParticipantRemove() if op.actor in state.removed:
            return Rejection(ErrorCode.INVALID, "already removed")
        case ParticipantRestore() if op.actor not in state.removed:
            return Rejection(ErrorCode.INVALID, "not removed")
    return None
