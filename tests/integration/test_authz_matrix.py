"""The authorization matrix (issue 8) against a real server process: every
principal x every op and every route, each answered as documented, and a
refusal changes nothing.

Principals: nobody; viewer, participant, the author of the objects, and
facilitator links; a replaced link; another board's facilitator; the
logged-in owner of the board; another logged-in account.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any

import httpx
import redis.asyncio as aioredis

from protocol.errors import CloseCode, ErrorCode
from server.accounts.passwords import hash_password
from server.accounts.store import AccountStore
from server.embedded import EmbeddedValkey
from tests.integration.conftest import Nodes, nodes, valkey
from tests.support.servers import ServerProcess, token_of
from tests.support.wire import Wire, card

__all__ = ["nodes", "valkey"]

PASSWORD = "correct horse battery"
OK = "ok"


def _rest(
    node: ServerProcess, method: str, path: str, token: str | None = None, body: Any = None
) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(node.http + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


class _Account:
    """A logged-in browser tab: session cookie, Origin, CSRF token."""

    def __init__(self, node: ServerProcess) -> None:
        self.http = httpx.AsyncClient(base_url=node.http, headers={"Origin": node.http})
        self.csrf = ""

    async def login(self, username: str) -> None:
        res = await self.http.post("/api/login", json={"username": username, "password": PASSWORD})
        assert res.status_code == 200, res.text
        self.csrf = res.json()["csrf"]

    async def call(self, method: str, path: str, body: Any = None) -> int:
        headers = {"X-CSRF-Token": self.csrf}
        if body is not None:
            headers["Content-Type"] = "application/json"
        content = None if body is None else json.dumps(body).encode()
        res = await self.http.request(method, path, content=content, headers=headers)
        return res.status_code


async def _add_account(valkey: EmbeddedValkey, username: str) -> None:
    client = aioredis.Redis.from_url(valkey.url)
    await AccountStore(client).create(
        username, username.title(), "facilitator", hash_password(PASSWORD), int(time.time() * 1000)
    )
    await client.aclose()


async def test_every_op_by_every_role_gets_its_documented_answer(nodes: Nodes) -> None:
    a = nodes.start()
    board = a.create_board("Matrix")
    bid, links = board["board"], board["links"]
    fac = await Wire.join(a.ws, bid, token_of(links["facilitator"]), "Fien")
    author = await Wire.join(a.ws, bid, token_of(links["participant"]), "Ann")
    other = await Wire.join(a.ws, bid, token_of(links["participant"]), "Bob")
    viewer = await Wire.join(a.ws, bid, token_of(links["viewer"]), "Screen")
    for op_id, op in (("s0", {"type": "section.add", "id": "s1", "title": "Ideas", "pos": "a0"}),):
        assert (await fac.op(op_id, op))["t"] == "ack"
    for op_id, op in (
        ("a0", card("c1", "Ann's")),
        ("a1", {"type": "comment.add", "id": "m1", "card": "c1", "body": "mine"}),
        ("a2", {"type": "vote.cast", "card": "c1"}),
    ):
        assert (await author.op(op_id, op))["t"] == "ack"

    # (op, expected per role: viewer, other participant, author, facilitator)
    forbidden, missing = ErrorCode.FORBIDDEN, ErrorCode.NOT_FOUND
    matrix: list[tuple[dict[str, Any], tuple[Any, Any, Any, Any]]] = [
        ({"type": "board.set", "title": "T"}, (forbidden, forbidden, forbidden, OK)),
        ({"type": "section.set", "id": "s1", "title": "S"}, (forbidden, forbidden, forbidden, OK)),
        ({"type": "card.set", "id": "c1", "title": "x"}, (forbidden, forbidden, OK, OK)),
        ({"type": "card.move", "id": "c1", "x": 5}, (forbidden, forbidden, OK, OK)),
        ({"type": "reaction.set", "card": "c1", "emoji": "👍", "on": True},
         (forbidden, OK, OK, OK)),
        ({"type": "vote.retract", "card": "c1"}, (forbidden, missing, OK, missing)),
        ({"type": "vote.cast", "card": "c1"}, (forbidden, OK, OK, OK)),
        ({"type": "comment.delete", "id": "m1"}, (forbidden, forbidden, OK, missing)),
    ]  # fmt: skip
    wires = (viewer, other, author, fac)
    n = 0
    for op, expected in matrix:
        for wire, want in zip(wires, expected, strict=True):
            n += 1
            before = a.snapshot(bid, token_of(links["facilitator"]))
            got = await wire.op(f"x{n}", op)
            if want == OK:
                assert got["t"] == "ack", (wire.welcome["role"], op, got)
            else:
                assert got["t"] == "error" and got["code"] == want, (wire.welcome["role"], op, got)
                assert got["id"] == f"x{n}"
                after = a.snapshot(bid, token_of(links["facilitator"]))
                assert after == before, (wire.welcome["role"], op)
    # Creating: everyone but the viewer; deleting others' cards: facilitator only.
    assert (await viewer.op("v1", card("cv")))["code"] == forbidden
    assert (await other.op("o1", card("co")))["t"] == "ack"
    assert (await other.op("o2", {"type": "card.delete", "id": "c1"}))["code"] == forbidden
    assert (await author.op("a9", {"type": "card.delete", "id": "co"}))["code"] == forbidden
    assert (await fac.op("f9", {"type": "card.delete", "id": "co"}))["t"] == "ack"
    assert (await author.op("a10", {"type": "card.delete", "id": "c1"}))["t"] == "ack"
    for wire in wires:
        await wire.close()


async def test_every_route_by_every_principal(nodes: Nodes, valkey: EmbeddedValkey) -> None:
    a = nodes.start()
    await _add_account(valkey, "owner")
    await _add_account(valkey, "stranger")
    owner, stranger = _Account(a), _Account(a)
    await owner.login("owner")
    await stranger.login("stranger")
    res = await owner.http.post(
        "/api/boards",
        content=json.dumps({"title": "Owned"}).encode(),
        headers={"Content-Type": "application/json", "X-CSRF-Token": owner.csrf},
    )
    assert res.status_code == 201, res.text
    board = res.json()
    bid, links = board["board"], board["links"]
    other_board = a.create_board("Other")
    fac, part, view = (token_of(links[r]) for r in ("facilitator", "participant", "viewer"))
    other_fac = token_of(other_board["links"]["facilitator"])

    # A replaced participant link: its token is refused from then on.
    assert _rest(a, "POST", f"/api/boards/{bid}/links/replace", fac, {"roles": ["participant"]})
    replaced = part
    open_socket_refused = await Wire.connect(a.ws)
    await open_socket_refused.send(
        {"t": "hello", "v": 1, "board": bid, "token": replaced, "name": "Old"}
    )
    assert await open_socket_refused.wait_closed() == CloseCode.UNAUTHORIZED

    tokens: dict[str, str | None] = {
        "none": None, "viewer": view, "facilitator": fac, "replaced": replaced,
        "other board's facilitator": other_fac,
    }  # fmt: skip
    # route → expected status per token principal
    routes: list[tuple[str, str, Any, dict[str, int]]] = [
        ("GET", f"/api/boards/{bid}", None,
         {"none": 401, "viewer": 200, "facilitator": 200, "replaced": 401,
          "other board's facilitator": 401}),
        ("GET", f"/api/boards/{bid}/links", None,
         {"none": 401, "viewer": 403, "facilitator": 200, "replaced": 401,
          "other board's facilitator": 401}),
        ("PUT", f"/api/boards/{bid}/access-code", {"code": None},
         {"none": 401, "viewer": 403, "facilitator": 200, "replaced": 401,
          "other board's facilitator": 401}),
        ("PUT", f"/api/boards/{bid}/links/expiry", {"role": "viewer", "expires_in": None},
         {"none": 401, "viewer": 403, "facilitator": 200, "replaced": 401,
          "other board's facilitator": 401}),
        ("GET", f"/api/boards/{bid}/join", None,
         {"none": 401, "viewer": 200, "facilitator": 200, "replaced": 401,
          "other board's facilitator": 401}),
    ]  # fmt: skip
    for method, path, body, expected in routes:
        for who, want in expected.items():
            got = _rest(a, method, path, tokens[who], body)
            assert got == want, (method, path, who, got)

    # Accounts: the owner manages its board; another account cannot tell it exists.
    assert await owner.call("GET", f"/api/my/boards/{bid}") == 200
    assert await stranger.call("GET", f"/api/my/boards/{bid}") == 404
    assert await owner.call("GET", f"/api/boards/{bid}/links") == 200
    assert await stranger.call("GET", f"/api/boards/{bid}/links") in (403, 404)
    assert await stranger.call("PATCH", f"/api/my/boards/{bid}", {"title": "Mine now"}) == 404
    assert await stranger.call("POST", f"/api/boards/{bid}/links/replace",
                               {"roles": ["viewer"]}) in (403, 404)  # fmt: skip
    assert await stranger.call("DELETE", f"/api/my/boards/{bid}") == 404
    assert _rest(a, "GET", f"/api/my/boards/{bid}") == 401
    # None of the refusals changed the board: its links still work.
    assert _rest(a, "GET", f"/api/boards/{bid}", view) == 200
    assert await owner.call("PATCH", f"/api/my/boards/{bid}", {"title": "Renamed"}) == 200
    assert await owner.call("DELETE", f"/api/my/boards/{bid}") == 204
    assert _rest(a, "GET", f"/api/boards/{bid}", fac) in (401, 404)
    await owner.http.aclose()
    await stranger.http.aclose()
