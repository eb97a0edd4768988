"""Hubs' REST API against a real server process on a real Valkey: who may
manage hubs, activities with their bad input (a clear 422 naming the field,
nothing stored), the public agenda (CORS-open, private items left out),
visit requests (pending → accept; the honeypot; the per-IP limit), boards
of a hub, and the hub screen's ``/now`` switching from the agenda to the
running activity's board and back."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from server.embedded import EmbeddedValkey
from tests.integration.conftest import Nodes, nodes, valkey
from tests.integration.test_accounts import Tab, add_account
from tests.support.servers import ServerProcess

__all__ = ["nodes", "valkey"]


def iso(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).isoformat()


HUB = {
    "slug": "delft",
    "name": "Ruimte voor ondernemendheid Delft",
    "place": "Markt 1, Delft",
    "description": "Waar studenten en bedrijven samenwerken.",
    "supervisor": "Haagse Hogeschool",
    "partners": ["Bouwbedrijf De Vries", "Gemeente Delft"],
    "students": ["Sanne", "Ahmed"],
    "contact": {
        "email": "hub@example.org",
        "phone": "+31 15 123 4567",
        "url": "https://example.org",
    },
}


def activity(**over: Any) -> dict[str, Any]:
    return {
        "type": "brainstorm",
        "title": "Brainstorm duurzaam bouwen",
        "start": iso(timedelta(days=2)),
        "end": iso(timedelta(days=2, hours=2)),
        "place": "Zaal 1",
        "host": "Sanne",
        "capacity": 30,
        **over,
    }


async def coordinator(node: ServerProcess, valkey: EmbeddedValkey, name: str = "coco") -> Tab:
    await add_account(valkey, name, "coordinator")
    tab = Tab(node)
    assert (await tab.login(name)).status_code == 200
    return tab


async def test_coordinators_manage_hubs_and_others_read_them(
    nodes: Nodes, valkey: EmbeddedValkey
) -> None:
    node = nodes.start()
    coco = await coordinator(node, valkey)
    await add_account(valkey, "fien", "facilitator")
    fien = Tab(node)
    await fien.login("fien")
    try:
        res = await coco.send("POST", "/api/hubs", {**HUB, "coordinators": ["fien"]})
        assert res.status_code == 201, res.text
        assert res.json()["screen_link"].startswith(f"{node.http}/hub/delft/screen#")
        again = await coco.send("POST", "/api/hubs", HUB)
        assert again.status_code == 409
        # A facilitator creates no hub, but one named as the hub's coordinator manages it.
        assert (await fien.send("POST", "/api/hubs", {**HUB, "slug": "x2"})).status_code == 403
        res = await fien.send("PATCH", "/api/hubs/delft", {"place": "Markt 2, Delft"})
        assert res.status_code == 200, res.text
        res = await fien.send("PATCH", "/api/hubs/delft", {"coordinators": []})
        assert res.status_code == 403
        # … and links only boards of her own or of the hub to the screen.
        other = await coco.create("Coco's own")
        res = await fien.send("POST", "/api/hubs/delft/activities", activity(board=other["board"]))
        assert res.status_code == 422 and res.json()["field"] == "board", res.text
        mine = await fien.create("Fien's")
        res = await fien.send("POST", "/api/hubs/delft/activities", activity(board=mine["board"]))
        assert res.status_code == 201, res.text
        # Nor does she publish another's board on the hub's page.
        res = await fien.send("PUT", f"/api/hubs/delft/boards/{other['board']}", {"public": True})
        assert res.status_code == 403
        res = await fien.send("PUT", f"/api/hubs/delft/boards/{mine['board']}", {"public": True})
        assert res.status_code == 200
        # Bad input: the field is named, nothing changes.
        for body, field in [
            ({**HUB, "slug": "Bad Slug!"}, "slug"),
            ({**HUB, "slug": "ok-slug", "name": ""}, "name"),
            ({**HUB, "slug": "ok-slug", "contact": {"url": "javascript:alert(1)"}}, "contact.url"),
            ({**HUB, "slug": "ok-slug", "partners": ["a\u0000b"]}, "partners[0]"),
            ({**HUB, "slug": "ok-slug", "extra": 1}, "extra"),
        ]:
            res = await coco.send("POST", "/api/hubs", body)
            assert res.status_code == 422, res.text
            assert res.json()["field"] == field
        # Without the CSRF token nothing changes.
        res = await coco.send("PATCH", "/api/hubs/delft", {"name": "X"}, csrf=False)
        assert res.status_code == 403
        async with httpx.AsyncClient(base_url=node.http) as anonymous:
            listed = (await anonymous.get("/api/hubs")).json()
            assert [h["slug"] for h in listed["hubs"]] == ["delft"]
            hub = listed["hubs"][0]
            assert hub["place"] == "Markt 2, Delft" and hub["name"] == HUB["name"]
            assert "coordinators" not in hub and "screen_link" not in hub
            assert listed["types"]["assignment_talk"] == {
                "nl": "Opdrachtgesprek",
                "en": "Assignment talk",
            }
            assert (await anonymous.get("/api/hubs/nope")).status_code == 404
            res = await anonymous.post("/api/hubs", json={**HUB, "slug": "anon"})
            assert res.status_code == 401
        assert (await fien.send("DELETE", "/api/hubs/delft")).status_code == 403
        assert (await coco.send("DELETE", "/api/hubs/delft")).status_code == 204
        assert (await coco.http.get("/api/hubs/delft")).status_code == 404
    finally:
        await coco.close()
        await fien.close()


async def test_activities_bad_input_and_the_public_agenda(
    nodes: Nodes, valkey: EmbeddedValkey
) -> None:
    node = nodes.start()
    coco = await coordinator(node, valkey)
    try:
        assert (await coco.send("POST", "/api/hubs", HUB)).status_code == 201
        res = await coco.send("POST", "/api/hubs/delft/activities", activity())
        assert res.status_code == 201, res.text
        made = res.json()
        assert made["status"] == "confirmed" and made["type_label"]["nl"] == "Brainstorm"
        # Local time without an offset is Europe/Amsterdam.
        res = await coco.send(
            "POST",
            "/api/hubs/delft/activities",
            activity(title="Open inloop", type="walk_in", start="2030-01-15T10:00",
                     end="2030-01-15T12:00"),
        )  # fmt: skip
        assert res.status_code == 201, res.text
        assert res.json()["start"] == "2030-01-15T09:00:00Z"
        bad = [
            (activity(end=iso(timedelta(days=1))), "end"),
            (activity(type="party"), "type"),
            (activity(title="x" * 121), "title"),
            (activity(title="Ok\r\nBEGIN:VEVENT"), "title"),
            (activity(online="ftp://example.org/x"), "online"),
            (activity(start="tomorrow"), "start"),
            (activity(capacity=-1), "capacity"),
            (activity(start="2030-03-31T02:30", end="2030-03-31T04:00"), "start"),
            (activity(template="no-such-template"), "template"),
            (activity(board="noSuchBoard1"), "board"),
        ]
        for body, field in bad:
            res = await coco.send("POST", "/api/hubs/delft/activities", body)
            assert res.status_code == 422, (field, res.text)
            assert res.json()["field"] == field, res.text
        listed = (await coco.http.get("/api/hubs/delft/activities")).json()["activities"]
        assert len(listed) == 2
        # Cancel: still in the public agenda (calendars drop it), marked cancelled.
        res = await coco.send(
            "PATCH", f"/api/hubs/delft/activities/{made['id']}", {"status": "cancelled"}
        )
        assert res.status_code == 200 and res.json()["seq"] == 1  # the first change
        res = await coco.send(
            "PATCH", f"/api/hubs/delft/activities/{made['id']}", {"template": "nope"}
        )
        assert res.status_code == 422 and res.json()["field"] == "template"
        res = await coco.send(
            "PATCH", f"/api/hubs/delft/activities/{made['id']}", {"template": "brainstorm"}
        )
        assert res.status_code == 200 and res.json()["template"] == "brainstorm"
        res = await coco.send("PATCH", f"/api/hubs/delft/activities/{made['id']}", {"end": "x"})
        assert res.status_code == 422 and res.json()["field"] == "end"
        async with httpx.AsyncClient(base_url=node.http) as site:
            res = await site.get("/api/hubs/delft/agenda")
            assert res.status_code == 200
            assert res.headers["access-control-allow-origin"] == "*"
            [cancelled] = res.json()["activities"]
            assert (cancelled["title"], cancelled["status"]) == (
                "Brainstorm duurzaam bouwen",
                "cancelled",
            )
            assert "request" not in cancelled and "template" not in cancelled
            res = await site.get("/api/hubs/delft/agenda?from=2030-01-01T00:00&to=2030-02-01")
            [walk_in] = res.json()["activities"]
            assert walk_in["start_local"] == "2030-01-15T10:00:00+01:00"
            assert walk_in["url"] == f"{node.http}/hubs/delft/a/{walk_in['id']}"
            res = await site.get("/api/hubs/delft/agenda?from=2030-01-16T00:00")
            assert res.json()["activities"] == []
            res = await site.get("/api/hubs/delft/agenda?from=2030-01-16T00:00&to=2029-01-01T00:00")
            assert res.status_code == 422 and res.json()["field"] == "to"
            # Anyone reads a public activity; its managers' fields stay private.
            res = await site.get(f"/api/hubs/delft/activities/{walk_in['id']}")
            assert res.status_code == 200 and "freeze" not in res.json()
            assert (await site.get("/api/hubs/delft/activities")).status_code == 401
    finally:
        await coco.close()


async def test_a_visit_request_lands_as_pending_and_is_accepted(
    nodes: Nodes, valkey: EmbeddedValkey
) -> None:
    node = nodes.start(PRIKBORD_VISIT_REQUESTS_PER_IP="3")
    coco = await coordinator(node, valkey)
    try:
        assert (await coco.send("POST", "/api/hubs", HUB)).status_code == 201
        wish = iso(timedelta(days=10))
        request = {
            "group": "Klas 4B, Stanislas College",
            "contact": "docent@example.org",
            "size": 24,
            "wishes": [wish, iso(timedelta(days=11))],
            "message": "Graag een rondleiding.\nMet lunch?",
        }
        async with httpx.AsyncClient(base_url=node.http) as school:
            res = await school.post("/api/hubs/delft/visit", json=request)
            assert res.status_code == 202, res.text
            # Bad input: named field, nothing stored.
            res = await school.post("/api/hubs/delft/visit", json={**request, "size": 0})
            assert res.status_code == 422 and res.json()["field"] == "size"
            # A bot fills the honeypot: answered as sent, nothing stored.
            res = await school.post("/api/hubs/delft/visit", json={**request, "website": "x"})
            assert res.status_code == 202
            # Another site's page cannot post it.
            res = await school.post(
                "/api/hubs/delft/visit", json=request, headers={"Origin": "https://evil.example"}
            )
            assert res.status_code == 403
            # The per-IP limit (3 per window here) holds: the foreign one did not count.
            res = await school.post("/api/hubs/delft/visit", json=request)
            assert res.status_code == 429 and "Retry-After" in res.headers
            # Pending requests are not public.
            assert (await school.get("/api/hubs/delft/agenda")).json()["activities"] == []
        pending = (await coco.http.get("/api/hubs/delft/activities?status=pending")).json()
        [item] = pending["activities"]
        assert item["type"] == "visit" and item["capacity"] == 24
        assert item["request"]["group"] == request["group"]
        assert item["request"]["contact"] == "docent@example.org"
        res = await coco.send("POST", f"/api/hubs/delft/activities/{item['id']}/accept", {})
        assert res.status_code == 200 and res.json()["status"] == "confirmed"
        again = await coco.send("POST", f"/api/hubs/delft/activities/{item['id']}/decline", {})
        assert again.status_code == 422
        async with httpx.AsyncClient(base_url=node.http) as site:
            [public] = (await site.get("/api/hubs/delft/agenda")).json()["activities"]
            assert public["id"] == item["id"] and "request" not in public
    finally:
        await coco.close()


async def test_boards_of_a_hub_and_the_screen_follows_the_running_activity(
    nodes: Nodes, valkey: EmbeddedValkey
) -> None:
    node = nodes.start()
    coco = await coordinator(node, valkey)
    try:
        created = (await coco.send("POST", "/api/hubs", HUB)).json()
        screen_token = created["screen_link"].split("#", 1)[1]
        board = (await coco.create("Sessie")).get("board")
        assert board
        res = await coco.send("PUT", f"/api/hubs/delft/boards/{board}", {"public": True})
        assert res.status_code == 200, res.text
        [listed] = (await coco.http.get("/api/hubs/delft/boards")).json()["boards"]
        assert listed["board"] == board and listed["public"] is True

        def now(token: str = screen_token) -> httpx.Response:
            return httpx.get(
                f"{node.http}/api/hubs/delft/now", headers={"Authorization": f"Bearer {token}"}
            )

        shown = now().json()
        assert shown["mode"] == "agenda" and shown["today"] == []
        assert now("forged").status_code == 401
        # An activity running now with the board: the screen shows the board,
        # with a viewer token that reads it.
        res = await coco.send(
            "POST",
            "/api/hubs/delft/activities",
            activity(start=iso(timedelta(minutes=-5)), end=iso(timedelta(seconds=3)), board=board),
        )
        assert res.status_code == 201, res.text
        shown = now().json()
        assert shown["mode"] == "board" and shown["board"] == board
        assert shown["activity"]["title"] == "Brainstorm duurzaam bouwen"
        assert shown["join"].startswith(f"{node.http}/j/")
        assert node.snapshot(board, shown["token"])["settings"]["title"] == "Sessie"
        assert 0 < shown["recheck_ms"] <= 3000
        # After its end: back to the agenda, today's activity listed.
        deadline = time.monotonic() + 10
        while now().json()["mode"] != "agenda":
            assert time.monotonic() < deadline
            await asyncio.sleep(0.2)
        assert [a["title"] for a in now().json()["today"]] == ["Brainstorm duurzaam bouwen"]
        # Replacing the screen link: the old token stops working.
        res = await coco.send("POST", "/api/hubs/delft/screen-link/replace", {})
        assert res.status_code == 200
        assert now().status_code == 401
        assert now(res.json()["screen_link"].split("#", 1)[1]).status_code == 200
        # Taking the board out of the hub.
        assert (await coco.send("DELETE", f"/api/hubs/delft/boards/{board}")).status_code == 204
        assert (await coco.http.get("/api/hubs/delft/boards")).json()["boards"] == []
    finally:
        await coco.close()
