"""Security probes of issue 13/14's surfaces (files, previews, hubs, the
library, vraag en aanbod) against a real server process on a real Valkey:
each test is an attack that once worked, or a check that the rule holds.

* exports: a title in any script downloads (the Content-Disposition stays
  Latin-1 with the name in ``filename*``), a card's URL cannot become HTML
  in the Markdown export;
* CSRF: every state-changing route of a cookie session refuses a request
  without the session's CSRF token, and one from another site;
* vraag en aanbod: setting a card's state needs rights on that card, and a
  hidden card answers as a card that does not exist;
* hubs: the snippets to embed a hub cannot be broken out of by its name.
"""

from __future__ import annotations

import asyncio
import html
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import redis.asyncio as aioredis

from protocol import limits
from protocol.model import BoardState, Card, Comment, to_wire
from server.embedded import EmbeddedValkey
from server.engine.keys import BOARDS_KEY
from server.hubs import agenda
from server.hubs.store import MAX_LISTED, HubStore, new_activity_id
from server.library import document
from tests.integration.conftest import Nodes, nodes, valkey
from tests.integration.test_accounts import Tab, add_account
from tests.integration.test_hubs_api import HUB, coordinator, iso
from tests.support import media
from tests.support.servers import ServerProcess, device_identity, token_of
from tests.support.wire import Wire, card

__all__ = ["nodes", "valkey"]


def _get(node: ServerProcess, path: str, token: str) -> httpx.Response:
    return httpx.get(node.http + path, headers={"Authorization": f"Bearer {token}"}, timeout=10)


async def _board_with(node: ServerProcess, title: str, *ops: dict[str, Any]) -> dict[str, Any]:
    made = node.create_board(title)
    fac = await Wire.join(node.ws, made["board"], token_of(made["links"]["facilitator"]), "Fien")
    for i, op in enumerate(ops):
        assert (await fac.op(f"o{i}", op))["t"] == "ack", op
    await fac.close()
    return made


# --- exports ------------------------------------------------------------------------------


async def test_exports_of_a_title_in_any_script_download(nodes: Nodes) -> None:
    """A title in Chinese, Arabic or Cyrillic once made every export a 500
    (the file name went into the header raw, and headers are Latin-1); a
    right-to-left override cannot turn the name around either."""
    node = nodes.start()
    for title in ("会议 ideeën", "ورشة عمل", "Идеи", "evil\u202egpj.exe"):
        made = await _board_with(node, title, card("c1", "Koffie"))
        fac = token_of(made["links"]["facilitator"])
        for fmt in ("json", "csv", "md"):
            res = _get(node, f"/api/boards/{made['board']}/export.{fmt}", fac)
            assert res.status_code == 200, (title, fmt, res.status_code, res.text[:200])
            disposition = res.headers["content-disposition"]
            disposition.encode("ascii")  # the raw header is plain ASCII
            assert disposition.startswith("attachment; filename=")
            assert "\u202e" not in disposition and "%E2%80%AE" not in disposition
            assert f".{fmt}" in disposition


async def test_markdown_export_never_turns_a_card_url_into_html(nodes: Nodes) -> None:
    """A URL is http(s) without spaces, but may hold ``<`` and ``>``: in the
    Markdown export's autolink ``<url>`` that once closed the link and put
    raw HTML (a script) in the file, which Markdown viewers render."""
    node = nodes.start()
    url = "https://example.org/x><script>alert(document.domain)</script><b"
    made = await _board_with(
        node, "Links", card("c1", "Link", kind="link", url=url), card("c2", "Ok", url=url)
    )
    fac = token_of(made["links"]["facilitator"])
    res = _get(node, f"/api/boards/{made['board']}/export.md", fac)
    assert res.status_code == 200, res.text
    assert "<script" not in res.text and "<b" not in res.text.replace("<https://", "")
    assert "<https://example.org/x%3E%3Cscript%3Ealert(document.domain)%3C/script%3E%3Cb>" in (
        res.text
    )
    page = _get(node, f"/api/boards/{made['board']}/export.html", fac)
    assert page.status_code == 200 and "<script" not in page.text


# --- CSRF -----------------------------------------------------------------------------------


