"""Shared builders for the unit tier: ops from wire dicts, events, replay."""

from __future__ import annotations

from typing import Any

from protocol import codec
from protocol.messages import Event, Role
from protocol.model import BoardState
from protocol.ops import Op
from protocol.reducer import apply

#: One valid op of every type, every optional field set, as a client sends it.
SAMPLE_OPS: dict[str, dict[str, Any]] = {
    "board.set": {
        "type": "board.set",
        "title": "Ideas",
        "layout": "columns",
        "theme": "dark",
        "vote_budget": 3,
    },
    "section.add": {"type": "section.add", "id": "s1", "title": "Vraag", "pos": "a0"},
    "section.set": {"type": "section.set", "id": "s1", "title": "Aanbod", "pos": "a1"},
    "section.delete": {"type": "section.delete", "id": "s1"},
    "card.add": {
        "type": "card.add",
        "id": "c1",
        "kind": "link",
        "title": "Site",
        "body": "Zie\nook",
        "color": "blue",
        "url": "https://example.org/x?y=1",
        "section": "s1",
        "pos": "a0V",
        "x": 10,
        "y": 10_000,
        "files": [
            {
                "id": "a" * 64,
                "name": "foto.jpg",
                "type": "image/jpeg",
                "size": 9,
                "kind": "image",
                "w": 4,
                "h": 3,
                "thumb": True,
            },
        ],
        "tags": ["tuin"],
        "contact": "bel 06",
        "expires": 1_800_000_000_000,
        "state": "open",
    },
    "card.set": {
        "type": "card.set",
        "id": "c1",
        "kind": "note",
        "title": "T",
        "body": "B",
        "color": "pink",
        "url": "",
        "files": [],
        "tags": ["buurt", "tuin"],
        "contact": "",
        "expires": 0,
        "state": "matched",
    },
    "card.move": {"type": "card.move", "id": "c1", "section": "", "pos": "Zz", "x": 0, "y": 5},
    "card.delete": {"type": "card.delete", "id": "c1"},
    "comment.add": {"type": "comment.add", "id": "m1", "card": "c1", "body": "Goed idee 👍"},
    "comment.delete": {"type": "comment.delete", "id": "m1"},
    "reaction.set": {"type": "reaction.set", "card": "c1", "emoji": "❤️", "on": True},
    "vote.cast": {"type": "vote.cast", "card": "c1"},
    "vote.retract": {"type": "vote.retract", "card": "c1"},
    "card.moderate": {"type": "card.moderate", "id": "c1", "action": "hide"},
    "comment.moderate": {"type": "comment.moderate", "id": "m1", "action": "hide"},
    "participant.remove": {"type": "participant.remove", "actor": "carl"},
    "participant.restore": {"type": "participant.restore", "actor": "bob"},
    "timer.set": {"type": "timer.set", "action": "start", "seconds": 300},
    "spotlight.set": {"type": "spotlight.set", "card": "c1"},
    "round.open": {"type": "round.open", "reset": True},
    "round.close": {"type": "round.close"},
    "posts.delete": {"type": "posts.delete", "author": "me", "since": 0},
    # yjs: client 111 types "Hello world" into the root text "notes".
    "notes.update": {
        "type": "notes.update",
        "doc": "board",
        "update": bytes.fromhex("01016f000401056e6f7465730b48656c6c6f20776f726c6400"),
    },
}


def op(obj: dict[str, Any]) -> Op:
    """A validated op from its wire form."""
    return codec.op_from_wire(obj)


def ev(
    seq: int,
    operation: Op | dict[str, Any] | None,
    actor: str = "ann",
    role: Role = "participant",
    *,
    name: str | None = None,
    at: int | None = None,
    op_id: str | None = None,
) -> Event:
    """An event as the server would log it; ``at`` defaults to a seq-derived time."""
    if isinstance(operation, dict):
        operation = op(operation)
    return Event(
        seq=seq,
        op_id=op_id if op_id is not None else f"{actor}-{seq}",
        actor=actor,
        name=name if name is not None else actor.capitalize(),
        role=role,
        at=at if at is not None else 1_700_000_000_000 + seq * 1000,
        op=operation,
    )


def run(events: list[Event], board: str = "b1") -> BoardState:
    """Fresh state with every event applied in order."""
    state = BoardState(board)
    for event in events:
        apply(state, event)
    return state
