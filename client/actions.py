"""Convenience methods that build ops: one per thing a person does.

They only build a validated op and hand it to ``send``; the client that mixes
them in owns the replica, the outbox and the network. New ids are made here
(client-side ids let an op apply optimistically before the server orders it).
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, NamedTuple

from fractional_indexing import generate_key_between

from protocol.ops import (
    BoardSet,
    CardAdd,
    CardDelete,
    CardKind,
    CardMove,
    CardSet,
    Color,
    CommentAdd,
    CommentDelete,
    Layout,
    Op,
    PostsDelete,
    ReactionSet,
    SectionAdd,
    SectionDelete,
    SectionSet,
    Theme,
    VoteCast,
    VoteRetract,
)

if TYPE_CHECKING:
    from client.links import BoardLink
    from protocol.model import BoardState


class Sent(NamedTuple):
    """An acked op: the id of the object it made or touched, and its seq."""

    id: str
    seq: int


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
    ) -> Sent:
        """Change board settings (facilitator); returns the board id."""
        op = BoardSet(
            type="board.set", title=title, layout=layout, theme=theme, vote_budget=vote_budget
        )
        return Sent(self.link.board, await self.send(op))

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