async def test_state_changes_with_a_cookie_need_the_csrf_token_and_our_origin(
    nodes: Nodes, valkey: EmbeddedValkey
) -> None:
    """Every state-changing route of issues 13/14 that a logged-in browser
    can reach: without the session's CSRF token 403 ``csrf``; from another
    site's page 403 ``cross_site``; nothing changes either way."""
    node = nodes.start()
    coco = await coordinator(node, valkey)
    try:
        assert (await coco.send("POST", "/api/hubs", HUB)).status_code == 201
        bid = (await coco.create("Van coco"))["board"]
        saved = await coco.send("POST", f"/api/boards/{bid}/template", {"name": "Sjabloon"})
        assert saved.status_code == 201, saved.text
        template = saved.json()["id"]
        routes: list[tuple[str, str, Any]] = [
            ("POST", "/api/hubs", {**HUB, "slug": "x2"}),
            ("PATCH", "/api/hubs/delft", {"name": "Overgenomen"}),
            ("DELETE", "/api/hubs/delft", None),
            ("POST", "/api/hubs/delft/screen-link/replace", {}),
            ("POST", "/api/hubs/delft/activities", {"type": "brainstorm", "title": "X",
             "start": "2030-01-01T10:00:00Z", "end": "2030-01-01T11:00:00Z"}),
            ("PUT", f"/api/hubs/delft/boards/{bid}", {"public": True}),
            ("POST", "/api/library/import", {"format": "prikbord-board"}),
            ("POST", f"/api/boards/{bid}/duplicate", {}),
            ("POST", f"/api/boards/{bid}/template", {"name": "Nog een"}),
            ("POST", f"/api/library/templates/{template}/boards", {"title": "Nieuw"}),
            ("DELETE", f"/api/library/templates/{template}", None),
            ("POST", "/api/library/copy-card", {"source": {"board": bid}, "card": "c1",
             "target": {"board": bid}}),
            ("POST", "/api/market/state", {"state": "matched",
             "cards": [{"board": bid, "card": "c1"}]}),
        ]  # fmt: skip
        for method, path, body in routes:
            res = await coco.send(method, path, body, csrf=False)
            assert res.status_code == 403 and res.json()["error"] == "csrf", (path, res.text)
            other = await coco.send(method, path, body, headers={"Origin": "https://evil.test"})
            assert other.status_code == 403, (path, other.text)
            assert other.json()["error"] == "cross_site", (path, other.text)
            site = await coco.send(method, path, body, headers={"Sec-Fetch-Site": "cross-site"})
            assert site.status_code == 403, (path, site.text)
        hub = (await coco.send("GET", "/api/hubs/delft")).json()
        assert hub["name"] == HUB["name"] and hub["screen_link"]
        assert (await coco.send("GET", "/api/hubs/delft/boards")).json()["boards"] == []
        listed = (await coco.send("GET", "/api/library/templates")).json()["saved"]
        assert [t["id"] for t in listed] == [template]
    finally:
        await coco.http.aclose()


# --- vraag en aanbod --------------------------------------------------------------------------


async def test_market_state_needs_rights_on_the_card_and_hides_hidden_cards(
    nodes: Nodes, valkey: EmbeddedValkey
) -> None:
    """A viewer link, a participant who is not the author, another board's
    link and an account with no tie to the board change nothing; a card
    held for approval answers a stranger exactly as a card that does not
    exist (no oracle for hidden cards)."""
    node = nodes.start()
    made = node.create_board("Vraag en aanbod")
    bid, links = made["board"], made["links"]
    fac = await Wire.join(node.ws, bid, token_of(links["facilitator"]), "Fien")
    par = await Wire.join(node.ws, bid, token_of(links["participant"]), "Piet")
    question = card("q1", "Wie heeft een boormachine?", kind="question", tags=["gereedschap"])
    assert (await par.op("a", question))["t"] == "ack"
    assert (await fac.op("b", {"type": "board.set", "approval": True}))["t"] == "ack"
    held = card("q2", "Geheim", kind="question", tags=["x"])
    assert (await par.op("c", held))["t"] == "ack"
    await fac.close()
    await par.close()
    other = node.create_board("Ander bord")
    await add_account(valkey, "vera", "facilitator")
    vera = Tab(node)
    assert (await vera.login("vera")).status_code == 200
    anon = Tab(node)
    try:
        viewer = token_of(links["viewer"])
        participant = token_of(links["participant"])
        stranger = token_of(other["links"]["facilitator"])

        def ref(card_id: str, token: str | None = None) -> dict[str, Any]:
            return {"state": "resolved", "cards": [{"board": bid, "card": card_id, "token": token}]}

        refused = [
            (anon, ref("q1", viewer), 403),
            (anon, ref("q1", participant), 403),  # no identity: not the author
            (anon, ref("q1", stranger), 401),
            (anon, ref("q1"), 403),
            (vera, ref("q1"), 403),
        ]
        for tab, body, status in refused:
            res = await tab.send("POST", "/api/market/state", body)
            assert res.status_code == status, (body, res.text)
        # The held card and a card that never was: the same answer.
        for tab, token in ((anon, viewer), (anon, participant)):
            held_res = await tab.send("POST", "/api/market/state", ref("q2", token))
            none_res = await tab.send("POST", "/api/market/state", ref("zz", token))
            assert held_res.status_code == none_res.status_code == 404, held_res.text
            assert held_res.json()["message"].replace("q2", "zz") == none_res.json()["message"]
        seen = node.snapshot(bid, token_of(links["facilitator"]))
        assert seen["cards"]["q1"].get("state", "open") == "open"
        assert seen["cards"]["q2"].get("state", "open") == "open"
    finally:
        await vera.http.aclose()
        await anon.http.aclose()


# --- hubs ----------------------------------------------------------------------------------


