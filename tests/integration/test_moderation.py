"""What each role receives on the wire under moderation (issue 9), with real
server processes on two nodes: live events, a resume replay and a fresh
snapshot all show a viewer exactly its projection (protocol/visibility.py),
and a removed participant is closed with 4105 and refused on rejoin."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any

from protocol.errors import CloseCode, ErrorCode
from tests.support.cluster import Nodes
from tests.support.servers import token_of
from tests.support.wire import Wire, card


def _cards(events: list[dict[str, Any]]) -> dict[str, Any]:
    """Cards named by the events a wire received (ops and view patches)."""
    out: dict[str, Any] = {}
    for e in events:
        op = e.get("op") or {}
        if op.get("type") == "card.add":
            out[op["id"]] = op
        elif op.get("type") == "view.patch":
            out.update(op.get("cards") or {})
    return out


async def test_approval_mode_on_the_wire_across_two_nodes(nodes: Nodes) -> None:
    a, b = nodes.start(), nodes.start()
    board = a.create_board("Moderated")
    bid, links = board["board"], board["links"]
    fac = await Wire.join(a.ws, bid, token_of(links["facilitator"]), "Fien")
    alice = await Wire.join(b.ws, bid, token_of(links["participant"]), "Alice")
    bob = await Wire.join(a.ws, bid, token_of(links["participant"]), "Bob")
    screen = await Wire.join(b.ws, bid, token_of(links["viewer"]), "Screen")

    on = await fac.op("f1", {"type": "board.set", "approval": True})
    assert on["t"] == "ack"
    ack = await alice.op("a1", card("c1", "secret idea"))
    seq = ack["seq"]
    for w in (fac, alice, bob, screen):
        await w.wait_seq(seq)
    # The author and the facilitator see it pending; the room gets a placeholder.
    assert _cards(fac.events)["c1"]["title"] == "secret idea"
    assert _cards(alice.events)["c1"]["status"] == "pending"
    for w in (bob, screen):
        placeholder = next(e for e in w.events if e["seq"] == seq)
        assert placeholder.get("op") is None and placeholder["actor"] == ""
        assert "c1" not in _cards(w.events)

    # Bob cannot touch what he may not see: the same answer as for no card.
    refused = await bob.op("b1", {"type": "comment.add", "id": "m1", "card": "c1", "body": "x"})
    assert refused["t"] == "error" and refused["code"] == ErrorCode.NOT_FOUND
    refused = await bob.op("b2", {"type": "card.moderate", "id": "c1", "action": "approve"})
    assert refused["t"] == "error" and refused["code"] == ErrorCode.FORBIDDEN

    # A fresh join and a resume from before the post see the same thing.
    late = await Wire.join(b.ws, bid, token_of(links["participant"]), "Late")
    assert "c1" not in late.welcome["snapshot"]["cards"]
    resumed = await Wire.join(
        a.ws, bid, token_of(links["viewer"]), "Screen2", resume=(screen.welcome["epoch"], 1)
    )
    assert resumed.welcome["recovered"] is True
    await resumed.wait_seq(seq)
    assert "c1" not in _cards(resumed.events)

    approved = await fac.op("f2", {"type": "card.moderate", "id": "c1", "action": "approve"})
    for w in (alice, bob, screen, late, resumed):
        await w.wait_seq(approved["seq"])
        assert _cards(w.events)["c1"]["title"] == "secret idea", w.welcome["role"]
        assert _cards(w.events)["c1"]["status"] == "visible"
    for w in (fac, alice, bob, screen, late, resumed):
        await w.close()


async def test_a_removed_participant_is_closed_and_refused(nodes: Nodes) -> None:
    a, b = nodes.start(), nodes.start()
    board = a.create_board("Removal")
    bid, links = board["board"], board["links"]
    fac = await Wire.join(a.ws, bid, token_of(links["facilitator"]), "Fien")
    troll = await Wire.join(b.ws, bid, token_of(links["participant"]), "Troll")
    actor, identity = troll.welcome["actor"], troll.welcome["identity"]
    ack = await fac.op("f1", {"type": "participant.remove", "actor": actor})
    assert ack["t"] == "ack"
    assert await troll.wait_closed() == CloseCode.KICKED
    again = await Wire.connect(b.ws)
    await again.send({"t": "hello", "v": 1, "board": bid, "token": token_of(links["participant"]),
                      "name": "Troll", "identity": identity})  # fmt: skip
    assert await again.wait_closed() == CloseCode.KICKED
    await fac.close()


async def test_votes_in_a_round_stay_private_until_it_closes(nodes: Nodes) -> None:
    a = nodes.start()
    board = a.create_board("Rounds")
    bid, links = board["board"], board["links"]
    fac = await Wire.join(a.ws, bid, token_of(links["facilitator"]), "Fien")
    p1 = await Wire.join(a.ws, bid, token_of(links["participant"]), "P1")
    p2 = await Wire.join(a.ws, bid, token_of(links["participant"]), "P2")
    await fac.op("f1", card("c1", "option"))
    await fac.op("f2", {"type": "round.open"})
    v1 = await p1.op("v1", {"type": "vote.cast", "card": "c1"})
    v2 = await p2.op("v2", {"type": "vote.cast", "card": "c1"})
    await p1.wait_seq(v2["seq"])
    mine = [e for e in p1.events if e["seq"] in (v1["seq"], v2["seq"])]
    assert mine[0]["op"]["votes"] == {"c1": {p1.welcome["actor"]: 1}}
    assert mine[1].get("op") is None  # p2's vote: a placeholder for p1
    closed = await fac.op("f3", {"type": "round.close"})
    await p1.wait_seq(closed["seq"])
    result = next(e for e in p1.events if e["seq"] == closed["seq"])["op"]
    assert result["votes"]["c1"] == {p1.welcome["actor"]: 1, p2.welcome["actor"]: 1}
    late = await p1.op("v3", {"type": "vote.cast", "card": "c1"})
    assert late["t"] == "error" and late["code"] == ErrorCode.FORBIDDEN
    for w in (fac, p1, p2):
        await w.close()


async def test_rest_reads_and_the_activity_log_follow_the_role(nodes: Nodes) -> None:
    a = nodes.start()
    board = a.create_board("Log")
    bid, links = board["board"], board["links"]
    fac = await Wire.join(a.ws, bid, token_of(links["facilitator"]), "Fien")
    ann = await Wire.join(a.ws, bid, token_of(links["participant"]), "Ann")
    await fac.op("f1", {"type": "board.set", "approval": True})
    await ann.op("a1", card("c1", "pending idea"))
    await fac.op("f2", {"type": "card.moderate", "id": "c1", "action": "reject"})
    viewer_view = a.snapshot(bid, token_of(links["viewer"]))
    assert "c1" not in viewer_view["cards"]
    assert a.snapshot(bid, token_of(links["facilitator"]))["cards"]["c1"]["status"] == "rejected"

    log = a.get_json(f"/api/boards/{bid}/activity", token_of(links["facilitator"]))
    actions = [(e["name"], e["action"], e["target"], e["detail"]) for e in log["entries"]]
    assert ("Ann", "card.add", "c1", "pending idea") in actions
    assert ("Fien", "card.moderate", "c1", "reject") in actions
    status, _ = _get_status(a.http + f"/api/boards/{bid}/activity", token_of(links["participant"]))
    assert status == 403
    status, csv_text = _get_status(
        a.http + f"/api/boards/{bid}/activity?format=csv", token_of(links["facilitator"])
    )
    assert status == 200 and csv_text.splitlines()[0] == "seq,time,name,role,action,target,detail"
    await fac.close()
    await ann.close()


def _get_status(url: str, token: str) -> tuple[int, str]:
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


async def test_a_replay_from_the_log_never_shows_what_was_not_shown(nodes: Nodes) -> None:
    """Node b has no hub for the board: a resume must come from the log,
    whose raw events include a pending card. Raw log events are replayed
    only where every viewer got them raw; here the viewer gets a snapshot."""
    env = {"PRIKBORD_SNAPSHOT_EVERY": "10", "PRIKBORD_HUB_LINGER_S": "0"}
    a, b = nodes.start(**env), nodes.start(**env)
    board = a.create_board("Replay")
    bid, links = board["board"], board["links"]
    fac = await Wire.join(a.ws, bid, token_of(links["facilitator"]), "Fien")
    ann = await Wire.join(a.ws, bid, token_of(links["participant"]), "Ann")
    await fac.op("f0", {"type": "board.set", "approval": True})
    mark = (await fac.op("f1", card("open", "for all")))["seq"]
    await ann.op("a1", card("secret", "waits"))
    for i in range(25):
        last = await fac.op(f"g{i}", card(f"g{i}", "facilitator card"))
    screen = await Wire.join(b.ws, bid, token_of(links["viewer"]), "Screen",
                             resume=(fac.welcome["epoch"], mark))  # fmt: skip
    await screen.wait_seq(last["seq"])
    seen = _cards(screen.events)
    if screen.welcome["recovered"] is False:
        seen.update(screen.welcome["snapshot"]["cards"])
    assert "secret" not in seen
    assert "g24" in seen
    for w in (fac, ann, screen):
        await w.close()


async def test_presence_and_notes_do_not_undo_moderation_or_anonymity(nodes: Nodes) -> None:
    """Outside review of issue 9: a focus on a pending card named its id in
    everyone's presence, and in anonymous mode a notes update went out raw
    with its writer's actor and name."""
    from pycrdt import Doc, Text

    a = nodes.start()
    board = a.create_board("Quiet")
    bid, links = board["board"], board["links"]
    fac = await Wire.join(a.ws, bid, token_of(links["facilitator"]), "Fien")
    alice = await Wire.join(a.ws, bid, token_of(links["participant"]), "Alice")
    bob = await Wire.join(a.ws, bid, token_of(links["participant"]), "Bob")
    await fac.op("f1", {"type": "board.set", "approval": True})
    await alice.op("a1", card("c1", "pending"))
    await alice.send({"t": "focus", "card": "c1", "notes": "card:c1", "cursor": "x"})
    frame = await bob.until(
        lambda f: (
            f.get("t") == "presence"
            and any(m.get("name") == "Alice" for m in f.get("members") or f.get("updated") or [])
        ),
        10,
    )
    members = frame.get("members") or frame.get("updated") or []
    shown = next(m for m in members if m["name"] == "Alice")
    assert shown.get("card") is None and shown.get("notes") is None and shown.get("cursor") is None

    anon = await fac.op("f2", {"type": "board.set", "anonymous": "all"})
    doc: Doc[Text] = Doc()
    doc["notes"] = text = Text()
    text += "who wrote this?"
    typed = await alice.op(
        "a2", {"type": "notes.update", "doc": "board", "update": doc.get_update()}
    )
    assert anon["t"] == typed["t"] == "ack"
    await bob.wait_seq(typed["seq"])
    await fac.wait_seq(typed["seq"])
    for wire in (bob, fac):
        event = next(e for e in wire.events if e["seq"] == typed["seq"])
        assert event["op"]["type"] == "notes.update"  # still applies, raw
        assert event["actor"] == event["name"] == event["op_id"] == ""
    mine = next(e for e in alice.events if e["seq"] == typed["seq"])
    assert mine["actor"] == alice.welcome["actor"] and mine["op_id"] == "a2"
    for w in (fac, alice, bob):
        await w.close()
