"""Revocable links against real server processes (SPEC §2): a replaced link
is refused on every node — REST, new sockets and sockets already open —
expiry, access codes (right, wrong, throttled across nodes) and join codes."""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
import redis.asyncio as aioredis

from client.client import PrikbordClient
from client.errors import AccessCodeRefused, TerminalClose
from protocol.errors import CloseCode
from server.accounts.passwords import hash_password
from server.accounts.store import AccountStore
from server.embedded import EmbeddedValkey
from tests.support.cluster import Nodes
from tests.support.servers import ServerProcess, token_of
from tests.support.wire import Wire

PASSWORD = "correct horse battery"


def _call(
    node: ServerProcess,
    method: str,
    path: str,
    token: str | None = None,
    body: Any = None,
    content_type: str = "application/json",
) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers["Content-Type"] = content_type
    req = urllib.request.Request(node.http + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.load(resp)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def _links(node: ServerProcess, board: str, token: str) -> dict[str, Any]:
    status, body = _call(node, "GET", f"/api/boards/{board}/links", token)
    assert status == 200, body
    return dict(body)


def _replace(node: ServerProcess, board: str, token: str, *roles: str) -> dict[str, Any]:
    status, body = _call(
        node, "POST", f"/api/boards/{board}/links/replace", token, {"roles": list(roles)}
    )
    assert status == 200, body
    return dict(body)


def _get(node: ServerProcess, path: str) -> tuple[int, str]:
    """Status and Location of a GET, redirects not followed."""
    conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=10)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        resp.read()
        return resp.status, resp.getheader("Location") or ""
    finally:
        conn.close()


def _hello(board: str, token: str, code: str | None = None, name: str = "x") -> dict[str, Any]:
    hello: dict[str, Any] = {"t": "hello", "v": 1, "board": board, "token": token, "name": name}
    if code is not None:
        hello["code"] = code
    return hello


async def _join(url: str, board: str, token: str, code: str | None = None) -> Wire:
    wire = await Wire.connect(url)
    await wire.send(_hello(board, token, code))
    wire.welcome = await wire.expect("welcome")
    return wire


async def _refused(url: str, board: str, token: str, code: str | None = None) -> tuple[int, str]:
    """The close code and reason a hello gets when it is refused."""
    wire = await Wire.connect(url)
    await wire.send(_hello(board, token, code))
    closed = await wire.wait_closed()
    assert closed is not None, "the hello was accepted"
    return closed, wire.ws.close_reason or ""


async def _alive(wire: Wire) -> bool:
    await wire.send({"t": "ping", "n": 7})
    try:
        await wire.until(lambda f: f.get("t") == "pong", timeout=3)
    except TimeoutError:
        return False
    return True


async def test_a_replaced_facilitator_link_is_refused_on_every_node(nodes: Nodes) -> None:
    a, b = nodes.start(), nodes.start()
    created = a.create_board("Revocation")
    bid = created["board"]
    old = token_of(created["links"]["facilitator"])
    participant = token_of(created["links"]["participant"])
    on_a, on_b = await _join(a.ws, bid, old), await _join(b.ws, bid, old)
    bystander = await _join(b.ws, bid, participant)
    assert on_a.welcome["role"] == on_b.welcome["role"] == "facilitator"

    replaced = _replace(a, bid, old, "facilitator")
    new = token_of(replaced["links"]["facilitator"])
    assert new != old
    # The facilitator sockets already open, on both nodes, are closed with 4102.
    for wire in (on_a, on_b):
        assert await wire.wait_closed(5) == CloseCode.UNAUTHORIZED
        assert "replaced" in (wire.ws.close_reason or "")
    # Other links are untouched: the participant's socket stays, its link works.
    assert await _alive(bystander)
    assert token_of(replaced["links"]["participant"]) == participant
    # The old token is refused everywhere: new sockets and REST, on both nodes.
    for node in (a, b):
        code, reason = await _refused(node.ws, bid, old)
        assert code == CloseCode.UNAUTHORIZED and "replaced" in reason
        assert _call(node, "GET", f"/api/boards/{bid}", old)[0] == 401
        assert _call(node, "GET", f"/api/boards/{bid}/links", old)[0] == 401
        status, _ = _call(
            node, "POST", f"/api/boards/{bid}/links/replace", old, {"roles": ["viewer"]}
        )
        assert status == 401
    # Each refusal and each closed socket is counted (/metrics).
    for node in (a, b):
        assert node.metric('prikbord_refused_total{kind="link_replaced"}') >= 4
        assert node.metric('prikbord_refused_total{kind="link_closed"}') == 1
    # The new one works on both nodes.
    for node in (a, b):
        wire = await _join(node.ws, bid, new)
        assert wire.welcome["role"] == "facilitator"
        await wire.close()
        assert _call(node, "GET", f"/api/boards/{bid}", new)[0] == 200
        assert token_of(_links(node, bid, new)["links"]["facilitator"]) == new
    await bystander.close()


