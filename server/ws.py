"""The WebSocket endpoint: handshake, then a read loop of ops and presence.

The handler owns the socket's read loop (its one long-lived task; the
connection starts a writer only while a send waits, and stops it when the
loop ends: server/connection.py).
Every inbound frame is decoded and validated by the protocol codec;
a bad frame gets an error frame and changes nothing (the client's mistake
never costs it the connection, and never shows a traceback in our logs).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Awaitable
from typing import Any

from redis.exceptions import RedisError
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from protocol import codec, limits
from protocol.depends import Pending, focus_touch, touches
from protocol.errors import CloseCode, ErrorCode, HandshakeRefused, ProtocolError, close_reason
from protocol.messages import Ack, Error, Focus, Hello, Member, OpMsg, Ping, Pong
from protocol.ops import CardAdd, CardSet
from protocol.policy import check, may_write
from protocol.version import PROTOCOL_VERSION, SUBPROTOCOL
from protocol.visibility import shown_focus
from protocol.wordfilter import hold_if_filtered
from server import abuse, logs
from server.abuse import client_ip
from server.access import Refused
from server.conncaps import Ticket
from server.connection import Connection
from server.engine.bus import BusUnavailable
from server.engine.store import BoardNotFound, OpRate, RateLimited, now_ms
from server.files.attach import checked_files
from server.framewriter import frame_writer
from server.hub import BoardHub, NodeBehind
from server.metrics import METRICS
from server.node import Node
from server.notes import settled_refusal
from server.origin import origin_matches
from server.ratelimit import TokenBucket
from server.tokens import new_actor_id

log = logging.getLogger("prikbord.ws")

#: Focus (presence) changes per connection: a person moves between cards a
#: few times a second at most; more is a script flooding every node.
FOCUS_PER_SECOND = 5.0
FOCUS_BURST = 10
#: How long an op waits for this node to apply the sender's earlier op it
#: depends on (protocol/depends.py) before it is checked anyway (the
#: reducer still has the last word).
READ_YOUR_WRITES_WAIT_S = 2.0

#: Error 100 messages when an op's actor or address used up its bucket.
_RATE_LIMITED = {
    "actor": "too many ops from you on this board: slow down",
    "ip": "too many ops from your network on this board: slow down",
}

#: Field caps sent to clients in ``welcome`` so forms can show them.
CLIENT_LIMITS = {
    "name": limits.MAX_NAME,
    "board_title": limits.MAX_BOARD_TITLE,
    "section_title": limits.MAX_SECTION_TITLE,
    "card_title": limits.MAX_CARD_TITLE,
    "card_body": limits.MAX_CARD_BODY,
    "comment": limits.MAX_COMMENT,
    "url": limits.MAX_URL,
    "max_cards": limits.MAX_CARDS,
    "ops_per_second": int(limits.OPS_PER_SECOND),
}


class _Reject(Exception):
    def __init__(self, code: CloseCode, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def origin_allowed(ws: WebSocket, allowed: tuple[str, ...]) -> bool:
    """Browsers send Origin; it must be our own origin (scheme, host and
    port: server/origin.py) or a configured one. Non-browser clients (no
    Origin header) are judged by their token alone."""
    origin = ws.headers.get("origin")
    if origin is None:
        return True
    scheme = str(ws.scope.get("scheme", "ws"))
    return origin_matches(origin, scheme, ws.headers.get("host", ""), allowed)


async def websocket_endpoint(ws: WebSocket) -> None:
    """One socket, within the connection caps (server/conncaps.py): too
    many from its address or on its board closes it with 4006."""
    node: Node = ws.app.state.node
    ticket = node.caps.enter(ws.scope)
    if ticket is None:
        offered = SUBPROTOCOL in ws.scope.get("subprotocols", [])
        await ws.accept(subprotocol=SUBPROTOCOL if offered else None)
        await _close(ws, CloseCode.TOO_MANY_CONNECTIONS, "too many connections from your address")
        return
    try:
        await _serve(ws, node, ticket)
    finally:
        await node.caps.leave(ticket)


async def _serve(ws: WebSocket, node: Node, ticket: Ticket) -> None:
    if SUBPROTOCOL not in ws.scope.get("subprotocols", []):
        await ws.accept()
        await _close(ws, CloseCode.PROTOCOL_VERSION, f"offer subprotocol {SUBPROTOCOL}")
        return
    await ws.accept(subprotocol=SUBPROTOCOL)
    if not origin_allowed(ws, (*node.settings.allowed_origins, node.settings.public_url)):
        await _close(ws, CloseCode.ORIGIN_REJECTED, "origin not allowed")
        return
    if node.shutting_down:
        await _close(ws, CloseCode.GOING_AWAY, "server restarting: reconnect")
        return
    try:
        hello = await _await_hello(ws, node)
        logs.bind(board=hello.board)  # on every line this socket's task logs
        session = await _Session.open(ws, node, hello, ticket)
        del hello  # not kept for the socket's life (~1 KiB per connection)
    except _Reject as rej:
        await _close(ws, rej.code, rej.reason)
        return
    except WebSocketDisconnect:
        return
    except BusUnavailable as exc:
        # This node cannot deliver events (its pub/sub is down): refused at
        # once, so the client retries, here later or on another node.
        await _close(ws, CloseCode.INTERNAL, f"not ready: {exc.reason}: retry")
        return
    except (RedisError, OSError, TimeoutError) as exc:
        METRICS.inc("prikbord_redis_errors_total", where="join")
        log.warning("storage unavailable during a join: %s", exc or type(exc).__name__)
        await _close(ws, CloseCode.INTERNAL, "storage unavailable: retry")
        return
    await session.run()


async def _close(ws: WebSocket, code: int, reason: str) -> None:
    METRICS.inc("prikbord_closes_total", code=code)  # a refused handshake
    if ws.application_state != WebSocketState.DISCONNECTED:
        with contextlib.suppress(Exception):
            await ws.close(code, close_reason(reason))


async def _receive_frame(ws: WebSocket) -> bytes | None:
    """The next binary frame; None for a text frame; raises on disconnect."""
    message = await ws.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000))
    data = message.get("bytes")
    return data if isinstance(data, bytes) else None


async def _await_hello(ws: WebSocket, node: Node) -> Hello:
    """The hello, unless it does not come in time (4004) or the node starts
    to stop first (4000, like every joined socket)."""
    loop = asyncio.get_running_loop()
    hello = loop.create_task(_receive_hello(ws))
    stopping = loop.create_task(node.stopping.wait())
    try:
        await asyncio.wait(
            (hello, stopping),
            timeout=node.settings.hello_timeout_s,
            return_when=asyncio.FIRST_COMPLETED,
        )
    finally:
        hello.cancel()
        stopping.cancel()
    if hello.done():  # also when it ended in the same step as ``stopping``
        return hello.result()  # or its _Reject / WebSocketDisconnect
    if stopping.done():
        raise _Reject(CloseCode.GOING_AWAY, "server restarting: reconnect")
    raise _Reject(CloseCode.HANDSHAKE_TIMEOUT, "no hello in time")


async def _receive_hello(ws: WebSocket) -> Hello:
    """The first frame as a Hello; its checks and their order are the
    protocol's (``codec.decode_hello``, SPEC §3)."""
    data = await _receive_frame(ws)
    if data is None:
        raise _Reject(CloseCode.BAD_HANDSHAKE, "frames are binary msgpack")
    try:
        return codec.decode_hello(data)
    except HandshakeRefused as exc:
        raise _Reject(exc.code, exc.reason) from None


