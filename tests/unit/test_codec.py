"""The msgpack codec: client round trips, every rejection code, stored events."""

from __future__ import annotations

from typing import Any

import msgpack
import pytest

from protocol import codec, limits
from protocol.errors import (
    MAX_CLOSE_REASON,
    CloseCode,
    ErrorCode,
    HandshakeRefused,
    ProtocolError,
)
from protocol.messages import (
    Ack,
    Error,
    Events,
    Focus,
    Hello,
    OpMsg,
    Ping,
    Pong,
    Presence,
    Welcome,
)
from protocol.ops import OP_TYPES, CardAdd
from tests.unit._support import SAMPLE_OPS, ev, op


def _reject(obj: Any = None, *, raw: bytes | None = None) -> ProtocolError:
    data = raw if raw is not None else codec.pack(obj)
    with pytest.raises(ProtocolError) as info:
        codec.decode_client(data)
    return info.value


def _op_msg(**fields: Any) -> dict[str, Any]:
    return {"t": "op", "id": "op-1", "op": fields}


# --- Round trips -------------------------------------------------------------


def test_sample_ops_cover_every_op_type() -> None:
    assert set(SAMPLE_OPS) == OP_TYPES


@pytest.mark.parametrize("op_type", sorted(SAMPLE_OPS))
def test_op_round_trip(op_type: str) -> None:
    wire = {"t": "op", "id": "c:42.x_y-z", "op": SAMPLE_OPS[op_type]}
    msg = codec.decode_client(codec.pack(wire))
    assert isinstance(msg, OpMsg)
    assert msg.op.type == op_type
    assert msg.model_dump(exclude_none=True) == wire
    assert codec.decode_client(codec.encode(msg)) == msg


def test_hello_round_trip_full_and_minimal() -> None:
    full = {
        "t": "hello", "v": 1, "board": "hub-Delft_1", "token": "tok.en", "name": "Ann",
        "identity": "ident", "resume": {"epoch": "e1", "seq": 12},
    }  # fmt: skip
    msg = codec.decode_client(codec.pack(full))
    assert isinstance(msg, Hello)
    assert msg.model_dump(exclude_none=True) == full
    minimal = {"t": "hello", "v": 1, "board": "b", "token": "t", "name": "B"}
    msg = codec.decode_client(codec.pack(minimal))
    assert isinstance(msg, Hello) and msg.resume is None and msg.identity is None
    assert codec.decode_client(codec.encode(msg)) == msg


def test_hello_name_is_trimmed() -> None:
    msg = codec.decode_client(
        codec.pack({"t": "hello", "v": 1, "board": "b", "token": "t", "name": "  Ann  "})
    )
    assert isinstance(msg, Hello) and msg.name == "Ann"


def test_focus_and_ping_round_trip() -> None:
    focus = codec.decode_client(codec.pack({"t": "focus", "card": "c1"}))
    assert focus == Focus(t="focus", card="c1")
    assert codec.decode_client(codec.pack({"t": "focus", "card": None})) == Focus(t="focus")
    assert codec.decode_client(codec.pack({"t": "focus"})) == Focus(t="focus")
    ping = codec.decode_client(codec.pack({"t": "ping", "n": 7}))
    assert ping == Ping(t="ping", n=7)
    assert codec.decode_client(codec.pack({"t": "ping"})) == Ping(t="ping", n=0)
    for msg in (focus, ping):
        assert codec.decode_client(codec.encode(msg)) == msg


def test_card_add_defaults_are_filled() -> None:
    msg = codec.decode_client(codec.pack(_op_msg(type="card.add", id="c1", title="Hi")))
    assert isinstance(msg, OpMsg)
    assert codec.op_to_wire(msg.op) == {
        "type": "card.add", "id": "c1", "kind": "note", "title": "Hi", "body": "",
        "color": "yellow", "pos": "a0", "x": 0, "y": 0,
    }  # fmt: skip


def test_op_wire_round_trip() -> None:
    for wire in SAMPLE_OPS.values():
        assert codec.op_to_wire(codec.op_from_wire(wire)) == codec.op_to_wire(op(wire))
        assert codec.op_from_wire(codec.op_to_wire(op(wire))) == op(wire)