async def test_replacing_the_participant_link_and_join_code(nodes: Nodes) -> None:
    a, b = nodes.start(), nodes.start()
    created = a.create_board("Join codes")
    bid, fac = created["board"], token_of(created["links"]["facilitator"])
    old_participant = token_of(created["links"]["participant"])
    viewer = token_of(created["links"]["viewer"])
    old_code = created["links"]["join"].rsplit("/", 1)[1]
    status, location = _get(a, f"/j/{old_code.lower()}")
    assert status == 302 and location == f"/b/{bid}#t={old_participant}"
    open_participant = await _join(b.ws, bid, old_participant)

    replaced = _replace(a, bid, fac, "participant", "join")
    new_participant = token_of(replaced["links"]["participant"])
    new_code = replaced["links"]["join"].rsplit("/", 1)[1]
    assert new_code != old_code and new_participant != old_participant
    assert await open_participant.wait_closed(5) == CloseCode.UNAUTHORIZED
    for node in (a, b):
        assert _get(node, f"/j/{old_code}")[0] == 404
        assert _get(node, f"/j/{new_code}") == (302, f"/b/{bid}#t={new_participant}")
        # A hub screen follows the new join code with its (unchanged) viewer link.
        status, body = _call(node, "GET", f"/api/boards/{bid}/join", viewer)
        assert status == 200 and body["join"].endswith(f"/j/{new_code}")
    # The viewer link's screen URL carries the new join link too.
    assert f"/j/{new_code}" in unquote(replaced["links"]["viewer"])

    # Replacing only the join code keeps the participant link.
    again = _replace(b, bid, fac, "join")
    assert token_of(again["links"]["participant"]) == new_participant
    assert _get(a, f"/j/{new_code}")[0] == 404


async def test_an_expired_link_is_refused_and_its_sockets_closed(nodes: Nodes) -> None:
    a, b = nodes.start(), nodes.start()
    created = a.create_board("Expiry")
    bid, fac = created["board"], token_of(created["links"]["facilitator"])
    participant = token_of(created["links"]["participant"])
    on_a, on_b = await _join(a.ws, bid, participant), await _join(b.ws, bid, participant)

    status, body = _call(
        a, "PUT", f"/api/boards/{bid}/links/expiry", fac, {"role": "participant", "expires_in": 1}
    )
    assert status == 200 and body["expires"]["participant"] is not None
    assert body["expires"]["facilitator"] is None
    # Still open until it passes; then closed on both nodes by their timers.
    assert await _alive(on_a)
    for wire in (on_a, on_b):
        assert await wire.wait_closed(4) == CloseCode.UNAUTHORIZED
        assert "expired" in (wire.ws.close_reason or "")
    for node in (a, b):
        code, reason = await _refused(node.ws, bid, participant)
        assert code == CloseCode.UNAUTHORIZED and "expired" in reason
        assert _call(node, "GET", f"/api/boards/{bid}", participant)[0] == 401
    # Other roles are unaffected; clearing the expiry makes the link work again.
    facilitator = await _join(b.ws, bid, fac)
    status, body = _call(
        b,
        "PUT",
        f"/api/boards/{bid}/links/expiry",
        fac,
        {"role": "participant", "expires_in": None},
    )
    assert status == 200 and body["expires"]["participant"] is None
    again = await _join(a.ws, bid, participant)
    assert await _alive(facilitator) and await _alive(again)
    await facilitator.close()
    await again.close()


