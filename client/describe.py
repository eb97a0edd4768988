"""One readable line per event, for ``prikbord watch`` and logs.

Describes an event against the state *after* it was applied, which is what
the watcher holds; an op the reducer turned into a no-op (say, a vote on a
card deleted meanwhile) is still shown as what was attempted.

A viewer who may not see everything (a participant on a moderated board)
gets some events as *view patches* — "these objects now look like this" —
or as placeholders (SPEC §5a); those are described by what they change for
this viewer, not by what someone did.
"""

from __future__ import annotations

from typing import Any

from client.clock import format_ms
from protocol.messages import Event, Member
from protocol.model import BoardState, Card, Comment, Session, Settings
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

#: Card and comment text is cut to this many characters on one line.
_EXCERPT = 60
_DONE: dict[ModAction, str] = {
    "approve": "approved", "reject": "rejected", "hide": "hid", "restore": "restored",
}  # fmt: skip


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
            return f"#{event.seq} (something you may not see, e.g. a post awaiting approval)"
        case ViewPatch():
            return f"#{event.seq} {describe_patch(op, state)}"
        case CardAdd():
            text = op.title or op.body or op.url or ""
            kind = "" if op.kind == "note" else f"{op.kind} "
            return f"{head} added {kind}card {op.id}: {excerpt(text)}{_waits(state, op.id)}"
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
            waits = ""
            if state is not None and (m := state.comments.get(op.id)) is not None:
                waits = " (waiting for approval)" if m.status == "pending" else ""
            return f"{head} commented on card {op.card}: {excerpt(op.body)}{waits}"
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
        case CardModerate():
            return f"{head} {_DONE[op.action]} card {op.id}"
        case CommentModerate():
            return f"{head} {_DONE[op.action]} comment {op.id}"
        case ParticipantRemove():
            return f"{head} removed {_actor(op.actor, state)} from the board"
        case ParticipantRestore():
            return f"{head} let {_actor(op.actor, state)} back onto the board"
        case TimerSet():
            return f"{head} {_timer(op, state)}"
        case SpotlightSet():
            if op.card is not None:
                card = state.cards.get(op.card) if state is not None else None
                text = f": {excerpt(card.title or card.body or card.url)}" if card else ""
                return f"{head} spotlighted card {op.card}{text}"
            if op.section is not None:
                section = state.sections.get(op.section) if state is not None else None
                text = f": {excerpt(section.title)}" if section else ""
                return f"{head} spotlighted section {op.section}{text}"
            return f"{head} ended the spotlight"
        case RoundOpen():
            n = f" {state.session.round}" if state is not None else ""
            reset = " (votes reset)" if op.reset else ""
            return f"{head} opened vote round{n}{reset}: votes stay private until it closes"
        case RoundClose():
            n = f" {state.session.round}" if state is not None else ""
            return f"{head} closed vote round{n}: votes show to everyone"
        case PostsDelete():
            by = f" by {op.author}" if op.author is not None else ""
            since = f" since {op.since}" if op.since is not None else ""
            return f"{head} deleted the cards and comments{by}{since}"
    return f"{head} did {op.type}"  # pragma: no cover - a newer op type


def _waits(state: BoardState | None, card_id: str) -> str:
    card = state.cards.get(card_id) if state is not None else None
    return " (waiting for approval)" if card is not None and card.status == "pending" else ""


def _actor(actor: str, state: BoardState | None) -> str:
    """An actor id with the name it posted under, when the state knows it."""
    if state is not None:
        posts: list[Card | Comment] = [*state.cards.values(), *state.comments.values()]
        for post in posts:
            if post.author == actor and post.author_name:
                return f"{post.author_name} ({actor})"
    return actor


