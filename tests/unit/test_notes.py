"""Session notes (protocol/notes.py): the Yjs documents in the board state,
the op and its frame, the checks before logging, who sees which document,
and the Markdown export."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pycrdt import Doc, Text

from protocol import codec, limits
from protocol.errors import ErrorCode, ProtocolError
from protocol.messages import Event, OpMsg, Role
from protocol.model import BoardState, from_wire, to_wire
from protocol.notes import (
    NotesDoc,
    action_items,
    check_update,
    decode_state_vector,
    to_markdown,
)
from protocol.ops import NotesUpdate, ViewPatch
from protocol.policy import check
from protocol.reducer import apply
from protocol.visibility import RAW, Change, Viewer, pick, project
from server.notes import notes_refusal

FAC = Viewer("facilitator", "fac")
P1 = Viewer("participant", "p1")
P2 = Viewer("participant", "p2")
SCREEN = Viewer("viewer", "")
_ROLES: dict[str, Role] = {"fac": "facilitator", "p1": "participant", "p2": "participant"}


class Typist:
    """A person with a Yjs document of their own: each edit gives an update."""

    def __init__(self, client_id: int) -> None:
        self.doc: Doc[Any] = Doc(client_id=client_id)
        self.text = self.doc.get("notes", type=Text)

    def type(self, index: int, chars: str) -> bytes:
        before = self.doc.get_state()
        self.text.insert(index, chars)
        return self.doc.get_update(before)

    def delete(self, index: int, length: int) -> bytes:
        before = self.doc.get_state()
        del self.text[index : index + length]
        return self.doc.get_update(before)

    def receive(self, update: bytes) -> None:
        self.doc.apply_update(update)


def _ev(seq: int, actor: str, op: dict[str, Any], role: Role | None = None) -> Event:
    return Event(seq=seq, op_id=f"o{seq}", actor=actor, name=actor.upper(),
                 role=role or _ROLES[actor], at=1000 * seq, op=codec.op_from_wire(op))  # fmt: skip


def _notes(update: bytes, doc: str = "board") -> dict[str, Any]:
    return {"type": "notes.update", "doc": doc, "update": update}


def _run(state: BoardState, *events: tuple[str, dict[str, Any]]) -> BoardState:
    for actor, op in events:
        apply(state, _ev(state.seq + 1, actor, op))
    return state


# --- the document ------------------------------------------------------------


def test_two_people_typing_into_the_same_paragraph_keep_both_their_characters() -> None:
    ann, bob = Typist(1), Typist(2)
    start = ann.type(0, "Decisions: ")
    bob.receive(start)
    a = ann.type(11, "ship it")  # both type at the same spot, unaware of each other
    b = bob.type(11, "wait")
    one, two = BoardState("b"), BoardState("b")
    _run(one, ("p1", _notes(start)), ("p1", _notes(a)), ("p2", _notes(b)))
    _run(two, ("p1", _notes(start)), ("p2", _notes(b)), ("p1", _notes(a)))
    text = one.notes["board"].text()
    assert "ship it" in text and "wait" in text and text.startswith("Decisions: ")
    # The same text whatever the order; the same log order gives the same
    # snapshot bytes (how runs of characters are packed depends on the order,
    # which the log fixes for every replica).
    assert two.notes["board"].text() == text
    three = _run(BoardState("b"), ("p1", _notes(start)), ("p1", _notes(a)), ("p2", _notes(b)))
    assert to_wire(three)["notes"] == to_wire(one)["notes"]


def test_the_snapshot_holds_the_merged_document_and_loads_back() -> None:
    ann = Typist(1)
    state = _run(BoardState("b"), ("p1", _notes(ann.type(0, "hello"))))
    for _ in range(200):  # typing and deleting one character at a time
        apply(state, _ev(state.seq + 1, "p1", _notes(ann.type(5, "x"))))
        apply(state, _ev(state.seq + 1, "p1", _notes(ann.delete(5, 1))))
    wire = to_wire(state)
    assert isinstance(wire["notes"]["board"], bytes)
    # 400 updates, but the merged state stays about the size of the text.
    assert len(wire["notes"]["board"]) < 200
    again = from_wire(codec.unpack(codec.pack(wire)))
    assert again.notes["board"].text() == "hello"
    assert to_wire(again) == wire


def test_a_board_without_notes_keeps_the_snapshot_form_it_had() -> None:
    assert "notes" not in to_wire(BoardState("b"))
    assert "notes" not in project(BoardState("b"), P1)


def test_a_replica_copy_copies_its_notes() -> None:
    state = _run(BoardState("b"), ("p1", _notes(Typist(1).type(0, "x"))))
    twin = copy.deepcopy(state)
    apply(twin, _ev(2, "p2", _notes(Typist(2).type(0, "y"))))
    assert state.notes["board"].text() == "x" and twin.notes["board"].text() in ("xy", "yx")


# --- who may write -------------------------------------------------------------


def test_viewers_locked_boards_and_removed_actors_change_nothing() -> None:
    state = _run(BoardState("b"), ("p1", _notes(Typist(1).type(0, "keep"))))
    update = Typist(2).type(0, "NO ")
    op = NotesUpdate.model_validate(_notes(update))
    assert check(state, op, "v", "viewer") is not None
    apply(state, _ev(2, "v", _notes(update), role="viewer"))
    _run(state, ("fac", {"type": "board.set", "locked": True}), ("p2", _notes(update)))
    assert state.notes["board"].text() == "keep"
    assert check(state, op, "fac", "facilitator") is None  # facilitators write on
    unlock = {"type": "board.set", "locked": False}
    remove = {"type": "participant.remove", "actor": "p2"}
    _run(state, ("fac", unlock), ("fac", remove), ("p2", _notes(update)))
    assert state.notes["board"].text() == "keep"


def test_a_card_description_needs_a_card_the_sender_sees_and_goes_with_it() -> None:
    desc = Typist(1).type(0, "longer text")
    state = BoardState("b")
    refused = check(state, NotesUpdate.model_validate(_notes(desc, "card:c1")), "p1", "participant")
    assert refused is not None and refused.code == ErrorCode.NOT_FOUND
    _run(state, ("p1", {"type": "card.add", "id": "c1", "title": "idea"}),
         ("p2", _notes(desc, "card:c1")))  # fmt: skip  # anyone who sees the card
    assert state.notes["card:c1"].text() == "longer text"
    _run(state, ("p1", {"type": "card.delete", "id": "c1"}))
    assert "card:c1" not in state.notes


# --- checks before logging -------------------------------------------------------


def test_check_update_refuses_garbage_missing_dependencies_and_oversize() -> None:
    ann = Typist(1)
    first = ann.type(0, "one ")
    second = ann.type(4, "two")
    doc = NotesDoc(first)
    assert check_update(doc, second, max_doc=1000, max_update=1000) is None
    for bad in (b"\x00", b"\xff\xff\xff\xff", b"not yjs at all"):
        refusal = check_update(doc, bad, max_doc=1000, max_update=1000)
        assert refusal is not None and refusal.code == ErrorCode.INVALID
    missing = check_update(None, second, max_doc=1000, max_update=1000)  # needs "one "
    assert missing is not None and "depends on" in missing.message
    big = Typist(2).type(0, "x" * 500)
    full = check_update(doc, big, max_doc=100, max_update=1000)
    assert full is not None and full.code == ErrorCode.BOARD_FULL
    over = check_update(doc, big, max_doc=10_000, max_update=100)
    assert over is not None and over.code == ErrorCode.INVALID
    assert doc.text() == "one "  # a trial merge: the document is untouched


def test_the_server_check_counts_card_descriptions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_DESCRIPTIONS", 1)
    state = _run(BoardState("b"), ("p1", {"type": "card.add", "id": "c1", "title": "a"}),
                 ("p1", {"type": "card.add", "id": "c2", "title": "b"}),
                 ("p1", _notes(Typist(1).type(0, "d"), "card:c1")))  # fmt: skip
    second = NotesUpdate.model_validate(_notes(Typist(2).type(0, "e"), "card:c2"))
    refusal = notes_refusal(state, second)
    assert refusal is not None and refusal.code == ErrorCode.BOARD_FULL
    more = NotesUpdate.model_validate(_notes(Typist(3).type(0, "f"), "card:c1"))
    assert notes_refusal(state, more) is None  # the existing one grows on


def test_state_vectors_decode() -> None:
    ann = Typist(7)
    ann.type(0, "abc")
    assert decode_state_vector(ann.doc.get_state()) == {7: 3}
    with pytest.raises(ValueError):
        decode_state_vector(b"\x02\x01")


# --- the frame -------------------------------------------------------------------


def test_binary_is_legal_only_as_a_notes_update() -> None:
    update = Typist(1).type(0, "hi")
    msg = codec.decode_client(codec.pack({"t": "op", "id": "n1", "op": _notes(update)}))
    assert isinstance(msg, OpMsg) and isinstance(msg.op, NotesUpdate)
    assert msg.op.update == update
    for frame in (
        {"t": "op", "id": "n2", "op": {**_notes(update), "doc": b"board"}},
        {"t": "op", "id": "n3", "op": {"type": "card.add", "id": "c", "title": "t", "x": b"1"}},
        {"t": "op", "id": "n4", "op": _notes(update), "extra": b"x"},
        {"t": "ping", "n": 1, "update": update},
    ):
        with pytest.raises(ProtocolError) as info:
            codec.decode_client(codec.pack(frame))
        assert info.value.code == ErrorCode.BAD_FRAME


@pytest.mark.parametrize(
    "op",
    [
        {"type": "notes.update", "doc": "board", "update": "text, not bytes"},
        {"type": "notes.update", "doc": "board", "update": b""},
        {"type": "notes.update", "doc": "board", "update": b"x" * (limits.MAX_NOTES_UPDATE + 1)},
        {"type": "notes.update", "doc": "card:", "update": b"x"},
        {"type": "notes.update", "doc": "cards", "update": b"x"},
        {"type": "notes.update", "update": b"x"},
    ],
    ids=["str", "empty", "too-large", "no-card", "bad-doc", "no-doc"],
)
def test_bad_notes_ops_are_invalid_with_their_op_id(op: dict[str, Any]) -> None:
    with pytest.raises(ProtocolError) as info:
        codec.decode_client(codec.pack({"t": "op", "id": "n9", "op": op}))
    assert info.value.code == ErrorCode.INVALID and info.value.op_id == "n9"


def test_a_notes_event_round_trips_through_the_stored_form() -> None:
    update = Typist(1).type(0, "hi")
    op = NotesUpdate.model_validate(_notes(update))
    head, tail = codec.event_parts(op_id="o", actor="a", name="A", role="participant", at=5, op=op)
    event = codec.decode_event(codec.seal_event(head, 3, tail))
    assert event.op == op


# --- who sees what -------------------------------------------------------------------


def _moderated() -> BoardState:
    """Approval on; p1's card c1 waits, c2 is visible."""
    return _run(BoardState("b"), ("fac", {"type": "card.add", "id": "c2", "title": "open"}),
                ("fac", {"type": "board.set", "approval": True}),
                ("p1", {"type": "card.add", "id": "c1", "title": "waits"}))  # fmt: skip


