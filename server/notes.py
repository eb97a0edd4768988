"""The server's half of the session notes: the checks a ``notes.update``
needs before it is logged, and the Markdown export route.

The reducer merges every logged update without asking (protocol/notes.py),
so whatever could make an update unmergeable, or a document too large, is
refused here, once, with an error frame — and the document stays as it was
for everyone. Caps are checked against this node's replica when the op
arrives: updates that race each other may take a document a little past
its cap, never further (each one is itself capped).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from protocol import limits
from protocol.errors import ErrorCode
from protocol.model import BoardState
from protocol.notes import BOARD_DOC, Refusal, check_update, descriptions
from protocol.ops import NotesUpdate, Op

if TYPE_CHECKING:
    from server.hub import BoardHub

#: How long a notes update that depends on text this node has not applied
#: yet waits for the node to catch up with the log (as for read-your-writes).
CATCH_UP_S = 2.0


def notes_refusal(state: BoardState, op: Op) -> Refusal | None:
    """None unless ``op`` is a notes update that must not be logged: not a
    readable Yjs update, depending on text the document lacks, past the
    document's size cap, or a new card description past the board's count."""
    if not isinstance(op, NotesUpdate):
        return None
    current = state.notes.get(op.doc)
    if (
        current is None
        and op.doc != BOARD_DOC
        and descriptions(state.notes) >= limits.MAX_DESCRIPTIONS
    ):
        return Refusal(
            ErrorCode.BOARD_FULL,
            f"a board holds at most {limits.MAX_DESCRIPTIONS} card descriptions",
        )
    max_doc = limits.MAX_NOTES_DOC if op.doc == BOARD_DOC else limits.MAX_CARD_DOC
    return check_update(current, op.update, max_doc=max_doc, max_update=limits.MAX_NOTES_UPDATE)


async def settled_refusal(hub: BoardHub, op: Op) -> Refusal | None:
    """:func:`notes_refusal` against a replica that has caught up with the
    log when it matters: a client that reconnects sends its next update on
    a new connection, and the node may not have applied the client's
    previous one yet (it was acked on the old connection). An update that
    depends on text the replica lacks is checked again once the replica
    reached the log's head; only then is it refused."""
    refusal = notes_refusal(hub.state, op)
    if refusal is None or not refusal.missing:
        return refusal
    # Catch up with the log as it is now; the replica may also have applied
    # the missing text while the head was read.
    head = await hub.store.head(hub.board)
    await hub.caught_up(head.seq, CATCH_UP_S)
    return notes_refusal(hub.state, op)
