"""The board export document (server/library/document.py): random boards
round-trip exactly, and every kind of bad file is refused with its code."""

from __future__ import annotations

import base64
import copy
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pycrdt import Doc, Text

from protocol.messages import Event, Role
from protocol.model import BoardState, from_wire, to_wire
from protocol.reducer import apply
from protocol.visibility import Viewer, project
from server.library import document
from server.library.document import BadDocument
from tests.unit._support import op
from tests.unit.test_convergence import CARDS, COMMENTS, OPS, actors


def _notes_update(text: str, client: int) -> bytes:
    doc: Doc[Any] = Doc(client_id=client)
    doc["notes"] = body = Text()
    body += text
    return doc.get_update()


#: Beyond the convergence test's ops: moderation, anonymity, hide-until-
#: reveal, removing people, timers and notes, so every part of the state
#: is reached.
EXTRA_OPS: st.SearchStrategy[dict[str, Any]] = st.one_of(
    st.fixed_dictionaries({
        "type": st.just("card.moderate"), "id": CARDS,
        "action": st.sampled_from(["approve", "reject", "hide", "restore"]),
    }),
    st.fixed_dictionaries({
        "type": st.just("comment.moderate"), "id": COMMENTS,
        "action": st.sampled_from(["hide", "restore"]),
    }),
    st.fixed_dictionaries({"type": st.just("board.set")}, optional={
        "approval": st.booleans(), "anonymous": st.sampled_from(["off", "others", "all"]),
        "hide_cards": st.booleans(), "locked": st.booleans(), "filter": st.booleans(),
        "words": st.lists(st.sampled_from(["spam", "ham"]), max_size=2),
    }),
    st.fixed_dictionaries({"type": st.just("participant.remove"), "actor": st.just("a3")}),
    st.fixed_dictionaries({
        "type": st.just("timer.set"), "action": st.just("start"), "seconds": st.just(60),
    }),
    st.fixed_dictionaries({
        "type": st.just("notes.update"),
        "doc": st.sampled_from(["board", "card:c0", "card:c1"]),
        "update": st.builds(_notes_update, st.sampled_from(["Hallo", "Actie: bellen"]),
                            st.integers(1, 50)),
    }),
)  # fmt: skip


@st.composite
def boards(draw: st.DrawFn) -> BoardState:
    """A board built by random valid ops of random actors through the reducer."""
    cast = draw(actors())
    state = BoardState("b1")
    n = draw(st.integers(min_value=0, max_value=60))
    for seq in range(1, n + 1):
        actor, role = draw(st.sampled_from(cast))
        wire = draw(st.one_of(OPS, EXTRA_OPS))
        event = Event(
            seq=seq, op_id=f"{actor}-{seq}", actor=actor, name=actor.upper(), role=role,
            at=1_700_000_000_000 + seq, op=op(wire),
        )  # fmt: skip
        apply(state, event)
    return state


def _round_trip(state: BoardState) -> BoardState:
    doc = document.build(to_wire(state), view="full", exported_at=1)
    raw = document.dumps(doc)
    return document.read_state(document.loads(raw), "b2", 7)


def _without_id(form: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in form.items() if k not in ("board", "seq")}


@settings(max_examples=150, deadline=None)
@given(boards())
def test_export_then_import_gives_the_same_board(state: BoardState) -> None:
    back = _round_trip(state)
    assert back.board == "b2" and back.seq == 7
    assert _without_id(to_wire(back)) == _without_id(to_wire(state))
    assert back.held == state.held
    for doc, notes in state.notes.items():
        assert back.notes[doc].text() == notes.text()


def _sample() -> dict[str, Any]:
    state = BoardState("b1")
    wires: list[dict[str, Any]] = [
        {"type": "section.add", "id": "s1", "title": "Vraag", "pos": "a0"},
        {"type": "card.add", "id": "c1", "title": "Idee", "section": "s1"},
        {"type": "comment.add", "id": "m1", "card": "c1", "body": "Ja"},
        {"type": "vote.cast", "card": "c1"},
        {"type": "reaction.set", "card": "c1", "emoji": "👍", "on": True},
        {"type": "notes.update", "doc": "board", "update": _notes_update("Notitie", 9)},
    ]
    for seq, wire in enumerate(wires, start=1):
        apply(state, Event(seq=seq, op_id=f"o{seq}", actor="ann", name="Ann",
                           role="facilitator", at=seq, op=op(wire)))  # fmt: skip
    out: dict[str, Any] = json.loads(
        document.dumps(document.build(to_wire(state), view="full", exported_at=1))
    )
    return out