def _variants(state: BoardState, actor: str, op: dict[str, Any]) -> dict[Viewer, Any]:
    event = _ev(state.seq + 1, actor, op)
    change = Change.before(state, event)
    apply(state, event)
    variants = change.variants(state)
    return {v: pick(variants, v) for v in (FAC, P1, P2, SCREEN)}


def test_the_boards_notes_go_out_raw_to_everyone_even_on_a_moderated_board() -> None:
    state = _moderated()
    got = _variants(state, "p2", _notes(Typist(1).type(0, "minutes")))
    assert set(got.values()) == {RAW}
    for viewer in (P1, P2, SCREEN):
        assert project(state, viewer)["notes"]["board"] == state.notes["board"].state()


def test_a_description_follows_its_cards_visibility() -> None:
    state = _moderated()
    got = _variants(state, "p1", _notes(Typist(1).type(0, "why"), "card:c1"))
    assert got[P2] is None and got[SCREEN] is None  # a placeholder: no id, no text
    assert got[FAC] == RAW
    own = got[P1]
    assert isinstance(own, ViewPatch) and set(own.notes or {}) == {"card:c1"}
    assert "card:c1" not in project(state, P2).get("notes", {})
    # A visible card's description on a moderated board: a patch with the update.
    update = Typist(2).type(0, "ok")
    got = _variants(state, "p2", _notes(update, "card:c2"))
    assert got[FAC] == RAW
    assert isinstance(got[SCREEN], ViewPatch) and got[SCREEN].notes == {"card:c2": update}
    # Approving the card brings its description into the room's view, whole.
    got = _variants(state, "fac", {"type": "card.moderate", "id": "c1", "action": "approve"})
    patch = got[P2]
    assert isinstance(patch, ViewPatch) and patch.notes == {
        "card:c1": state.notes["card:c1"].state()
    }


