"""Session notes against real servers: two people on two nodes typing into
the same paragraph keep both their characters; the notes survive resumes, a
server restart and snapshots; refused updates change nothing for anyone; the
Markdown export reads them."""

from __future__ import annotations

import asyncio
import os
import sys
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from pycrdt import Doc, Text

from client.backoff import Backoff
from client.client import PrikbordClient
from client.errors import OpRejected
from client.notes import Notes
from client.updates import Disconnected, Subscription
from protocol import limits
from protocol.model import to_wire
from tests.support.cluster import Nodes
from tests.support.servers import ServerProcess, token_of
from tests.support.wire import Wire

UNIT = float(os.environ.get("PRIKBORD_TEST_TIMEOUT_UNIT", "1.0"))


def _links(node: ServerProcess) -> dict[str, str]:
    links: dict[str, str] = node.create_board("Notes test")["links"]
    return links


def _on(node: ServerProcess, link: str, other: ServerProcess) -> str:
    return link.replace(node.http, other.http)


async def until(pred: Callable[[], bool], within: float = 10 * UNIT) -> None:
    async with asyncio.timeout(within):
        while not pred():
            await asyncio.sleep(0.02)


async def _type(notes: Notes, at: Callable[[], int], chars: str, pause: float) -> None:
    """Type one character at a time, like a person (batched by the client)."""
    for ch in chars:
        notes.insert(at(), ch)
        await asyncio.sleep(pause)


async def _settled(*clients: PrikbordClient) -> None:
    """Every client has sent what it typed and holds the same log."""
    for c in clients:
        for doc in list(c._notes.values()):
            await doc.flush()
    for c in clients:
        while c.pending:
            await asyncio.sleep(0.02)
    head = max(c.seq for c in clients)
    for c in clients:
        await c.wait_for_seq(head)


async def _dropped(updates: Subscription) -> None:
    """Wait for the client to report a dropped connection."""
    async with asyncio.timeout(10 * UNIT):
        async for update in updates:
            if isinstance(update, Disconnected):
                return


def _update(text: str, client_id: int = 99) -> bytes:
    doc: Doc[Any] = Doc(client_id=client_id)
    doc.get("notes", type=Text).insert(0, text)
    return doc.get_update()


async def test_two_typists_on_two_nodes_merge_into_the_same_paragraph(nodes: Nodes) -> None:
    a_node, b_node = nodes.start(), nodes.start()
    link = _links(a_node)["participant"]
    async with (
        PrikbordClient(link, name="Ann") as ann,
        PrikbordClient(_on(a_node, link, b_node), name="Bob") as bob,
    ):
        a, b = ann.notes(), bob.notes()
        a.append("Decided: ")
        await a.flush()
        await until(lambda: b.text == "Decided: ")
        prefix = len("Decided: ")
        typed = {"ann": 0, "bob": 0}

        def cursor(who: str) -> Callable[[], int]:
            def at() -> int:  # after one's own last character, in one's own text
                typed[who] += 1
                return prefix + typed[who] - 1

            return at

        # Both type at the same spot at the same time, at typing speed.
        await asyncio.gather(
            _type(a, cursor("ann"), "shipfriday", 0.03),
            _type(b, cursor("bob"), "0123456789", 0.03),
        )
        await _settled(ann, bob)
        assert a.text == b.text
        merged = a.text[prefix:]
        assert a.text.startswith("Decided: ")
        assert sorted(merged) == sorted("shipfriday0123456789")  # none lost, none twice
        assert ann.confirmed.notes["board"].text() == a.text
        assert to_wire(ann.confirmed) == to_wire(bob.confirmed)
        # Batched: far fewer ops than keystrokes.
        notes_ops = ann.seq - 1  # the creation event is seq 1
        assert notes_ops < 21


async def test_notes_survive_resume_a_restart_and_snapshots(nodes: Nodes) -> None:
    node = nodes.start(PRIKBORD_SNAPSHOT_EVERY="5")
    link = _links(node)["participant"]
    fast = Backoff(base=0.1, cap=0.5)
    async with PrikbordClient(link, name="Ann", backoff=fast) as ann:
        notes = ann.notes()
        for i in range(12):  # a dozen batches: two snapshots on the way
            notes.append(f"line {i}\n")
            await notes.flush()
        updates = ann.updates()
        ws = ann._ws
        assert ws is not None
        ws.transport.abort()  # the network drops: a resume
        await _dropped(updates)  # (polling `connected` could miss a quick reconnect)
        notes.append("typed while away\n")  # waits in the outbox, or goes at once
        await _settled(ann)
        node.stop()  # a restart in the middle of typing
        await _dropped(updates)
        updates.close()
        notes.append("typed while the server was down\n")
        unsent = notes._send()
        node.start()
        assert unsent is not None
        await asyncio.wait_for(unsent, 20 * UNIT)
        await _settled(ann)
        expected = "".join(f"line {i}\n" for i in range(12))
        expected += "typed while away\ntyped while the server was down\n"
        assert notes.text == expected
        # A latecomer gets it all from the snapshot (plus a short tail).
        async with PrikbordClient(link, name="Cas") as cas:
            assert cas.notes().text == expected
            assert cas.confirmed.notes["board"] == ann.confirmed.notes["board"]