def test_text_keeps_newlines_tabs_and_emoji() -> None:
    body = "regel 1\n\tregel 2 — ❤️ 🎉 ëï"
    msg = codec.decode_client(codec.pack(_op_msg(type="card.add", id="c", body=body)))
    assert isinstance(msg, OpMsg) and isinstance(msg.op, CardAdd) and msg.op.body == body


def test_fields_at_their_caps_are_accepted() -> None:
    msg = codec.decode_client(
        codec.pack(
            _op_msg(
                type="card.add", id="c" * limits.MAX_ID, title="t" * limits.MAX_CARD_TITLE,
                body="b" * limits.MAX_CARD_BODY, pos="a" + "1" * (limits.MAX_POS - 1),
                url="https://x.nl/" + "p" * (limits.MAX_URL - 13), x=limits.MAX_COORD,
            )
        )
    )  # fmt: skip
    assert isinstance(msg, OpMsg)


# --- Rejections --------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [b"", b"\xc1", b"\xd9", codec.pack({"t": "ping", "n": 1})[:-1], codec.pack("x") + b"\x00"],
    ids=["empty", "never-used-byte", "truncated-str", "truncated-map", "trailing-data"],
)
def test_not_msgpack_or_truncated_is_bad_frame(raw: bytes) -> None:
    assert _reject(raw=raw).code == ErrorCode.BAD_FRAME


@pytest.mark.parametrize("obj", [["t", "ping"], "ping", 1, None, True, {}, {"n": 1}, {"t": 1}])
def test_not_a_map_with_string_t_is_bad_frame(obj: Any) -> None:
    assert _reject(obj).code == ErrorCode.BAD_FRAME


def test_non_string_keys_are_bad_frame() -> None:
    assert _reject(raw=b"\x82\xa1t\xa4ping\x01\x02").code == ErrorCode.BAD_FRAME


def test_unknown_type() -> None:
    err = _reject({"t": "subscribe"})
    assert err.code == ErrorCode.UNKNOWN_TYPE and err.op_id is None


def test_unknown_op_type_echoes_op_id() -> None:
    err = _reject(_op_msg(type="card.explode", id="c1"))
    assert err.code == ErrorCode.UNKNOWN_TYPE
    assert err.op_id == "op-1"


@pytest.mark.parametrize(
    "obj",
    [
        {"t": "ping", "n": "1"},
        {"t": "ping", "n": 1.0},
        {"t": "ping", "n": True},
        {"t": "focus", "card": 3},
        {"t": "hello", "v": "1", "board": "b", "token": "t", "name": "n"},
        {"t": "hello", "v": 1, "board": "b", "token": "t", "name": "n", "resume": [1, 2]},
        {
            "t": "hello",
            "v": 1,
            "board": "b",
            "token": "t",
            "name": "n",
            "resume": {"epoch": "e", "seq": -1},
        },
        {"t": "hello", "v": 1, "board": "b", "token": "t"},
        {"t": "op", "id": "o", "op": "card.add"},
        {"t": "op", "id": "o"},
        {"t": "op", "id": 5, "op": SAMPLE_OPS["vote.cast"]},
    ],
    ids=lambda obj: "-".join(map(str, obj.values()))[:40],
)
def test_wrong_field_types_are_invalid(obj: dict[str, Any]) -> None:
    assert _reject(obj).code == ErrorCode.INVALID


@pytest.mark.parametrize(
    "fields",
    [
        {"type": "card.add", "id": "c", "title": "t", "x": 1.5},
        {"type": "card.add", "id": "c", "title": "t", "x": -1},
        {"type": "card.add", "id": "c", "title": "t", "y": limits.MAX_COORD + 1},
        {"type": "card.add", "id": "c", "title": "t", "color": "red"},
        {"type": "card.add", "id": "c", "title": "t", "kind": "poll"},
        {"type": "card.add", "id": "c"},
        {"type": "card.add", "id": "c", "title": "  ", "body": "\n"},
        {"type": "card.add", "id": "c", "kind": "link", "title": "no url"},
        {"type": "card.add", "id": "c d", "title": "t"},
        {"type": "card.add", "id": "", "title": "t"},
        {"type": "card.add", "id": "c\n", "title": "t"},
        {"type": "card.add", "id": "c", "title": "t", "pos": "a"},
        {"type": "card.add", "id": "c", "title": "t", "pos": "a00"},
        {"type": "card.add", "id": "c", "title": "t", "pos": "aé"},
        {"type": "card.add", "id": "c", "title": "t", "pos": "a0 "},
        {"type": "card.add", "id": "c", "title": "t", "pos": "A" + "0" * 26},
        {"type": "reaction.set", "card": "c", "emoji": "💩", "on": True},
        {"type": "reaction.set", "card": "c", "emoji": "👍", "on": 1},
        {"type": "reaction.set", "card": "c", "emoji": "👍"},
        {"type": "board.set", "vote_budget": limits.MAX_VOTE_BUDGET + 1},
        {"type": "board.set", "title": "   "},
        {"type": "board.set", "layout": "kanban"},
        {"type": "comment.add", "id": "m", "card": "c", "body": ""},
        {"type": "section.add", "id": "s", "title": "x"},
        {"type": "card.move", "id": "c", "section": "bad id"},
        {"type": "vote.cast"},
    ],
    ids=lambda f: "-".join(map(str, f.values()))[:40],
)
def test_invalid_op_fields_echo_op_id(fields: dict[str, Any]) -> None:
    err = _reject(_op_msg(**fields))
    assert err.code == ErrorCode.INVALID
    assert err.op_id == "op-1"