async def test_a_hub_name_cannot_break_out_of_the_embed_snippets(
    nodes: Nodes, valkey: EmbeddedValkey
) -> None:
    """The hub page shows HTML to paste into another site; a quote in the
    hub's name once ended the iframe's ``title`` attribute there, so the
    pasted snippet carried the name's own attributes (an onload handler)."""
    node = nodes.start()
    coco = await coordinator(node, valkey)
    try:
        name = 'Hub" onload="alert(1)'
        res = await coco.send("POST", "/api/hubs", {**HUB, "name": name})
        assert res.status_code == 201, res.text
        page = await coco.http.get("/hubs/delft")
        assert page.status_code == 200
        snippets = re.findall(r'<pre class="snippet">(.*?)</pre>', page.text, re.S)
        assert snippets, page.text
        for shown in snippets:
            pasted = html.unescape(shown)  # what a visitor copies from the page
            assert 'onload="alert(1)"' not in pasted, pasted
        iframe = html.unescape(snippets[0])
        assert 'title="Agenda Hub&quot; onload=&quot;alert(1)"' in iframe
        assert "<script" not in page.text
    finally:
        await coco.http.aclose()


async def test_coordinator_routes_refuse_a_facilitator_not_named_in_the_hub(
    nodes: Nodes, valkey: EmbeddedValkey
) -> None:
    """An account with role facilitator that the hub does not name manages
    nothing of it: no activities, requests, boards, screen link, changes."""
    node = nodes.start()
    coco = await coordinator(node, valkey)
    await add_account(valkey, "fred", "facilitator")
    fred = Tab(node)
    assert (await fred.login("fred")).status_code == 200
    try:
        assert (await coco.send("POST", "/api/hubs", HUB)).status_code == 201
        when = {"start": "2030-01-01T10:00:00Z", "end": "2030-01-01T11:00:00Z"}
        made = await coco.send(
            "POST", "/api/hubs/delft/activities", {"type": "brainstorm", "title": "X", **when}
        )
        assert made.status_code == 201, made.text
        aid = made.json()["id"]
        own = (await fred.create("Van fred"))["board"]
        coco_board = (await coco.create("Van coco"))["board"]
        assert (
            await coco.send("PUT", f"/api/hubs/delft/boards/{coco_board}", {"public": False})
        ).status_code == 200
        routes: list[tuple[str, str, Any]] = [
            ("GET", "/api/hubs/delft/activities", None),
            ("POST", "/api/hubs/delft/activities", {"type": "brainstorm", "title": "Y",
             "start": "2030-01-02T10:00:00Z", "end": "2030-01-02T11:00:00Z"}),
            ("PATCH", f"/api/hubs/delft/activities/{aid}", {"title": "Overgenomen"}),
            ("DELETE", f"/api/hubs/delft/activities/{aid}", None),
            ("POST", f"/api/hubs/delft/activities/{aid}/decline", {}),
            ("GET", "/api/hubs/delft/boards", None),
            ("DELETE", f"/api/hubs/delft/boards/{coco_board}", None),
            ("PATCH", "/api/hubs/delft", {"name": "Overgenomen"}),
            ("DELETE", "/api/hubs/delft", None),
            ("POST", "/api/hubs/delft/screen-link/replace", {}),
        ]  # fmt: skip
        for method, path, body in routes:
            res = await fred.send(method, path, body)
            assert res.status_code == 403, (method, path, res.text)
        hub = (await fred.send("GET", "/api/hubs/delft")).json()
        assert not hub["may_manage"] and "screen_link" not in hub and "coordinators" not in hub
        # Their own board they may put in the hub unlisted (an owner's call),
        # not another's; listing it on the hub's public page is the hub's
        # managers' call (before, any account published its own board there).
        listed_publicly = await fred.send("PUT", f"/api/hubs/delft/boards/{own}", {"public": True})
        assert listed_publicly.status_code == 403, listed_publicly.text
        assert "coordinators" in listed_publicly.json()["message"]
        listed = (await coco.send("GET", "/api/hubs/delft/boards")).json()["boards"]
        assert {b["board"]: b["public"] for b in listed} == {coco_board: False}
        mine = await fred.send("PUT", f"/api/hubs/delft/boards/{own}", {"public": False})
        assert mine.status_code == 200, mine.text
        theirs = await fred.send("PUT", f"/api/hubs/delft/boards/{coco_board}", {"public": False})
        assert theirs.status_code == 403
        listed = (await coco.send("GET", "/api/hubs/delft/boards")).json()["boards"]
        assert {b["board"]: b["public"] for b in listed} == {own: False, coco_board: False}
        async with httpx.AsyncClient(base_url=node.http) as anonymous:
            page = (await anonymous.get("/hubs/delft")).text
            assert "Van fred" not in page
        # The hub's coordinator lists it.
        res = await coco.send("PUT", f"/api/hubs/delft/boards/{own}", {"public": True})
        assert res.status_code == 200, res.text
        listed = (await coco.send("GET", "/api/hubs/delft/boards")).json()["boards"]
        assert {b["board"]: b["public"] for b in listed} == {own: True, coco_board: False}
        async with httpx.AsyncClient(base_url=node.http) as anonymous:
            assert "Van fred" in (await anonymous.get("/hubs/delft")).text
        got = (await coco.send("GET", f"/api/hubs/delft/activities/{aid}")).json()
        assert got["title"] == "X" and got["status"] == "confirmed"
    finally:
        await coco.http.aclose()
        await fred.http.aclose()


