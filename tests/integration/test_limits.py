"""Abuse limits against real server processes (issue 8): ops per actor and
per IP across sockets, WebSockets per IP and per board, ``/j/`` lookups,
security headers, the Origin check, ``/metrics`` behind its token.

Functional assertions only: who gets acked, who gets error 100 or close
4006, and that every acked op reached the other client. Rate bounds are
"at most burst + rate x elapsed", which a slow machine only makes easier.
"""

from __future__ import annotations

import asyncio
import time
import urllib.error
import urllib.request
from typing import Any

import websockets

from protocol import limits
from protocol.errors import CloseCode, ErrorCode
from protocol.version import SUBPROTOCOL
from server.headers import CONTENT_SECURITY_POLICY
from tests.integration.conftest import Nodes, nodes, valkey
from tests.support.servers import METRICS_TOKEN, ServerProcess, token_of
from tests.support.wire import Wire, card

__all__ = ["nodes", "valkey"]

OPEN = {"PRIKBORD_OPEN_BOARD_CREATION": "1"}
#: Client addresses, believed from X-Forwarded-For when 127.0.0.1 is a
#: trusted proxy (documentation ranges, RFC 5737).
FLOODER_IP, OTHER_IP = "203.0.113.7", "198.51.100.2"


def _from(ip: str) -> dict[str, Any]:
    return {"additional_headers": {"X-Forwarded-For": ip}}


async def _flood(wire: Wire, prefix: str, n: int) -> None:
    """Send ``n`` card.adds without waiting for answers."""
    for i in range(n):
        await wire.send({"t": "op", "id": f"{prefix}{i}", "op": card(f"{prefix}{i}")})


async def _answers(wires: list[Wire], n: int, timeout: float = 30.0) -> list[dict[str, Any]]:
    """The next ``n`` acks/errors over ``wires``."""
    got: list[dict[str, Any]] = []

    async def drain(w: Wire) -> None:
        while True:
            frame = await w.frames.get()
            if frame.get("t") in ("ack", "error"):
                got.append(frame)

    tasks = [asyncio.create_task(drain(w)) for w in wires]
    try:
        async with asyncio.timeout(timeout):
            while len(got) < n:
                await asyncio.sleep(0.02)
    finally:
        for t in tasks:
            t.cancel()
    return got


async def _steady_writer(wire: Wire, n: int) -> list[dict[str, Any]]:
    """Another participant at a person's pace: one op, wait for its answer."""
    answers = []
    for i in range(n):
        answers.append(await wire.op(f"calm{i}", card(f"calm{i}"), timeout=15))
        await asyncio.sleep(0.05)
    return answers


async def _flood_vs_calm(
    flooders: list[Wire], calm: Wire, per_socket: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], float]:
    started = time.monotonic()
    calm_task = asyncio.create_task(_steady_writer(calm, 30))
    await asyncio.gather(*(_flood(w, f"f{k}x", per_socket) for k, w in enumerate(flooders)))
    flood = await _answers(flooders, per_socket * len(flooders))
    calm_answers = await calm_task
    return flood, calm_answers, time.monotonic() - started


def _check_held(flood: list[dict[str, Any]], elapsed: float, rate: float, burst: int) -> int:
    acked = [f for f in flood if f["t"] == "ack"]
    refused = [f for f in flood if f["t"] == "error"]
    assert refused, "the flood was never refused"
    assert {f["code"] for f in refused} == {ErrorCode.RATE_LIMITED}
    assert all(isinstance(f.get("id"), str) and f["id"].startswith("f") for f in refused)
    assert len(acked) <= burst + rate * elapsed + 1, (len(acked), elapsed)
    return len(acked)


async def _all_delivered(calm: Wire, answers: list[dict[str, Any]]) -> None:
    assert [a["t"] for a in answers] == ["ack"] * len(answers), answers
    await calm.wait_seq(max(a["seq"] for a in answers), timeout=20)
    seen = {e["op_id"] for e in calm.events if e.get("actor") == calm.welcome["actor"]}
    assert {f"calm{i}" for i in range(len(answers))} <= seen