@pytest.mark.parametrize(
    "obj",
    [
        {"t": "op", "id": "o", "op": {**SAMPLE_OPS["vote.cast"], "count": 3}},
        {"t": "op", "id": "o", "op": {**SAMPLE_OPS["card.delete"], "author": "bob"}},
    ],
    ids=["vote-count", "delete-author"],
)
def test_unknown_op_fields_are_invalid(obj: dict[str, Any]) -> None:
    """An old server must not silently drop a field the user set."""
    err = _reject(obj)
    assert err.code == ErrorCode.INVALID and err.op_id == "o"


_HELLO = {"t": "hello", "v": 1, "board": "b", "token": "t", "name": "n"}


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        ({"t": "ping", "n": 1, "x": 2}, Ping(t="ping", n=1)),
        ({"t": "focus", "card": "c", "caret": [1, 2]}, Focus(t="focus", card="c")),
        ({**_HELLO, "admin": True}, Hello(t="hello", v=1, board="b", token="t", name="n")),
        (
            {**_HELLO, "resume": {"epoch": "e", "seq": 1, "x": 0}},
            Hello.model_validate({**_HELLO, "resume": {"epoch": "e", "seq": 1}}),
        ),
        (
            {"t": "op", "id": "o", "op": SAMPLE_OPS["vote.cast"], "seq": 3},
            OpMsg(t="op", id="o", op=op(SAMPLE_OPS["vote.cast"])),
        ),
    ],
    ids=["ping", "focus", "hello", "resume", "op-envelope"],
)
def test_client_messages_ignore_unknown_fields(obj: dict[str, Any], expected: Any) -> None:
    """Additive changes to client messages stay compatible (SPEC §11)."""
    assert codec.decode_client(codec.pack(obj)) == expected


def test_nil_is_the_same_as_absent() -> None:
    msg = codec.decode_client(
        codec.pack(_op_msg(type="card.add", id="c", title="t", kind=None, url=None, x=None))
    )
    assert isinstance(msg, OpMsg)
    assert codec.op_to_wire(msg.op) == codec.op_to_wire(op(
        {"type": "card.add", "id": "c", "title": "t"}))  # fmt: skip
    assert codec.decode_client(codec.pack({"t": "ping", "n": None})) == Ping(t="ping", n=0)
    hello = codec.decode_client(codec.pack({**_HELLO, "identity": None, "resume": None}))
    assert isinstance(hello, Hello) and hello.identity is None and hello.resume is None
    err = _reject(_op_msg(type="comment.add", id="m", card="c", body=None))
    assert err.code == ErrorCode.INVALID and err.op_id == "op-1"


def test_card_add_empty_url_and_section_mean_none() -> None:
    msg = codec.decode_client(codec.pack(_op_msg(type="card.add", id="c", title="t", url="",
                                                 section="")))  # fmt: skip
    assert isinstance(msg, OpMsg) and isinstance(msg.op, CardAdd)
    assert "url" not in codec.op_to_wire(msg.op) and "section" not in codec.op_to_wire(msg.op)
    assert _reject(_op_msg(type="card.add", id="c", kind="link", url="")).code == 302