async def test_a_deleted_hubs_screen_link_does_not_work_for_a_new_hub_of_its_slug(
    nodes: Nodes, valkey: EmbeddedValkey
) -> None:
    """A screen token is (slug, generation): a hub made again under the slug
    of a deleted one once started at the same generation, so the old hub's
    screen (a wall in a public hall) showed the new hub's running boards."""
    node = nodes.start()
    coco = await coordinator(node, valkey)
    try:
        first = await coco.send("POST", "/api/hubs", HUB)
        old = first.json()["screen_link"].split("#", 1)[1]
        auth = {"Authorization": f"Bearer {old}"}
        assert (await coco.http.get("/api/hubs/delft/now", headers=auth)).status_code == 200
        assert (await coco.send("DELETE", "/api/hubs/delft")).status_code == 204
        again = await coco.send("POST", "/api/hubs", {**HUB, "name": "Een andere hub"})
        assert again.status_code == 201
        res = await coco.http.get("/api/hubs/delft/now", headers=auth)
        assert res.status_code == 401, res.text
        new = again.json()["screen_link"].split("#", 1)[1]
        ok = await coco.http.get("/api/hubs/delft/now", headers={"Authorization": f"Bearer {new}"})
        assert ok.status_code == 200
        # Another hub's token, and a forged one, are refused too.
        assert (await coco.send("POST", "/api/hubs", {**HUB, "slug": "gouda"})).status_code == 201
        other = await coco.http.get(
            "/api/hubs/gouda/now", headers={"Authorization": f"Bearer {new}"}
        )
        assert other.status_code == 401
        forged = new[:-2] + ("AA" if not new.endswith("AA") else "BB")
        bad = await coco.http.get(
            "/api/hubs/delft/now", headers={"Authorization": f"Bearer {forged}"}
        )
        assert bad.status_code == 401
    finally:
        await coco.http.aclose()


# --- the library ------------------------------------------------------------------------------


async def test_copying_a_card_meets_the_target_boards_word_filter_and_lock(nodes: Nodes) -> None:
    """Copy-card appends to the target's log itself: it once skipped the
    target's word filter (a participant link put a slur on a school's
    screen by copying it from a board of its own) and its policy."""
    node = nodes.start()
    source = await _board_with(node, "Eigen bord", card("c1", "Rot op, klootzak"))
    target = await _board_with(node, "School", {"type": "board.set", "filter": True})
    body: dict[str, Any] = {
        "source": {"board": source["board"], "token": token_of(source["links"]["participant"])},
        "card": "c1",
        "target": {"board": target["board"], "token": token_of(target["links"]["participant"])},
    }
    anon = Tab(node)
    w = await Wire.join(node.ws, target["board"], body["target"]["token"], "Piet")
    await w.close()
    me = {"X-Prikbord-Identity": w.welcome["identity"]}
    try:
        res = await anon.send("POST", "/api/library/copy-card", body, headers=me)
        assert res.status_code == 201, res.text
        copied = res.json()["card"]
        snap = node.snapshot(target["board"], token_of(target["links"]["facilitator"]))
        assert snap["cards"][copied]["status"] == "pending"
        seen = _get(node, f"/api/boards/{target['board']}/export.json", body["target"]["token"])
        assert "klootzak" not in seen.text
        # A locked target refuses a participant's copy, and stores nothing.
        fac = await Wire.join(
            node.ws, target["board"], token_of(target["links"]["facilitator"]), "F"
        )
        assert (await fac.op("l", {"type": "board.set", "locked": True}))["t"] == "ack"
        await fac.close()
        res = await anon.send("POST", "/api/library/copy-card", body, headers=me)
        assert res.status_code == 403, res.text
        after = node.snapshot(target["board"], token_of(target["links"]["facilitator"]))
        assert set(after["cards"]) == {copied}
    finally:
        await anon.http.aclose()


# --- bad input ----------------------------------------------------------------------------------