async def test_one_participant_on_12_sockets_is_held_to_the_per_actor_rate(
    nodes: Nodes,
) -> None:
    a = nodes.start(**OPEN, PRIKBORD_ACTOR_OPS_PER_SECOND="20", PRIKBORD_ACTOR_OPS_BURST="60")
    b = nodes.start(**OPEN, PRIKBORD_ACTOR_OPS_PER_SECOND="20", PRIKBORD_ACTOR_OPS_BURST="60")
    board = a.create_board()
    bid, token = board["board"], token_of(board["links"]["participant"])
    first = await Wire.join(a.ws, bid, token, "flood")
    identity = first.welcome["identity"]
    # One person (one identity) on 12 sockets, over both nodes.
    flooders = [first] + [
        await Wire.join((a, b)[k % 2].ws, bid, token, "flood", identity=identity)
        for k in range(1, 12)
    ]
    assert {w.welcome["actor"] for w in flooders} == {first.welcome["actor"]}
    calm = await Wire.join(b.ws, bid, token, "calm")
    flood, calm_answers, elapsed = await _flood_vs_calm(flooders, calm, per_socket=100)
    _check_held(flood, elapsed, rate=20, burst=60)
    await _all_delivered(calm, calm_answers)
    refused = a.metric('prikbord_refused_total{kind="ops_per_actor"}') + b.metric(
        'prikbord_refused_total{kind="ops_per_actor"}'
    )
    assert refused == sum(1 for f in flood if f["t"] == "error")


async def test_many_actors_from_one_address_are_held_to_the_per_ip_rate(nodes: Nodes) -> None:
    env = {
        **OPEN,
        "PRIKBORD_TRUSTED_PROXIES": "127.0.0.1",
        "PRIKBORD_IP_OPS_PER_SECOND": "10",
        "PRIKBORD_IP_OPS_BURST": "30",
    }
    node = nodes.start(**env)
    board = node.create_board()
    bid, token = board["board"], token_of(board["links"]["participant"])
    # 12 sockets, each a new actor (no identity), all from one address.
    flooders = [
        await Wire.join(node.ws, bid, token, f"f{k}", **_from(FLOODER_IP)) for k in range(12)
    ]
    assert len({w.welcome["actor"] for w in flooders}) == 12
    calm = await Wire.join(node.ws, bid, token, "calm", **_from(OTHER_IP))
    flood, calm_answers, elapsed = await _flood_vs_calm(flooders, calm, per_socket=40)
    _check_held(flood, elapsed, rate=10, burst=30)
    await _all_delivered(calm, calm_answers)
    assert node.metric('prikbord_refused_total{kind="ops_per_ip"}') > 0


async def _closed_with(url: str, **kwargs: Any) -> int | None:
    """Open a socket and return the close code the server sends first."""
    ws = await websockets.connect(url, subprotocols=[SUBPROTOCOL], **kwargs)  # type: ignore[list-item]
    try:
        async with asyncio.timeout(10):
            await ws.recv()
    except websockets.ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None
    finally:
        await ws.close()
    return None


async def test_websockets_per_ip_are_capped_with_4006(nodes: Nodes) -> None:
    node = nodes.start(**OPEN, PRIKBORD_MAX_WS_PER_IP="3")
    board = node.create_board()
    bid, token = board["board"], token_of(board["links"]["participant"])
    held = [await Wire.join(node.ws, bid, token, f"p{k}") for k in range(2)]
    idle = await websockets.connect(node.ws, subprotocols=[SUBPROTOCOL])  # type: ignore[list-item]
    # The cap counts sockets still in their handshake; X-Forwarded-For is
    # ignored without a trusted proxy, so a client cannot dodge it.
    spoofed = {"additional_headers": {"X-Forwarded-For": OTHER_IP}}
    assert await _closed_with(node.ws, **spoofed) == CloseCode.TOO_MANY_CONNECTIONS
    assert node.metric('prikbord_refused_total{kind="ws_per_ip"}') == 1
    await idle.close()
    await asyncio.sleep(0.3)
    again = await Wire.join(node.ws, bid, token, "again")  # a slot freed up
    for w in [*held, again]:
        await w.close()