@pytest.mark.parametrize("body", [" ", "\n\t", "\u3000\u00a0"])
def test_blank_comment_is_invalid(body: str) -> None:
    err = _reject(_op_msg(type="comment.add", id="m", card="c", body=body))
    assert err.code == ErrorCode.INVALID and err.op_id == "op-1"


@pytest.mark.parametrize(
    ("field", "cap"),
    [
        ("title", limits.MAX_CARD_TITLE),
        ("body", limits.MAX_CARD_BODY),
        ("id", limits.MAX_ID),
        ("pos", limits.MAX_POS),
    ],
)
def test_card_fields_over_their_caps_are_invalid(field: str, cap: int) -> None:
    fields: dict[str, Any] = {"type": "card.add", "id": "c", "title": "t"}
    fields[field] = "a" + "1" * cap if field == "pos" else "x" * (cap + 1)
    assert _reject(_op_msg(**fields)).code == ErrorCode.INVALID


@pytest.mark.parametrize(
    "obj",
    [
        _op_msg(type="card.add", id="c", url="https://x.nl/" + "p" * limits.MAX_URL),
        _op_msg(type="board.set", title="x" * (limits.MAX_BOARD_TITLE + 1)),
        _op_msg(type="section.add", id="s", title="x" * (limits.MAX_SECTION_TITLE + 1), pos="a0"),
        _op_msg(type="comment.add", id="m", card="c", body="x" * (limits.MAX_COMMENT + 1)),
        {"t": "hello", "v": 1, "board": "b", "token": "t", "name": "n" * (limits.MAX_NAME + 1)},
        {"t": "hello", "v": 1, "board": "b" * (limits.MAX_ID + 1), "token": "t", "name": "n"},
        {"t": "op", "id": "o" * (limits.MAX_OP_ID + 1), "op": SAMPLE_OPS["vote.cast"]},
    ],
    ids=["url", "board-title", "section-title", "comment", "name", "board", "op-id"],
)
def test_strings_over_field_caps_are_invalid(obj: dict[str, Any]) -> None:
    assert _reject(obj).code == ErrorCode.INVALID


def test_invalid_op_ids_are_echoed_cut_to_a_safe_length() -> None:
    """The sender must learn its op was refused, or it resends it forever."""
    err = _reject({"t": "op", "id": "o" * 65, "op": SAMPLE_OPS["vote.cast"]})
    assert err.code == ErrorCode.INVALID and err.op_id == "o" * 65
    err = _reject({"t": "op", "id": "é" * 500, "op": SAMPLE_OPS["vote.cast"]})
    assert err.code == ErrorCode.INVALID and err.op_id == "é" * limits.MAX_ERROR_OP_ID
    assert _reject({"t": "op", "id": 5, "op": SAMPLE_OPS["vote.cast"]}).op_id is None


def test_every_character_cap_fits_the_decoder_at_four_bytes_a_character() -> None:
    """Character caps and the decoder's byte cap agree: text within its
    character limit is never refused by the decoder, whatever its script."""
    caps = [
        limits.MAX_CARD_BODY, limits.MAX_CARD_TITLE, limits.MAX_COMMENT, limits.MAX_URL,
        limits.MAX_BOARD_TITLE, limits.MAX_SECTION_TITLE, limits.MAX_NAME, limits.MAX_TOKEN,
    ]  # fmt: skip
    assert max(caps) * limits.MAX_UTF8_BYTES_PER_CHAR <= limits.MAX_STR_LEN
    widest = _op_msg(
        type="card.add", id="c" * limits.MAX_ID, title="😂" * limits.MAX_CARD_TITLE,
        body="😂" * limits.MAX_CARD_BODY, url="https://x.nl/" + "😂" * (limits.MAX_URL - 13),
        pos="a" + "1" * (limits.MAX_POS - 1), section="s" * limits.MAX_ID,
    )  # fmt: skip
    data = codec.pack({**widest, "id": "o" * limits.MAX_OP_ID})
    assert len(data) <= limits.MAX_CLIENT_FRAME
    assert isinstance(codec.decode_client(data), OpMsg)


