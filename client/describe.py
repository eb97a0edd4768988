"""One readable line per event, for ``prikbord watch`` and logs.

Describes an event against the state *after* it was applied, which is what
the watcher holds; an op the reducer turned into a no-op (say, a vote on a
card deleted meanwhile) is still shown as what was attempted.
"""

from __future__ import annotations

from protocol.messages import Event, Member
from protocol.model import BoardState
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

#: Card and comment text is cut to this many characters on one line.
_EXCERPT = 60


def excerpt(text: str) -> str:
    """Text on one line, cut with an ellipsis, quoted with repr."""
    one_line = " ".join(text.split())
    if len(one_line) > _EXCERPT:
        one_line = one_line[: _EXCERPT - 1] + "…"
    return repr(one_line)


def describe_event(event: Event, state: BoardState | None = None) -> str:
    """``#12 Ann added card c1: 'text'``."""
    who = event.name or event.actor or "someone"
    op = event.op
    head = f"#{event.seq} {who}"
    match op:
        case None:
            return f"#{event.seq} (hidden event)"
        case CardAdd():
            text = op.title or op.body or op.url or ""
            kind = "" if op.kind == "note" else f"{op.kind} "
            return f"{head} added {kind}card {op.id}: {excerpt(text)}"
        case CardSet():
            changed = [
                name for name in ("kind", "title", "body", "color", "url")
                if getattr(op, name) is not None
            ]  # fmt: skip
            return f"{head} edited card {op.id} ({', '.join(changed) or 'nothing'})"
        case CardMove():
            return f"{head} moved card {op.id}"
        case CardDelete():
            return f"{head} deleted card {op.id}"
        case CommentAdd():
            return f"{head} commented on card {op.card}: {excerpt(op.body)}"
        case CommentDelete():
            return f"{head} deleted comment {op.id}"
        case ReactionSet():
            return f"{head} {'reacted' if op.on else 'took back'} {op.emoji} on card {op.card}"
        case VoteCast():
            total = f" ({state.vote_total(op.card)} votes)" if state is not None else ""
            return f"{head} voted for card {op.card}{total}"
        case VoteRetract():
            return f"{head} took back a vote from card {op.card}"
        case BoardSet():
            fields = op.model_dump(exclude_none=True, exclude={"type"})
            changes = ", ".join(f"{k}={v!r}" for k, v in fields.items())
            return f"{head} changed the board: {changes}"
        case SectionAdd():
            return f"{head} added section {op.id}: {excerpt(op.title)}"
        case SectionSet():
            return f"{head} changed section {op.id}"
        case SectionDelete():
            return f"{head} deleted section {op.id}"
        case PostsDelete():
            by = f" by {op.author}" if op.author is not None else ""
            since = f" since {op.since}" if op.since is not None else ""
            return f"{head} deleted the cards and comments{by}{since}"
    return f"{head} did {op.type}"  # pragma: no cover - a newer op type


def describe_member(member: Member) -> str:
    return f"{member.name} ({member.role})"


def describe_state(state: BoardState) -> str:
    """``'Retro' (wall): 12 cards, 3 comments, at seq 40``."""
    cards = sum(1 for c in state.cards.values() if not c.deleted)
    comments = sum(1 for c in state.comments.values() if not c.deleted)
    s = state.settings
    return f"{s.title!r} ({s.layout}): {cards} cards, {comments} comments, at seq {state.seq}"