async def test_access_code_right_wrong_and_throttled_across_nodes(nodes: Nodes) -> None:
    a = nodes.start(PRIKBORD_ACCESS_CODE_FAILURES="3")
    b = nodes.start(PRIKBORD_ACCESS_CODE_FAILURES="3")
    created = a.create_board("Access code")
    bid, fac = created["board"], token_of(created["links"]["facilitator"])
    participant = token_of(created["links"]["participant"])
    viewer = token_of(created["links"]["viewer"])
    already_here = await _join(b.ws, bid, participant)

    status, body = _call(a, "PUT", f"/api/boards/{bid}/access-code", fac, {"code": "k7r2x9"})
    assert status == 200 and body["access_code"] == "K7R2X9"
    assert _links(b, bid, fac)["access_code"] == "K7R2X9"
    assert await _alive(already_here)  # a new code does not throw people out

    # Participants need it (case-insensitive); facilitator and viewer links do not.
    assert (await _refused(a.ws, bid, participant))[0] == CloseCode.ACCESS_CODE
    wire = await _join(b.ws, bid, participant, code="k7r2x9")
    await wire.close()
    for token in (fac, viewer):
        wire = await _join(a.ws, bid, token)
        await wire.close()
    # Wrong codes count per address on every node: three, then even the
    # right code is refused until the window ends.
    assert (await _refused(a.ws, bid, participant, "WRONG1"))[0] == CloseCode.ACCESS_CODE
    assert (await _refused(b.ws, bid, participant, "WRONG2"))[0] == CloseCode.ACCESS_CODE
    assert (await _refused(a.ws, bid, participant, "no"))[0] == CloseCode.ACCESS_CODE
    code, reason = await _refused(b.ws, bid, participant, "K7R2X9")
    assert code == CloseCode.TOO_MANY_ATTEMPTS and "try again in" in reason
    assert (await _refused(a.ws, bid, participant, "WRONG3"))[0] == CloseCode.TOO_MANY_ATTEMPTS

    def counted(kind: str) -> float:
        return sum(n.metric(f'prikbord_refused_total{{kind="{kind}"}}') for n in (a, b))

    assert counted("access_code") == 2  # the throttled ones
    assert counted("access_code_wrong") == 3
    # The facilitator can still work, and clear the code.
    status, body = _call(b, "PUT", f"/api/boards/{bid}/access-code", fac, {"code": None})
    assert status == 200 and body["access_code"] is None
    wire = await _join(a.ws, bid, participant)
    await wire.close()
    await already_here.close()


async def test_link_routes_refuse_what_is_not_a_facilitators_json(nodes: Nodes) -> None:
    a = nodes.start()
    created = a.create_board("Refusals")
    other = a.create_board("Other")
    bid, fac = created["board"], token_of(created["links"]["facilitator"])
    participant = token_of(created["links"]["participant"])
    path = f"/api/boards/{bid}/links"
    assert _call(a, "GET", path)[0] == 401
    assert _call(a, "GET", path, "forged.token")[0] == 401
    assert _call(a, "GET", path, token_of(other["links"]["facilitator"]))[0] == 401
    assert _call(a, "GET", path, participant)[0] == 403
    assert _call(a, "GET", "/api/boards/nosuchboard/links", fac)[0] == 401  # another board's
    replace = f"{path}/replace"
    assert _call(a, "POST", replace, fac, b'{"roles": ["viewer"]}', "text/plain")[0] == 415
    assert _call(a, "POST", replace, fac, {"roles": []})[0] == 422
    assert _call(a, "POST", replace, fac, {"roles": ["owner"]})[0] == 422
    assert _call(a, "POST", replace, fac, {"roles": ["viewer"], "x": 1})[0] == 422
    assert _call(a, "POST", replace, fac, b"{" * 2000)[0] == 413
    expiry = f"{path}/expiry"
    for bad in ({"role": "viewer", "expires_in": 0}, {"role": "viewer", "expires_in": "8h"},
                {"role": "viewer", "expires_in": 400 * 24 * 3600}, {"expires_in": 60}):  # fmt: skip
        assert _call(a, "PUT", expiry, fac, bad)[0] == 422, bad
    code = f"/api/boards/{bid}/access-code"
    for bad_code in ("abc", "12 34", "x" * 33, 1234):
        assert _call(a, "PUT", code, fac, {"code": bad_code})[0] == 422, bad_code
    # Nothing changed by any of it.
    after = _links(a, bid, fac)
    assert token_of(after["links"]["participant"]) == participant
    assert after["access_code"] is None
    assert all(v is None for v in after["expires"].values())


async def test_a_join_racing_a_replacement_never_outlives_it(nodes: Nodes) -> None:
    """Joins with the old link while it is replaced: each is refused or,
    if it got in first, closed — none stays open afterwards."""
    a, b = nodes.start(), nodes.start()
    created = a.create_board("Race")
    bid, fac = created["board"], token_of(created["links"]["facilitator"])
    participant = token_of(created["links"]["participant"])

    async def join_or_refused(node: ServerProcess) -> Wire | None:
        wire = await Wire.connect(node.ws)
        await wire.send(_hello(bid, participant))
        try:
            wire.welcome = await wire.expect("welcome", timeout=5)
        except TimeoutError:
            return None
        return wire

    joins = [asyncio.create_task(join_or_refused(n)) for n in (a, b) * 6]
    await asyncio.to_thread(_replace, a, bid, fac, "participant")
    wires = [w for w in await asyncio.gather(*joins) if w is not None]
    for wire in wires:
        assert await wire.wait_closed(5) == CloseCode.UNAUTHORIZED