@pytest.mark.parametrize(
    ("name", "obj", "code"),
    [
        ("frame over 64 KiB", _op_msg(type="card.add", id="c", body="x" * 70_000),
         ErrorCode.TOO_LARGE),
        ("string over the decoder cap", _op_msg(type="card.add", id="c",
                                                body="x" * (limits.MAX_STR_LEN + 1)),
         ErrorCode.BAD_FRAME),
        ("bin value", _op_msg(type="vote.cast", card=b"c"), ErrorCode.BAD_FRAME),
        ("id after the op", {"t": "op", "op": {"type": "card.add", "body": "x" * 70_000},
                             "id": "op-1"}, ErrorCode.TOO_LARGE),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)  # fmt: skip
def test_frames_refused_by_the_decoder_still_name_their_op_id(
    name: str, obj: dict[str, Any], code: ErrorCode
) -> None:
    err = _reject(obj)
    assert (err.code, err.op_id) == (code, "op-1"), name


@pytest.mark.parametrize(
    "raw",
    [
        codec.pack({"t": "ping", "id": "p"}) + b"\x00" * limits.MAX_CLIENT_FRAME,
        codec.pack({"t": "op", "id": "x" * (limits.MAX_STR_LEN + 1)}),
        b"\x83\xa1t\xa2op\xa2op" + b"\x91" * 5000 + b"\xc0\xa2id\xa1x",
        b"\xdf\x00\x00\x00\x2a"
        + b"\xa1x\x00" * 40
        + codec.pack("t")
        + codec.pack("op")
        + codec.pack("id")
        + codec.pack("late"),
    ],
    ids=["not-an-op", "id-over-decoder-cap", "too-deep-before-id", "id-past-the-scan"],
)
def test_no_op_id_is_made_up(raw: bytes) -> None:
    assert _reject(raw=raw).op_id is None


@pytest.mark.parametrize(
    "obj",
    [
        {"t": "ping", "n": "x" * (limits.MAX_STR_LEN + 1)},
        {"t": "ping", "n": list(range(limits.MAX_ARRAY_LEN + 1))},
        {"t": "ping", **{f"k{i}": i for i in range(limits.MAX_MAP_LEN)}},
    ],
    ids=["str", "array", "map"],
)
def test_over_decoder_caps_is_bad_frame(obj: dict[str, Any]) -> None:
    assert _reject(obj).code == ErrorCode.BAD_FRAME


def test_deep_nesting_is_bad_frame() -> None:
    raw = b"\x82\xa1t\xa4ping\xa1n" + b"\x91" * 5000 + b"\x00"
    assert _reject(raw=raw).code == ErrorCode.BAD_FRAME


def test_frame_over_64_kib_is_too_large() -> None:
    raw = codec.pack({"t": "ping", "n": 1}) + b"\x00" * limits.MAX_CLIENT_FRAME
    assert _reject(raw=raw).code == ErrorCode.TOO_LARGE
    big = codec.pack({"t": "hello", **{f"k{i}": "x" * 8000 for i in range(9)}})
    assert len(big) > limits.MAX_CLIENT_FRAME
    assert _reject(raw=big).code == ErrorCode.TOO_LARGE


@pytest.mark.parametrize(
    "obj",
    [
        {"t": "ping", "n": b"\x01"},
        {"t": "ping", "n": b""},
        {"t": b"ping"},
        {"t": "ping", b"": 1},
        {"t": "focus", "card": msgpack.ExtType(5, b"")},
        {"t": "focus", "card": msgpack.ExtType(5, b"abcd")},
        {"t": "ping", "n": msgpack.Timestamp(1, 0)},
        _op_msg(type="card.add", id="c", title=b"bin title"),
    ],
    ids=["bin", "empty-bin", "bin-t", "bin-key", "empty-ext", "ext", "timestamp", "bin-title"],
)
def test_bin_and_ext_values_are_bad_frame(obj: dict[Any, Any]) -> None:
    assert _reject(obj).code == ErrorCode.BAD_FRAME


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox",
        "file:///etc/passwd",
        "ftp://example.org/",
        "//example.org/x",
        "https://",
        "http:example.org",
        "https://exa mple.org/",
        "https://example.org/\x00",
        "https://example.org/\x7f",
        "http://[::1",
    ],
)
def test_non_http_urls_are_refused(url: str) -> None:
    for fields in (
        {"type": "card.add", "id": "c", "kind": "link", "url": url},
        {"type": "card.set", "id": "c", "url": url},
    ):
        err = _reject(_op_msg(**fields))
        assert err.code == ErrorCode.INVALID and err.op_id == "op-1"


