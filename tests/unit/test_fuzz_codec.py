"""Fuzz the inbound decoder: whatever arrives, only ProtocolError comes out."""

from __future__ import annotations

from typing import Any

import msgpack
from hypothesis import example, given, settings
from hypothesis import strategies as st

from protocol import codec
from protocol.errors import ErrorCode, ProtocolError
from protocol.ops import OP_TYPES, REACTIONS
from tests.unit._support import SAMPLE_OPS

SETTINGS = settings(max_examples=200, deadline=None)

KEYS = st.sampled_from(
    ["t", "id", "op", "type", "card", "title", "body", "url", "pos", "x", "y", "on", "emoji",
     "seq", "v", "board", "token", "name", "resume", "epoch", "n", "kind", "section",
     "files", "preview", "tags", "contact", "expires", "state", "size", "w", "image"]
)  # fmt: skip
TAGS = st.sampled_from(["hello", "op", "focus", "ping", "pong", "ack", *sorted(OP_TYPES)])
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**63), max_value=2**64 - 1),
    st.floats(allow_nan=True), st.text(max_size=20), TAGS, st.sampled_from(REACTIONS),
    st.binary(max_size=4), st.sampled_from(["a0", "https://x.nl", "javascript:x", "c1"]),
)  # fmt: skip
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(KEYS, st.text(max_size=5)), inner, max_size=5),
    ),
    max_leaves=20,
)


def _decode(data: bytes) -> None:
    try:
        codec.decode_client(data)
    except ProtocolError as err:
        assert isinstance(err.code, ErrorCode) and 300 <= err.code < 400
        assert err.op_id is None or isinstance(err.op_id, str)


@SETTINGS
@given(st.binary(max_size=200))
@example(b"")
@example(b"\xc1")
@example(b"\x81\xa1t\xa2op")
def test_random_bytes(data: bytes) -> None:
    _decode(data)


@SETTINGS
@given(VALUES)
def test_random_msgpack_values(obj: Any) -> None:
    _decode(msgpack.packb(obj, use_bin_type=True))


@SETTINGS
@given(
    st.sampled_from(sorted(SAMPLE_OPS)),
    st.dictionaries(KEYS, VALUES, max_size=3),
    st.lists(KEYS, max_size=2),
)
def test_mutated_valid_ops(op_type: str, patch: dict[str, Any], drop: list[str]) -> None:
    """Valid ops with fields replaced or removed: near misses reach the models."""
    fields = {k: v for k, v in {**SAMPLE_OPS[op_type], **patch}.items() if k not in drop}
    _decode(codec.pack({"t": "op", "id": "o1", "op": fields}))


@SETTINGS
@given(st.sampled_from(sorted(SAMPLE_OPS)), st.integers(min_value=0), st.integers(0, 255))
def test_flipped_bytes_of_a_valid_frame(op_type: str, where: int, value: int) -> None:
    data = bytearray(codec.pack({"t": "op", "id": "o1", "op": SAMPLE_OPS[op_type]}))
    data[where % len(data)] = value
    _decode(bytes(data))


@SETTINGS
@given(st.sampled_from(sorted(SAMPLE_OPS)), st.integers(min_value=0))
def test_every_truncation_of_a_valid_frame(op_type: str, cut: int) -> None:
    data = codec.pack({"t": "op", "id": "o1", "op": SAMPLE_OPS[op_type]})
    _decode(data[: cut % len(data)])