async def test_extreme_dates_and_deep_json_get_a_clear_error(
    nodes: Nodes, valkey: EmbeddedValkey
) -> None:
    """A date at the calendar's edge (year 1 or 9999 with an offset, so UTC
    is year 0 or 10000) and JSON nested past Python's recursion limit once
    answered 500 — on the public agenda, the public visit request and the
    import among others. Now a 4xx that says what is wrong; nothing stored."""
    node = nodes.start()
    coco = await coordinator(node, valkey)
    try:
        assert (await coco.send("POST", "/api/hubs", HUB)).status_code == 201
        for moment in ("0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00",
                       "0001-01-01T00:10", "0001-01-01"):  # fmt: skip
            for path in (
                f"/api/hubs/delft/agenda?from={moment}",
                f"/api/hubs/delft/agenda?to={moment}",
                f"/api/hubs/delft/activities?from={moment}",
            ):
                res = await coco.http.get(path)
                assert res.status_code == 422, (path, res.text)
            when = {"start": moment, "end": moment}
            act = {"type": "brainstorm", "title": "T", **when}
            res = await coco.send("POST", "/api/hubs/delft/activities", act)
            assert res.status_code == 422 and res.json()["field"] == "start", res.text
            visit = {"group": "G", "contact": "a@b.nl", "size": 3, "wishes": [moment]}
            res = await coco.send("POST", "/api/hubs/delft/visit", visit)
            assert res.status_code == 422 and res.json()["field"] == "wishes[0]", res.text
        deep = b"[" * 1_500 + b"]" * 1_500  # past the parser's depth, under any cap
        for path in ("/api/library/import", "/api/hubs", "/api/market/state",
                     "/api/library/copy-card", "/api/hubs/delft/visit"):  # fmt: skip
            res = await coco.send("POST", path, deep)
            assert 400 <= res.status_code < 500, (path, res.status_code, res.text)
            assert res.json()["error"] in ("corrupt", "invalid"), res.text
        listed = (await coco.send("GET", "/api/hubs/delft/activities")).json()["activities"]
        assert listed == []
    finally:
        await coco.http.aclose()


async def test_exports_and_card_copies_are_limited_per_client_ip(nodes: Nodes) -> None:
    """An export reads the whole board (a JSON export its files too, held
    in memory), and a public board's viewer link is on its hub's page: once
    anyone could export without end. Past the per-IP limit: 429 with
    Retry-After, for exports and card copies alike (one count)."""
    node = nodes.start(PRIKBORD_LIBRARY_READS_PER_IP="4", PRIKBORD_LIBRARY_READS_WINDOW_S="600")
    made = await _board_with(node, "Publiek bord", card("c1", "Koffie"))
    viewer = token_of(made["links"]["viewer"])
    for fmt in ("json", "csv", "md"):
        assert _get(node, f"/api/boards/{made['board']}/export.{fmt}", viewer).status_code == 200
    anon = Tab(node)
    try:
        participant = token_of(made["links"]["participant"])
        ref = {"board": made["board"], "token": participant}
        copy = {"source": ref, "card": "c1", "target": ref}
        w = await Wire.join(node.ws, made["board"], participant, "Piet")
        await w.close()
        me = {"X-Prikbord-Identity": w.welcome["identity"]}
        res = await anon.send("POST", "/api/library/copy-card", copy, headers=me)
        assert res.status_code == 201, res.text
        res = await anon.send("POST", "/api/library/copy-card", copy, headers=me)
        assert res.status_code == 429 and int(res.headers["retry-after"]) > 0, res.text
        res2 = _get(node, f"/api/boards/{made['board']}/export.json", viewer)
        assert res2.status_code == 429 and res2.json()["error"] == "rate_limited", res2.text
        assert "retry-after" in res2.headers
    finally:
        await anon.http.aclose()


async def test_a_noncharacter_cannot_break_the_hubs_feeds(
    nodes: Nodes, valkey: EmbeddedValkey
) -> None:
    """U+FFFF is not XML: an activity's title holding one (typed by a
    coordinator, or a visitor's group name in a request a coordinator then
    accepts) once made the hub's Atom feed a 500 for every reader. Such
    text is refused where it comes in, as control characters are."""
    node = nodes.start()
    coco = await coordinator(node, valkey)
    try:
        assert (await coco.send("POST", "/api/hubs", HUB)).status_code == 201
        when = {"start": iso(timedelta(days=3)), "end": iso(timedelta(days=3, hours=1))}
        for bad in ("Brainstorm\uffff", "Zeg \ufffe", "X\U0001ffff", "Y\ufdd0"):
            act = {"type": "brainstorm", "title": bad, **when}
            res = await coco.send("POST", "/api/hubs/delft/activities", act)
            assert res.status_code == 422 and res.json()["field"] == "title", res.text
            visit = {"group": bad, "contact": "a@b.nl", "size": 3, "wishes": [when["start"]]}
            res = await coco.send("POST", "/api/hubs/delft/visit", visit)
            assert res.status_code == 422 and res.json()["field"] == "group", res.text
        ok = {"type": "brainstorm", "title": "Brainstorm 💡 ﷺ", **when}
        assert (await coco.send("POST", "/api/hubs/delft/activities", ok)).status_code == 201
        for feed in ("/hubs/delft/agenda.atom", "/hubs/delft/agenda.ics", "/hubs/agenda.ics"):
            res = await coco.http.get(feed)
            assert res.status_code == 200 and "Brainstorm" in res.text, (feed, res.text[:200])
    finally:
        await coco.http.aclose()