def _timer(op: TimerSet, state: BoardState | None) -> str:
    match op.action:
        case "start":
            return f"started the timer: {format_ms((op.seconds or 0) * 1000)}"
        case "pause":
            left = state.session.timer_remaining if state is not None else 0
            return f"paused the timer ({format_ms(left)} left)" if left else "paused the timer"
        case "resume":
            return "resumed the timer"
    return "reset the timer"


def describe_patch(patch: ViewPatch, state: BoardState | None = None) -> str:
    """What a view patch changed for this viewer, e.g. ``card c1 appeared:
    'idea'; votes on c2: 3``."""
    parts: list[str] = []
    for card_id, card in (patch.cards or {}).items():
        parts.append(_patch_object("card", card_id, card, ("title", "body", "url")))
    for comment_id, comment in (patch.comments or {}).items():
        parts.append(_patch_object("comment", comment_id, comment, ("body",)))
    for card_id, votes in (patch.votes or {}).items():
        parts.append(f"votes on {card_id}: {sum((votes or {}).values())}")
    for card_id in patch.reactions or {}:
        parts.append(f"reactions on {card_id} changed")
    for section_id, section in (patch.sections or {}).items():
        parts.append(_patch_object("section", section_id, section, ("title",)))
    if patch.settings is not None or patch.session is not None:
        now = BoardState("")
        if patch.settings is not None:
            now.settings = Settings(**{**patch.settings, "words": list(patch.settings["words"])})
        if patch.session is not None:
            now.session = Session(**patch.session)
        parts.append(f"now: {describe_session(now) or 'nothing switched on'}")
    if patch.removed is not None:
        parts.append("removed participants changed")
    return "; ".join(parts) or "(nothing you can see changed)"


def _patch_object(
    kind: str, oid: str, value: dict[str, Any] | None, text_fields: tuple[str, ...]
) -> str:
    if value is None:
        return f"{kind} {oid} is no longer shown to you"
    if value.get("deleted"):
        return f"{kind} {oid} was deleted"
    status = value.get("status", "visible")
    note = "" if status == "visible" else f" ({status})"
    text = next((str(value[f]) for f in text_fields if value.get(f)), "")
    return f"{kind} {oid} now shows{note}: {excerpt(text)}"


def describe_member(member: Member) -> str:
    return f"{member.name} ({member.role})"


def describe_state(state: BoardState, server_now_ms: float | None = None) -> str:
    """``'Retro' (wall): 12 cards, 3 comments, at seq 40``, then what a
    facilitator has switched on (``; approval on, vote round 2 open, timer
    4:12 left``); the timer needs the server's time."""
    cards = sum(1 for c in state.cards.values() if not c.deleted)
    comments = sum(1 for c in state.comments.values() if not c.deleted)
    s = state.settings
    line = f"{s.title!r} ({s.layout}): {cards} cards, {comments} comments, at seq {state.seq}"
    session = describe_session(state, server_now_ms)
    return f"{line}; {session}" if session else line


def describe_session(state: BoardState, server_now_ms: float | None = None) -> str:
    """The facilitation settings and session that are on, comma-separated
    ("" when none is)."""
    s, session = state.settings, state.session
    on = [name for flag, name in (
        (s.approval, "approval on"), (s.locked, "locked"), (s.hide_cards, "cards hidden"),
        (s.filter, "word filter on"),
    ) if flag]  # fmt: skip
    if s.anonymous != "off":
        on.append(f"anonymous ({s.anonymous})")
    if session.round:
        on.append(f"vote round {session.round} {'open' if session.round_open else 'closed'}")
    if session.spotlight_kind:
        on.append(f"spotlight on {session.spotlight_kind} {session.spotlight_id}")
    if session.timer_ends_at and server_now_ms is not None:
        left = max(0, int(session.timer_ends_at - server_now_ms))
        on.append(f"timer {format_ms(left)} left" if left else "timer done")
    elif session.timer_ends_at:
        on.append("timer running")
    elif session.timer_remaining:
        on.append(f"timer paused at {format_ms(session.timer_remaining)}")
    return ", ".join(on)
