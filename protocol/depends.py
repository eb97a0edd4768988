"""What an op depends on among the sender's earlier ops (SPEC §4,
*Pipelining*).

A connection's ops are appended in the order sent, each checked against
the state its node has applied. A node need not have applied the sender's
previous op yet (its event comes back over pub/sub); waiting for that
before every op serialized each socket behind a pub/sub round trip. So an
op waits only for the sender's earlier ops it depends on: those that
created, deleted or moderated an object it names (a card it adds then
moves, a comment on a card it just added), and its earlier dot votes (the
budget). Ops that change the
whole board (settings, session, removal, bulk deletes) are barriers: they
wait for every earlier op, and every later op waits for them. Whatever
this misses, the reducer still checks every event when it applies it
(protocol/policy.py), so replicas never split; the sender only gets an ack
for an op that then does nothing, rather than an error.
"""

from __future__ import annotations

from typing import NamedTuple

from protocol.notes import doc_card
from protocol.ops import (
    CardAdd,
    CardDelete,
    CardModerate,
    CardMove,
    CardSet,
    CommentAdd,
    CommentDelete,
    CommentModerate,
    NotesUpdate,
    Op,
    ReactionSet,
    SectionAdd,
    SectionDelete,
    SectionSet,
    VoteCast,
    VoteRetract,
)

#: The key of an op that depends on, and is depended on by, every other.
BARRIER = "*"


class Touch(NamedTuple):
    """Keys of the objects an op ``reads`` (checks) and ``writes``; an op
    depends on the sender's earlier ops that wrote a key it reads or writes."""

    reads: frozenset[str]
    writes: frozenset[str]


_BARRIER = Touch(frozenset({BARRIER}), frozenset({BARRIER}))


def _t(writes: tuple[str, ...] = (), reads: tuple[str, ...] = ()) -> Touch:
    return Touch(frozenset(reads), frozenset(writes))


def touches(op: Op) -> Touch:
    """What ``op`` reads and writes, as keys; the barrier for an op on the
    whole board (and for any op type not listed here)."""
    match op:
        case SectionAdd() | SectionDelete():
            return _t(writes=(f"section:{op.id}",))
        case SectionSet():
            return _t(reads=(f"section:{op.id}",))
        case CardAdd():
            return _t((f"card:{op.id}",), (f"section:{op.section}",) if op.section else ())
        case CardMove():
            section = (f"section:{op.section}",) if op.section else ()
            return _t(reads=(f"card:{op.id}", *section))
        case CardSet():
            return _t(reads=(f"card:{op.id}",))
        case CardDelete() | CardModerate():
            return _t(writes=(f"card:{op.id}",))
        case CommentAdd():
            return _t((f"comment:{op.id}",), (f"card:{op.card}",))
        case CommentDelete() | CommentModerate():
            return _t(writes=(f"comment:{op.id}",))
        case ReactionSet():
            return _t(reads=(f"card:{op.card}",))
        case VoteCast() | VoteRetract():
            # The budget counts every vote of the sender: votes depend on votes.
            return _t(("votes",), (f"card:{op.card}",))
        case NotesUpdate():
            # Text merges in any order, but the server's check before logging
            # (server/notes.py) merges it into the document as applied: the
            # sender's previous update to the same document (which this one
            # builds on) must be in, and the size cap counts it.
            card = doc_card(op.doc)
            return _t((f"notes:{op.doc}",), (f"card:{card}",) if card else ())
    return _BARRIER


def focus_touch(card: str | None, doc: str | None) -> Touch:
    """What a focus message reads: the card it names (directly or through
    its notes document), so presence judges it after the sender's own
    acked ops on that card are applied."""
    cards = {c for c in (card, doc_card(doc) if doc else None) if c}
    return _t(reads=tuple(f"card:{c}" for c in sorted(cards)))


class Pending:
    """A connection's acked ops its node may not have applied yet: for each
    key, the seq of the last such op that wrote it. Bounded: entries the
    node has applied are dropped once there are more than ``keep``."""

    def __init__(self, keep: int = 256) -> None:
        self._seq: dict[str, int] = {}
        self._last = 0
        self._keep = keep

    def wait_for(self, touch: Touch) -> int:
        """The seq the node must have applied before an op that touches
        ``touch`` is checked (0: none)."""
        if BARRIER in touch.reads:
            return self._last
        keys = (*touch.reads, *touch.writes, BARRIER)
        return max(self._seq.get(k, 0) for k in keys)

    def acked(self, touch: Touch, seq: int, applied: int) -> None:
        """An op that touched ``touch`` got ``seq``; the node has applied up
        to ``applied``."""
        self._last = max(self._last, seq)
        for key in touch.writes:
            self._seq[key] = max(self._seq.get(key, 0), seq)
        if len(self._seq) > self._keep:
            self._seq = {k: s for k, s in self._seq.items() if s > applied}
