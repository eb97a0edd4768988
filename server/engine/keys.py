"""Redis key and channel names. All keys of one board share the hash tag
``{b:<id>}``, so a board lives on one Redis Cluster shard and its atomic
scripts and sharded pub/sub stay on that shard."""

from __future__ import annotations

from typing import NamedTuple


class BoardKeys(NamedTuple):
    meta: str  # hash: epoch, seq (log head), created
    log: str  # stream: one entry per event, id "<seq>-0", field "e"
    ops: str  # zset: "<actor>:<op_id>" scored by seq (exactly-once window)
    ops_times: str  # zset: seq scored by Redis time ms (the window's time checkpoints)
    snap: str  # hash: seq, state (msgpack snapshot form)
    presence: str  # hash: connection id → msgpack entry (a member plus "at")
    presence_expiry: str  # zset: connection id → expiry ms
    events: str  # sharded channel: event bytes
    presence_changed: str  # sharded channel: "something changed"
    #: zset: WebSocket slot → expiry ms (the per-board connection cap,
    #: server/conncaps.py; apart from presence, which outlives a redeploy)
    conns: str
    #: prefix of the op token buckets (append.lua): ``<rate>a:<actor>`` and
    #: ``<rate>i:<ip>``, strings "<tokens>:<ms>" that expire once full again
    rate: str
    #: string written to give a WAIT an offset (a duplicate op's ack with
    #: ``PRIKBORD_WAIT_REPLICAS``: store.py); expires after a minute
    sync: str


def board_keys(board: str) -> BoardKeys:
    tag = f"{{b:{board}}}"
    return BoardKeys(
        meta=f"{tag}:meta",
        log=f"{tag}:log",
        ops=f"{tag}:ops",
        ops_times=f"{tag}:opst",
        snap=f"{tag}:snap",
        presence=f"{tag}:pres",
        presence_expiry=f"{tag}:presx",
        events=f"{tag}:ev",
        presence_changed=f"{tag}:pc",
        conns=f"{tag}:conns",
        rate=f"{tag}:rl:",
        sync=f"{tag}:sync",
    )


def board_of_channel(channel: str) -> tuple[str, str] | None:
    """``({b:ID}:ev)`` → (ID, "ev"); None for channels that are not a board's."""
    if not channel.startswith("{b:"):
        return None
    end = channel.find("}:")
    if end < 0:
        return None
    return channel[3:end], channel[end + 2 :]


def probe_channel(node: str) -> str:
    return f"{{n:{node}}}:probe"


#: Where versions before issue 8 kept the signing secret (it then landed in
#: the AOF and every backup). Never written now; ``prikbord serve`` moves
#: an embedded server's old secret into the data directory and deletes it.
LEGACY_SECRET_KEY = "prikbord:secret"


def short_key(code: str) -> str:
    """Short join code → board id (``/j/<code>``)."""
    return f"prikbord:short:{code}"


BOARDS_KEY = "prikbord:boards"

#: Published on a board's presence channel when an operator rotated its epoch:
#: nodes holding the board re-check its head and make their clients resync.
EPOCH_CHANGED = b"epoch"
#: Published on a board's presence channel when its link state changed (a
#: link replaced, an expiry or access code set): nodes holding the board
#: re-read it and close the sockets whose link no longer works.
LINKS_CHANGED = b"links"
