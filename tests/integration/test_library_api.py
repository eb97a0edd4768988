"""The library's REST routes on a real server process and a real Valkey:
export → import gives an identical board, bad imports create nothing,
duplicate, templates, copying a card, and exports that respect roles."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import urllib.error
import urllib.request
from typing import Any, cast

import redis

from server.engine.keys import BOARDS_KEY
from tests.support.cluster import Nodes
from tests.support.servers import ServerProcess, token_of
from tests.support.wire import Wire, card


def _call(
    node: ServerProcess,
    path: str,
    *,
    token: str | None = None,
    body: Any = None,
    raw: bytes | None = None,
    method: str | None = None,
    identity: str | None = None,
) -> tuple[int, bytes, dict[str, str]]:
    headers = {"Content-Type": "application/json", "Origin": node.http}
    if identity:
        headers["X-Prikbord-Identity"] = identity
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    req = urllib.request.Request(node.http + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read(), dict(resp.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


async def _busy_board(node: ServerProcess) -> tuple[str, dict[str, str]]:
    """A board with sections, cards, a comment, votes, a reaction, a pending
    card (approval on) and session notes, made by ops over the WebSocket."""
    made = node.create_board("Ideeën voor de hub")
    bid, links = made["board"], made["links"]
    fac = await Wire.join(node.ws, bid, token_of(links["facilitator"]), "Fien")
    par = await Wire.join(node.ws, bid, token_of(links["participant"]), "Piet")
    ops = [
        (fac, {"type": "section.add", "id": "s1", "title": "Vraag", "pos": "a0"}),
        (fac, {"type": "card.add", **card("c1", "Koffiehoek", section="s1", body="=SUM(A1)")}),
        (par, {"type": "card.add", **card("c2", "Fietsenstalling")}),
        (par, {"type": "comment.add", "id": "m1", "card": "c1", "body": "Met zonnepanelen"}),
        (par, {"type": "vote.cast", "card": "c1"}),
        (fac, {"type": "reaction.set", "card": "c2", "emoji": "💡", "on": True}),
        (fac, {"type": "board.set", "approval": True}),
        (par, {"type": "card.add", **card("c3", "Wacht op goedkeuring")}),
        (fac, {"type": "notes.update", "doc": "board",
               "update": bytes.fromhex("01016f000401056e6f7465730b48656c6c6f20776f726c6400")}),
    ]  # fmt: skip
    for i, (who, op) in enumerate(ops):
        assert (await who.op(f"o{i}", op))["t"] == "ack", op
    await fac.close()
    await par.close()
    return bid, links


async def _identity(node: ServerProcess, board: str, token: str, name: str = "Piet") -> str:
    """A device's identity on ``board`` (its ``welcome``), and its actor."""
    w = await Wire.join(node.ws, board, token, name)
    await w.close()
    return cast(str, w.welcome["identity"])


def _board_keys(r: redis.Redis) -> set[bytes]:
    return {k for k in cast(list[bytes], r.keys("{b:*")) if b":rl:" not in k}


async def test_export_then_import_gives_an_identical_board(nodes: Nodes) -> None:
    node = nodes.start()
    bid, links = await _busy_board(node)
    fac = token_of(links["facilitator"])
    status, body, headers = _call(node, f"/api/boards/{bid}/export.json", token=fac)
    assert status == 200 and "attachment" in headers["content-disposition"]
    doc = json.loads(body)
    assert doc["format"] == "prikbord-board" and doc["version"] == 1 and doc["view"] == "full"

    status, body, _ = _call(node, "/api/library/import", raw=body, method="POST")
    assert status == 201, body
    made = json.loads(body)
    assert made["board"] != bid and made["title"] == "Ideeën voor de hub"
    original = node.snapshot(bid, fac)
    copy = node.snapshot(made["board"], token_of(made["links"]["facilitator"]))
    for key in ("board", "seq"):
        original.pop(key), copy.pop(key)
    assert copy == original
    assert copy["cards"]["c3"]["status"] == "pending" and copy["notes"]

    # The imported board is live: ops on it work, and it survives a restart.
    w = await Wire.join(node.ws, made["board"], token_of(made["links"]["facilitator"]), "F")
    assert (await w.op("x1", {"type": "card.add", **card("c9", "Nieuw")}))["t"] == "ack"
    await w.close()
    node.restart()
    again = node.snapshot(made["board"], token_of(made["links"]["facilitator"]))
    assert (
        again["cards"]["c9"]["title"] == "Nieuw" and again["cards"]["c1"] == original["cards"]["c1"]
    )


