"""Bad input: a typed error (or a documented close code in the handshake),
no state change, the connection survives, and no traceback in the log."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import msgpack
import pytest
import websockets

from protocol.errors import CloseCode, ErrorCode
from server.embedded import EmbeddedValkey
from server.tokens import Signer
from tests.support.cluster import Nodes
from tests.support.servers import TEST_SECRET, ServerProcess, token_of
from tests.support.wire import Wire, card


def _signer(valkey: EmbeddedValkey) -> Signer:
    return Signer(TEST_SECRET)  # what test nodes sign with (tests/support/servers.py)


async def _closed_with(url: str, hello: Any, **kwargs: Any) -> int | None:
    wire = await Wire.connect(url, **kwargs)
    with contextlib.suppress(websockets.ConnectionClosed):  # may close before hello
        if isinstance(hello, bytes | str):
            await wire.send_raw(hello)
        else:
            await wire.send(hello)
    return await wire.wait_closed()


async def test_handshake_refusals_have_documented_close_codes(
    nodes: Nodes, valkey: EmbeddedValkey
) -> None:
    node = nodes.start()
    board = node.create_board()
    bid, token = board["board"], token_of(board["links"]["participant"])
    hello = {"t": "hello", "v": 1, "board": bid, "token": token, "name": "x"}
    assert await _closed_with(node.ws, {**hello, "v": 2}) == CloseCode.PROTOCOL_VERSION
    # SPEC §3: frame, then v (an integer: else 4101; not 1: 4100, whatever the
    # other fields say, a later version may change them), fields, token.
    no_v = {k: v for k, v in hello.items() if k != "v"}
    assert await _closed_with(node.ws, no_v) == CloseCode.BAD_HANDSHAKE
    assert await _closed_with(node.ws, {**hello, "v": "1"}) == CloseCode.BAD_HANDSHAKE
    no_name = {k: v for k, v in hello.items() if k != "name"}
    assert await _closed_with(node.ws, {**no_name, "v": 2}) == CloseCode.PROTOCOL_VERSION
    assert await _closed_with(node.ws, {**hello, "name": " "}) == CloseCode.BAD_HANDSHAKE
    long_token = {**hello, "token": "t" * 513}
    assert await _closed_with(node.ws, long_token) == CloseCode.UNAUTHORIZED
    # Unknown fields are ignored, so additive changes stay compatible (§11).
    newer = await Wire.connect(node.ws)
    await newer.send({**hello, "locale": "nl", "resume": None})
    assert (await newer.expect("welcome"))["role"] == "participant"
    await newer.close()
    assert await _closed_with(node.ws, b"\xc1\xc1") == CloseCode.BAD_HANDSHAKE
    assert await _closed_with(node.ws, "text hello") == CloseCode.BAD_HANDSHAKE
    assert (
        await _closed_with(node.ws, {"t": "op", "id": "1", "op": card("c")})
        == CloseCode.BAD_HANDSHAKE
    )
    assert await _closed_with(node.ws, {**hello, "name": ""}) == CloseCode.BAD_HANDSHAKE
    assert await _closed_with(node.ws, {**hello, "token": token + "x"}) == CloseCode.UNAUTHORIZED
    other = node.create_board()
    assert await _closed_with(node.ws, {**hello, "board": other["board"]}) == CloseCode.UNAUTHORIZED
    ghost = _signer(valkey).link_token("ghostboard", "participant")
    assert (
        await _closed_with(node.ws, {**hello, "board": "ghostboard", "token": ghost})
        == CloseCode.BOARD_NOT_FOUND
    )
    evil = {"origin": "https://evil.example"}
    assert await _closed_with(node.ws, hello, additional_headers=evil) == CloseCode.ORIGIN_REJECTED
    ws = await websockets.connect(node.ws)  # no subprotocol offered
    with pytest.raises(websockets.ConnectionClosed) as info:
        await ws.recv()
    assert info.value.rcvd is not None and info.value.rcvd.code == CloseCode.PROTOCOL_VERSION
    assert "Traceback" not in node.log_tail(400)


def _frames(bid: str) -> list[tuple[str, bytes | str | dict[str, Any], int]]:
    big = {"t": "op", "id": "big", "op": card("big", body="x" * 70_000)}
    return [
        ("not msgpack", b"\xc1\x00\x01", ErrorCode.BAD_FRAME),
        ("truncated", msgpack.packb({"t": "op", "id": "1"})[:-2], ErrorCode.BAD_FRAME),
        ("text frame", "hello?", ErrorCode.BAD_FRAME),
        ("not a map", msgpack.packb([1, 2, 3]), ErrorCode.BAD_FRAME),
        ("bin value", msgpack.packb({"t": "op", "id": b"\x00"}, use_bin_type=True), ErrorCode.BAD_FRAME),
        ("unknown type", {"t": "launch"}, ErrorCode.UNKNOWN_TYPE),
        ("unknown op", {"t": "op", "id": "u1", "op": {"type": "card.explode", "id": "c"}}, ErrorCode.UNKNOWN_TYPE),
        ("wrong type", {"t": "op", "id": "w1", "op": {"type": "card.add", "id": 5, "title": "x"}}, ErrorCode.INVALID),
        ("extra field", {"t": "op", "id": "e1", "op": {**card("e"), "admin": True}}, ErrorCode.INVALID),
        ("long title", {"t": "op", "id": "l1", "op": card("l", title="x" * 201)}, ErrorCode.INVALID),
        ("js url", {"t": "op", "id": "j1", "op": card("j", kind="link", url="javascript:alert(1)")}, ErrorCode.INVALID),
        ("bad pos", {"t": "op", "id": "p1", "op": card("p", pos="!!")}, ErrorCode.INVALID),
        ("coords", {"t": "op", "id": "x1", "op": card("x", x=-5)}, ErrorCode.INVALID),
        ("oversized", msgpack.packb(big), ErrorCode.TOO_LARGE),
        ("over the decoder cap", msgpack.packb({"t": "op", "id": "cap1", "op": card("cap", body="x" * 20_000)}), ErrorCode.BAD_FRAME),
        ("op id over cap", {"t": "op", "id": "o" * 65, "op": card("o")}, ErrorCode.INVALID),
        ("op id not a string", {"t": "op", "id": 65, "op": card("o")}, ErrorCode.INVALID),
        ("blank comment", {"t": "op", "id": "b1", "op": {"type": "comment.add", "id": "k", "card": "theirs", "body": " \n "}}, ErrorCode.INVALID),
        ("hello again", {"t": "hello", "v": 1, "board": bid, "token": "t", "name": "n"}, ErrorCode.INVALID),
        ("missing card", {"t": "op", "id": "m1", "op": {"type": "card.set", "id": "nope", "title": "x"}}, ErrorCode.NOT_FOUND),
        ("comment on nothing", {"t": "op", "id": "m2", "op": {"type": "comment.add", "id": "k", "card": "nope", "body": "hi"}}, ErrorCode.NOT_FOUND),
        ("board settings", {"t": "op", "id": "f1", "op": {"type": "board.set", "title": "mine"}}, ErrorCode.FORBIDDEN),
        ("others' card", {"t": "op", "id": "f2", "op": {"type": "card.delete", "id": "theirs"}}, ErrorCode.FORBIDDEN),
        ("taken id", {"t": "op", "id": "d1", "op": card("theirs")}, ErrorCode.EXISTS),
    ]  # fmt: skip


def _decoded(frame: bytes | str | dict[str, Any]) -> Any:
    if isinstance(frame, dict | str):
        return frame
    try:
        return msgpack.unpackb(frame, raw=False)
    except Exception:  # the bad frames that are not msgpack at all
        return None


def _metrics(node: ServerProcess) -> str:
    return node.metrics()


async def _state(node: ServerProcess, bid: str, token: str) -> Any:
    return node.snapshot(bid, token)


async def test_every_bad_frame_gets_its_error_and_changes_nothing(nodes: Nodes) -> None:
    node = nodes.start()
    board = node.create_board()
    bid, token = board["board"], token_of(board["links"]["participant"])
    owner = await Wire.join(node.ws, bid, token, "owner")
    assert (await owner.op("mine", card("theirs")))["t"] == "ack"
    before = await _state(node, bid, token)
    wire = await Wire.join(node.ws, bid, token, "mallory")
    for name, frame, code in _frames(bid):
        if isinstance(frame, dict):
            await wire.send(frame)
        else:
            await wire.send_raw(frame)
        error = await wire.expect("error")
        assert error["code"] == code, (name, error)
        # Every refusal of a frame that names an op id carries that id (§9),
        # whatever was wrong with the frame: the sender must not resend it.
        sent = _decoded(frame)
        if isinstance(sent, dict) and sent.get("t") == "op" and isinstance(sent.get("id"), str):
            assert error.get("id") == sent["id"], name
        else:
            assert error.get("id") is None, name
        await wire.send({"t": "ping", "n": 7})  # the connection survives
        assert (await wire.expect("pong"))["n"] == 7
    assert await _state(node, bid, token) == before
    assert "Traceback" not in node.log_tail(400)
    await wire.close()
    await owner.close()


async def test_text_within_its_character_cap_is_never_refused_for_its_bytes(
    nodes: Nodes,
) -> None:
    node = nodes.start()
    board = node.create_board()
    wire = await Wire.join(node.ws, board["board"], token_of(board["links"]["participant"]))
    body = "€" * 3999 + "😂"  # 4000 characters, 12,001 bytes
    assert (await wire.op("euro", card("euro", body=body)))["t"] == "ack"
    await wire.close()


async def test_viewer_cannot_write_and_budget_and_rate_limits_hold(nodes: Nodes) -> None:
    node = nodes.start(PRIKBORD_OPS_PER_SECOND="1", PRIKBORD_OPS_BURST="12")
    board = node.create_board()
    bid = board["board"]
    participant = token_of(board["links"]["participant"])
    viewer = await Wire.join(node.ws, bid, token_of(board["links"]["viewer"]), "screen")
    assert viewer.welcome["role"] == "viewer"
    denied = await viewer.op("v1", card("v"))
    assert denied["code"] == ErrorCode.FORBIDDEN
    await viewer.send({"t": "focus", "card": "c"})  # a hub screen edits no card
    assert (await viewer.expect("error"))["code"] == ErrorCode.FORBIDDEN
    voter = await Wire.join(node.ws, bid, participant, "voter")
    assert (await voter.op("c", card("c")))["t"] == "ack"
    results = [await voter.op(f"v{i}", {"type": "vote.cast", "card": "c"}) for i in range(6)]
    assert [r["t"] for r in results[:5]] == ["ack"] * 5
    assert results[5]["code"] == ErrorCode.VOTE_BUDGET
    before = await _state(node, bid, participant)
    limited = [await voter.op(f"r{i}", card(f"r{i}")) for i in range(10)]
    refused = [r for r in limited if r["t"] == "error"]
    assert refused and all(r["code"] == ErrorCode.RATE_LIMITED for r in refused)
    after = await _state(node, bid, participant)
    assert len(after["cards"]) == len(before["cards"]) + len(limited) - len(refused)
    assert after["votes"]["c"] == {voter.welcome["actor"]: 5}
    await viewer.close()
    await voter.close()


async def test_a_silent_socket_is_closed_after_the_hello_timeout(nodes: Nodes) -> None:
    node = nodes.start(PRIKBORD_HELLO_TIMEOUT_S="0.5")
    wire = await Wire.connect(node.ws)
    assert await wire.wait_closed() == CloseCode.HANDSHAKE_TIMEOUT


async def test_focus_floods_are_rate_limited(nodes: Nodes) -> None:
    node = nodes.start()
    board = node.create_board()
    wire = await Wire.join(node.ws, board["board"], token_of(board["links"]["participant"]))
    for i in range(40):
        await wire.send({"t": "focus", "card": f"c{i % 2}"})
    error = await wire.expect("error")
    assert error["code"] == ErrorCode.RATE_LIMITED
    await wire.send({"t": "ping", "n": 1})
    assert (await wire.expect("pong"))["n"] == 1
    await wire.close()


def test_rest_refuses_big_bodies_bad_json_and_tokens_in_the_url(nodes: Nodes) -> None:
    import json
    import urllib.error
    import urllib.request

    node = nodes.start()

    def post(body: bytes) -> tuple[int, dict[str, Any]]:
        req = urllib.request.Request(
            node.http + "/api/boards",
            data=body,
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, json.load(resp)
        except urllib.error.HTTPError as exc:
            return exc.code, json.load(exc)

    assert post(b"{" + b" " * 10_000 + b"}")[0] == 413
    status, body = post(b'{"title": 5}')
    assert status == 422 and body["error"] == "invalid"
    status, body = post(b'{"title": "x", "layout": "spiral"}')
    assert status == 422 and "layout" in body["message"]
    assert post(b"not json")[0] == 422
    status, created = post(b'{"title": "REST"}')
    assert status == 201
    token = token_of(created["links"]["participant"])
    try:
        node.get_json(f"/api/boards/{created['board']}?t={token}")
        raise AssertionError("a token in the URL must not be accepted")
    except urllib.error.HTTPError as exc:
        assert exc.code == 401
    assert node.snapshot(created["board"], token)["settings"]["title"] == "REST"


async def test_text_frames_with_invalid_utf8_are_counted_not_logged_with_tracebacks(
    nodes: Nodes,
) -> None:
    """RFC 6455 fails such a connection (1007); a remote client must not be
    able to fill our log with a traceback each time."""
    node = nodes.start(PRIKBORD_LOG_LEVEL="info")
    board = node.create_board()
    bid, token = board["board"], token_of(board["links"]["participant"])
    for i in range(6):
        wire = await (Wire.join(node.ws, bid, token) if i % 2 else Wire.connect(node.ws))
        await wire.ws.send(b"\xff\xfe not utf-8", text=True)
        assert await wire.wait_closed() == 1007
    wire = await Wire.join(node.ws, bid, token)  # the node is fine
    await wire.send({"t": "ping", "n": 1})
    assert (await wire.expect("pong"))["n"] == 1
    await wire.close()
    log = node.log_tail(2000)
    assert "Traceback" not in log and "ERROR" not in log, log
    assert log.count("invalid UTF-8") == 1, log
    assert "prikbord_invalid_utf8_frames_total 6" in await asyncio.to_thread(_metrics, node)