async def test_refused_updates_change_nothing_for_anyone(nodes: Nodes) -> None:
    node = nodes.start()
    board = _links(node)
    async with (
        PrikbordClient(board["participant"], name="Ann") as ann,
        PrikbordClient(board["viewer"], name="Screen") as screen,
        PrikbordClient(board["facilitator"], name="Fay") as fay,
    ):
        notes = ann.notes()
        notes.append("agreed text")
        seq = await notes.flush()
        assert seq is not None
        await screen.wait_for_seq(seq)
        assert screen.notes().text == "agreed text"
        # A viewer reads, never writes: refused, and its own copy goes back.
        screen.notes().append(" from the wall")
        with pytest.raises(OpRejected) as info:
            await screen.notes().flush()
        assert info.value.code == 310
        assert screen.notes().text == "agreed text"
        # A locked board: participants are refused, facilitators write on.
        locked = await fay.set_board(locked=True)
        await ann.wait_for_seq(locked.seq)
        notes.append(" and more")
        with pytest.raises(OpRejected) as info:
            await notes.flush()
        assert info.value.code == 310
        assert notes.text == "agreed text"
        fay_notes = fay.notes()
        fay_notes.append(" (facilitator)")
        done = await fay_notes.flush()
        assert done is not None
        await ann.wait_for_seq(done)
        assert notes.text == "agreed text (facilitator)"
        await fay.set_board(locked=False)

        # Raw frames: malformed, dependent on missing text, oversized, bin elsewhere.
        wire = await Wire.join(node.ws, ann.link.board, token_of(board["participant"]))
        junk = await wire.op("j1", {"type": "notes.update", "doc": "board", "update": b"\x01\x02"})
        assert (junk["t"], junk["code"]) == ("error", 302)
        orphan_doc: Doc[Any] = Doc(client_id=7)
        orphan_text = orphan_doc.get("notes", type=Text)
        orphan_text.insert(0, "never sent ")
        sv = orphan_doc.get_state()
        orphan_text.insert(11, "depends on it")
        orphan = await wire.op(
            "j2", {"type": "notes.update", "doc": "board", "update": orphan_doc.get_update(sv)}
        )
        assert orphan["code"] == 302 and "depends on" in orphan["msg"]
        big = _update("x" * limits.MAX_NOTES_UPDATE)
        huge = await wire.op("j3", {"type": "notes.update", "doc": "board", "update": big})
        assert (huge["code"], huge["id"]) == (302, "j3")
        no_card = await wire.op("j4", {"type": "notes.update", "doc": "card:nope", "update": b"x"})
        assert no_card["code"] == 311
        await wire.send({"t": "op", "id": "j5", "op": {"type": "vote.cast", "card": b"c"}})
        assert (await wire.expect("error"))["code"] == 300
        await wire.close()
        # Nothing of it reached the log: everyone holds the agreed text.
        await _settled(ann, fay, screen)
        for c in (ann, fay, screen):
            assert c.notes().text == "agreed text (facilitator)"


async def test_a_document_past_its_cap_is_refused(nodes: Nodes) -> None:
    node = nodes.start()
    board = _links(node)
    wire = await Wire.join(node.ws, board["participant"].split("/b/")[1].split("#")[0],
                           token_of(board["participant"]))  # fmt: skip
    # Card descriptions are capped at MAX_CARD_DOC bytes: fill one past it.
    added = await wire.op("c", {"type": "card.add", "id": "c1", "title": "idea"})
    assert added["t"] == "ack"
    chunk = "y" * (limits.MAX_CARD_DOC // 2)
    first = await wire.op("d1", {"type": "notes.update", "doc": "card:c1",
                                 "update": _update(chunk, 1)})  # fmt: skip
    assert first["t"] == "ack"
    second = await wire.op("d2", {"type": "notes.update", "doc": "card:c1",
                                  "update": _update(chunk + "zz", 2)})  # fmt: skip
    assert second["t"] == "error" and second["code"] == 320
    await wire.close()


async def test_markdown_export_over_rest_and_the_cli(nodes: Nodes, tmp_path: Any) -> None:
    node = nodes.start()
    board = _links(node)
    async with PrikbordClient(board["participant"], name="Ann") as ann:
        notes = ann.notes()
        notes.append("## Decided\n- ship Friday\n- [ ] send slides @Anna\n")
        await notes.flush()
        await _settled(ann)
        request = urllib.request.Request(
            f"{node.http}/api/boards/{ann.link.board}/notes.md",
            headers={"Authorization": f"Bearer {token_of(board['viewer'])}"},
        )

        def fetch() -> tuple[str, str]:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.headers["Content-Type"], response.read().decode()

        kind, body = await asyncio.to_thread(fetch)
        assert kind.startswith("text/markdown")
        assert body == "# Notes test\n\n## Decided\n- ship Friday\n- [ ] send slides @Anna\n"
        assert ann.notes_markdown() == body
        snapshot = node.snapshot(ann.link.board, token_of(board["viewer"]))
        assert isinstance(snapshot["notes"]["board"], str)  # base64 in JSON
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "prikbord.cli", "notes", board["viewer"],
        env={**os.environ, "XDG_CONFIG_HOME": str(tmp_path)},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 30 * UNIT)
    assert proc.returncode == 0, err.decode()
    assert out.decode() == body