@pytest.mark.parametrize("url", ["http://a.nl", "HTTPS://Example.org/p?q=1#f", "https://[::1]:8/"])
def test_http_urls_are_accepted(url: str) -> None:
    msg = codec.decode_client(codec.pack(_op_msg(type="card.add", id="c", url=url)))
    assert isinstance(msg, OpMsg)


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\r", "\x7f", "\x85", "\x9f"])
@pytest.mark.parametrize(
    "fields",
    [
        {"type": "card.add", "id": "c", "title": "{}"},
        {"type": "card.add", "id": "c", "body": "{}"},
        {"type": "card.set", "id": "c", "title": "{}"},
        {"type": "comment.add", "id": "m", "card": "c", "body": "a{}"},
        {"type": "section.add", "id": "s", "title": "{}", "pos": "a0"},
        {"type": "board.set", "title": "a{}b"},
    ],
    ids=lambda f: f["type"],
)
def test_control_characters_are_refused(char: str, fields: dict[str, Any]) -> None:
    fields = {k: v.format(char) if isinstance(v, str) else v for k, v in fields.items()}
    assert _reject(_op_msg(**fields)).code == ErrorCode.INVALID


def test_protocol_error_message_is_bounded() -> None:
    err = ProtocolError(ErrorCode.INVALID, "x" * 1000)
    assert len(err.message) == 200


def test_error_code_ranges() -> None:
    assert ErrorCode.RATE_LIMITED.retryable and not ErrorCode.RATE_LIMITED.needs_resync
    assert ErrorCode.RESYNC.needs_resync and not ErrorCode.RESYNC.retryable
    assert all(c >= 300 for c in ErrorCode if not (c.retryable or c.needs_resync))


# --- Stored events and events frames -----------------------------------------


def _sealed(seq: int, **kw: Any) -> bytes:
    e = ev(seq, kw.pop("op", SAMPLE_OPS["card.add"]), **kw)
    head, tail = codec.event_parts(
        op_id=e.op_id, actor=e.actor, name=e.name, role=e.role, at=e.at, op=e.op
    )
    return codec.seal_event(head, seq, tail)


def test_sealed_event_is_plain_msgpack() -> None:
    raw = _sealed(3, actor="bob", role="facilitator")
    obj = msgpack.unpackb(raw)
    assert list(obj) == ["seq", "op_id", "actor", "name", "role", "at", "op"]
    assert obj["seq"] == 3 and obj["actor"] == "bob" and obj["role"] == "facilitator"
    assert obj["op"] == codec.op_to_wire(op(SAMPLE_OPS["card.add"]))
    assert codec.decode_event(raw) == ev(3, SAMPLE_OPS["card.add"], "bob", "facilitator")


@pytest.mark.parametrize("seq", [0, 1, 255, 65_536, 2**32 - 1])
def test_event_seq_reads_seq_without_decoding(seq: int) -> None:
    raw = _sealed(seq)
    assert codec.event_seq(raw) == seq
    assert codec.decode_event(raw).seq == seq


def test_seal_splices_any_seq_into_the_same_parts() -> None:
    e = ev(1, SAMPLE_OPS["vote.cast"])
    head, tail = codec.event_parts(
        op_id=e.op_id, actor=e.actor, name=e.name, role=e.role, at=e.at, op=e.op
    )
    for seq in (1, 2, 1000):
        decoded = codec.decode_event(codec.seal_event(head, seq, tail))
        assert decoded == e.model_copy(update={"seq": seq})


@pytest.mark.parametrize("raw", [b"", b"\x87", codec.pack({"seq": 1}), codec.pack([1, 2, 3])])
def test_event_seq_refuses_non_events(raw: bytes) -> None:
    with pytest.raises(ProtocolError) as info:
        codec.event_seq(raw)
    assert info.value.code == ErrorCode.BAD_FRAME


def test_decode_event_refuses_garbage() -> None:
    with pytest.raises(ProtocolError):
        codec.decode_event(b"\xc1")
    with pytest.raises(ProtocolError) as info:
        codec.decode_event(codec.pack({"seq": "1"}))
    assert info.value.code == ErrorCode.INVALID


def test_placeholder_keeps_seq_and_drops_content() -> None:
    e = ev(9, SAMPLE_OPS["card.add"], "ann", "participant", name="Ann")
    raw = codec.placeholder_event(e)
    assert codec.event_seq(raw) == 9
    bare = codec.decode_event(raw)
    assert bare.seq == 9 and bare.op is None and bare.actor == "" and bare.name == ""
    assert bare.op_id == "" and bare.at == e.at and bare.role == e.role


