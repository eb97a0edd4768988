"""New boards from a whole state: import, template, duplicate.

How a board is born with content: through the engine, as a **snapshot at
seq 1**. The board gets its meta (fresh epoch) and one ordinary creation
event (a system ``board.set`` of its title and layout, as
``POST /api/boards`` appends), then the whole state is stored as the
snapshot at that event through ``Store.save_snapshot`` — the same script a
node uses, which checks the epoch and that the log holds exactly that event.
From then on it is a board like any other: nodes load the snapshot and the
log tail, later snapshots replace it, resumes and epochs work unchanged.

Why not replay ops: an op cannot say who wrote a card, when, or its
moderation status; a vote or reaction belongs to its actor; notes states
would be re-split into updates. Events forged per actor would reproduce
that, but as thousands of appends for a big board. The snapshot is the
form the board is kept in anyway, so one write reproduces it exactly.

If any step fails the half-made board is deleted (all its keys share one
hash tag: one DEL), so a failed import leaves nothing in Redis.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from pydantic import ValidationError
from redis.exceptions import RedisError

from protocol import codec, limits
from protocol.model import BoardState, to_wire
from protocol.ops import BoardSet
from server.engine.keys import BOARDS_KEY, board_keys
from server.engine.store import SnapshotSaved, now_ms
from server.files.detect import Refused
from server.files.registry import Entry
from server.library import templates
from server.node import Node
from server.tokens import new_board_id

log = logging.getLogger("prikbord.library")

#: The seq of an imported board's snapshot: its creation event.
BIRTH_SEQ = 1


class CreateFailed(Exception):
    """Storage refused a step; nothing of the board was kept."""


@dataclass(frozen=True, slots=True)
class Created:
    board: str
    title: str
    short: str


#: Puts a new board's files in place (given the new board's id): an
#: import's attachments, a duplicate's files of the original.
PutFiles = Callable[[str], Awaitable[None]]


class FilesRefused(Exception):
    """A file could not be put back: its bytes do not match its id, it is
    not the type its entry says, it carries metadata, or the board's quota
    is full. ``message`` names the file and says why; ``status`` is the
    HTTP answer (422, or 413 over the quota)."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.message, self.status = message, status


async def create_from_state(
    node: Node, state: BoardState, *, owner: str | None, files: PutFiles | None = None
) -> Created:
    """A new board (new id, new epoch) holding ``state`` (its board id and
    seq are replaced; the caller's object is not changed). ``owner``: the
    account that owns it (None: nobody). Raises CreateFailed. Putting the
    board in a hub is the hubs' index (server/hubs/store.py ``attach``):
    the caller's, so one place says which hub a board is in."""
    board = new_board_id()
    # A big board is a second of CPU to copy and pack: in a thread, so the
    # node's sockets are served meanwhile.
    born = await asyncio.to_thread(copy.deepcopy, state)
    born.board, born.seq = board, BIRTH_SEQ
    title = born.settings.title
    store = node.store
    try:
        op = BoardSet.model_validate(
            {"type": "board.set", "title": title, "layout": born.settings.layout}
        )
    except ValidationError as exc:  # the state's own checks were skipped
        raise CreateFailed(f"not a valid board title or layout: {exc}") from None
    at = now_ms()
    head, tail = codec.event_parts(
        op_id="create", actor="system", name="Prikbord", role="facilitator", at=at, op=op
    )
    try:
        epoch = await store.create_board(board, at)
        appended = await store.append(board, "system:create", head, tail)
        if appended.seq != BIRTH_SEQ:
            raise CreateFailed(f"new board's first event got seq {appended.seq}")
        packed = await asyncio.to_thread(lambda: codec.pack(to_wire(born)))
        saved = await store.save_snapshot(
            board, BIRTH_SEQ, packed, epoch=epoch,
            last_event=codec.seal_event(head, BIRTH_SEQ, tail),
            # Resumes from before seq 1 do not exist; 1 keeps the careful path.
            restricted=BIRTH_SEQ,
        )  # fmt: skip
        if saved is not SnapshotSaved.STORED:
            raise CreateFailed(f"snapshot of the new board refused ({saved.name})")
        if files is not None:
            await files(board)
        await node.accounts.boards.claim(board, owner, title, at)
        short = await store.create_short_code(board)
    except FilesRefused:
        await _discard(node, board, owner)
        raise
    except (RedisError, OSError, CreateFailed) as exc:
        log.warning("creating board %s from a state failed: %s", board, exc)
        await _discard(node, board, owner)
        raise CreateFailed(str(exc)) from exc
    _fetch_previews(node, board, born)
    return Created(board, title, short)


