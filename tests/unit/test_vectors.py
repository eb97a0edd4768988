"""The golden vectors: committed files equal the generator's output, and every
case replays against the Python codec and reducer on its own."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import msgpack
import pytest

from protocol import codec
from protocol.errors import ProtocolError
from protocol.messages import Event, Events
from protocol.model import BoardState, from_wire, to_wire
from protocol.ops import OP_TYPES, EventOp
from protocol.reducer import apply

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "protocol" / "vectors"


def _generator() -> ModuleType:
    path = ROOT / "scripts" / "gen_vectors.py"
    spec = importlib.util.spec_from_file_location("gen_vectors", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((VECTORS / name).read_text(encoding="utf-8"))
    assert data["version"] == 1
    return data


REDUCER = _load("reducer.json")
CODEC = _load("codec.json")


def test_committed_vectors_match_the_generator() -> None:
    for path, text in _generator().rendered().items():
        assert path.read_text(encoding="utf-8") == text, (
            f"{path.name} is stale: run `python scripts/gen_vectors.py`"
        )


def test_generator_is_deterministic() -> None:
    gen = _generator()
    assert gen.rendered() == gen.rendered()
    assert gen.main(["--check"]) == 0


def test_vectors_cover_every_op_type_and_outcome() -> None:
    seen = {ev["op"]["type"] for case in REDUCER["cases"] for ev in case["events"] if ev["op"]}
    # Every op, and the server's view patches; notes.update carries binary
    # Yjs updates, which JSON cannot: its vectors are notes*.json (test_notes_vectors.py).
    assert seen == (OP_TYPES - {"notes.update"}) | {"view.patch"}
    assert any(ev["op"] is None for case in REDUCER["cases"] for ev in case["events"])
    assert 20 <= len(REDUCER["cases"]) <= 60
    codes = {f["code"] for f in CODEC["client_frames"] if not f["ok"]}
    assert codes == {300, 301, 302, 303}
    names = [f["name"] for f in CODEC["client_frames"]] + [c["name"] for c in REDUCER["cases"]]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("case", REDUCER["cases"], ids=lambda c: str(c["name"]))
def test_reducer_case(case: dict[str, Any]) -> None:
    state = BoardState(case["board"])
    for event in case["events"]:
        assert set(event) == {"seq", "op_id", "actor", "name", "role", "at", "op"}
        parsed = Event.model_validate(event)
        if event["op"] is not None:  # events carry ops with their defaults filled in
            assert parsed.op is not None and _op_wire(parsed.op) == event["op"]
        apply(state, parsed)
    assert to_wire(state) == case["expected"]
    assert to_wire(from_wire(case["expected"])) == case["expected"]


@pytest.mark.parametrize("frame", CODEC["client_frames"], ids=lambda f: str(f["name"]))
def test_client_frame(frame: dict[str, Any]) -> None:
    data = bytes.fromhex(frame["hex"])
    assert frame["hex"] == data.hex()  # lowercase, canonical
    if frame["ok"]:
        msg = codec.decode_client(data)
        assert msg.model_dump(exclude_none=True) == frame["message"]
        assert set(frame) == {"name", "hex", "ok", "message"}
    else:
        with pytest.raises(ProtocolError) as info:
            codec.decode_client(data)
        assert info.value.code == frame["code"]
        # The op id the refusal carries (None when the frame named none).
        assert info.value.op_id == frame["id"]
        assert set(frame) == {"name", "hex", "ok", "code", "id"}


def _op_wire(op: EventOp) -> dict[str, Any]:
    """An event's op as the codec packs it (a view patch too)."""
    return op.model_dump(mode="python", exclude_none=True)


def _event_wire(event: Event) -> dict[str, Any]:
    op = _op_wire(event.op) if event.op is not None else None
    return {**event.model_dump(exclude={"op"}), "op": op}


@pytest.mark.parametrize("frame", CODEC["events_frames"], ids=lambda f: str(f["name"]))
def test_events_frame(frame: dict[str, Any]) -> None:
    data = bytes.fromhex(frame["hex"])
    assert msgpack.unpackb(data, raw=False) == frame["frame"]
    msg = codec.decode_server(data)
    assert isinstance(msg, Events)
    assert [_event_wire(e) for e in msg.ev] == frame["frame"]["ev"]
    # Re-sealing each decoded event gives back exactly the bytes on the wire.
    raws = []
    for event in msg.ev:
        head, tail = codec.event_parts(
            op_id=event.op_id, actor=event.actor, name=event.name, role=event.role,
            at=event.at, op=event.op,
        )  # fmt: skip
        raws.append(codec.seal_event(head, event.seq, tail))
    assert codec.events_frame(raws) == data
