"""Golden vectors both ways: Yjs updates made by pycrdt (notes.json) and by
yjs (notes_yjs.json) merge, in pycrdt, to the text the maker saw and to the
very bytes the maker's merged state had — what a snapshot stores. The TS
test (client/web/test/notes.test.ts) replays the same two files with yjs."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from pycrdt import Doc, Text

from protocol.messages import Event
from protocol.model import BoardState
from protocol.reducer import apply

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "protocol" / "vectors"


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((VECTORS / name).read_text(encoding="utf-8"))
    assert data["version"] == 1
    return data


MERGE = [*_load("notes.json")["merge"], *_load("notes_yjs.json")["merge"]]
REDUCER = _load("notes.json")["reducer"]


def test_committed_vectors_match_the_generator() -> None:
    path = ROOT / "scripts" / "gen_notes_vectors.py"
    spec = importlib.util.spec_from_file_location("gen_notes_vectors", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--check"]) == 0, "notes.json is stale: run scripts/gen_notes_vectors.py"


def test_both_libraries_made_vectors() -> None:
    names = [c["name"] for c in MERGE]
    assert any(n.startswith("yjs:") for n in names) and len(names) == len(set(names))
    assert {"pycrdt", "yjs"} == {_load("notes.json")["made_by"], _load("notes_yjs.json")["made_by"]}


#: Cases whose merged state yrs and yjs encode differently: the same items,
#: but one library packs a run of one client's characters that arrived in
#: two updates into one struct and the other keeps two ("Decided: " +
#: "ship"). Both decode to the same document; only the server (pycrdt)
#: writes snapshots, so no replica ever compares bytes across libraries.
PACKED_DIFFERENTLY = {"yjs: two typists in one paragraph, Ann's first"}


@pytest.mark.parametrize("case", MERGE, ids=lambda c: str(c["name"]))
def test_updates_merge_to_the_makers_text_and_document(case: dict[str, Any]) -> None:
    doc: Doc[Any] = Doc(client_id=1)
    for update in case["updates"]:
        doc.apply_update(bytes.fromhex(update))
    assert str(doc.get("notes", type=Text)) == case["text"]
    makers: Doc[Any] = Doc(client_id=2)
    makers.apply_update(bytes.fromhex(case["state"]))
    assert str(makers.get("notes", type=Text)) == case["text"]
    assert makers.get_state() == doc.get_state()  # the same items, clock for clock
    same_bytes = doc.get_update().hex() == case["state"]
    assert same_bytes == (case["name"] not in PACKED_DIFFERENTLY)


@pytest.mark.parametrize("case", REDUCER, ids=lambda c: str(c["name"]))
def test_reducer_cases(case: dict[str, Any]) -> None:
    state = BoardState("b1")
    for event in case["events"]:
        op = dict(event["op"])
        if op["type"] == "notes.update":
            op["update"] = bytes.fromhex(op["update"])
        apply(state, Event.model_validate({**event, "op": op}))
    assert {doc: d.text() for doc, d in state.notes.items()} == case["texts"]
    assert {doc: d.state().hex() for doc, d in state.notes.items()} == case["states"]
