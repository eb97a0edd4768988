"""Accounts against real server processes on a real Valkey: the first-run
setup link, login and logout, throttling, disabled accounts, CSRF, who may
create boards (closed by default, JSON only, limited when open), and
"my boards" (list, open, rename, archive, delete) across two accounts and
two nodes."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import httpx
import redis
import redis.asyncio as aioredis

from server.accounts import setup
from server.accounts.passwords import hash_password
from server.accounts.store import AccountRole, AccountStore
from server.embedded import EmbeddedValkey
from server.engine.keys import board_keys
from tests.integration.conftest import Nodes, nodes, valkey
from tests.support.servers import ServerProcess, token_of
from tests.support.wire import Wire

__all__ = ["nodes", "valkey"]

CLOSED = {"PRIKBORD_OPEN_BOARD_CREATION": "0"}
PASSWORD = "correct horse battery"


async def add_account(
    valkey: EmbeddedValkey, username: str, role: AccountRole = "facilitator"
) -> None:
    client = aioredis.Redis.from_url(valkey.url)
    await AccountStore(client).create(
        username, username.title(), role, hash_password(PASSWORD), int(time.time() * 1000)
    )
    await client.aclose()


class Tab:
    """One browser tab of the web app: a cookie jar, the page's Origin on
    every request, and the CSRF token from ``GET /api/me``."""

    def __init__(self, node: ServerProcess, origin: str | None = None) -> None:
        self.http = httpx.AsyncClient(
            base_url=node.http, headers={"Origin": origin or node.http}, timeout=10
        )
        self.csrf = ""

    async def login(self, username: str, password: str = PASSWORD) -> httpx.Response:
        res = await self.http.post("/api/login", json={"username": username, "password": password})
        if res.status_code == 200:
            self.csrf = res.json()["csrf"]
        return res

    async def me(self) -> dict[str, Any]:
        body: dict[str, Any] = (await self.http.get("/api/me")).json()
        return body

    async def send(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        csrf: bool = True,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        headers = dict(headers or {})
        if csrf and self.csrf:
            headers.setdefault("X-CSRF-Token", self.csrf)
        if body is not None:
            headers.setdefault("Content-Type", "application/json")
        content = None if body is None else body if isinstance(body, bytes) else _json(body)
        return await self.http.request(method, path, content=content, headers=headers)

    async def create(self, title: str) -> dict[str, Any]:
        res = await self.send("POST", "/api/boards", {"title": title})
        assert res.status_code == 201, res.text
        body: dict[str, Any] = res.json()
        return body

    async def my_boards(self, query: str = "") -> list[dict[str, Any]]:
        res = await self.http.get(f"/api/my/boards{query}")
        assert res.status_code == 200, res.text
        boards: list[dict[str, Any]] = res.json()["boards"]
        return boards

    async def close(self) -> None:
        await self.http.aclose()


def _json(body: Any) -> bytes:
    import json

    return json.dumps(body).encode()


def setup_token(node: ServerProcess) -> str:
    found = re.findall(r"/setup#([A-Za-z0-9_-]+)", node.log_path.read_text())
    assert found, node.log_tail()
    return str(found[-1])


def board_count(valkey: EmbeddedValkey) -> int:
    return int(redis.Redis.from_url(valkey.url).scard("prikbord:boards"))


# --- first-run setup -----------------------------------------------------------


async def test_the_setup_link_creates_the_first_admin_once(
    nodes: Nodes, valkey: EmbeddedValkey
) -> None:
    node = nodes.start(**CLOSED)
    token = setup_token(node)
    tab = Tab(node)
    assert (await tab.me())["setup_needed"] is True
    assert (await tab.http.get("/api/setup")).json() == {"needed": True}
    form = {"token": token, "username": "Fien", "name": "Fien de Vries", "password": PASSWORD}
    wrong = await tab.send("POST", "/api/setup", {**form, "token": "x" * 43})
    assert wrong.status_code == 403 and wrong.json()["error"] == "invalid_token"
    # A bad field is refused before the token is spent.
    weak = await tab.send("POST", "/api/setup", {**form, "password": "short"})
    assert weak.status_code == 422 and "8 characters" in weak.json()["message"]
    bad_name = await tab.send("POST", "/api/setup", {**form, "username": "a:b"})
    assert bad_name.status_code == 422
    form_post = await tab.send(
        "POST", "/api/setup", b"token=x", headers={"Content-Type": "text/plain"}
    )
    assert form_post.status_code == 415
    done = await tab.send("POST", "/api/setup", form)
    assert done.status_code == 201, done.text
    assert done.json()["account"] == {
        "username": "fien",
        "name": "Fien de Vries",
        "role": "admin",
        "disabled": False,
    }
    cookie = done.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie and cookie.startswith("prikbord_session=")  # plain HTTP
    me = await tab.me()
    assert me["account"]["role"] == "admin" and me["csrf"] and me["setup_needed"] is False
    again = await Tab(node).send("POST", "/api/setup", {**form, "username": "eve"})
    assert again.status_code == 409
    assert (await tab.http.get("/api/setup")).json() == {"needed": False}
    # Every setup token is gone; a restarted server prints none.
    assert not redis.Redis.from_url(valkey.url).exists("prikbord:{acct}:setup")
    second = nodes.start(**CLOSED)
    assert "/setup#" not in second.log_path.read_text()
    await tab.close()


def test_a_setup_token_works_once_and_expires(valkey: EmbeddedValkey) -> None:
    client = redis.Redis.from_url(valkey.url)
    now = int(time.time() * 1000)
    token = setup.issue(client, 60, now)
    late = setup.issue(client, 60, now)
    assert token and late and token != late

    async def consume(t: str, at: int) -> bool:
        c = aioredis.Redis.from_url(valkey.url)
        try:
            return await setup.consume(c, t, at)
        finally:
            await c.aclose()

    assert asyncio.run(consume(token, now + 1000)) is True
    assert asyncio.run(consume(token, now + 1000)) is False  # once
    assert asyncio.run(consume(late, now + 61_000)) is False  # expired
    assert asyncio.run(consume("", now)) is False
    client.sadd("prikbord:{acct}:all", "someone")
    assert setup.issue(client, 60, now) is None  # an account exists


# --- login, logout, throttling, disabled accounts -----------------------------


async def test_login_logout_and_the_session_cookie(nodes: Nodes, valkey: EmbeddedValkey) -> None:
    node = nodes.start(**CLOSED)
    await add_account(valkey, "ann")
    tab = Tab(node)
    wrong = await tab.login("ann", "wrong password")
    unknown = await tab.login("nobody", "wrong password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()  # no hint which one exists
    assert node.metric('prikbord_refused_total{kind="login_failed"}') == 2
    ok = await tab.login("ANN ")  # usernames are trimmed and case-blind
    assert ok.status_code == 200 and ok.json()["account"]["username"] == "ann"
    me = await tab.me()
    assert me["account"]["name"] == "Ann" and me["csrf"] == tab.csrf
    stolen = dict(tab.http.cookies)
    # Logout is a state change: without the token it is refused.
    refused = await tab.send("POST", "/api/logout", csrf=False)
    assert refused.status_code == 403 and (await tab.me())["account"] is not None
    out = await tab.send("POST", "/api/logout")
    assert out.status_code == 204 and "Max-Age=0" in out.headers["set-cookie"]
    assert (await tab.me())["account"] is None
    # The old cookie names an ended session: it is worth nothing now.
    replay = httpx.AsyncClient(base_url=node.http, cookies=stolen)
    assert (await replay.get("/api/me")).json()["account"] is None
    assert (await replay.get("/api/my/boards")).status_code == 401
    forged = httpx.AsyncClient(base_url=node.http, cookies={"prikbord_session": "abc.def"})
    assert (await forged.get("/api/me")).json()["account"] is None
    for c in (replay, forged):
        await c.aclose()
    await tab.close()


async def test_behind_https_the_cookie_is_secure_and_host_only(
    nodes: Nodes, valkey: EmbeddedValkey
) -> None:
    node = nodes.start(**CLOSED, PRIKBORD_PUBLIC_URL="https://prikbord.example")
    await add_account(valkey, "ann")
    tab = Tab(node, origin="https://prikbord.example")
    res = await tab.login("ann")
    assert res.status_code == 200
    cookie = res.headers["set-cookie"]
    assert cookie.startswith("__Host-prikbord_session=") and "; Secure" in cookie
    assert "Domain=" not in cookie and "Path=/" in cookie
    # Over HTTPS only the __Host- cookie counts: a plain one is ignored.
    value = cookie.split(";", 1)[0].split("=", 1)[1]
    plain = httpx.AsyncClient(base_url=node.http, cookies={"prikbord_session": value})
    assert (await plain.get("/api/me")).json()["account"] is None
    host_only = httpx.AsyncClient(base_url=node.http, cookies={"__Host-prikbord_session": value})
    assert (await host_only.get("/api/me")).json()["account"]["username"] == "ann"
    for c in (plain, host_only):
        await c.aclose()
    await tab.close()


async def test_logins_are_throttled_per_account_and_per_ip(
    nodes: Nodes, valkey: EmbeddedValkey
) -> None:
    node = nodes.start(**CLOSED, PRIKBORD_LOGINS_PER_ACCOUNT="3", PRIKBORD_LOGINS_PER_IP="6")
    await add_account(valkey, "ann")
    await add_account(valkey, "bob")
    tab = Tab(node)
    for _ in range(3):
        assert (await tab.login("ann", "guess guess")).status_code == 401
    throttled = await tab.login("ann")  # even the right password waits now
    assert throttled.status_code == 429
    assert int(throttled.headers["retry-after"]) > 0
    assert throttled.json()["error"] == "rate_limited"
    # Another account from the same address: the per-IP limit (6) is next.
    assert (await tab.login("bob", "guess guess")).status_code == 401
    assert (await tab.login("bob")).status_code == 200
    assert (await tab.login("bob")).status_code == 429  # the 7th from this IP
    assert node.metric('prikbord_refused_total{kind="login_account"}') >= 1
    assert node.metric('prikbord_refused_total{kind="login_ip"}') >= 1
    await tab.close()


async def test_a_disabled_account_is_refused_and_its_sessions_end(
    nodes: Nodes, valkey: EmbeddedValkey
) -> None:
    from tests.integration.test_user_cli import user_cli

    node = nodes.start(**CLOSED)
    await add_account(valkey, "ann")
    tabs = [Tab(node), Tab(node)]
    for tab in tabs:
        assert (await tab.login("ann")).status_code == 200
    board = await tabs[0].create("Before")
    rc, out, _err = await user_cli("disable", "ann", "--redis-url", valkey.url)
    assert rc == 0 and "2 sessions ended" in out
    for tab in tabs:
        assert (await tab.me())["account"] is None
        assert (await tab.send("POST", "/api/boards", {"title": "x"})).status_code == 401
    assert (await tabs[0].login("ann")).status_code == 403
    assert (await tabs[0].login("ann", "wrong password")).status_code == 401  # no hint
    rc, _out, _err = await user_cli("enable", "ann", "--redis-url", valkey.url)
    assert rc == 0 and (await tabs[0].login("ann")).status_code == 200
    assert [b["board"] for b in await tabs[0].my_boards()] == [board["board"]]
    for tab in tabs:
        await tab.close()


# --- CSRF ----------------------------------------------------------------------


async def test_cookie_requests_need_the_csrf_token_and_our_origin(
    nodes: Nodes, valkey: EmbeddedValkey
) -> None:
    node = nodes.start(**CLOSED)
    await add_account(valkey, "ann")
    tab = Tab(node)
    await tab.login("ann")
    board = (await tab.create("Keep me"))["board"]
    before = board_count(valkey)
    create = {"title": "Forged"}
    attempts = [
        await tab.send("POST", "/api/boards", create, csrf=False),
        await tab.send("POST", "/api/boards", create, headers={"Origin": "https://evil.example"}),
        await tab.send(
            "POST", "/api/boards", create, headers={"Origin": node.http.replace("http:", "https:")}
        ),
        await tab.send("POST", "/api/boards", create, headers={"Sec-Fetch-Site": "cross-site"}),
        await tab.send("POST", "/api/boards", create, headers={"X-CSRF-Token": "not-the-token"}),
        await tab.send("PATCH", f"/api/my/boards/{board}", {"title": "Pwned"}, csrf=False),
        await tab.send("DELETE", f"/api/my/boards/{board}", csrf=False),
        await tab.send(
            "DELETE", f"/api/my/boards/{board}", headers={"Origin": "https://evil.example"}
        ),
        await tab.send("POST", "/api/logout", headers={"Origin": "https://evil.example"}),
    ]
    assert [r.status_code for r in attempts] == [403] * len(attempts)
    assert {r.json()["error"] for r in attempts} == {"csrf", "cross_site"}
    assert board_count(valkey) == before
    assert [(b["board"], b["title"]) for b in await tab.my_boards()] == [(board, "Keep me")]
    assert node.metric('prikbord_refused_total{kind="csrf"}') == len(attempts)
    assert (await tab.me())["account"] is not None  # still logged in
    # Login from another site is refused too (login CSRF).
    evil = Tab(node, origin="https://evil.example")
    assert (await evil.login("ann")).status_code == 403
    await evil.close()
    await tab.close()


# --- who may create boards -----------------------------------------------------


async def test_creation_is_closed_by_default_and_json_only(
    nodes: Nodes, valkey: EmbeddedValkey
) -> None:
    node = nodes.start(**CLOSED)
    await add_account(valkey, "ann")
    anon = Tab(node)
    assert (await anon.me())["open_board_creation"] is False
    res = await anon.send("POST", "/api/boards", {"title": "Anon"})
    assert res.status_code == 401 and res.json()["error"] == "login_required"
    for kind in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
        res = await anon.send(
            "POST", "/api/boards", b'{"title":"x"}', headers={"Content-Type": kind}
        )
        assert res.status_code == 415, kind
    no_type = await anon.http.post("/api/boards", content=b'{"title": "x"}')
    assert no_type.status_code == 415
    tab = Tab(node)
    await tab.login("ann")
    plain = await tab.send(
        "POST", "/api/boards", b'{"title":"x"}', headers={"Content-Type": "text/plain"}
    )
    assert plain.status_code == 415
    assert board_count(valkey) == 0
    assert node.metric('prikbord_refused_total{kind="content_type"}') == 5
    created = await tab.create("Mine")
    assert set(created["links"]) == {"facilitator", "participant", "viewer", "join"}
    listed = await tab.my_boards()
    assert [(b["board"], b["title"], b["owner"]) for b in listed] == [
        (created["board"], "Mine", "ann")
    ]
    await anon.close()
    await tab.close()


async def test_an_open_creation_flood_gets_429s_and_memory_stays_bounded(
    nodes: Nodes, valkey: EmbeddedValkey
) -> None:
    limit = 20
    node = nodes.start(PRIKBORD_OPEN_BOARD_CREATION="1", PRIKBORD_CREATE_BOARDS_PER_IP=str(limit))
    info = redis.Redis.from_url(valkey.url)
    before = int(info.info("memory")["used_memory"])
    statuses: list[int] = []
    retry_after: set[str] = set()
    async with httpx.AsyncClient(base_url=node.http, timeout=30) as http:
        gate = asyncio.Semaphore(16)

        async def one(i: int) -> None:
            async with gate:
                res = await http.post("/api/boards", json={"title": f"Flood {i}"})
            statuses.append(res.status_code)
            if res.status_code == 429:
                retry_after.add(res.headers.get("retry-after", ""))

        await asyncio.gather(*(one(i) for i in range(1000)))
    after = int(info.info("memory")["used_memory"])
    assert statuses.count(201) == limit
    assert statuses.count(429) == 1000 - limit
    assert "" not in retry_after and all(int(s) > 0 for s in retry_after)
    assert board_count(valkey) == limit
    # 20 boards and one counter; unlimited, 1,000 boards took ~5 MB.
    assert after - before < 1_000_000, (before, after)
    assert node.metric('prikbord_refused_total{kind="create_board_ip"}') == 1000 - limit


# --- my boards -----------------------------------------------------------------


async def test_my_boards_list_open_rename_archive_and_other_accounts(
    nodes: Nodes, valkey: EmbeddedValkey
) -> None:
    node = nodes.start(**CLOSED)
    for name, role in (("ann", "facilitator"), ("bob", "facilitator"), ("cor", "coordinator")):
        await add_account(valkey, name, role)  # type: ignore[arg-type]
    ann, bob, cor = Tab(node), Tab(node), Tab(node)
    for tab, name in ((ann, "ann"), (bob, "bob"), (cor, "cor")):
        assert (await tab.login(name)).status_code == 200
    first = await ann.create("Brainstorm")
    second = await ann.create("Walk-in hour")
    assert [b["title"] for b in await ann.my_boards()] == ["Walk-in hour", "Brainstorm"]
    bid = first["board"]

    # Open: the links again, after the page that showed them is gone.
    opened = (await ann.http.get(f"/api/my/boards/{bid}")).json()
    assert opened["links"] == first["links"]
    fac = await Wire.join(node.ws, bid, token_of(opened["links"]["facilitator"]), "Ann")
    assert fac.welcome["role"] == "facilitator"

    # Rename: through the board's log, so open boards see it live.
    renamed = await ann.send("PATCH", f"/api/my/boards/{bid}", {"title": "Brainstorm v2"})
    assert renamed.status_code == 200 and renamed.json()["title"] == "Brainstorm v2"
    await fac.wait_seq(fac.welcome["seq"] + 1)
    rename = fac.events[-1]
    assert rename["op"]["type"] == "board.set" and rename["op"]["title"] == "Brainstorm v2"
    assert rename["name"] == "Ann" and rename["actor"] == "system"
    # A title set on the board itself shows in the list too.
    await fac.op("t1", {"type": "board.set", "title": "Set on the board"})
    for _ in range(50):
        if (await ann.my_boards())[1]["title"] == "Set on the board":
            break
        await asyncio.sleep(0.1)
    assert (await ann.my_boards())[1]["title"] == "Set on the board"
    bad = await ann.send("PATCH", f"/api/my/boards/{bid}", {"title": ""})
    assert bad.status_code == 422
    bad = await ann.send("PATCH", f"/api/my/boards/{bid}", {"owner": "bob"})
    assert bad.status_code == 422

    # Archive: out of the default list, in the archived one; and back.
    res = await ann.send("PATCH", f"/api/my/boards/{bid}", {"archived": True})
    assert res.json()["archived"] is True
    assert [b["board"] for b in await ann.my_boards()] == [second["board"]]
    assert [b["board"] for b in await ann.my_boards("?archived=1")] == [bid]
    await ann.send("PATCH", f"/api/my/boards/{bid}", {"archived": False})
    assert len(await ann.my_boards()) == 2

    # Another facilitator: sees none of it, changes none of it.
    assert await bob.my_boards() == []
    assert (await bob.http.get(f"/api/my/boards/{bid}")).status_code == 404
    assert (await bob.send("PATCH", f"/api/my/boards/{bid}", {"title": "Mine"})).status_code == 404
    assert (await bob.send("DELETE", f"/api/my/boards/{bid}")).status_code == 404
    assert (await bob.http.get("/api/my/boards?scope=all")).status_code == 403
    assert (await ann.http.get(f"/api/my/boards/{bid}")).json()["title"] == "Set on the board"
    # A coordinator sees every board, and may open any.
    everything = await cor.my_boards("?scope=all")
    assert {b["board"] for b in everything} == {bid, second["board"]}
    assert (await cor.http.get(f"/api/my/boards/{bid}")).status_code == 200
    # Not logged in: nothing.
    anon = Tab(node)
    assert (await anon.http.get("/api/my/boards")).status_code == 401
    assert (await anon.http.get(f"/api/my/boards/{bid}")).status_code == 401
    await fac.close()
    for tab in (ann, bob, cor, anon):
        await tab.close()


async def test_deleting_a_board_removes_its_data_and_its_links_stop_working(
    nodes: Nodes, valkey: EmbeddedValkey
) -> None:
    a = nodes.start(**CLOSED)
    b = nodes.start(**CLOSED)
    await add_account(valkey, "ann")
    tab = Tab(a)
    await tab.login("ann")
    keep = await tab.create("Keep")
    gone = await tab.create("Delete me")
    bid, links = gone["board"], gone["links"]
    participant = token_of(links["participant"])
    on_a = await Wire.join(a.ws, bid, participant, "Pia")
    on_b = await Wire.join(b.ws, bid, participant, "Piet")
    ack = await on_b.op("c1", {"type": "card.add", "id": "c1", "title": "An idea"})
    await on_a.wait_seq(ack["seq"])
    r = redis.Redis.from_url(valkey.url)
    assert r.keys(f"{{b:{bid}}}*")

    res = await tab.send("DELETE", f"/api/my/boards/{bid}")
    assert res.status_code == 204
    assert await on_a.wait_closed() == 4103
    assert await on_b.wait_closed() == 4103  # the other node heard it too
    # The board's data is gone from Redis (presence and connection slots of
    # the sockets that just closed expire by themselves).
    keys = board_keys(bid)
    assert not r.exists(keys.meta, keys.log, keys.ops, keys.ops_times, keys.snap)
    assert not r.sismember("prikbord:boards", bid)
    assert r.get(f"prikbord:short:{links['join'].rsplit('/', 1)[1]}") is None
    for node in (a, b):
        late = await Wire.connect(node.ws)
        await late.send({"t": "hello", "v": 1, "board": bid, "token": participant, "name": "x"})
        assert await late.wait_closed() == 4103
        rest = await httpx.AsyncClient(base_url=node.http).get(
            f"/api/boards/{bid}", headers={"Authorization": f"Bearer {participant}"}
        )
        assert rest.status_code == 404
    short = await httpx.AsyncClient(base_url=a.http).get(links["join"].replace(a.http, ""))
    assert short.status_code == 404
    assert [x["board"] for x in await tab.my_boards()] == [keep["board"]]
    assert (await tab.send("DELETE", f"/api/my/boards/{bid}")).status_code == 404
    await tab.close()