async def test_python_client_access_code_and_replaced_link(nodes: Nodes) -> None:
    a = nodes.start()
    created = a.create_board("Python client")
    bid, fac = created["board"], token_of(created["links"]["facilitator"])
    link = created["links"]["participant"]
    assert _call(a, "PUT", f"/api/boards/{bid}/access-code", fac, {"code": "4821"})[0] == 200

    with pytest.raises(AccessCodeRefused) as refused:
        await PrikbordClient(link, name="bot").connect()
    assert refused.value.code == CloseCode.ACCESS_CODE and not refused.value.throttled
    client = PrikbordClient(link, name="bot", access_code="4821")
    await client.connect()
    try:
        await client.add_card(title="with the code")
        _replace(a, bid, fac, "participant")
        with pytest.raises(TerminalClose) as closed:
            async with asyncio.timeout(5):
                await client.wait_closed()
        assert closed.value.code == CloseCode.UNAUTHORIZED and "replaced" in closed.value.reason
    finally:
        await client.close()


async def test_cli_asks_for_the_access_code(nodes: Nodes, tmp_path: Path) -> None:
    a = nodes.start()
    created = a.create_board("CLI")
    bid, fac = created["board"], token_of(created["links"]["facilitator"])
    link = created["links"]["participant"]
    assert _call(a, "PUT", f"/api/boards/{bid}/access-code", fac, {"code": "4821"})[0] == 200
    env = {**os.environ, "HOME": str(tmp_path), "PRIKBORD_ACCESS_CODE": ""}
    cmd = [sys.executable, "-m", "prikbord.cli", "card", "add", link, "hi"]

    def run(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*cmd, *extra],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )

    no_code = run()
    assert no_code.returncode == 1 and "--access-code" in no_code.stderr
    assert "Traceback" not in no_code.stderr
    wrong = run("--access-code", "1111")
    assert wrong.returncode == 1 and "wrong access code" in wrong.stderr
    right = run("--access-code", "4821")
    assert right.returncode == 0, right.stderr
    assert "added at seq" in right.stdout


async def test_the_boards_owner_manages_its_links_with_a_login(
    nodes: Nodes, valkey: EmbeddedValkey
) -> None:
    """Without a link token, the owner's session (and its CSRF token on
    changes) does what the facilitator link does; another account cannot."""
    client = aioredis.Redis.from_url(valkey.url)
    store = AccountStore(client)
    for name in ("owner", "other"):
        await store.create(name, name.title(), "facilitator", hash_password(PASSWORD), 0)
    await client.aclose()
    a, b = nodes.start(), nodes.start()
    tabs = {}
    for name, node in (("owner", a), ("other", b)):
        tab = httpx.AsyncClient(base_url=node.http, headers={"Origin": node.http}, timeout=10)
        login = await tab.post("/api/login", json={"username": name, "password": PASSWORD})
        assert login.status_code == 200, login.text
        tab.headers["X-CSRF-Token"] = login.json()["csrf"]
        tabs[name] = tab
    owner, other = tabs["owner"], tabs["other"]
    created = await owner.post("/api/boards", json={"title": "Owned"})
    assert created.status_code == 201, created.text
    bid = created.json()["board"]
    participant = token_of(created.json()["links"]["participant"])
    on_b = await _join(b.ws, bid, participant)

    path = f"/api/boards/{bid}/links"
    read = await owner.get(path)
    assert read.status_code == 200 and token_of(read.json()["links"]["participant"]) == participant
    no_csrf = await owner.post(
        f"{path}/replace", json={"roles": ["participant"]}, headers={"X-CSRF-Token": ""}
    )
    assert no_csrf.status_code == 403
    assert (await other.get(path)).status_code == 404
    assert (await other.post(f"{path}/replace", json={"roles": ["participant"]})).status_code == 404
    anonymous = httpx.AsyncClient(base_url=a.http, timeout=10)
    assert (await anonymous.get(path)).status_code == 401
    await anonymous.aclose()
    # None of that changed anything; the owner's replacement does, everywhere.
    assert await _alive(on_b)
    replaced = await owner.post(f"{path}/replace", json={"roles": ["participant"]})
    assert replaced.status_code == 200, replaced.text
    assert token_of(replaced.json()["links"]["participant"]) != participant
    assert await on_b.wait_closed(5) == CloseCode.UNAUTHORIZED
    for tab in tabs.values():
        await tab.aclose()
