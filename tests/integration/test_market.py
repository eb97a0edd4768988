"""Vraag en aanbod on a real server process and a real Valkey: the hub's
wall gathers questions and offers from its boards as a viewer sees them
(no pending or hidden card, no private board for the public), expired
cards leave the open list, the matching suggests the pair, and marking a
pair matched sets both cards' state through ops on their boards, with the
caller's rights (an author, a facilitator link, a coordinator) — a refusal
changes nothing."""

from __future__ import annotations

import time
from typing import Any

import httpx

from server.embedded import EmbeddedValkey
from tests.integration.conftest import Nodes, nodes, valkey
from tests.integration.test_hubs_api import HUB, coordinator
from tests.support.servers import ServerProcess, token_of
from tests.support.wire import Wire, card

__all__ = ["nodes", "valkey"]


def ask(card_id: str, title: str, *tags: str, **over: Any) -> dict[str, Any]:
    return {"type": "card.add", **card(card_id, title, kind="question", tags=list(tags), **over)}


def offer(card_id: str, title: str, *tags: str, **over: Any) -> dict[str, Any]:
    return {"type": "card.add", **card(card_id, title, kind="offer", tags=list(tags), **over)}


def titles(wall: dict[str, Any]) -> set[str]:
    return {c["title"] for c in wall["cards"]}


async def _ops(wire: Wire, *ops: dict[str, Any]) -> None:
    for i, op in enumerate(ops):
        got = await wire.op(f"{op['type']}-{time.monotonic_ns()}-{i}", op)
        assert got["t"] == "ack", got


def _state(node: ServerProcess, board: str, token: str, card_id: str) -> str:
    state: str = node.snapshot(board, token)["cards"][card_id]["state"]
    return state


