"""Resume: exactly the missed events, or a snapshot — never a partial replay."""

from __future__ import annotations

import asyncio
import sys

from protocol.errors import CloseCode
from tests.support.cluster import Nodes
from tests.support.servers import token_of
from tests.support.wire import Wire, card


async def test_client_away_during_100_ops_resumes_without_loss_or_doubles(nodes: Nodes) -> None:
    a, b = nodes.start(), nodes.start()
    board = a.create_board("Resume")
    bid, token = board["board"], token_of(board["links"]["participant"])
    writer = await Wire.join(a.ws, bid, token, "writer")
    reader = await Wire.join(b.ws, bid, token, "reader")
    for i in range(10):
        await writer.op(f"w{i}", card(f"early{i}"))
    await reader.wait_seq(11)
    epoch, seen = reader.welcome["epoch"], reader.last_seq
    identity = reader.welcome["identity"]
    before = list(reader.events)
    await reader.close()

    for i in range(100):
        assert (await writer.op(f"x{i}", card(f"away{i}")))["t"] == "ack"

    back = await Wire.join(a.ws, bid, token, "reader", identity=identity, resume=(epoch, seen))
    assert back.welcome["recovered"] is True
    assert back.welcome["seq"] == seen
    assert "snapshot" not in back.welcome
    assert back.welcome["actor"] == reader.welcome["actor"]  # same identity
    await back.wait_seq(seen + 100)
    events = before + back.events
    seqs = [e["seq"] for e in events]
    assert seqs == list(range(seqs[0], seen + 101))  # none missing, none doubled
    await writer.op("after", card("after"))
    await back.wait_seq(seen + 101)
    assert [e["seq"] for e in back.events] == list(range(seen + 1, seen + 102))
    await back.close()
    await writer.close()


async def test_resume_with_unknown_epoch_gets_a_snapshot(nodes: Nodes) -> None:
    a = nodes.start()
    board = a.create_board("Epoch")
    bid, token = board["board"], token_of(board["links"]["participant"])
    w = await Wire.join(a.ws, bid, token)
    await w.op("1", card("c1"))
    back = await Wire.join(a.ws, bid, token, resume=("not-the-epoch", 1))
    assert back.welcome["recovered"] is False
    assert back.welcome["seq"] == 2
    assert set(back.welcome["snapshot"]["cards"]) == {"c1"}
    ahead = await Wire.join(a.ws, bid, token, resume=(back.welcome["epoch"], 999))
    assert ahead.welcome["recovered"] is False
    for x in (w, back, ahead):
        await x.close()


async def test_resume_behind_trimmed_log_gets_a_snapshot(nodes: Nodes) -> None:
    env = {
        "PRIKBORD_SNAPSHOT_EVERY": "20",
        "PRIKBORD_LOG_RETAIN": "5",
        "PRIKBORD_HUB_LINGER_S": "0",
    }
    a = nodes.start(**env)
    b = nodes.start(**env)
    board = a.create_board("Trim")
    bid, token = board["board"], token_of(board["links"]["participant"])
    w = await Wire.join(a.ws, bid, token)
    for i in range(60):
        await w.op(str(i), card(f"c{i}"))
    await w.wait_seq(61)
    # Node b has no hub for this board: its resume must come from the log,
    # which was trimmed to 5 events behind the snapshot at 60.
    back = await Wire.join(b.ws, bid, token, resume=(w.welcome["epoch"], 10))
    assert back.welcome["recovered"] is False
    assert back.welcome["seq"] == 61
    assert len(back.welcome["snapshot"]["cards"]) == 60
    recent = await Wire.join(b.ws, bid, token, resume=(w.welcome["epoch"], 58))
    assert recent.welcome["recovered"] is True
    await recent.wait_seq(61)
    assert [e["seq"] for e in recent.events] == [59, 60, 61]
    for x in (w, back, recent):
        await x.close()


async def test_join_after_snapshots_rebuilds_the_same_state(nodes: Nodes) -> None:
    a = nodes.start(PRIKBORD_SNAPSHOT_EVERY="7", PRIKBORD_LOG_RETAIN="3")
    board = a.create_board("Snap")
    bid, token = board["board"], token_of(board["links"]["facilitator"])
    w = await Wire.join(a.ws, bid, token)
    for i in range(25):
        await w.op(str(i), card(f"c{i}"))
    await w.op("del", {"type": "card.delete", "id": "c3"})
    await w.op("vote", {"type": "vote.cast", "card": "c4"})
    await w.wait_seq(28)
    b = nodes.start()
    fresh = await Wire.join(b.ws, bid, token)
    via_rest = b.snapshot(bid, token)
    assert fresh.welcome["snapshot"] == via_rest
    assert via_rest["seq"] == 28
    assert via_rest["cards"]["c3"]["deleted"] is True
    assert via_rest["votes"] == {"c4": {w.welcome["actor"]: 1}}
    await w.close()
    await fresh.close()


async def test_rotated_epoch_after_a_restore_makes_clients_resync(nodes: Nodes) -> None:
    a = nodes.start()
    board = a.create_board("Restore")
    bid, token = board["board"], token_of(board["links"]["participant"])
    w = await Wire.join(a.ws, bid, token)
    await w.op("1", card("c1"))
    old_epoch = w.welcome["epoch"]
    cmd = ["admin", "rotate-epochs", "--redis-url", nodes.valkey.url]
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "prikbord.cli", *cmd, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await proc.communicate()
    assert proc.returncode == 0
    assert b"rotated the epoch of 1 boards" in out
    # The live node re-checks the board and makes its clients resync…
    assert await w.wait_closed() == CloseCode.RESYNC
    # …and their resume with the old epoch gets a snapshot, on any node.
    for node in (a, nodes.start()):
        back = await Wire.join(node.ws, bid, token, resume=(old_epoch, 2))
        assert back.welcome["recovered"] is False
        assert back.welcome["epoch"] != old_epoch
        assert set(back.welcome["snapshot"]["cards"]) == {"c1"}
        await back.close()