def test_an_update_from_a_removed_actor_is_a_placeholder_where_replicas_would_apply_it() -> None:
    state = _run(BoardState("b"), ("fac", {"type": "participant.remove", "actor": "p2"}))
    got = _variants(state, "p2", _notes(Typist(1).type(0, "sneaky")))
    assert got[FAC] == RAW  # a facilitator's replica knows p2 is removed
    assert got[P1] is None and got[SCREEN] is None
    assert "notes" not in to_wire(state)


# --- Markdown --------------------------------------------------------------------------


def test_markdown_export_and_action_items() -> None:
    ann = Typist(1)
    text = "## Decided\n- ship Friday\n\n## Actions\n- [ ] send slides @Anna\n- [x] book room\n"
    notes = {"board": NotesDoc(ann.type(0, text)), "card:c1": NotesDoc(Typist(2).type(0, "ctx"))}
    md = to_markdown("Kick-off\nday", notes, {"c1": "Idea"})
    assert md.startswith("# Kick-off day\n\n## Decided\n- ship Friday")
    assert md.endswith("## Card descriptions\n\n### Idea\n\nctx\n")
    first, second = action_items(text)
    assert (first.done, first.text, first.assignee) == (False, "send slides @Anna", "Anna")
    assert (second.done, second.assignee) == (True, "")
    assert to_markdown("Empty", {}) == "# Empty\n"