def _fetch_previews(node: Node, board: str, state: BoardState) -> None:
    """Fetch the preview of each link card that came without one, as for a
    card posted with a link: a template keeps its link cards but not their
    previews (a preview's image is a file of the source board), and a
    preview is otherwise fetched only when an op sets a URL. Bounded by
    the node's preview queue; the URL is the card's since ``BIRTH_SEQ``."""
    for card_id, card in state.cards.items():
        if card.url and card.preview is None and not card.deleted:
            node.previews.request(board, card_id, card.url, BIRTH_SEQ)


def put_files(node: Node, files: list[tuple[str, Entry, bytes]]) -> PutFiles:
    """A PutFiles for files in hand (an import's): each is checked against
    its id and registered on the new board (server/files: ``import_file``)."""

    async def put(board: str) -> None:
        for file_id, entry, data in files:
            try:
                await node.files.import_checked(board, file_id, entry, data)
            except Refused as exc:
                raise FilesRefused(exc.message, exc.status) from None

    return put


def copy_files(node: Node, source: str, ids: set[str]) -> PutFiles:
    """A PutFiles that copies the files ``ids`` of board ``source`` (one at
    a time: a board's files can be hundreds of megabytes). The bytes are
    content-addressed, so the copy stores nothing twice."""

    async def put(board: str) -> None:
        if not ids:
            return
        async for file_id, entry, data in node.files.export_board(source):
            if file_id not in ids:
                continue
            try:
                await node.files.import_checked(board, file_id, entry, data)
            except Refused as exc:
                raise FilesRefused(exc.message, exc.status) from None

    return put


async def _discard(node: Node, board: str, owner: str | None) -> None:
    """Remove what a failed creation wrote (best effort: storage may be away)."""
    try:
        if not await node.accounts.boards.delete(board):
            await node.store.redis.delete(*board_keys(board))
            await node.store.redis.srem(BOARDS_KEY, board)
    except (RedisError, OSError) as exc:
        log.warning("cleaning up board %s failed: %s", board, exc)


def board_title(text: str, *, fallback: str) -> str:
    """``text`` as a board title: one line, no control characters, at most
    ``MAX_BOARD_TITLE`` characters (an agenda activity's title may be
    longer); ``fallback`` when nothing is left."""
    line = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    return line[: limits.MAX_BOARD_TITLE].strip() or fallback


async def create_from_template(
    node: Node, template_id: str, *, title: str, owner: str | None, hub: str | None
) -> str:
    """A new board from a template (a built-in id such as ``brainstorm`` or
    ``brainstorm:en``, or a saved template's id): its sections, settings and
    starter cards, titled ``title``; ``hub`` finds the hub's saved templates
    (the caller puts the board in the hub). Returns the board id. Raises
    ``templates.UnknownTemplate`` for no such template, CreateFailed when
    storage fails. What the hubs' agenda calls when an activity starts."""
    from server.library import saved  # saved templates live in Redis

    state = await saved.template_state(node, template_id, hub=hub, owner=owner)
    if state is None:
        raise templates.UnknownTemplate(template_id)
    state.settings.title = board_title(title, fallback=state.settings.title)
    return (await create_from_state(node, state, owner=owner)).board
