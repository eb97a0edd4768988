"""Ops that carry files: every file id must be registered on the board, and
each attachment's facts come from the registry, not from the client.

Called by the WebSocket op path (server/ws.py) beside the policy check,
before the op is appended: a card can only show a file that was uploaded to
*this* board (so a link to another board's file id shows nothing), and a
client cannot make a PDF look like an image or a 20 MB file look small.
"""

from __future__ import annotations

from redis.exceptions import RedisError

from protocol.errors import ErrorCode
from protocol.model import BoardState
from protocol.ops import Attachment, CardAdd, CardSet, Op, file_ids
from protocol.policy import Rejection
from protocol.wordfilter import hold_if_filtered
from server.files.service import Files


async def checked_files(files: Files, state: BoardState, op: Op) -> tuple[Op, Rejection | None]:
    """``op`` with its attachments rewritten from the board's registry, or
    the refusal: 311 (not found) for a file id the board does not hold, 101
    (retry) when Redis cannot say. The word filter runs again over the
    rewritten op: it reads file names, and must read the stored ones, not
    the ones a client made up to pass it."""
    board = state.board
    ids = file_ids(op)
    if not ids:
        return op, None
    try:
        entries = await files.entries(board, ids)
    except (RedisError, OSError):
        return op, Rejection(ErrorCode.UNAVAILABLE, "storage unavailable: retry")
    missing = sorted(ids - entries.keys())
    if missing:
        return op, Rejection(
            ErrorCode.NOT_FOUND, f"file {missing[0][:12]}… is not uploaded to this board"
        )
    if isinstance(op, CardAdd | CardSet) and op.files:
        true = [Attachment(**entries[a.id].attachment(a.id)) for a in op.files]
        op = hold_if_filtered(state, op.model_copy(update={"files": true}))
    return op, None