@pytest.mark.parametrize("n", [1, 15, 16, 40])
def test_events_frame_concatenates_stored_events(n: int) -> None:
    raws = [_sealed(seq, actor=f"a{seq % 3}") for seq in range(1, n + 1)]
    frame = codec.events_frame(raws)
    assert frame == codec.events_frame(iter(raws)) == codec.events_frame(iter(raws), count=n)
    msg = codec.decode_server(frame)
    assert isinstance(msg, Events)
    assert [e.seq for e in msg.ev] == list(range(1, n + 1))
    assert msg.ev == [codec.decode_event(r) for r in raws]
    assert msgpack.unpackb(frame)["t"] == "events"


def test_events_frame_with_array32_header() -> None:
    raw = _sealed(1, op=SAMPLE_OPS["vote.cast"])
    frame = codec.events_frame([raw] * 70_000)
    assert frame[13:18] == b"\xdd\x00\x01\x11\x70"
    obj = msgpack.unpackb(frame)
    assert len(obj["ev"]) == 70_000


def test_events_frame_with_placeholders() -> None:
    raws = [_sealed(1), codec.placeholder_event(ev(2, SAMPLE_OPS["card.add"])), _sealed(3)]
    msg = codec.decode_server(codec.events_frame(raws))
    assert isinstance(msg, Events)
    assert [e.op is None for e in msg.ev] == [False, True, False]


# --- Server messages ---------------------------------------------------------


def _server(obj: dict[str, Any]) -> Any:
    return codec.decode_server(codec.pack(obj))


def test_decode_welcome() -> None:
    base = {
        "t": "welcome", "v": 1, "board": "b1", "role": "participant", "actor": "a1",
        "identity": "sig", "epoch": "e1", "seq": 4, "heartbeat_ms": 15000,
        "limits": {"card_title": limits.MAX_CARD_TITLE},
    }  # fmt: skip
    msg = _server({**base, "recovered": True})
    assert isinstance(msg, Welcome) and msg.recovered and msg.snapshot is None
    snap = {"board": "b1", "seq": 4, "cards": {}}
    msg = _server({**base, "recovered": False, "snapshot": snap})
    assert isinstance(msg, Welcome) and msg.snapshot == snap


def test_decode_small_server_messages() -> None:
    assert _server({"t": "ack", "id": "o1", "seq": 5}) == Ack(t="ack", id="o1", seq=5)
    err = _server({"t": "error", "code": 302, "msg": "bad", "id": "o1"})
    assert err == Error(t="error", code=302, msg="bad", id="o1")
    assert _server({"t": "error", "code": 300, "msg": "bad"}).id is None
    assert _server({"t": "pong", "n": 3}) == Pong(t="pong", n=3)
    pres = _server(
        {
            "t": "presence",
            "members": [
                {"conn": "k1", "actor": "a1", "name": "Ann", "role": "viewer"},
                {"conn": "k2", "actor": "a2", "name": "Bob", "role": "facilitator", "card": "c"},
            ],
        }
    )
    assert isinstance(pres, Presence) and pres.members is not None
    assert [m.card for m in pres.members] == [None, "c"]


def test_decode_server_ignores_unknown_fields() -> None:
    assert _server({"t": "ack", "id": "o1", "seq": 5, "new": 1}) == Ack(t="ack", id="o1", seq=5)


@pytest.mark.parametrize(
    "obj",
    [{"t": "nope"}, {"t": "ack", "id": "o1"}, {"t": "ack", "id": "o1", "seq": "5"}, []],
    ids=["unknown", "missing", "wrong-type", "not-map"],
)
def test_decode_server_refuses_invalid(obj: Any) -> None:
    with pytest.raises(ProtocolError) as info:
        codec.decode_server(codec.pack(obj))
    assert info.value.code == ErrorCode.INVALID


def test_decode_server_refuses_not_msgpack_and_oversize() -> None:
    with pytest.raises(ProtocolError) as info:
        codec.decode_server(b"\xc1")
    assert info.value.code == ErrorCode.BAD_FRAME
    with pytest.raises(ProtocolError) as info:
        codec.unpack(b"\x00" * 11, max_size=10)
    assert info.value.code == ErrorCode.TOO_LARGE


