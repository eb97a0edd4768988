"""Convenience methods that build ops: one per thing a person does.

Participants add, edit, comment, react and vote; facilitators also steer the
session (moderation, settings, timer, spotlight, vote rounds, removing
someone; SPEC §4). ``ranked_results`` reads the board after a vote round.

They only build a validated op and hand it to ``send``; the client that mixes
them in owns the replica, the outbox and the network. New ids are made here
(client-side ids let an op apply optimistically before the server orders it).
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, NamedTuple

from fractional_indexing import generate_key_between

from protocol.model import BoardState, Card
from protocol.ops import (
    Anonymous,
    BoardSet,
    CardAdd,
    CardDelete,
    CardKind,
    CardModerate,
    CardMove,
    CardSet,
    Color,
    CommentAdd,
    CommentDelete,
    CommentModerate,
    Layout,
    ModAction,
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
    Theme,
    TimerAction,
    TimerSet,
    VoteCast,
    VoteRetract,
)

if TYPE_CHECKING:
    from client.links import BoardLink


class Sent(NamedTuple):
    """An acked op: the id of the object it made or touched, and its seq."""

    id: str
    seq: int


class Ranked(NamedTuple):
    """One card in the results: ``rank`` is 1-based, equal votes share a
    rank (1, 2, 2, 4)."""

    rank: int
    card: Card
    votes: int


def ranked(state: BoardState) -> list[Ranked]:
    """Live cards visible to everyone, most votes first; equal votes in the
    order the cards were posted (then by id)."""
    cards = [c for c in state.cards.values() if not c.deleted and c.status == "visible"]
    order = sorted(cards, key=lambda c: (-state.vote_total(c.id), c.created_at, c.id))
    out: list[Ranked] = []
    for i, card in enumerate(order):
        votes = state.vote_total(card.id)
        rank = out[-1].rank if out and out[-1].votes == votes else i + 1
        out.append(Ranked(rank, card, votes))
    return out


class BoardActions:
    """Mixed into :class:`~client.client.PrikbordClient`; needs ``send``,
    ``state`` and ``link`` from it."""

    link: BoardLink

    if TYPE_CHECKING:  # provided by the client this is mixed into

        @property
        def state(self) -> BoardState: ...

        async def send(self, op: Op) -> int: ...

    def new_id(self) -> str:
        """A fresh object id (card, comment, section): 72 random bits, never
        starting with '-' (it would read as an option on a command line)."""
        return "c" + secrets.token_urlsafe(9)

    def _next_pos(self, keys: list[str]) -> str:
        return str(generate_key_between(max(keys) if keys else None, None))

    async def add_card(
        self,
        body: str = "",
        *,
        title: str = "",
        kind: CardKind = "note",
        color: Color = "yellow",
        url: str | None = None,
        section: str | None = None,
        pos: str | None = None,
        x: int = 0,
        y: int = 0,
        id: str | None = None,
    ) -> Sent:
        """Add a card (``body`` is its text); by default at the end of its section."""
        card_id = id or self.new_id()
        if pos is None:
            cards = self.state.cards.values()
            pos = self._next_pos(
                [c.pos for c in cards if not c.deleted and c.section == (section or "")]
            )
        op = CardAdd(
            type="card.add", id=card_id, kind=kind, title=title, body=body, color=color,
            url=url, section=section, pos=pos, x=x, y=y,
        )  # fmt: skip
        return Sent(card_id, await self.send(op))

    async def update_card(
        self,
        card_id: str,
        *,
        kind: CardKind | None = None,
        title: str | None = None,
        body: str | None = None,
        color: Color | None = None,
        url: str | None = None,
    ) -> Sent:
        """Edit a card; None leaves a field unchanged, ``url=""`` clears it."""
        op = CardSet(
            type="card.set", id=card_id, kind=kind, title=title, body=body, color=color, url=url
        )
        return Sent(card_id, await self.send(op))

    async def move_card(
        self,
        card_id: str,
        *,
        section: str | None = None,
        pos: str | None = None,
        x: int | None = None,
        y: int | None = None,
    ) -> Sent:
        """Move a card; ``section=""`` takes it out of any section."""
        op = CardMove(type="card.move", id=card_id, section=section, pos=pos, x=x, y=y)
        return Sent(card_id, await self.send(op))

    async def delete_card(self, card_id: str) -> Sent:
        return Sent(card_id, await self.send(CardDelete(type="card.delete", id=card_id)))

    async def comment(self, card_id: str, body: str, *, id: str | None = None) -> Sent:
        """Comment on a card; returns the comment id."""
        comment_id = id or self.new_id()
        op = CommentAdd(type="comment.add", id=comment_id, card=card_id, body=body)
        return Sent(comment_id, await self.send(op))

    async def delete_comment(self, comment_id: str) -> Sent:
        op = CommentDelete(type="comment.delete", id=comment_id)
        return Sent(comment_id, await self.send(op))

    async def react(self, card_id: str, emoji: str, on: bool = True) -> Sent:
        """Set (or with ``on=False`` clear) one of the allowed emoji on a card."""
        op = ReactionSet.model_validate(
            {"type": "reaction.set", "card": card_id, "emoji": emoji, "on": on}
        )
        return Sent(card_id, await self.send(op))

    async def vote(self, card_id: str) -> Sent:
        return Sent(card_id, await self.send(VoteCast(type="vote.cast", card=card_id)))

    async def unvote(self, card_id: str) -> Sent:
        return Sent(card_id, await self.send(VoteRetract(type="vote.retract", card=card_id)))

    async def delete_posts(self, *, author: str | None = None, since: int | None = None) -> Sent:
        """Delete every live card and comment by ``author`` and/or created at
        or after ``since`` (ms) in one op (facilitator): cleaning up a flood."""
        op = PostsDelete(type="posts.delete", author=author, since=since)
        return Sent(self.link.board, await self.send(op))

    async def set_board(
        self,
        *,
        title: str | None = None,
        layout: Layout | None = None,
        theme: Theme | None = None,
        vote_budget: int | None = None,
        approval: bool | None = None,
        locked: bool | None = None,
        hide_cards: bool | None = None,
        anonymous: Anonymous | None = None,
        filter: bool | None = None,
        words: list[str] | None = None,
    ) -> Sent:
        """Change board settings (facilitator); None leaves a setting as it
        is. ``approval``: participants' posts wait for a facilitator;
        ``locked``: read-only for participants; ``hide_cards``: each
        participant sees only their own cards until the reveal;
        ``anonymous``: ``"others"`` hides authors from everyone but
        facilitators, ``"all"`` from facilitators too; ``filter``: posts
        matching a listed word are held for approval, ``words`` replaces the
        board's own list. Returns the board id."""
        op = BoardSet(
            type="board.set", title=title, layout=layout, theme=theme, vote_budget=vote_budget,
            approval=approval, locked=locked, hide_cards=hide_cards, anonymous=anonymous,
            filter=filter, words=words,
        )  # fmt: skip
        return Sent(self.link.board, await self.send(op))

    async def reveal(self) -> Sent:
        """End hide-until-reveal: every card shows to everyone."""
        return await self.set_board(hide_cards=False)

    # --- moderation (facilitator) --------------------------------------------

    async def moderate_card(self, card_id: str, action: ModAction) -> Sent:
        """``approve``/``reject`` a pending card, ``hide`` a visible one,
        ``restore`` a hidden or rejected one (SPEC §5, *Moderation*)."""
        op = CardModerate(type="card.moderate", id=card_id, action=action)
        return Sent(card_id, await self.send(op))

    async def approve_card(self, card_id: str) -> Sent:
        return await self.moderate_card(card_id, "approve")

    async def reject_card(self, card_id: str) -> Sent:
        return await self.moderate_card(card_id, "reject")

    async def hide_card(self, card_id: str) -> Sent:
        return await self.moderate_card(card_id, "hide")

    async def restore_card(self, card_id: str) -> Sent:
        return await self.moderate_card(card_id, "restore")

    async def moderate_comment(self, comment_id: str, action: ModAction) -> Sent:
        """As :meth:`moderate_card`, for a comment."""
        op = CommentModerate(type="comment.moderate", id=comment_id, action=action)
        return Sent(comment_id, await self.send(op))

    async def approve_comment(self, comment_id: str) -> Sent:
        return await self.moderate_comment(comment_id, "approve")

    async def reject_comment(self, comment_id: str) -> Sent:
        return await self.moderate_comment(comment_id, "reject")

    async def hide_comment(self, comment_id: str) -> Sent:
        return await self.moderate_comment(comment_id, "hide")

    async def restore_comment(self, comment_id: str) -> Sent:
        return await self.moderate_comment(comment_id, "restore")

    async def remove_participant(self, actor: str) -> Sent:
        """Remove an actor from the board: their sockets close with 4105 and
        every op of theirs is refused until :meth:`restore_participant`. A
        new device with the same link is a new actor: to keep someone out,
        replace the participant link too. Returns the actor."""
        op = ParticipantRemove(type="participant.remove", actor=actor)
        return Sent(actor, await self.send(op))

    async def restore_participant(self, actor: str) -> Sent:
        op = ParticipantRestore(type="participant.restore", actor=actor)
        return Sent(actor, await self.send(op))

    # --- the session (facilitator) -------------------------------------------

    async def _timer(self, action: TimerAction, seconds: int | None = None) -> Sent:
        op = TimerSet(type="timer.set", action=action, seconds=seconds)
        return Sent(self.link.board, await self.send(op))

    async def start_timer(self, seconds: int) -> Sent:
        """Start (or restart) the board's countdown; it runs on server time."""
        return await self._timer("start", seconds)

    async def pause_timer(self) -> Sent:
        return await self._timer("pause")

    async def resume_timer(self) -> Sent:
        return await self._timer("resume")

    async def reset_timer(self) -> Sent:
        return await self._timer("reset")

    async def spotlight_card(self, card_id: str) -> Sent:
        """Show one card large on every screen (it must be visible to all)."""
        return Sent(card_id, await self.send(SpotlightSet(type="spotlight.set", card=card_id)))

    async def spotlight_section(self, section_id: str) -> Sent:
        op = SpotlightSet(type="spotlight.set", section=section_id)
        return Sent(section_id, await self.send(op))

    async def spotlight_off(self) -> Sent:
        return Sent(self.link.board, await self.send(SpotlightSet(type="spotlight.set")))

    async def open_round(self, *, reset: bool = False) -> Sent:
        """Open the next vote round: participants see only their own votes
        until it closes. ``reset`` first takes back every vote."""
        return Sent(self.link.board, await self.send(RoundOpen(type="round.open", reset=reset)))

    async def close_round(self) -> Sent:
        """Close the round: votes show to everyone, voting stops until the next."""
        return Sent(self.link.board, await self.send(RoundClose(type="round.close")))

    def ranked_results(self) -> list[Ranked]:
        """Cards by votes as this client sees them (:func:`ranked`). Read it
        after a round closed: while one is open a participant's replica
        holds only their own votes."""
        return ranked(self.state)

    async def add_section(
        self, title: str, *, pos: str | None = None, id: str | None = None
    ) -> Sent:
        """Add a section (facilitator), by default after the last one."""
        section_id = id or self.new_id()
        if pos is None:
            pos = self._next_pos([s.pos for s in self.state.sections.values() if not s.deleted])
        op = SectionAdd(type="section.add", id=section_id, title=title, pos=pos)
        return Sent(section_id, await self.send(op))

    async def update_section(
        self, section_id: str, *, title: str | None = None, pos: str | None = None
    ) -> Sent:
        op = SectionSet(type="section.set", id=section_id, title=title, pos=pos)
        return Sent(section_id, await self.send(op))

    async def delete_section(self, section_id: str) -> Sent:
        op = SectionDelete(type="section.delete", id=section_id)
        return Sent(section_id, await self.send(op))
