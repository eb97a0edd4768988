"""The Python client and its CLI against real server processes."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from client.backoff import Backoff
from client.client import PrikbordClient
from client.errors import ConnectFailed, OpRejected, TerminalClose
from client.links import parse_link
from client.updates import Applied, Disconnected, Subscription
from protocol.model import to_wire
from protocol.ops import CardAdd
from tests.support.cluster import Nodes
from tests.support.servers import ROOT, ServerProcess
from tests.support.valkey import free_port
from tests.support.wire import Wire

# Every wait in this module is a multiple of this; raise it on a slow machine.
UNIT = float(os.environ.get("PRIKBORD_TEST_TIMEOUT_UNIT", "1.0"))


def links(node: ServerProcess, title: str = "Client test") -> dict[str, str]:
    body = node.create_board(title)
    result: dict[str, str] = body["links"]
    return result


async def until(pred: Callable[[], bool], within: float = 10 * UNIT) -> None:
    """Poll ``pred``: the states tested here have no event to wait on."""
    async with asyncio.timeout(within):
        while not pred():
            await asyncio.sleep(0.01)


def applied_seqs(sub: Subscription) -> Callable[[], list[int]]:
    """Collect the seqs of Applied updates from ``sub`` in the background."""
    seen: list[int] = []

    async def drain() -> None:
        async for update in sub:
            if isinstance(update, Applied):
                seen.append(update.event.seq)

    task = asyncio.get_running_loop().create_task(drain())
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)
    return lambda: seen


_tasks: set[asyncio.Task[None]] = set()


async def cli(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "prikbord.cli", *args,
        cwd=ROOT, env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    async with asyncio.timeout(30 * UNIT):
        out, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


# --- CLI --------------------------------------------------------------------------


async def test_cli_board_create_card_add_and_identity(nodes: Nodes, tmp_path: Path) -> None:
    node = nodes.start()
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config")}
    rc, out, err = await cli(
        "board", "create", "--server", node.http, "--title", "CLI board", "--json", env=env
    )
    assert rc == 0, err
    created = json.loads(out)
    link = created["links"]["participant"]
    assert set(created["links"]) == {"facilitator", "participant", "viewer", "join"}

    rc, out, err = await cli("board", "create", "--server", node.http, env=env)
    assert rc == 0 and "facilitator:" in out and "viewer:" in out and "/j/" in out, err

    ids = []
    for text in ("first", "second"):
        rc, out, err = await cli("card", "add", link, text, "--name", "Ann", env=env)
        assert rc == 0, err
        words = out.split()  # "card <id> added at seq N"
        assert words[0] == "card" and words[2:5] == ["added", "at", "seq"], out
        ids.append((words[1], int(words[5])))
    assert ids[1][1] == ids[0][1] + 1

    async with PrikbordClient(link, name="checker") as c:
        cards = c.confirmed.cards
        assert cards[ids[0][0]].body == "first" and cards[ids[1][0]].body == "second"
        # The identity file kept the CLI one author across runs.
        assert cards[ids[0][0]].author == cards[ids[1][0]].author
        assert cards[ids[0][0]].author_name == "Ann"
    saved = json.loads((tmp_path / "config" / "prikbord" / "identities.json").read_text())
    assert list(saved) == [f"{node.http} {created['board']}"]


async def test_cli_errors_are_one_line_with_exit_codes(nodes: Nodes, tmp_path: Path) -> None:
    node = nodes.start()
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config")}
    created = node.create_board()
    viewer = created["links"]["viewer"]
    forged = created["links"]["participant"].split("#")[0] + "#t=forged"
    dead = f"http://127.0.0.1:{free_port()}"
    cases = [
        (["card", "add", "http://x/nope", "t"], 2, "board link"),
        (["card", "add", viewer, "t"], 1, "read-only"),
        (["card", "add", forged, "t"], 1, "4102"),
        (["card", "add", f"{dead}/b/b1#t=x", "t"], 3, "cannot join"),
        (["board", "create", "--server", dead], 3, "cannot reach"),
        (["board", "create", "--server", node.http, "--title", " "], 1, "refused"),
    ]
    for args, code, message in cases:
        rc, out, err = await cli(*args, env=env)
        assert rc == code, (args, out, err)
        assert message in err and "Traceback" not in err and len(err.splitlines()) == 1, err


async def test_cli_watch_prints_snapshot_events_and_exits_0_on_ctrl_c(
    nodes: Nodes, tmp_path: Path
) -> None:
    node = nodes.start()
    link = links(node, "Watched")["participant"]
    async with PrikbordClient(link, name="Ann") as ann:
        await ann.add_card("before")
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "prikbord.cli", "watch", link, "--name", "Wim",
            cwd=ROOT, env={**os.environ, "XDG_CONFIG_HOME": str(tmp_path)},
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert proc.stdout is not None
        lines: list[str] = []

        async def line_with(text: str) -> str:
            assert proc.stdout is not None
            async with asyncio.timeout(15 * UNIT):
                while True:
                    line = (await proc.stdout.readline()).decode()
                    assert line, f"watch ended early: {lines}"
                    lines.append(line)
                    if text in line:
                        return line

        first = await line_with("'Watched'")
        assert "1 cards" in first and "as Wim (participant)" in first
        await line_with("Wim (participant) is here")
        sent = await ann.add_card("live one")
        line = await line_with("live one")
        assert line.startswith(f"#{sent.seq} Ann added card {sent.id}: 'live one'")
        await ann.vote(sent.id)
        assert "Ann voted for card" in await line_with("voted")
        proc.send_signal(signal.SIGINT)
        async with asyncio.timeout(10 * UNIT):
            _, err = await proc.communicate()
        assert proc.returncode == 0, err.decode()
        assert b"Traceback" not in err


# --- the client ---------------------------------------------------------------------


async def test_two_clients_on_two_nodes_see_each_others_ops(nodes: Nodes) -> None:
    a_node, b_node = nodes.start(), nodes.start()
    link = links(a_node)["participant"]
    b_link = link.replace(a_node.http, b_node.http)
    async with (
        PrikbordClient(link, name="Ann") as ann,
        PrikbordClient(b_link, name="Bob") as bob,
    ):
        assert ann.role == bob.role == "participant" and ann.actor != bob.actor
        sent = await ann.add_card("from Ann", color="blue")
        await bob.wait_for_seq(sent.seq)
        card = bob.confirmed.cards[sent.id]
        assert (card.body, card.color, card.author, card.author_name) == (
            "from Ann", "blue", ann.actor, "Ann",
        )  # fmt: skip
        comment = await bob.comment(sent.id, "nice")
        await bob.react(sent.id, "💡")
        voted = await bob.vote(sent.id)
        await ann.wait_for_seq(voted.seq)
        assert ann.confirmed.comments[comment.id].author == bob.actor
        assert ann.confirmed.reactions[sent.id]["💡"] == {bob.actor}
        assert ann.confirmed.votes[sent.id] == {bob.actor: 1}
        await bob.unvote(sent.id)
        moved = await ann.move_card(sent.id, x=100, y=200)
        await bob.wait_for_seq(moved.seq)
        await ann.wait_for_seq(moved.seq)  # an ack may come before its event
        assert (bob.confirmed.cards[sent.id].x, bob.confirmed.cards[sent.id].y) == (100, 200)
        assert to_wire(ann.confirmed) == to_wire(bob.confirmed)
        await until(lambda: {m.name for m in ann.presence} == {"Ann", "Bob"})


async def test_optimistic_view_then_ack_then_event(nodes: Nodes) -> None:
    node = nodes.start()
    link = links(node)["participant"]
    async with PrikbordClient(link, name="Ann") as ann:
        fut = ann.submit(CardAdd(type="card.add", id="opt1", title="optimistic"))
        assert "opt1" in ann.state.cards and "opt1" not in ann.confirmed.cards
        assert ann.state.cards["opt1"].author == ann.actor
        seq = await fut
        await ann.wait_for_seq(seq)
        assert ann.confirmed.cards["opt1"].title == "optimistic"
        assert ann.pending == [] and ann.state is ann.confirmed


async def test_rejected_ops_raise_and_vanish_from_the_view(nodes: Nodes) -> None:
    node = nodes.start()
    board = links(node)
    async with (
        PrikbordClient(board["participant"], name="Ann") as ann,
        PrikbordClient(board["participant"], name="Bob") as bob,
        PrikbordClient(board["viewer"], name="Screen") as screen,
        PrikbordClient(board["facilitator"], name="Fay") as fay,
    ):
        sent = await ann.add_card("Ann's")
        await bob.wait_for_seq(sent.seq)
        with pytest.raises(OpRejected) as info:
            await bob.update_card(sent.id, body="hijacked")
        assert info.value.code == 310
        assert bob.state.cards[sent.id].body == "Ann's" and bob.pending == []
        with pytest.raises(OpRejected) as info:
            await screen.add_card("from the wall")
        assert info.value.code == 310 and screen.role == "viewer"
        with pytest.raises(OpRejected):
            await bob.set_board(title="mine now")
        section = await fay.add_section("Ideas")
        titled = await fay.set_board(title="Renamed", layout="columns")
        moved = await fay.move_card(sent.id, section=section.id)
        await ann.wait_for_seq(max(titled.seq, moved.seq))
        assert ann.confirmed.settings.title == "Renamed"
        assert ann.confirmed.cards[sent.id].section == section.id


async def test_terminal_and_unreachable_fail_fast(nodes: Nodes) -> None:
    node = nodes.start()
    link = links(node)["participant"]
    forged = link.split("#")[0] + "#t=forged"
    with pytest.raises(TerminalClose) as info:
        async with PrikbordClient(forged, name="Eve"):
            pass
    assert info.value.code == 4102
    unknown = parse_link(link)._replace(board="nosuchboard")
    with pytest.raises(TerminalClose):
        async with PrikbordClient(unknown, name="Eve"):
            pass
    dead = parse_link(link)._replace(ws_url=f"ws://127.0.0.1:{free_port()}/ws")
    with pytest.raises(ConnectFailed):
        async with PrikbordClient(dead, name="Eve"):
            pass


async def test_resume_after_socket_is_force_closed_no_loss_no_double(nodes: Nodes) -> None:
    node = nodes.start()
    link = links(node)["participant"]
    # A fixed 1 s reconnect delay: a window in which to act while Bob is away.
    slow = Backoff(base=1.0, cap=1.0, rand=lambda: 1.0)
    async with (
        PrikbordClient(link, name="Ann") as ann,
        PrikbordClient(link, name="Bob", backoff=slow) as bob,
    ):
        bob_updates = bob.updates()
        seen = applied_seqs(bob_updates)
        for i in range(5):
            await ann.add_card(f"early {i}")
        await bob.wait_for_seq(ann.seq)

        ws = bob._ws
        assert ws is not None
        ws.transport.abort()  # the network drops; no close frame
        await until(lambda: not bob.connected)

        # While Bob is away: Ann writes, Bob queues an op (pending, not sent)…
        away = [await ann.add_card(f"away {i}") for i in range(20)]
        queued = bob.submit(CardAdd(type="card.add", id="bobs", title="queued offline"))
        assert "bobs" in bob.state.cards
        # …and the same op (same actor, same op id) reaches the log as if the
        # old connection had delivered it just before dying, ack lost.
        op_id = bob.pending[-1].op_id
        assert bob.identity is not None
        ghost = await Wire.join(node.ws, bob.link.board, bob.link.token, identity=bob.identity)
        first = await ghost.op(op_id, {"type": "card.add", "id": "bobs", "title": "queued offline"})
        assert first["t"] == "ack"
        await ghost.close()

        seq = await asyncio.wait_for(queued, 10 * UNIT)
        assert seq == first["seq"]  # the resend was answered with the first ack
        await bob.wait_for_seq(ann.seq)
        await ann.wait_for_seq(bob.seq)
        assert bob.seq == ann.seq == away[-1].seq + 1
        assert seen() == list(range(seen()[0], bob.seq + 1))  # none missing, none twice
        assert sum(1 for c in bob.confirmed.cards if c == "bobs") == 1
        assert to_wire(bob.confirmed) == to_wire(ann.confirmed)
        assert bob.pending == []
        bob_updates.close()


async def test_ops_survive_a_server_restart_and_are_applied_once(nodes: Nodes) -> None:
    node = nodes.start()
    link = links(node)["participant"]
    fast = Backoff(base=0.1, cap=0.5)
    async with PrikbordClient(link, name="Ann", backoff=fast) as ann:
        updates = ann.updates()
        before = await ann.add_card("before restart")
        actor = ann.actor
        node.stop()  # graceful: clients are told to reconnect
        await until(lambda: not ann.connected)
        pending = [
            ann.submit(CardAdd(type="card.add", id=f"p{i}", title=f"p{i}")) for i in range(5)
        ]
        node.start()
        seqs = [await asyncio.wait_for(f, 20 * UNIT) for f in pending]
        assert seqs == list(range(before.seq + 1, before.seq + 6))
        await ann.wait_for_seq(seqs[-1])
        assert ann.actor == actor  # the identity kept the author
        assert all(ann.confirmed.cards[f"p{i}"].author == actor for i in range(5))
        kinds = []
        async with asyncio.timeout(5 * UNIT):
            async for update in updates:
                kinds.append(type(update).__name__)
                if isinstance(update, Applied) and update.event.seq == seqs[-1]:
                    break
        assert "Disconnected" in kinds and "Joined" in kinds
        updates.close()


async def test_gap_free_under_concurrent_writers(nodes: Nodes) -> None:
    a_node, b_node = nodes.start(), nodes.start()
    link = links(a_node)["participant"]
    clients = [
        PrikbordClient(link.replace(a_node.http, n.http), name=f"w{i}")
        for i, n in enumerate([a_node, b_node, a_node])
    ]
    for c in clients:
        await c.connect()
    try:
        results = await asyncio.gather(
            *(c.add_card(f"{c.name}-{k}") for c in clients for k in range(15))
        )
        head = max(r.seq for r in results)
        assert sorted(r.seq for r in results) == list(range(head - 44, head + 1))
        for c in clients:
            await c.wait_for_seq(head)
        wires = [to_wire(c.confirmed) for c in clients]
        assert wires[0] == wires[1] == wires[2]
        assert all(c.state is c.confirmed for c in clients)
    finally:
        for c in clients:
            await c.close()


async def test_silent_server_is_detected_by_heartbeat_and_rejoined(nodes: Nodes) -> None:
    node = nodes.start(PRIKBORD_HEARTBEAT_MS="300")
    link = links(node)["participant"]
    async with PrikbordClient(
        link, name="Ann", backoff=Backoff(base=0.1, cap=0.3), open_timeout=1.0
    ) as ann:
        updates = ann.updates()
        await ann.add_card("before")
        await asyncio.sleep(1.0)  # pings keep a quiet but healthy connection up
        assert ann.connected
        assert node.proc is not None
        node.proc.send_signal(signal.SIGSTOP)  # frozen: TCP open, not a frame
        try:
            async with asyncio.timeout(5 * UNIT):
                async for update in updates:
                    if isinstance(update, Disconnected):
                        assert "heartbeat" in update.reason
                        break
        finally:
            node.proc.send_signal(signal.SIGCONT)
        after = await asyncio.wait_for(ann.add_card("after"), 10 * UNIT)
        await ann.wait_for_seq(after.seq)
        assert {c.body for c in ann.confirmed.cards.values()} == {"before", "after"}
        updates.close()


async def test_rate_limited_ops_are_resent_and_applied_once(nodes: Nodes) -> None:
    node = nodes.start(PRIKBORD_OPS_PER_SECOND="5", PRIKBORD_OPS_BURST="5")
    link = links(node)["participant"]
    async with PrikbordClient(link, name="Ann") as ann:
        ops = [CardAdd(type="card.add", id=f"r{i}", title=f"r{i}") for i in range(25)]
        seqs = await asyncio.wait_for(asyncio.gather(*(ann.send(op) for op in ops)), 30 * UNIT)
        assert len(set(seqs)) == 25
        await ann.wait_for_seq(max(seqs))
        assert sorted(c for c in ann.confirmed.cards) == sorted(f"r{i}" for i in range(25))
        assert ann.seq == max(seqs) == 26  # one event per op: nothing applied twice