def test_encode_leaves_out_none() -> None:
    raw = codec.encode(Error(t="error", code=300, msg="x"))
    assert msgpack.unpackb(raw) == {"t": "error", "code": 300, "msg": "x"}
    # An encoded placeholder has no "op" key at all; it still decodes as op None.
    frame = codec.encode(Events(t="events", ev=[ev(1, None)]))
    assert "op" not in msgpack.unpackb(frame)["ev"][0]
    msg = codec.decode_server(frame)
    assert isinstance(msg, Events) and msg.ev == [ev(1, None)]


# --- The handshake -------------------------------------------------------------


def _hello_verdict(obj: Any = None, *, raw: bytes | None = None) -> int:
    with pytest.raises(HandshakeRefused) as info:
        codec.decode_hello(raw if raw is not None else codec.pack(obj))
    assert len(info.value.reason.encode()) <= MAX_CLOSE_REASON
    return info.value.code


@pytest.mark.parametrize(
    ("obj", "code"),
    [
        # The frame: a map with t "hello" (4101).
        ({"t": "op", "id": "1", "op": SAMPLE_OPS["vote.cast"]}, CloseCode.BAD_HANDSHAKE),
        ({"t": "ping"}, CloseCode.BAD_HANDSHAKE),
        (["hello"], CloseCode.BAD_HANDSHAKE),
        # v: an integer (4101), then our version (4100), before other fields.
        ({k: v for k, v in _HELLO.items() if k != "v"}, CloseCode.BAD_HANDSHAKE),
        ({**_HELLO, "v": None}, CloseCode.BAD_HANDSHAKE),
        ({**_HELLO, "v": "1"}, CloseCode.BAD_HANDSHAKE),
        ({**_HELLO, "v": 1.0}, CloseCode.BAD_HANDSHAKE),
        ({**_HELLO, "v": True}, CloseCode.BAD_HANDSHAKE),
        ({**_HELLO, "v": 2}, CloseCode.PROTOCOL_VERSION),
        ({"t": "hello", "v": 2}, CloseCode.PROTOCOL_VERSION),
        ({"t": "hello", "v": 0, "name": 5}, CloseCode.PROTOCOL_VERSION),
        ({**_HELLO, "v": -1}, CloseCode.PROTOCOL_VERSION),
        # The other fields (4101).
        ({**_HELLO, "name": "  "}, CloseCode.BAD_HANDSHAKE),
        ({**_HELLO, "board": "a b"}, CloseCode.BAD_HANDSHAKE),
        ({**_HELLO, "token": 5}, CloseCode.BAD_HANDSHAKE),
        ({**_HELLO, "resume": {"epoch": "e"}}, CloseCode.BAD_HANDSHAKE),
        # A token that cannot be valid is an invalid link (4102).
        ({**_HELLO, "token": "t" * (limits.MAX_TOKEN + 1)}, CloseCode.UNAUTHORIZED),
        ({**_HELLO, "token": ""}, CloseCode.UNAUTHORIZED),
        ({**_HELLO, "name": "", "token": ""}, CloseCode.BAD_HANDSHAKE),
    ],
)
def test_hello_checks_run_in_the_spec_order(obj: Any, code: CloseCode) -> None:
    assert _hello_verdict(obj) == code


def test_hello_frame_errors_are_bad_handshake() -> None:
    assert _hello_verdict(raw=b"\xc1") == CloseCode.BAD_HANDSHAKE
    big = codec.pack({**_HELLO, "name": "x" * (limits.MAX_CLIENT_FRAME + 1)})
    assert _hello_verdict(raw=big) == CloseCode.BAD_HANDSHAKE


def test_hello_accepts_unknown_fields_and_drops_an_impossible_identity() -> None:
    hello = codec.decode_hello(codec.pack({**_HELLO, "future": {"x": 1}}))
    assert hello == Hello(t="hello", v=1, board="b", token="t", name="n")
    long_identity = {**_HELLO, "identity": "i" * (limits.MAX_TOKEN + 1)}
    assert codec.decode_hello(codec.pack(long_identity)).identity is None
    assert codec.decode_hello(codec.pack({**_HELLO, "identity": "id"})).identity == "id"
    token = "t" * limits.MAX_TOKEN
    assert codec.decode_hello(codec.pack({**_HELLO, "token": token})).token == token
