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

from protocol import limits
from protocol.errors import ErrorCode
from protocol.model import BoardState
from protocol.notes import BOARD_DOC, Refusal, check_update, descriptions
from protocol.ops import NotesUpdate, Op


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