# --- presence ---------------------------------------------------------------------------


def test_focus_carries_a_notes_cursor_and_bounds_it() -> None:
    msg = codec.decode_client(
        codec.pack({"t": "focus", "card": None, "notes": "board", "cursor": "AQID BAUG"})
    )
    assert (getattr(msg, "notes", None), getattr(msg, "cursor", None)) == ("board", "AQID BAUG")
    for bad in (
        {"t": "focus", "notes": "nowhere"},
        {"t": "focus", "notes": "board", "cursor": "x" * (limits.MAX_CURSOR + 1)},
        {"t": "focus", "notes": "board", "cursor": "<script>"},
    ):
        with pytest.raises(ProtocolError) as info:
            codec.decode_client(codec.pack(bad))
        assert info.value.code == ErrorCode.INVALID


def test_a_notes_update_waits_for_the_senders_previous_one_to_the_same_document() -> None:
    from protocol.depends import Pending, touches

    first = NotesUpdate.model_validate(_notes(Typist(1).type(0, "a")))
    pending = Pending()
    pending.acked(touches(first), 7, applied=5)
    # The server's check merges into the document as applied: it needs seq 7.
    assert pending.wait_for(touches(first)) == 7
    other = NotesUpdate.model_validate(_notes(Typist(2).type(0, "b"), "card:c1"))
    assert pending.wait_for(touches(other)) == 0