async def test_bad_imports_are_refused_and_create_nothing(nodes: Nodes) -> None:
    node = nodes.start(PRIKBORD_LIBRARY_IMPORT_MAX_BYTES="20000")
    bid, links = await _busy_board(node)
    _s, good, _h = _call(
        node, f"/api/boards/{bid}/export.json", token=token_of(links["facilitator"])
    )
    doc = json.loads(good)
    r = redis.Redis.from_url(nodes.valkey.url)
    before, boards_before = _board_keys(r), r.scard(BOARDS_KEY)
    newer = json.dumps({**doc, "version": 2}).encode()
    bad_field = json.loads(good)
    bad_field["state"]["cards"]["c1"]["color"] = "mauve"
    cases = [
        (newer, 400, "too_new"),
        (good[: len(good) // 2], 400, "corrupt"),
        (b"not json at all", 400, "corrupt"),
        (json.dumps(bad_field).encode(), 422, "invalid"),
        (b"{" + b" " * 30_000 + b"}", 413, "too_large"),
    ]
    for raw, status, code in cases:
        got, body, _ = _call(node, "/api/library/import", raw=raw, method="POST")
        assert (got, json.loads(body)["error"]) == (status, code), body
    assert _board_keys(r) == before and r.scard(BOARDS_KEY) == boards_before
    # Where creating boards needs a login, so does importing one.
    closed = nodes.start(PRIKBORD_OPEN_BOARD_CREATION="0")
    got, body, _ = _call(closed, "/api/library/import", raw=good, method="POST")
    assert (got, json.loads(body)["error"]) == (401, "login_required")
    assert _board_keys(r) == before


async def test_a_participant_export_holds_only_what_it_may_see(nodes: Nodes) -> None:
    node = nodes.start()
    bid, links = await _busy_board(node)
    par = token_of(links["participant"])
    _s, body, _h = _call(node, f"/api/boards/{bid}/export.json", token=par)
    doc = json.loads(body)
    assert doc["view"] == "participant" and "c3" not in doc["state"]["cards"]
    status, text, _ = _call(node, f"/api/boards/{bid}/export.csv", token=par)
    rows = list(csv.DictReader(io.StringIO(text.decode("utf-8-sig"))))
    assert status == 200 and [r["title"] for r in rows] == ["Koffiehoek", "Fietsenstalling"]
    first = rows[0]
    assert first["section"] == "Vraag" and first["votes"] == "1" and first["comments"] == "1"
    assert first["body"] == "'=SUM(A1)"  # never a formula
    assert first["author"] == "Fien"
    _s, md, _h = _call(node, f"/api/boards/{bid}/export.md", token=par)
    assert "# Ideeën voor de hub" in md.decode() and "Wacht op" not in md.decode()
    status, _b, _h = _call(node, f"/api/boards/{bid}/export.json", token="forged")
    assert status == 401


async def test_duplicate_with_and_without_votes_and_comments(nodes: Nodes) -> None:
    node = nodes.start()
    bid, links = await _busy_board(node)
    fac = token_of(links["facilitator"])
    status, body, _ = _call(node, f"/api/boards/{bid}/duplicate", token=fac, body={})
    assert status == 201, body
    full = json.loads(body)
    snap = node.snapshot(full["board"], token_of(full["links"]["facilitator"]))
    assert snap["votes"] and snap["comments"] and snap["settings"]["title"] == "Ideeën voor de hub"
    status, body, _ = _call(
        node, f"/api/boards/{bid}/duplicate", token=fac,
        body={"title": "Remix", "votes": False, "comments": False},
    )  # fmt: skip
    remix = json.loads(body)
    snap = node.snapshot(remix["board"], token_of(remix["links"]["facilitator"]))
    assert snap["votes"] == {} and snap["comments"] == {} and snap["settings"]["title"] == "Remix"
    assert set(snap["cards"]) == {"c1", "c2", "c3"}
    # A participant link cannot duplicate (it would hand out what it may not see).
    status, _b, _h = _call(
        node, f"/api/boards/{bid}/duplicate", token=token_of(links["participant"]), body={}
    )
    assert status == 403


async def test_board_from_a_builtin_template(nodes: Nodes) -> None:
    node = nodes.start()
    status, body, _ = _call(node, "/api/library/templates?lang=en")
    listed = json.loads(body)
    assert status == 200 and {t["id"] for t in listed["builtin"]} >= {
        "brainstorm:en", "cocreation:en", "vraag-aanbod:en", "retrospective:en", "showcase:en",
    }  # fmt: skip
    status, body, _ = _call(
        node, "/api/library/templates/retrospective:nl/boards", body={"title": "Terugblik mei"}
    )
    assert status == 201, body
    made = json.loads(body)
    snap = node.snapshot(made["board"], token_of(made["links"]["facilitator"]))
    assert (
        snap["settings"]["anonymous"] == "others" and snap["settings"]["title"] == "Terugblik mei"
    )
    assert [s["title"] for s in snap["sections"].values()] == ["Ging goed", "Kan beter", "Acties"]
    status, _b, _h = _call(node, "/api/library/templates/nope/boards", body={"title": "X"})
    assert status == 404


async def test_copy_a_card_to_another_board_with_links_of_both(nodes: Nodes) -> None:
    node = nodes.start()
    bid, links = await _busy_board(node)
    other = node.create_board("Andere")
    body: dict[str, Any] = {
        "source": {"board": bid, "token": token_of(links["participant"])},
        "card": "c1",
        "target": {"board": other["board"], "token": token_of(other["links"]["participant"])},
    }
    # A participant link on the target takes the copier's identity there.
    status, raw, _ = _call(node, "/api/library/copy-card", body=body)
    assert status == 403 and "X-Prikbord-Identity" in json.loads(raw)["message"], raw
    me = await _identity(node, other["board"], body["target"]["token"])
    bad_id = me[:-2] + ("AA" if not me.endswith("AA") else "BB")
    assert _call(node, "/api/library/copy-card", body=body, identity=bad_id)[0] == 403
    status, raw, _ = _call(node, "/api/library/copy-card", body=body, identity=me)
    assert status == 201, raw
    new = json.loads(raw)["card"]
    snap = node.snapshot(other["board"], token_of(other["links"]["facilitator"]))
    assert snap["cards"][new]["title"] == "Koffiehoek" and snap["cards"][new]["body"] == "=SUM(A1)"
    # A viewer link on either side, or a card the source link may not see: refused.
    viewer = {**body, "target": {**body["target"], "token": token_of(other["links"]["viewer"])}}
    assert _call(node, "/api/library/copy-card", body=viewer)[0] == 403
    hidden = {**body, "card": "c3"}
    assert _call(node, "/api/library/copy-card", body=hidden)[0] == 404
    forged = {**body, "target": {**body["target"], "token": "forged"}}
    assert _call(node, "/api/library/copy-card", body=forged)[0] == 401
    # A target that asks for approval holds the copy of a participant.
    w = await Wire.join(node.ws, other["board"], token_of(other["links"]["facilitator"]), "F")
    assert (await w.op("ap", {"type": "board.set", "approval": True}))["t"] == "ack"
    await w.close()
    status, raw, _ = _call(node, "/api/library/copy-card", body=body, identity=me)
    held = json.loads(raw)
    assert status == 201 and held["held"] is True
    snap = node.snapshot(other["board"], token_of(other["links"]["facilitator"]))
    assert snap["cards"][held["card"]]["status"] == "pending"


async def test_a_copy_is_the_copiers_card_and_a_removed_copier_is_refused(nodes: Nodes) -> None:
    """With link tokens a copy was appended as ``system``: a participant a
    facilitator removed from the target went on adding cards through it.
    Now the copier's identity on the target names the author, and a
    removed one gets 403 with nothing added."""
    node = nodes.start()
    bid, links = await _busy_board(node)
    other = node.create_board("Andere")
    target = token_of(other["links"]["participant"])
    body = {
        "source": {"board": bid, "token": token_of(links["participant"])},
        "card": "c1",
        "target": {"board": other["board"], "token": target},
    }
    fac = await Wire.join(node.ws, other["board"], token_of(other["links"]["facilitator"]), "F")
    alice = await Wire.join(node.ws, other["board"], target, "Alice")
    identity, actor = alice.welcome["identity"], alice.welcome["actor"]
    assert (await alice.op("a", {"type": "card.add", **card("own", "Van Alice")}))["t"] == "ack"
    await alice.close()
    status, raw, _ = _call(node, "/api/library/copy-card", body=body, identity=identity)
    assert status == 201, raw
    copied = json.loads(raw)["card"]
    snap = node.snapshot(other["board"], token_of(other["links"]["facilitator"]))
    assert snap["cards"][copied]["author"] == actor
    assert snap["cards"][copied]["author_name"] == "Alice"
    assert (await fac.op("r", {"type": "participant.remove", "actor": actor}))["t"] == "ack"
    await fac.close()
    status, raw, _ = _call(node, "/api/library/copy-card", body=body, identity=identity)
    assert status == 403 and "removed" in json.loads(raw)["message"], raw
    after = node.snapshot(other["board"], token_of(other["links"]["facilitator"]))
    assert set(after["cards"]) == set(snap["cards"])


async def test_search_finds_a_card_by_a_word_in_a_comment(nodes: Nodes) -> None:
    from tests.integration.test_accounts import Tab, add_account

    await add_account(nodes.valkey, "fien", "facilitator")
    await add_account(nodes.valkey, "karel", "facilitator")
    node = nodes.start()
    tab, other = Tab(node), Tab(node)
    assert (await tab.login("fien")).status_code == 200
    assert (await other.login("karel")).status_code == 200
    mine = await tab.create("Hub Noord sessie")
    theirs = await other.create("Karels bord")
    for made, who in ((mine, "Fien"), (theirs, "Karel")):
        w = await Wire.join(node.ws, made["board"], token_of(made["links"]["facilitator"]), who)
        assert (await w.op("a", {"type": "card.add", **card("c1", "Koffiehoek")}))["t"] == "ack"
        comment = {"type": "comment.add", "id": "m1", "card": "c1", "body": "Met zonnepanelen!"}
        assert (await w.op("b", comment))["t"] == "ack"
        await w.close()

    res = await tab.http.get("/api/library/search", params={"q": "ZONNEPANELEN"})
    assert res.status_code == 200, res.text
    hits = res.json()["hits"]
    # Only the searcher's own board: Karel's has the same word.
    assert [(h["board"], h["card"], h["title"]) for h in hits] == [
        (mine["board"], "c1", "Koffiehoek")
    ]
    assert (await tab.http.get("/api/library/search", params={"q": "fiets"})).json()["hits"] == []
    # Accents and case fold: "koffiehoek zonnepanelen" both words, any case.
    res = await tab.http.get("/api/library/search", params={"q": "koffiehoek zonnepanelen"})
    assert len(res.json()["hits"]) == 1
    assert (await tab.http.get("/api/library/search", params={"q": ""})).status_code == 422
    assert (
        await tab.http.get("/api/library/search", params={"q": "x", "hub": "noord"})
    ).status_code == 403
    anonymous = Tab(node)
    assert (await anonymous.http.get("/api/library/search", params={"q": "x"})).status_code == 401

    # Save the board as a personal template; a new board from it has its cards.
    res = await tab.send("POST", f"/api/boards/{mine['board']}/template", {"name": "Mijn sessie"})
    assert res.status_code == 201, res.text
    template = res.json()["id"]
    listed = (await tab.http.get("/api/library/templates")).json()["saved"]
    assert [t["id"] for t in listed] == [template]
    assert (await other.http.get("/api/library/templates")).json()["saved"] == []
    res = await tab.send("POST", f"/api/library/templates/{template}/boards", {"title": "Nieuw"})
    assert res.status_code == 201, res.text
    made = res.json()
    snap = node.snapshot(made["board"], token_of(made["links"]["facilitator"]))
    assert [c["title"] for c in snap["cards"].values()] == ["Koffiehoek"] and not snap["comments"]
    # Another account cannot use or delete it.
    res = await other.send("POST", f"/api/library/templates/{template}/boards", {"title": "X"})
    assert res.status_code == 404
    assert (await other.send("DELETE", f"/api/library/templates/{template}")).status_code == 404
    assert (await tab.send("DELETE", f"/api/library/templates/{template}")).status_code == 204
    for t in (tab, other, anonymous):
        await t.close()


async def test_attachments_travel_with_export_import_duplicate_and_copy(nodes: Nodes) -> None:
    import base64

    import httpx

    from tests.support import media

    node = nodes.start()
    made = node.create_board("Foto's")
    bid, links = made["board"], made["links"]
    fac = token_of(links["facilitator"])
    from tests.integration.test_files import upload

    up = upload(node, bid, fac, "plan.png", media.png())
    assert up.status_code == 201, up.text
    att = up.json()
    w = await Wire.join(node.ws, bid, fac, "Fien")
    assert (await w.op("a", {"type": "card.add", **card("c1", "Plattegrond", files=[att])}))[
        "t"
    ] == "ack"
    await w.close()

    def served(board: str, token: str) -> bytes:
        r = httpx.get(
            f"{node.http}/api/boards/{board}/files/{att['id']}",
            headers={"Authorization": f"Bearer {token}"}, timeout=10,
        )  # fmt: skip
        assert r.status_code == 200, r.text
        return r.content

    original = served(bid, fac)
    _s, raw, _h = _call(node, f"/api/boards/{bid}/export.json", token=fac)
    doc = json.loads(raw)
    assert [a["id"] for a in doc["attachments"]] == [att["id"]]

    # Import: the file comes back and serves from the new board.
    status, body, _ = _call(node, "/api/library/import", raw=raw, method="POST")
    assert status == 201, body
    imported = json.loads(body)
    new_fac = token_of(imported["links"]["facilitator"])
    assert served(imported["board"], new_fac) == original
    assert node.snapshot(imported["board"], new_fac)["cards"]["c1"]["files"][0]["id"] == att["id"]

    # A tampered file, or a card whose file is missing: refused, nothing made.
    r = redis.Redis.from_url(nodes.valkey.url)
    before = _board_keys(r)
    tampered = json.loads(raw)
    data = bytearray(base64.b64decode(tampered["attachments"][0]["data"]))
    data[-1] ^= 1
    tampered["attachments"][0]["data"] = base64.b64encode(bytes(data)).decode()
    missing = {**json.loads(raw), "attachments": []}
    for bad in (tampered, missing):
        got, text, _ = _call(node, "/api/library/import", body=bad, method="POST")
        assert got == 422 and json.loads(text)["error"] == "invalid", text
    assert _board_keys(r) == before

    # Duplicate and copy a card: the file goes along.
    status, body, _ = _call(node, f"/api/boards/{bid}/duplicate", token=fac, body={})
    dup = json.loads(body)
    assert served(dup["board"], token_of(dup["links"]["facilitator"])) == original
    other = node.create_board("Ander bord")
    other_fac = token_of(other["links"]["facilitator"])
    copy = {
        "source": {"board": bid, "token": fac}, "card": "c1",
        "target": {"board": other["board"], "token": other_fac},
    }  # fmt: skip
    status, body, _ = _call(node, "/api/library/copy-card", body=copy)
    assert status == 201, body
    assert served(other["board"], other_fac) == original


async def test_a_hubs_coordinator_searches_its_boards_and_keeps_its_templates(
    nodes: Nodes,
) -> None:
    import time

    import redis.asyncio as aioredis

    from server.hubs.model import Hub
    from server.hubs.store import HubStore
    from tests.integration.test_accounts import Tab, add_account

    await add_account(nodes.valkey, "fien", "facilitator")
    await add_account(nodes.valkey, "karel", "facilitator")
    r = aioredis.Redis.from_url(nodes.valkey.url)
    hubs = HubStore(r)
    assert await hubs.create(Hub(slug="noord", name="Hub Noord", coordinators=("fien",)))
    node = nodes.start()
    fien, karel = Tab(node), Tab(node)
    await fien.login("fien")
    await karel.login("karel")
    in_hub = await karel.create("Karels hubbord")  # someone else's board, in the hub
    outside = await karel.create("Karels eigen bord")
    await hubs.attach(in_hub["board"], "noord", public=False, now=int(time.time() * 1000))
    for made in (in_hub, outside):
        w = await Wire.join(node.ws, made["board"], token_of(made["links"]["facilitator"]), "K")
        assert (await w.op("a", {"type": "card.add", **card("c1", "Werkplaats")}))["t"] == "ack"
        op = {"type": "comment.add", "id": "m1", "card": "c1", "body": "Lasapparaat nodig"}
        assert (await w.op("b", op))["t"] == "ack"
        await w.close()

    res = await fien.http.get("/api/library/search", params={"q": "lasapparaat", "hub": "noord"})
    assert res.status_code == 200, res.text
    assert [h["board"] for h in res.json()["hits"]] == [in_hub["board"]]
    # Karel is no coordinator of the hub: refused, though one board is his.
    res = await karel.http.get("/api/library/search", params={"q": "lasapparaat", "hub": "noord"})
    assert res.status_code == 403

    # The hub's templates: fien saves one for the hub, makes a board from it
    # (filed in the hub); karel cannot save one there.
    res = await fien.send(
        "POST", f"/api/boards/{in_hub['board']}/template", {"name": "Werkplaats", "hub": "noord"}
    )
    assert res.status_code == 201, res.text  # a board of her hub: her login reads it
    template = res.json()["id"]
    # ...but not Karel's board outside the hub.
    res = await fien.http.get(f"/api/boards/{outside['board']}/export.json")
    assert res.status_code == 404
    listed = (await fien.http.get("/api/library/templates", params={"hub": "noord"})).json()
    assert [t["id"] for t in listed["saved"]] == [template]
    res = await karel.send(
        "POST", f"/api/boards/{outside['board']}/template", {"name": "X", "hub": "noord"}
    )
    assert res.status_code == 403
    res = await fien.send(
        "POST", f"/api/library/templates/{template}/boards", {"title": "Week 3", "hub": "noord"}
    )
    assert res.status_code == 201, res.text
    assert await hubs.hub_of_board(res.json()["board"]) == "noord"
    for tab in (fien, karel):
        await tab.close()
    await r.aclose()


async def test_an_imported_board_snapshots_and_resumes_like_any(nodes: Nodes) -> None:
    a = nodes.start(PRIKBORD_SNAPSHOT_EVERY="3")
    b = nodes.start(PRIKBORD_SNAPSHOT_EVERY="3")
    bid, links = await _busy_board(a)
    _s, raw, _h = _call(a, f"/api/boards/{bid}/export.json", token=token_of(links["facilitator"]))
    status, body, _ = _call(a, "/api/library/import", raw=raw, method="POST")
    assert status == 201, body
    made = json.loads(body)
    new, token = made["board"], token_of(made["links"]["participant"])
    writer = await Wire.join(a.ws, new, token, "W")
    reader = await Wire.join(b.ws, new, token, "R")
    assert reader.welcome["snapshot"]["cards"]["c1"]["title"] == "Koffiehoek"
    for i in range(2):
        assert (await writer.op(f"w{i}", card(f"early{i}")))["t"] == "ack"
    await reader.wait_seq(3)
    epoch, seen, identity = reader.welcome["epoch"], reader.last_seq, reader.welcome["identity"]
    await reader.close()
    for i in range(5):
        assert (await writer.op(f"x{i}", card(f"away{i}")))["t"] == "ack"
    back = await Wire.join(b.ws, new, token, "R", identity=identity, resume=(epoch, seen))
    assert back.welcome["recovered"] is True and "snapshot" not in back.welcome
    await back.wait_seq(seen + 5)
    assert [e["seq"] for e in back.events] == list(range(seen + 1, seen + 6))
    await writer.close()
    await back.close()
    r = redis.Redis.from_url(nodes.valkey.url)
    from server.engine.keys import board_keys

    async with asyncio.timeout(10):  # a node stores the next snapshot in the background
        while int(cast(bytes, r.hget(board_keys(new).snap, "seq") or b"0")) < 6:
            await asyncio.sleep(0.05)
    # A fresh join after the new snapshot sees the imported content and the edits.
    late = await Wire.join(a.ws, new, token_of(made["links"]["facilitator"]), "L")
    snap = late.welcome["snapshot"]
    assert snap["cards"]["c1"]["title"] == "Koffiehoek" and "away4" in snap["cards"]
    await late.close()


async def test_copying_cards_meets_the_target_boards_op_limits(nodes: Nodes) -> None:
    node = nodes.start(PRIKBORD_IP_OPS_PER_SECOND="0.01", PRIKBORD_IP_OPS_BURST="1")
    source = node.create_board("Bron")
    target = node.create_board("Doel")
    w = await Wire.join(node.ws, source["board"], token_of(source["links"]["facilitator"]), "F")
    assert (await w.op("a", {"type": "card.add", **card("c1", "Idee")}))["t"] == "ack"
    await w.close()
    body: dict[str, Any] = {
        "source": {"board": source["board"], "token": token_of(source["links"]["participant"])},
        "card": "c1",
        "target": {"board": target["board"], "token": token_of(target["links"]["participant"])},
    }
    me = await _identity(node, target["board"], body["target"]["token"])
    assert _call(node, "/api/library/copy-card", body=body, identity=me)[0] == 201
    status, raw, headers = _call(node, "/api/library/copy-card", body=body, identity=me)
    assert status == 429 and json.loads(raw)["error"] == "rate_limited"
    assert int(headers["retry-after"]) >= 1


async def test_an_import_brings_no_image_metadata_and_our_exports_pass(nodes: Nodes) -> None:
    """Uploads are re-encoded without EXIF/GPS; an import keeps its files'
    bytes (cards name them by hash), so an image that carries metadata is
    refused, naming the file, and nothing is made. Our own export of an
    uploaded phone photo imports again."""
    import base64
    import hashlib

    from tests.integration.test_files import upload
    from tests.support import media

    node = nodes.start()
    made = node.create_board("Foto's")
    bid, fac = made["board"], token_of(made["links"]["facilitator"])
    up = upload(node, bid, fac, "phone.jpg", media.photo())
    assert up.status_code == 201, up.text
    att = up.json()
    w = await Wire.join(node.ws, bid, fac, "Fien")
    assert (await w.op("a", {"type": "card.add", **card("c1", "Foto", files=[att])}))["t"] == "ack"
    await w.close()
    _s, raw, _h = _call(node, f"/api/boards/{bid}/export.json", token=fac)
    status, body, _ = _call(node, "/api/library/import", raw=raw, method="POST")
    assert status == 201, body

    # The same export with the phone's original bytes (EXIF, GPS, a comment).
    gps = media.photo()
    gps_id = hashlib.sha256(gps).hexdigest()
    doc = json.loads(raw.decode().replace(att["id"], gps_id))
    doc["attachments"][0]["data"] = base64.b64encode(gps).decode()
    doc["attachments"][0]["entry"]["size"] = len(gps)
    r = redis.Redis.from_url(nodes.valkey.url)
    before = _board_keys(r)
    got, text, _ = _call(node, "/api/library/import", body=doc, method="POST")
    assert got == 422, text
    refused = json.loads(text)
    assert refused["error"] == "invalid"
    assert "'phone.jpg'" in refused["message"] and "EXIF" in refused["message"], refused
    assert _board_keys(r) == before