async def test_websockets_per_board_are_capped_across_nodes(nodes: Nodes) -> None:
    env = {**OPEN, "PRIKBORD_MAX_WS_PER_BOARD": "4"}
    a, b = nodes.start(**env), nodes.start(**env)
    board, other = a.create_board(), a.create_board()
    bid, token = board["board"], token_of(board["links"]["participant"])
    held = [await Wire.join((a, b)[k % 2].ws, bid, token, f"p{k}") for k in range(4)]
    for node in (a, b):
        late = await Wire.connect(node.ws)
        await late.send({"t": "hello", "v": 1, "board": bid, "token": token, "name": "late"})
        assert await late.wait_closed() == CloseCode.TOO_MANY_CONNECTIONS
    # Another board is not affected.
    elsewhere = await Wire.join(b.ws, other["board"], token_of(other["links"]["participant"]))
    await held[0].close()
    await asyncio.sleep(0.3)
    again = await Wire.join(b.ws, bid, token, "again")  # the slot is given back
    refused = a.metric('prikbord_refused_total{kind="ws_per_board"}') + b.metric(
        'prikbord_refused_total{kind="ws_per_board"}'
    )
    assert refused == 2
    for w in [*held[1:], again, elsewhere]:
        await w.close()


def _get(node: ServerProcess, path: str, headers: dict[str, str] | None = None) -> Any:
    req = urllib.request.Request(node.http + path, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.headers
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers


async def test_join_code_lookups_per_ip_get_429_with_retry_after(nodes: Nodes) -> None:
    node = nodes.start(**OPEN, PRIKBORD_JOIN_LOOKUPS_PER_MINUTE="5")
    statuses = []
    for _ in range(12):  # 12 > 2 x 5: a 429 even if a minute boundary falls inside
        status, headers = await asyncio.to_thread(_get, node, "/j/ABCDEFGH")
        statuses.append(status)
        if status == 429:
            assert 1 <= int(headers["Retry-After"]) <= 60
    assert 404 in statuses and 429 in statuses, statuses
    assert node.metric('prikbord_refused_total{kind="join_lookup"}') == statuses.count(429)


async def test_security_headers_on_every_response(nodes: Nodes) -> None:
    node = nodes.start(**OPEN)
    for path in ("/", "/healthz", "/api/version", "/b/whatever", "/no/such/page"):
        _status, headers = await asyncio.to_thread(_get, node, path)
        assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, path
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Strict-Transport-Security"] is None  # plain HTTP


async def test_origin_must_match_scheme_host_and_port(nodes: Nodes) -> None:
    node = nodes.start(**OPEN)
    board = node.create_board()
    bid, token = board["board"], token_of(board["links"]["participant"])
    own = f"http://127.0.0.1:{node.port}"
    for wrong in (f"https://127.0.0.1:{node.port}", "http://127.0.0.1:1", "http://evil.example"):
        wire = await Wire.connect(node.ws, origin=wrong)
        assert await wire.wait_closed() == CloseCode.ORIGIN_REJECTED, wrong
    assert (await Wire.join(node.ws, bid, token, origin=own)).welcome
    # Behind a trusted TLS proxy, its X-Forwarded-Proto makes https ours.
    proxied = nodes.start(**OPEN, PRIKBORD_TRUSTED_PROXIES="127.0.0.1")
    https = f"https://127.0.0.1:{proxied.port}"
    fwd = {"X-Forwarded-Proto": "https"}
    wire = await Wire.join(proxied.ws, bid, token, origin=https, additional_headers=fwd)
    assert wire.welcome
    plain = await Wire.connect(proxied.ws, origin=own.replace(str(node.port), str(proxied.port)))
    await plain.send({"t": "hello", "v": 1, "board": bid, "token": token, "name": "x"})
    assert (await plain.expect("welcome"))["board"] == bid  # no proxy header: http is ours


async def test_metrics_need_the_token_and_are_off_without_one(nodes: Nodes) -> None:
    node = nodes.start(**OPEN)
    assert (await asyncio.to_thread(_get, node, "/metrics"))[0] == 401
    wrong = {"Authorization": "Bearer not-the-token"}
    assert (await asyncio.to_thread(_get, node, "/metrics", wrong))[0] == 401
    right = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    assert (await asyncio.to_thread(_get, node, "/metrics", right))[0] == 200
    off = nodes.start(**OPEN, PRIKBORD_METRICS_TOKEN="")
    assert (await asyncio.to_thread(_get, off, "/metrics", right))[0] == 404


async def test_board_slots_stay_while_held_and_fade_when_their_node_dies(nodes: Nodes) -> None:
    env = {**OPEN, "PRIKBORD_MAX_WS_PER_BOARD": "2", "PRIKBORD_PRESENCE_TTL_MS": "1500"}
    a, b = nodes.start(**env), nodes.start(**env)
    board = a.create_board()
    bid, token = board["board"], token_of(board["links"]["participant"])
    held = [await Wire.join(a.ws, bid, token, f"p{k}") for k in range(2)]
    await asyncio.sleep(3.0)  # two TTLs: node A's refresher keeps its slots
    late = await Wire.connect(b.ws)
    await late.send({"t": "hello", "v": 1, "board": bid, "token": token, "name": "late"})
    assert await late.wait_closed() == CloseCode.TOO_MANY_CONNECTIONS
    a.kill()  # no close, no leave: its slots expire by themselves
    async with asyncio.timeout(15):
        while True:
            try:
                wire = await Wire.join(b.ws, bid, token, "after")
                break
            except (TimeoutError, websockets.ConnectionClosed):
                await asyncio.sleep(0.3)
    assert wire.welcome["board"] == bid
    del held


async def test_a_participant_fills_the_board_and_the_facilitator_recovers_it(
    nodes: Nodes,
) -> None:
    a, b = nodes.start(**OPEN), nodes.start(**OPEN)
    board = a.create_board()
    bid = board["board"]
    part, fac = token_of(board["links"]["participant"]), token_of(board["links"]["facilitator"])
    spam = await Wire.join(a.ws, bid, part, "spam")
    ann = await Wire.join(b.ws, bid, part, "ann")
    await _flood(spam, "s", limits.MAX_CARDS)
    answers = await _answers([spam], limits.MAX_CARDS, timeout=120)
    assert [f["t"] for f in answers] == ["ack"] * limits.MAX_CARDS
    full = await ann.op("mine", card("mine"))
    assert full["t"] == "error" and full["code"] == ErrorCode.BOARD_FULL
    facilitator = await Wire.join(b.ws, bid, fac, "fran")
    spam_actor = spam.welcome["actor"]
    # The facilitator's clean-up is one op in the log, applied by every replica.
    cleaned = await facilitator.op("clean", {"type": "posts.delete", "author": spam_actor})
    assert cleaned["t"] == "ack"
    await ann.wait_seq(cleaned["seq"], timeout=30)
    again = await ann.op("mine", card("mine"))
    assert again["t"] == "ack"
    await spam.wait_seq(again["seq"], timeout=30)  # node A applied it all too
    cards = (await asyncio.to_thread(a.snapshot, bid, part))["cards"]
    assert [cid for cid, c in cards.items() if not c["deleted"]] == ["mine"]
    assert len(cards) == limits.MAX_CARDS + 1  # the tombstones stay (ids are never reused)
    # A participant may not do it, nor when nothing matches.
    refused = await ann.op("nope", {"type": "posts.delete", "author": spam_actor})
    assert refused["t"] == "error" and refused["code"] == ErrorCode.FORBIDDEN
    nothing = await facilitator.op("again", {"type": "posts.delete", "author": spam_actor})
    assert nothing["t"] == "error" and nothing["code"] == ErrorCode.NOT_FOUND


async def test_the_per_connection_limit_is_counted_too(nodes: Nodes) -> None:
    node = nodes.start(**OPEN, PRIKBORD_OPS_PER_SECOND="5", PRIKBORD_OPS_BURST="5")
    board = node.create_board()
    wire = await Wire.join(node.ws, board["board"], token_of(board["links"]["participant"]))
    await _flood(wire, "f", 20)
    answers = await _answers([wire], 20)
    refused = [a for a in answers if a["t"] == "error"]
    assert refused and {a["code"] for a in refused} == {ErrorCode.RATE_LIMITED}
    kind = 'prikbord_refused_total{kind="ops_per_connection"}'
    assert node.metric(kind) == len(refused)