async def test_no_export_format_shows_a_reader_what_the_board_hides_from_them(
    nodes: Nodes,
) -> None:
    """Cards hidden until the reveal, a card held for approval with its
    comment, and authors in anonymous mode: a participant's and a viewer's
    export in every format (JSON, CSV, Markdown, the print page) holds none
    of them; the facilitator's holds them all."""
    node = nodes.start()
    made = node.create_board("Verborgen")
    bid, links = made["board"], made["links"]
    fac = await Wire.join(node.ws, bid, token_of(links["facilitator"]), "Fien")
    par = await Wire.join(node.ws, bid, token_of(links["participant"]), "Geheimnaam")
    steps = [
        (fac, {"type": "board.set", "anonymous": "all"}),
        (par, card("v1", "Zichtbaar idee")),
        (fac, {"type": "board.set", "approval": True}),
        (par, card("p1", "Wachtend geheim")),
        (par, {"type": "comment.add", "id": "m1", "card": "p1", "body": "Commentaargeheim"}),
        (fac, {"type": "board.set", "approval": False, "hide_cards": True}),
        (par, card("h1", "Verstopt geheim")),
    ]
    for i, (who, op) in enumerate(steps):
        assert (await who.op(f"s{i}", op))["t"] == "ack", op
    await fac.close()
    await par.close()
    hidden = ("Wachtend", "Commentaargeheim", "Verstopt", "Geheimnaam")
    for role in ("participant", "viewer"):
        for fmt in ("json", "csv", "md", "html"):
            res = _get(node, f"/api/boards/{bid}/export.{fmt}", token_of(links[role]))
            assert res.status_code == 200, (role, fmt, res.text)
            leaked = [s for s in hidden if s in res.text]
            assert not leaked, (role, fmt, leaked)
    full = _get(node, f"/api/boards/{bid}/export.md", token_of(links["facilitator"])).text
    assert all(s in full for s in hidden[:3])


# --- files --------------------------------------------------------------------------------------


def _raw_upload(node: ServerProcess, board: str, token: str, filename: bytes, data: bytes) -> Any:
    """A multipart body made by hand, so the part's file name carries bytes
    a browser would escape (NUL, a quote, path separators, RTL override)."""
    boundary = b"r2probe"
    body = (
        b"--" + boundary + b"\r\n"
        b'Content-Disposition: form-data; name="file"; filename="' + filename + b'"\r\n'
        b"Content-Type: image/png\r\n\r\n" + data + b"\r\n--" + boundary + b"--\r\n"
    )  # fmt: skip
    headers = {
        "Authorization": f"Bearer {token}",
        "X-Prikbord-Identity": device_identity(),
        "Content-Type": f"multipart/form-data; boundary={boundary.decode()}",
    }
    return httpx.post(f"{node.http}/api/boards/{board}/files", headers=headers, content=body)


