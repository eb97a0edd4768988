"""The msgpack codec: bytes in, typed messages out, with every cap enforced.

Bad bytes never raise anything but :class:`ProtocolError`, whose code says
what was wrong. Stored events are kept as bytes and forwarded as bytes: an
``events`` frame is assembled by concatenation (msgpack is self-delimiting),
so fan-out never decodes and re-encodes an event per recipient.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from typing import Any

import msgpack
from pydantic import BaseModel, TypeAdapter, ValidationError

from protocol import limits
from protocol.errors import CloseCode, ErrorCode, HandshakeRefused, ProtocolError
from protocol.messages import (
    CLIENT_TYPES,
    ClientMessage,
    Event,
    Hello,
    Role,
    ServerMessage,
)
from protocol.ops import OP_TYPES, Op, ViewPatch
from protocol.version import PROTOCOL_VERSION

_client_adapter: TypeAdapter[ClientMessage] = TypeAdapter(ClientMessage)
_server_adapter: TypeAdapter[ServerMessage] = TypeAdapter(ServerMessage)
_op_adapter: TypeAdapter[Op] = TypeAdapter(Op)

_UNPACK_CAPS = {
    "max_str_len": limits.MAX_STR_LEN,
    "max_bin_len": limits.MAX_BIN_LEN,
    "max_array_len": limits.MAX_ARRAY_LEN,
    "max_map_len": limits.MAX_MAP_LEN,
    "max_ext_len": 0,
}


def pack(obj: Any) -> bytes:
    """Encode plain data; strings as msgpack str, bytes as bin."""
    return msgpack.packb(obj, use_bin_type=True)  # type: ignore[no-any-return]


def unpack(data: bytes, *, max_size: int = limits.MAX_SERVER_FRAME) -> Any:
    """Decode trusted-size data (server frames, stored snapshots)."""
    if len(data) > max_size:
        raise ProtocolError(ErrorCode.TOO_LARGE, f"frame over {max_size} bytes")
    try:
        return msgpack.unpackb(data, raw=False, strict_map_key=True)
    except Exception as exc:
        raise ProtocolError(ErrorCode.BAD_FRAME, "frame is not valid msgpack") from exc


def unpack_client(data: bytes) -> Any:
    """Decode an inbound client frame under the frame and field caps."""
    if len(data) > limits.MAX_CLIENT_FRAME:
        raise ProtocolError(ErrorCode.TOO_LARGE, f"frame over {limits.MAX_CLIENT_FRAME} bytes")
    try:
        obj = msgpack.unpackb(data, raw=False, strict_map_key=True, **_UNPACK_CAPS)
    except Exception as exc:
        # msgpack raises ValueError, ExtraData, FormatError, StackError, and
        # TypeError for unhashable keys: all mean "not a frame we accept".
        raise ProtocolError(
            ErrorCode.BAD_FRAME, "frame is not valid msgpack within limits"
        ) from exc
    if _misplaced_binary(obj):
        raise ProtocolError(
            ErrorCode.BAD_FRAME, "bin values only in a notes.update's update; ext never"
        )
    return obj


def _misplaced_binary(obj: Any) -> bool:
    """Binary is legal in exactly one place: the ``update`` of a
    ``notes.update`` op (a Yjs update). Anywhere else — another field,
    another op, a key — the frame is refused, as before notes existed."""
    if isinstance(obj, dict) and obj.get("t") == "op" and isinstance(obj.get("op"), dict):
        op = obj["op"]
        if op.get("type") == "notes.update" and isinstance(op.get("update"), bytes):
            rest = {k: v for k, v in op.items() if k != "update"}
            return _has_binary({k: v for k, v in obj.items() if k != "op"}) or _has_binary(rest)
    return _has_binary(obj)


def _has_binary(obj: Any) -> bool:
    """True if a decoded value holds bytes or an ExtType anywhere, keys included.

    The decoder caps (max_bin_len=0, max_ext_len=0) still let zero-length bin
    and ext values through. Iterative, so deep nesting cannot hit the
    recursion limit; the frame cap bounds the work.
    """
    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, bytes | msgpack.ExtType):
            return True
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _validation_message(exc: ValidationError) -> str:
    first = exc.errors(include_url=False, include_input=False)[0]
    # Drop the discriminator values pydantic puts in the path ("card.add").
    where = ".".join(str(p) for p in first["loc"] if p not in OP_TYPES and p not in CLIENT_TYPES)
    return f"{where}: {first['msg']}" if where else str(first["msg"])


def _op_id_of(obj: Any) -> str | None:
    """The ``id`` of an ``op`` frame as sent, valid or not, cut to a safe
    length: a refusal carries it so the sender can match it (SPEC §9)."""
    if isinstance(obj, dict) and obj.get("t") == "op":
        op_id = obj.get("id")
        if isinstance(op_id, str):
            return op_id[: limits.MAX_ERROR_OP_ID]
    return None


def _op_id_hint(data: bytes) -> str | None:
    """The op id of a frame the decoder refused (over 64 KiB, a string over
    its cap, a bin value...), read best-effort from its top-level map: the
    values of ``t`` and ``id`` are decoded under the caps, every other value
    is skipped unread. Only the first MAX_MAP_LEN entries are looked at, so
    the work stays bounded by the frame (which uvicorn caps at 1 MiB)."""
    unpacker = msgpack.Unpacker(raw=False, strict_map_key=True, **_UNPACK_CAPS)
    unpacker.feed(data)
    found: dict[str, Any] = {}
    try:
        for _ in range(min(unpacker.read_map_header(), limits.MAX_MAP_LEN)):
            key = unpacker.unpack()
            if key in ("t", "id") and key not in found:
                found[key] = unpacker.unpack()
            else:
                unpacker.skip()
    except Exception:  # malformed past this point: keep what was found
        pass
    return _op_id_of(found)


def decode_client(data: bytes) -> ClientMessage:
    """Bytes from a client → a validated message, or ProtocolError. A
    refused ``op`` frame's error names its op id whenever the frame had a
    string ``id`` (even an invalid one), however the frame was wrong."""
    try:
        obj = unpack_client(data)
    except ProtocolError as exc:
        raise ProtocolError(exc.code, exc.message, _op_id_hint(data)) from exc.__cause__
    if not isinstance(obj, dict) or not isinstance(obj.get("t"), str):
        raise ProtocolError(ErrorCode.BAD_FRAME, "a frame is a map with a string 't'")
    op_id = _op_id_of(obj)
    if obj["t"] not in CLIENT_TYPES:
        raise ProtocolError(ErrorCode.UNKNOWN_TYPE, f"unknown message type {obj['t'][:40]!r}")
    if obj["t"] == "op":
        op = obj.get("op")
        if isinstance(op, dict) and isinstance(op.get("type"), str) and op["type"] not in OP_TYPES:
            raise ProtocolError(
                ErrorCode.UNKNOWN_TYPE, f"unknown op type {op['type'][:40]!r}", op_id
            )
    try:
        return _client_adapter.validate_python(obj)
    except ValidationError as exc:
        raise ProtocolError(ErrorCode.INVALID, _validation_message(exc), op_id) from exc


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def decode_hello(data: bytes) -> Hello:
    """The first frame of a connection → a Hello, or HandshakeRefused.

    The checks run in the SPEC's order (§3): a msgpack map with ``t``
    "hello" (else 4101); ``v`` an integer (else 4101) that is our version
    (else 4100) — checked before the other fields, whose rules another
    version may change; the other fields (4101); the token's length (4102:
    a token that cannot be valid is an invalid link, like a forged one).
    Verifying the token (4102) and finding the board (4103) follow on the
    server. An identity that cannot be valid is dropped: a new actor."""
    try:
        obj = unpack_client(data)
    except ProtocolError as exc:
        raise HandshakeRefused(CloseCode.BAD_HANDSHAKE, f"bad hello: {exc.message}") from None
    if not isinstance(obj, dict) or obj.get("t") != "hello":
        raise HandshakeRefused(CloseCode.BAD_HANDSHAKE, "the first frame must be hello")
    if not _is_int(obj.get("v")):
        raise HandshakeRefused(CloseCode.BAD_HANDSHAKE, "bad hello: v must be an integer")
    if obj["v"] != PROTOCOL_VERSION:
        raise HandshakeRefused(
            CloseCode.PROTOCOL_VERSION, f"server speaks protocol {PROTOCOL_VERSION}"
        )
    try:
        hello = Hello.model_validate(obj)
    except ValidationError as exc:
        raise HandshakeRefused(
            CloseCode.BAD_HANDSHAKE, f"bad hello: {_validation_message(exc)}"
        ) from None
    if not 0 < len(hello.token) <= limits.MAX_TOKEN:
        raise HandshakeRefused(CloseCode.UNAUTHORIZED, "invalid link for this board")
    if hello.identity is not None and not 0 < len(hello.identity) <= limits.MAX_TOKEN:
        hello = hello.model_copy(update={"identity": None})
    return hello


def decode_server(data: bytes) -> ServerMessage:
    """Bytes from a server → a validated message (used by clients)."""
    obj = unpack(data)
    try:
        return _server_adapter.validate_python(obj)
    except ValidationError as exc:
        raise ProtocolError(ErrorCode.INVALID, _validation_message(exc)) from exc


def encode(msg: BaseModel) -> bytes:
    """A typed message → bytes; None fields are left out."""
    return pack(msg.model_dump(mode="python", exclude_none=True))


def op_to_wire(op: Op | ViewPatch) -> dict[str, Any]:
    return op.model_dump(mode="python", exclude_none=True)


def op_from_wire(obj: Any) -> Op:
    return _op_adapter.validate_python(obj)


# --- Stored events -----------------------------------------------------------
#
# An event is a 7-entry msgpack map whose first entry is ``seq`` as a uint32
# (0xce + 4 bytes, big-endian). The server packs everything except the seq
# value ahead of time; the atomic append in Redis splices the 4 seq bytes in.

_EVENT_HEAD = b"\x87" + pack("seq") + b"\xce"
_SEQ = struct.Struct(">I")


def event_parts(
    *, op_id: str, actor: str, name: str, role: Role, at: int, op: Op | ViewPatch | None
) -> tuple[bytes, bytes]:
    """The bytes of an event before and after its seq value."""
    tail = b"".join(
        (
            pack("op_id"), pack(op_id),
            pack("actor"), pack(actor),
            pack("name"), pack(name),
            pack("role"), pack(role),
            pack("at"), pack(at),
            pack("op"), pack(op_to_wire(op) if op is not None else None),
        )
    )  # fmt: skip
    return _EVENT_HEAD, tail


def seal_event(head: bytes, seq: int, tail: bytes) -> bytes:
    """What the append script does: head + seq as uint32 + tail."""
    return head + _SEQ.pack(seq) + tail


def event_seq(raw: bytes) -> int:
    """The seq of stored event bytes, read without decoding the rest."""
    if len(raw) < 10 or not raw.startswith(_EVENT_HEAD):
        raise ProtocolError(ErrorCode.BAD_FRAME, "not a stored event")
    return int(_SEQ.unpack_from(raw, len(_EVENT_HEAD))[0])


def decode_event(raw: bytes) -> Event:
    obj = unpack(raw)
    try:
        return Event.model_validate(obj)
    except ValidationError as exc:
        raise ProtocolError(ErrorCode.INVALID, _validation_message(exc)) from exc


def placeholder_event(event: Event) -> bytes:
    """The bare form of an event a role may not see: seq kept, content gone."""
    head, tail = event_parts(op_id="", actor="", name="", role=event.role, at=event.at, op=None)
    return seal_event(head, event.seq, tail)


_EVENTS_PREFIX = b"\x82" + pack("t") + pack("events") + pack("ev")


def _array_header(n: int) -> bytes:
    if n < 16:
        return bytes((0x90 | n,))
    if n < 0x10000:
        return b"\xdc" + struct.pack(">H", n)
    return b"\xdd" + struct.pack(">I", n)


def events_frame(raw_events: Sequence[bytes] | Iterable[bytes], count: int | None = None) -> bytes:
    """An ``events`` frame from stored event bytes, by concatenation."""
    items = raw_events if isinstance(raw_events, Sequence) else list(raw_events)
    n = len(items) if count is None else count
    return _EVENTS_PREFIX + _array_header(n) + b"".join(items)


def _map_header(n: int) -> bytes:
    if n < 16:
        return bytes((0x80 | n,))
    return b"\xde" + struct.pack(">H", n)


def welcome_frame(fields: dict[str, Any], snapshot: bytes | None) -> bytes:
    """A ``welcome`` frame with a pre-packed snapshot spliced in, so a join
    storm packs the (possibly large) snapshot once, not once per client."""
    body = b"".join(pack(k) + pack(v) for k, v in fields.items() if v is not None)
    count = sum(1 for v in fields.values() if v is not None)
    if snapshot is not None:
        return _map_header(count + 1) + body + pack("snapshot") + snapshot
    return _map_header(count) + body