async def test_the_wall_gathers_matches_and_marks_pairs(
    nodes: Nodes, valkey: EmbeddedValkey
) -> None:
    node = nodes.start()
    coco = await coordinator(node, valkey)
    wires: list[Wire] = []
    try:
        assert (await coco.send("POST", "/api/hubs", HUB)).status_code == 201
        made = {name: await coco.create(name) for name in ("Werkplaats", "Atelier", "Intern")}
        for name, public in (("Werkplaats", True), ("Atelier", True), ("Intern", False)):
            path = f"/api/hubs/delft/boards/{made[name]['board']}"
            assert (await coco.send("PUT", path, {"public": public})).status_code == 200
        b1, b2, b3 = (made[n]["board"] for n in ("Werkplaats", "Atelier", "Intern"))
        fac1 = token_of(made["Werkplaats"]["links"]["facilitator"])
        par1 = token_of(made["Werkplaats"]["links"]["participant"])
        fac2 = token_of(made["Atelier"]["links"]["facilitator"])
        par2 = token_of(made["Atelier"]["links"]["participant"])
        fac3 = token_of(made["Intern"]["links"]["facilitator"])

        f1 = await Wire.join(node.ws, b1, fac1, "Fien")
        p1 = await Wire.join(node.ws, b1, par1, "Piet")
        f2 = await Wire.join(node.ws, b2, fac2, "Fleur")
        p2 = await Wire.join(node.ws, b2, par2, "Pam")
        f3 = await Wire.join(node.ws, b3, fac3, "Frits")
        wires += [f1, p1, f2, p2, f3]
        past = int(time.time() * 1000) - 60_000
        await _ops(
            p1,
            ask("q1", "Wie helpt met een houten kast?", "#Hout", "design"),
            card("n1", "Gewone notitie", tags=["hout"]),  # a note: not on the wall
        )
        await _ops(p2, offer("o1", "Ik heb een werkplaats met zaag", "hout", "gereedschap"))
        await _ops(p2, offer("o2", "Verlopen aanbod", "hout", expires=past))
        await _ops(f2, offer("o3", "Verborgen aanbod", "hout"))
        await _ops(f2, {"type": "card.moderate", "id": "o3", "action": "hide"})
        await _ops(f2, {"type": "board.set", "approval": True})
        await _ops(p2, ask("q2", "Wacht op goedkeuring", "hout"))
        await _ops(f3, offer("o9", "Intern aanbod", "hout"))

        async with httpx.AsyncClient(base_url=node.http, timeout=10) as site:
            wall = (await site.get("/api/hubs/delft/market")).json()
            assert titles(wall) == {
                "Wie helpt met een houten kast?",
                "Ik heb een werkplaats met zaag",
                "Verlopen aanbod",
            }
            q = next(c for c in wall["cards"] if c["card"] == "q1")
            assert q["tags"] == ["hout", "design"] and q["board"] == b1 and q["kind"] == "question"
            assert q["hub"] == "delft" and q["link"].startswith(f"{node.http}/screen/{b1}#t=")
            assert q["state"] == "open" and not q["expired"] and q["author_name"] == "Piet"
            expired = next(c for c in wall["cards"] if c["card"] == "o2")
            assert expired["expired"] and expired["state"] == "open"
            assert wall["matches"] == [
                {"question": {"board": b1, "card": "q1"}, "offer": {"board": b2, "card": "o1"},
                 "shared": ["hout"]},
            ]  # fmt: skip
            assert not wall["may_manage"] and wall["boards"] == 2
            assert ["hout", 3] in wall["tags"]
            # Expired cards leave the open list (and show under "expired").
            open_ = (await site.get("/api/hubs/delft/market?state=open")).json()
            assert "Verlopen aanbod" not in titles(open_) and len(open_["cards"]) == 2
            gone = (await site.get("/api/hubs/delft/market?state=expired")).json()
            assert titles(gone) == {"Verlopen aanbod"}
            only = (await site.get("/api/hubs/delft/market?tag=%23Design&kind=question")).json()
            assert titles(only) == {"Wie helpt met een houten kast?"} and only["matches"] == []
            # Across hubs: the public boards of every hub.
            assert titles((await site.get("/api/market")).json()) == titles(wall)
            for bad in ("state=nope", "kind=note", "tag=%20%23%20"):
                res = await site.get(f"/api/hubs/delft/market?{bad}")
                assert res.status_code == 422, bad
            assert (await site.get("/api/hubs/nope/market")).status_code == 404
            # The hub's public page links its wall, which the app serves.
            page = (await site.get("/hubs/delft")).text
            assert 'href="/hubs/delft/market"' in page
            assert 'href="/market"' in (await site.get("/hubs")).text
            app = await site.get("/hubs/delft/market")
            assert app.status_code == 200 and 'id="app"' in app.text

            # The hub's coordinator also sees its private board (as a viewer would).
            mine = (await coco.http.get("/api/hubs/delft/market")).json()
            assert mine["may_manage"] and "Intern aanbod" in titles(mine)
            assert "Wacht op goedkeuring" not in titles(mine)

            pair = [{"board": b1, "card": "q1"}, {"board": b2, "card": "o1"}]
            headers = {"Origin": node.http}
            ident1 = p1.welcome["identity"]

            async def mark(cards: list[dict[str, Any]], state: str = "matched") -> httpx.Response:
                body = {"state": state, "cards": cards}
                return await site.post("/api/market/state", json=body, headers=headers)

            # Refused, and nothing changes: no rights at all; a viewer link;
            # the question's author has no rights on the offer; a participant
            # who is not the author; a bad state; another site's page.
            viewer2 = token_of(made["Atelier"]["links"]["viewer"])
            q1 = {**pair[0], "token": par1, "identity": ident1}
            refused = [
                (await mark(pair), 403),
                (await mark([q1, {**pair[1], "token": viewer2}]), 403),
                (await mark([q1, {**pair[1], "token": par2}]), 403),
                (await mark([q1, pair[1]]), 403),
                (await mark([{**pair[0], "token": par1}]), 403),
                (await mark([q1], "gone"), 422),
                (await mark([q1, q1]), 422),
                (await mark([{**pair[0], "token": fac2}]), 401),
                (await mark([{"board": b1, "card": "n1", "token": fac1}]), 404),
            ]
            assert [s.status_code for s, _ in refused] == [want for _, want in refused], [
                s.text for s, _ in refused
            ]
            evil = await site.post(
                "/api/market/state",
                json={"state": "matched", "cards": [q1]},
                headers={"Origin": "https://evil.example"},
            )
            assert evil.status_code == 403
            assert _state(node, b1, fac1, "q1") == "open" and _state(node, b2, fac2, "o1") == "open"

            # The author with their identity, and a facilitator link of the other board.
            res = await mark([q1, {**pair[1], "token": fac2}])
            assert res.status_code == 200, res.text
            await f1.wait_seq(res.json()["cards"][0]["seq"])
            assert _state(node, b1, fac1, "q1") == "matched"
            assert _state(node, b2, fac2, "o1") == "matched"
            event = next(e for e in f1.events if e.get("op", {}).get("type") == "card.set")
            assert event["actor"] == p1.welcome["actor"] and event["op"]["state"] == "matched"
            after = (await site.get("/api/hubs/delft/market?state=open")).json()
            assert titles(after) == set() and after["matches"] == []
            # A coordinator resolves both with their login (a participant link
            # of one board held in the same tab does not get in the way).
            cards = [{**pair[0], "token": par1}, pair[1]]
            body = {"state": "resolved", "cards": cards}
            res = await coco.send("POST", "/api/market/state", body)
            assert res.status_code == 200, res.text
            assert _state(node, b1, fac1, "q1") == "resolved"
            assert _state(node, b2, fac2, "o1") == "resolved"
    finally:
        for w in wires:
            await w.close()
        await coco.close()