def _refused(doc: Any, code: str, words: str) -> None:
    raw = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    with pytest.raises(BadDocument) as info:
        document.read_state(document.loads(raw), "b2", 1)
    assert info.value.code == code, info.value.message
    assert words in info.value.message


def test_the_sample_reads() -> None:
    state = document.read_state(document.loads(json.dumps(_sample()).encode()), "b2", 1)
    assert state.cards["c1"].title == "Idee" and state.notes["board"].text() == "Notitie"


def test_a_newer_format_version_is_refused() -> None:
    _refused({**_sample(), "version": 2}, "too_new", "upgrade the server")
    _refused({**_sample(), "form": 99}, "too_new", "upgrade the server")


def test_corrupt_and_truncated_files_are_refused() -> None:
    raw = json.dumps(_sample()).encode()
    _refused(raw[: len(raw) // 2], "corrupt", "not a JSON file")
    _refused(b"\xff\xfe garbage", "corrupt", "not a JSON file")
    _refused({"format": "trello", "version": 1}, "corrupt", "not a Prikbord board export")
    _refused({**_sample(), "version": "1"}, "corrupt", "no valid version")
    _refused({k: v for k, v in _sample().items() if k != "state"}, "corrupt", "no board state")


@pytest.mark.parametrize(
    ("path", "value", "words"),
    [
        (("cards", "c1", "title"), "x" * 201, "cards.c1.title"),
        (("cards", "c1", "color"), "mauve", "cards.c1.color"),
        (("cards", "c1", "url"), "javascript:alert(1)", "cards.c1.url"),
        (("cards", "c1", "pos"), "!!", "cards.c1.pos"),
        (("cards", "c1", "x"), -5, "cards.c1.x"),
        (("cards", "c1", "status"), "weird", "cards.c1.status"),
        (("cards", "c1", "title"), "bell\x07", "control characters"),
        (("cards", "c1", "shape"), "round", "unknown fields shape"),
        (("comments", "m1", "card"), "nope", "no such card"),
        (("settings", "layout"), "spiral", "settings.layout"),
        (("settings", "vote_budget"), 1000, "settings.vote_budget"),
        (("settings", "title"), "", "settings.title"),
        (("votes", "c1", "ann"), -1, "a vote count"),
        (("reactions", "c1", "🦄"), ["ann"], "not a reaction"),
        (("notes", "board"), "!!!notbase64", "not base64"),
        (("notes", "board"), base64.b64encode(b"\x05\x01\x02garbage").decode(), "Yjs"),
        (("notes", "evil"), "", "not a notes document"),
        (("secrets",), {}, "unknown fields secrets"),
    ],
)
def test_invalid_fields_are_refused(path: tuple[str, ...], value: Any, words: str) -> None:
    doc = copy.deepcopy(_sample())
    target = doc["state"]
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    _refused(doc, "invalid", words)


def test_a_bad_card_id_is_refused() -> None:
    doc = _sample()
    doc["state"]["cards"]["bad id!"] = doc["state"]["cards"]["c1"]
    _refused(doc, "invalid", "cards id")


@settings(max_examples=100, deadline=None)
@given(boards(), st.sampled_from(["participant", "viewer"]))
def test_a_roles_export_reads_back_as_its_projection(state: BoardState, role: Role) -> None:
    """What a participant or viewer link exports (the projection) is a board
    an import takes, and it holds nothing the projection does not."""
    seen = project(state, Viewer(role))
    back = document.read_state(
        document.loads(document.dumps(document.build(seen, view=role, exported_at=1))), "b2", 7
    )
    assert _without_id(to_wire(back)) == _without_id(to_wire(from_wire(seen)))
    assert set(back.cards) <= set(state.cards) and set(back.comments) <= set(state.comments)
