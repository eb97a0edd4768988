"""Read a board's state straight from Redis: snapshot + log tail.

For readers without a live hub (REST export). Costs one snapshot read plus at
most ``snapshot_every`` events, however old the board is.
"""

from __future__ import annotations

from protocol import codec
from protocol.model import BoardState
from protocol.reducer import apply
from server.engine.snapshots import state_of
from server.engine.store import Store


async def read_state(store: Store, board: str) -> BoardState:
    await store.head(board)  # raises BoardNotFound
    snap = await store.load_snapshot(board)
    state = state_of(board, snap.state, snap.version)
    for raw in await store.read_log(board, state.seq):
        apply(state, codec.decode_event(raw))
    return state