async def test_a_removed_participant_cannot_upload_by_leaving_out_the_identity(
    nodes: Nodes,
) -> None:
    """Uploads refused a removed participant only when the request named
    its device: leaving out ``X-Prikbord-Identity`` got a removed
    participant's file stored. A participant link's upload now needs it."""
    node = nodes.start()
    made = node.create_board("Foto's")
    bid, links = made["board"], made["links"]
    part = token_of(links["participant"])

    def post(token: str, identity: str | None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"}
        if identity is not None:
            headers["X-Prikbord-Identity"] = identity
        return httpx.post(
            f"{node.http}/api/boards/{bid}/files", headers=headers,
            files={"file": ("p.png", media.png(), "image/png")}, timeout=30,
        )  # fmt: skip

    fac = await Wire.join(node.ws, bid, token_of(links["facilitator"]), "Fien")
    alice = await Wire.join(node.ws, bid, part, "Alice")
    identity, actor = alice.welcome["identity"], alice.welcome["actor"]
    await alice.close()
    assert (await fac.op("r", {"type": "participant.remove", "actor": actor}))["t"] == "ack"
    await fac.close()
    for sent in (None, "", "forged-identity", identity):
        res = post(part, sent)
        assert res.status_code == 403, (sent, res.text)
    assert "X-Prikbord-Identity" in post(part, None).json()["message"]
    assert "removed" in post(part, identity).json()["message"]
    r = aioredis.Redis.from_url(nodes.valkey.url)
    try:
        assert not await r.exists(f"{{b:{bid}}}:files")
    finally:
        await r.aclose()
    # Another device, and a facilitator's link without one, still upload.
    assert post(part, device_identity()).status_code == 201
    assert post(token_of(links["facilitator"]), None).status_code == 201


async def test_a_files_name_cannot_carry_a_path_nul_or_direction_and_files_stay_on_their_board(
    nodes: Nodes,
) -> None:
    """The name a client sends is only shown: no path, no NUL, no control
    or bidi characters reach the card or the Content-Disposition; and a
    file's id is no key to it from another board, even one whose card was
    made to show that id."""
    node = nodes.start()
    made = node.create_board("Foto's")
    bid, links = made["board"], made["links"]
    part = token_of(links["participant"])
    name = "..\\..\\etc/pass\x00wd\u202egnp.exe\r\nX-Evil: 1".encode()
    res = _raw_upload(node, bid, part, name, media.png())
    assert res.status_code == 201, res.text
    att = res.json()
    assert att["name"] == "passwdgnp.exe", att["name"]  # the CR LF ended the header
    w = await Wire.join(node.ws, bid, part, "Piet")
    assert (await w.op("a", card("c1", "foto", files=[att])))["t"] == "ack"
    await w.close()
    got = _get(node, f"/api/boards/{bid}/files/{att['id']}", part)
    assert got.status_code == 200
    disposition = got.headers["content-disposition"]
    disposition.encode("ascii")
    assert "\\" not in disposition and "/" not in disposition.split("filename*")[0]
    assert "\r" not in disposition and "\n" not in disposition and "x-evil" not in got.headers
    # Another board: its link never reads this board's file, even by a card
    # of its own that names the id (the op is refused: not this board's file).
    other = node.create_board("Ander")
    mine = token_of(other["links"]["facilitator"])
    assert _get(node, f"/api/boards/{other['board']}/files/{att['id']}", mine).status_code == 404
    wo = await Wire.join(node.ws, other["board"], mine, "Fien")
    lied = await wo.op("b", card("c2", "gestolen", files=[att]))
    await wo.close()
    assert lied["t"] == "error", lied
    assert _get(node, f"/api/boards/{other['board']}/files/{att['id']}", mine).status_code == 404
    thumb = _get(node, f"/api/boards/{other['board']}/files/{att['id']}/thumb", mine)
    assert thumb.status_code == 404


async def test_a_flood_of_visit_requests_neither_hides_the_agenda_nor_grows_without_end(
    nodes: Nodes, valkey: EmbeddedValkey
) -> None:
    """Anyone may ask for a visit, and the per-IP limit counts one address
    (an IPv6 /64 holds millions). A thousand pending requests at the next
    hours once filled the store's listing cap, so the hub page, its feed,
    the public agenda and the screen showed no real activity at all. Now
    public reads skip them, and a hub takes ``VISIT_REQUESTS_PER_HUB`` a
    window from all addresses together."""
    node = nodes.start(PRIKBORD_VISIT_REQUESTS_PER_IP="1000", PRIKBORD_VISIT_REQUESTS_PER_HUB="3")
    coco = await coordinator(node, valkey)
    client = aioredis.Redis.from_url(valkey.url)
    try:
        assert (await coco.send("POST", "/api/hubs", HUB)).status_code == 201
        soon = {"start": iso(timedelta(hours=2)), "end": iso(timedelta(hours=3))}
        real = {"type": "brainstorm", "title": "Echte brainstorm", **soon}
        assert (await coco.send("POST", "/api/hubs/delft/activities", real)).status_code == 201
        # What a flood from many addresses leaves behind (written straight
        # into the store: the per-hub limit below keeps the API from it).
        store = HubStore(client)
        wish = iso(timedelta(hours=1))
        now = int(datetime.now(UTC).timestamp() * 1000)
        for i in range(MAX_LISTED + 5):
            body = {"group": f"Spam {i}", "contact": "a@b.nl", "size": 3, "wishes": [wish]}
            pending = agenda.visit_from_body(body, hub="delft", id=new_activity_id(), now=now)
            await store.add_activity(pending)
        public_reads = [
            "/hubs/delft",
            "/hubs/delft/embed",
            "/hubs/delft/agenda.ics",
            "/hubs/delft/agenda.atom",
            "/hubs/agenda.ics",
            "/hubs",
            "/api/hubs/delft/agenda",
        ]
        for path in public_reads:
            res = await coco.http.get(path)
            assert res.status_code == 200 and "Echte brainstorm" in res.text, path
            assert "Spam" not in res.text, path
        # The per-hub limit: three stored, the fourth refused (any address).
        for i in range(4):
            visit = {
                "group": f"Klas {i}",
                "contact": "a@b.nl",
                "size": 3,
                "wishes": [soon["start"]],
            }
            res = await coco.send("POST", "/api/hubs/delft/visit", visit)
            assert res.status_code == (202 if i < 3 else 429), (i, res.text)
        assert "retry-after" in res.headers
    finally:
        await client.aclose()
        await coco.http.aclose()


async def test_search_finds_only_the_searchers_boards_and_managed_hubs(
    nodes: Nodes, valkey: EmbeddedValkey
) -> None:
    """A facilitator's search never returns a word from another account's
    board, nor from a hub they do not manage (403, not an empty answer
    that would still run the search); anonymous search is refused."""
    node = nodes.start()
    coco = await coordinator(node, valkey)
    await add_account(valkey, "vera", "facilitator")
    vera = Tab(node)
    assert (await vera.login("vera")).status_code == 200
    anon = Tab(node)
    try:
        assert (await coco.send("POST", "/api/hubs", HUB)).status_code == 201
        theirs = await coco.create("Van coco")
        fac = token_of(theirs["links"]["facilitator"])
        w = await Wire.join(node.ws, theirs["board"], fac, "Coco")
        assert (await w.op("a", card("c1", "Zeldzaamwoord")))["t"] == "ack"
        await w.close()
        put = await coco.send("PUT", f"/api/hubs/delft/boards/{theirs['board']}", {"public": True})
        assert put.status_code == 200
        mine = await vera.create("Van vera")
        assert mine["board"]
        res = await vera.send("GET", "/api/library/search?q=zeldzaamwoord")
        assert res.status_code == 200 and res.json()["hits"] == [], res.text
        res = await vera.send("GET", "/api/library/search?q=zeldzaamwoord&hub=delft")
        assert res.status_code == 403, res.text
        assert (await anon.send("GET", "/api/library/search?q=zeldzaamwoord")).status_code == 401
        found = await coco.send("GET", "/api/library/search?q=zeldzaamwoord&hub=delft")
        assert found.status_code == 200 and found.json()["hits"], found.text
    finally:
        for tab in (coco, vera, anon):
            await tab.http.aclose()


async def test_public_pages_built_from_a_forged_host_are_never_shared_cacheable(
    nodes: Nodes, valkey: EmbeddedValkey
) -> None:
    """Without ``PRIKBORD_PUBLIC_URL`` a public page's links come from the
    request's Host header; such a page said ``public`` and a proxy cache
    keyed on the path would serve one client's forged host (links, iCal
    URLs, the join QR code) to everyone. Now ``private`` there; with the
    public URL set, the links ignore Host and the pages stay ``public``."""
    for public_url in ("", "https://prikbord.example.org"):
        env = {"PRIKBORD_PUBLIC_URL": public_url} if public_url else {}
        node = nodes.start(**env)
        coco = await coordinator(node, valkey, name=f"coco{len(public_url)}")
        try:
            if public_url == "":
                made = await coco.send("POST", "/api/hubs", HUB)
                assert made.status_code == 201, made.text
            forged = {"Host": "evil.example"}
            for path in (
                "/hubs",
                "/hubs/delft",
                "/hubs/delft/embed",
                "/hubs/delft/agenda.ics",
                "/hubs/delft/agenda.atom",
                "/hubs/agenda.ics",
                "/api/hubs/delft/agenda",
            ):
                res = await coco.http.get(path, headers=forged)
                assert res.status_code == 200, (path, res.text[:200])
                cache = res.headers["cache-control"]
                if public_url:
                    assert cache.startswith("public") and "evil.example" not in res.text, path
                else:
                    assert cache.startswith("private"), (path, cache)
            css = await coco.http.get("/embed/hubs.css", headers=forged)
            assert css.headers["cache-control"].startswith("public")  # names no host
        finally:
            await coco.http.aclose()
            node.stop()


def _big_export(cards: int, comments: int) -> bytes:
    """A JSON export near the caps (long card texts, many comments): tens
    of MB that take the server seconds to check."""
    form = to_wire(BoardState("big"))
    doc = document.build(form, view="full", exported_at=0)
    one = Card(id="c0", title="Idee", body="b" * 4000, author="a", author_name="A",
               created_at=1, updated_at=1)  # fmt: skip
    said = Comment(id="m0", card="c0", body="x" * 500, author="a", author_name="A", created_at=1)
    sample = to_wire(BoardState("s", cards={"c0": one}, comments={"m0": said}))
    doc["state"]["cards"] = {f"c{i}": dict(sample["cards"]["c0"]) for i in range(cards)}
    doc["state"]["comments"] = {
        f"m{i}": dict(sample["comments"]["m0"], card=f"c{i % cards}") for i in range(comments)
    }
    return document.dumps(doc)


async def test_a_big_import_leaves_the_nodes_sockets_served(
    nodes: Nodes, valkey: EmbeddedValkey
) -> None:
    """Checking an import near the cap takes seconds of CPU, and it once ran
    on the event loop: every socket of the node (a whole class's boards)
    stood still meanwhile, and anyone may import where creation is open.
    Now it runs in a thread: an op sent while the file is being checked is
    acked before the import gets as far as making its board (before, the
    op waited until the check was over and the board was on its way)."""
    node = nodes.start()
    made = node.create_board("Live")
    w = await Wire.join(node.ws, made["board"], token_of(made["links"]["facilitator"]), "F")
    raw = await asyncio.to_thread(_big_export, limits.MAX_CARDS, limits.MAX_COMMENTS)
    headers = {"Content-Type": "application/json", "Origin": node.http}
    client = aioredis.Redis.from_url(valkey.url)
    try:
        async with httpx.AsyncClient(base_url=node.http, timeout=120) as http:
            importing = asyncio.create_task(
                http.post("/api/library/import", content=raw, headers=headers)
            )
            await asyncio.sleep(1.0)  # the body is in; the server is checking it
            ack = await w.op("live", card("c1", "Nog steeds live"), timeout=60)
            boards_at_ack = await client.scard(BOARDS_KEY)
            res = await importing
        assert ack["t"] == "ack" and res.status_code == 201, res.text[:300]
        assert boards_at_ack == 1, (
            "the op waited for the import's check: the event loop was blocked"
        )
        assert await client.scard(BOARDS_KEY) == 2
    finally:
        await client.aclose()
        await w.close()