class _Session:
    """A joined connection: its hub, identity, rate limit and read loop."""

    def __init__(self, ws: WebSocket, node: Node, hub: BoardHub, conn: Connection) -> None:
        self.ws = ws
        self.node = node
        self.hub = hub
        self.conn = conn
        settings = node.settings
        self.bucket = TokenBucket(settings.ops_per_second, settings.ops_burst, time.monotonic())
        #: Each focus change is a Redis write and a publish to every node.
        self.focus_bucket = TokenBucket(FOCUS_PER_SECOND, FOCUS_BURST, time.monotonic())
        self.focus: str | None = None
        #: The notes document the sender types in and its cursor (SPEC §7).
        self.notes_focus: tuple[str | None, str | None] = (None, None)
        #: This connection's acked ops this node may not have applied yet:
        #: an op that depends on one waits for it (read-your-writes) and
        #: the others go straight on (protocol/depends.py).
        self.pending = Pending()
        #: Ops also draw from this actor's and this address's token buckets
        #: on the board, shared by all their sockets on every node (SPEC §4).
        self.rate = OpRate(
            actor=conn.actor, ip=abuse.client_ip(ws.scope),
            actor_per_second=settings.actor_ops_per_second, actor_burst=settings.actor_ops_burst,
            ip_per_second=settings.ip_ops_per_second, ip_burst=settings.ip_ops_burst,
        )  # fmt: skip

    @classmethod
    async def open(cls, ws: WebSocket, node: Node, hello: Hello, ticket: Ticket) -> _Session:
        try:  # token, board, link still working, access code (server/access.py)
            grant, links = await node.access.admit(hello, client_ip(ws.scope))
        except Refused as exc:
            raise _Reject(exc.code, exc.reason) from None
        actor = (
            node.signer.read_identity(hello.identity) if hello.identity else None
        ) or new_actor_id()
        if not await node.caps.enter_board(ticket, hello.board):
            raise _Reject(CloseCode.TOO_MANY_CONNECTIONS, "too many connections on this board")
        try:
            hub = await node.hub(hello.board)
        except BoardNotFound:
            raise _Reject(CloseCode.BOARD_NOT_FOUND, "no such board") from None
        if actor in hub.state.removed:
            raise _Reject(CloseCode.KICKED, "removed from this board by a facilitator")

        def send(data: bytes) -> Awaitable[None]:
            # The ASGI message straight to WebSocket.send: no send_bytes() and
            # no wrapper coroutine on the fan-out hot path (two frames fewer
            # per delivery); WebSocket.send still checks the socket's state.
            return ws.send({"type": "websocket.send", "bytes": data})

        async def close(code: int, reason: str) -> None:
            await ws.close(code, reason)

        conn = Connection(
            secrets.token_hex(6), send, close, queue_max=node.settings.send_queue_max,
            board=hello.board, actor=actor, name=hello.name, role=grant.role, link_gen=grant.gen,
            direct=frame_writer(ws.scope) if node.settings.direct_frames else None,
        )  # fmt: skip
        identity = node.signer.identity(actor)
        logs.bind(conn=conn.id)

        def make_welcome(seq: int, recovered: bool, snapshot: bytes | None) -> bytes:
            fields: dict[str, Any] = {
                "t": "welcome", "v": PROTOCOL_VERSION, "board": hello.board,
                "role": grant.role, "actor": actor, "identity": identity,
                "epoch": hub.epoch, "seq": seq, "recovered": recovered,
                "heartbeat_ms": node.settings.heartbeat_ms, "limits": CLIENT_LIMITS,
                "now": now_ms(),
            }  # fmt: skip
            return codec.welcome_frame(fields, snapshot)

        resume = (hello.resume.epoch, hello.resume.seq) if hello.resume else None
        try:
            deltas = bool(hello.presence_deltas)
            await hub.attach(conn, resume, make_welcome, presence_deltas=deltas)
        except NodeBehind:
            # Never an older state than the client has: it retries, here or
            # on another node (SPEC §3, Resume).
            raise _Reject(CloseCode.INTERNAL, "this node is behind the board: reconnect") from None
        node.connections[conn.id] = conn
        problem = node.access.problem(conn, links)
        if problem is not None:  # the link was replaced while this join was on its way
            conn.abort(CloseCode.UNAUTHORIZED, problem)
        if node.shutting_down:  # the node began to stop while this join waited
            conn.abort(CloseCode.GOING_AWAY, "server restarting: reconnect")
        return cls(ws, node, hub, conn)

    async def run(self) -> None:
        log.info("joined as %s", self.conn.role)
        try:
            await self._put_presence()
            while self.conn.is_open:
                data = await _receive_frame(self.ws)
                await self._handle(data)
        except WebSocketDisconnect:
            pass
        except (RedisError, OSError) as exc:
            METRICS.inc("prikbord_redis_errors_total", where="socket")
            log.warning("storage error on board %s (%s); closing socket", self.hub.board, exc)
            self.conn.abort(CloseCode.INTERNAL, "storage unavailable: reconnect")
        finally:
            self.conn.stop()
            await self._leave()

    async def _leave(self) -> None:
        log.info("left (close code %s)", self.conn.close_code)
        self.hub.detach(self.conn)
        self.node.connections.pop(self.conn.id, None)
        self.node.release(self.hub)
        if self.node.shutting_down:
            return  # keep presence through a redeploy (it expires otherwise)
        # Only this connection's entry: the member stays while the same actor
        # has another connection, on this node or any other (SPEC §7).
        with contextlib.suppress(RedisError, OSError):
            await self.node.store.presence_remove(self.hub.board, self.conn.id, now_ms())

    async def _put_presence(self) -> None:
        # Presence is one list for everyone: name only what everyone may see
        # (protocol/visibility.py shown_focus), never a pending card's id.
        card, doc = shown_focus(self.hub.state, self.focus, self.notes_focus[0])
        member = Member(
            conn=self.conn.actor, actor=self.conn.actor, name=self.conn.name,
            role=self.conn.role, card=card,
            notes=doc, cursor=self.notes_focus[1] if doc is not None else None,
        )  # fmt: skip
        await self.node.store.presence_put(
            self.hub.board, self.conn.id, member, self.node.settings.presence_ttl_ms, now_ms()
        )

    def _error(self, code: ErrorCode, msg: str, op_id: str | None = None) -> None:
        METRICS.inc("prikbord_errors_sent_total", code=int(code))
        self.conn.send_frame(codec.encode(Error(t="error", code=code, msg=msg, id=op_id)))

    async def _handle(self, data: bytes | None) -> None:
        if data is None:
            self._error(ErrorCode.BAD_FRAME, "frames are binary msgpack")
            return
        try:
            msg = codec.decode_client(data)
        except ProtocolError as exc:
            self._error(exc.code, exc.message, exc.op_id)
            return
        match msg:
            case OpMsg():
                await self._handle_op(msg)
            case Ping():
                self.conn.send_frame(codec.encode(Pong(t="pong", n=msg.n, now=now_ms())))
            case Focus():
                if not may_write(self.conn.role):  # a hub screen edits no card
                    self._error(ErrorCode.FORBIDDEN, "this link is read-only")
                elif not self.focus_bucket.take(time.monotonic()):
                    self.node.limiter.refuse("focus_per_connection")
                    self._error(ErrorCode.RATE_LIMITED, "too many focus changes: slow down")
                elif (msg.card, msg.notes, msg.cursor) != (self.focus, *self.notes_focus):
                    self.focus, self.notes_focus = msg.card, (msg.notes, msg.cursor)
                    # Read your writes: a focus on the card this client just
                    # added is judged (shown_focus) once the node applied it.
                    after = self.pending.wait_for(focus_touch(msg.card, msg.notes))
                    if after > self.hub.state.seq:
                        await self.hub.caught_up(after, READ_YOUR_WRITES_WAIT_S)
                    await self._put_presence()
            case Hello():
                self._error(ErrorCode.INVALID, "already joined")

    async def _handle_op(self, msg: OpMsg) -> None:
        conn, board = self.conn, self.hub.board
        op_key = f"{conn.actor}:{msg.id}"
        if not self.bucket.take(time.monotonic()):
            self.node.limiter.refuse("ops_per_connection")
            self._error(ErrorCode.RATE_LIMITED, "too many ops: slow down", msg.id)
            return
        touch = touches(msg.op)
        after = self.pending.wait_for(touch)
        if after > self.hub.state.seq:
            await self.hub.caught_up(after, READ_YOUR_WRITES_WAIT_S)
        op = hold_if_filtered(self.hub.state, msg.op)  # the word filter (SPEC §5)
        rejection = check(self.hub.state, op, conn.actor, conn.role) or await settled_refusal(
            self.hub, op
        )
        if rejection is None:  # files: uploaded to this board, facts from its registry
            op, rejection = await checked_files(self.node.files, self.hub.state, op)
        if rejection is not None:
            # A resent op that already made it into the log gets its ack,
            # even though it would not pass the check against today's state.
            prior = await self.node.store.find_op(board, op_key)
            if prior is not None:
                conn.send_frame(codec.encode(Ack(t="ack", id=msg.id, seq=prior)))
            else:
                self._error(rejection.code, rejection.message, msg.id)
            return
        head, tail = codec.event_parts(
            op_id=msg.id, actor=conn.actor, name=conn.name, role=conn.role,
            at=now_ms(), op=op,
        )  # fmt: skip
        try:
            result = await self.node.store.append(board, op_key, head, tail, self.rate)
        except RateLimited as exc:
            self.node.limiter.refuse(f"ops_per_{exc.who}")
            self._error(ErrorCode.RATE_LIMITED, _RATE_LIMITED[exc.who], msg.id)
            return
        except BoardNotFound:
            self._error(ErrorCode.NOT_FOUND, "board no longer exists", msg.id)
            return
        except (RedisError, OSError) as exc:
            METRICS.inc("prikbord_redis_errors_total", where="append")
            log.warning("append failed on board %s: %s", board, exc)
            self._error(ErrorCode.UNAVAILABLE, "storage unavailable: retry", msg.id)
            return
        self.pending.acked(touch, result.seq, self.hub.state.seq)
        METRICS.inc("prikbord_appends_total", result="duplicate" if result.duplicate else "new")
        conn.send_frame(codec.encode(Ack(t="ack", id=msg.id, seq=result.seq)))
        if isinstance(op, CardAdd | CardSet) and op.url:  # its preview (server/previews/)
            self.node.previews.request(board, op.id, op.url, result.seq)
