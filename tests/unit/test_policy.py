"""The permission table: which role may send which op, before object checks."""

from __future__ import annotations

import pytest

from protocol import limits
from protocol.errors import ErrorCode
from protocol.messages import ROLES, Role
from protocol.model import BoardState
from protocol.ops import OP_TYPES
from protocol.policy import Rejection, check, may_write
from protocol.reducer import apply
from tests.unit._support import SAMPLE_OPS, ev, op, run

#: Who may send each op type on a board where every object exists and is theirs.
ALLOWED: dict[str, frozenset[Role]] = {
    "board.set": frozenset({"facilitator"}),
    "section.add": frozenset({"facilitator"}),
    "section.set": frozenset({"facilitator"}),
    "section.delete": frozenset({"facilitator"}),
    "posts.delete": frozenset({"facilitator"}),
    **{
        t: frozenset({"participant", "facilitator"})
        for t in (
            "card.add", "card.set", "card.move", "card.delete", "comment.add",
            "comment.delete", "reaction.set", "vote.cast", "vote.retract", "notes.update",
        )
    },
    **{
        t: frozenset({"facilitator"})
        for t in (
            "card.moderate", "comment.moderate", "participant.remove", "participant.restore",
            "timer.set", "spotlight.set", "round.open", "round.close",
        )
    },
}  # fmt: skip


def test_table_covers_every_op_type() -> None:
    assert set(ALLOWED) == OP_TYPES


def _board_owned_by(actor: str, role: Role) -> BoardState:
    """s1 and c1 exist and are ``actor``'s own; the actor has one vote on c1;
    the ids that SAMPLE_OPS create (s1, c1, m1) are then freed for the add ops."""
    return run([
        ev(1, {"type": "section.add", "id": "s1", "title": "S", "pos": "a0"}, "f", "facilitator"),
        ev(2, {"type": "card.add", "id": "c1", "title": "T"}, actor, role),
        ev(3, {"type": "comment.add", "id": "m1", "card": "c1", "body": "b"}, actor, role),
        ev(4, {"type": "vote.cast", "card": "c1"}, actor, role),
        # A round is open (round.close applies) and bob is removed (restore applies).
        ev(5, {"type": "round.open"}, "f", "facilitator"),
        ev(6, {"type": "participant.remove", "actor": "bob"}, "f", "facilitator"),
    ])  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("op_type", sorted(OP_TYPES))
def test_permission_table(role: Role, op_type: str) -> None:
    author_role: Role = "facilitator" if role == "viewer" else role
    state = _board_owned_by("me", author_role)
    wire = dict(SAMPLE_OPS[op_type])
    if op_type.endswith(".add"):  # use a fresh id so only permission decides
        wire["id"] = "fresh"
    result = check(state, op(wire), "me", role)
    if role in ALLOWED[op_type]:
        assert result is None, result
    else:
        assert result is not None and result.code == ErrorCode.FORBIDDEN


@pytest.mark.parametrize("op_type", ["card.set", "card.move", "card.delete", "comment.delete"])
def test_only_author_or_facilitator_changes_an_object(op_type: str) -> None:
    state = _board_owned_by("ann", "participant")
    the_op = op(SAMPLE_OPS[op_type])
    assert check(state, the_op, "ann", "participant") is None
    assert check(state, the_op, "f", "facilitator") is None
    other = check(state, the_op, "bob", "participant")
    assert other is not None and other.code == ErrorCode.FORBIDDEN


def test_may_write() -> None:
    assert [may_write(r) for r in ROLES] == [False, True, True]


@pytest.mark.parametrize(
    ("wire", "code"),
    [
        ({"type": "section.add", "id": "s1", "title": "x", "pos": "a0"}, ErrorCode.EXISTS),
        ({"type": "section.set", "id": "s9", "title": "x"}, ErrorCode.NOT_FOUND),
        ({"type": "section.delete", "id": "s9"}, ErrorCode.NOT_FOUND),
        ({"type": "card.add", "id": "c1", "title": "x"}, ErrorCode.EXISTS),
        ({"type": "card.set", "id": "c9", "title": "x"}, ErrorCode.NOT_FOUND),
        ({"type": "card.move", "id": "c9", "x": 1}, ErrorCode.NOT_FOUND),
        ({"type": "card.delete", "id": "c9"}, ErrorCode.NOT_FOUND),
        ({"type": "comment.add", "id": "m1", "card": "c1", "body": "x"}, ErrorCode.EXISTS),
        ({"type": "comment.add", "id": "m2", "card": "c9", "body": "x"}, ErrorCode.NOT_FOUND),
        ({"type": "comment.delete", "id": "m9"}, ErrorCode.NOT_FOUND),
        ({"type": "reaction.set", "card": "c9", "emoji": "👍", "on": True}, ErrorCode.NOT_FOUND),
        ({"type": "vote.cast", "card": "c9"}, ErrorCode.NOT_FOUND),
        ({"type": "vote.retract", "card": "c9"}, ErrorCode.NOT_FOUND),
    ],
    ids=lambda v: str(v["type"]) if isinstance(v, dict) else str(v),
)
def test_object_rejections_have_codes(wire: dict[str, object], code: ErrorCode) -> None:
    state = _board_owned_by("f", "facilitator")
    result = check(state, op(wire), "f", "facilitator")
    assert isinstance(result, Rejection) and result.code == code and result.message


def test_vote_budget_rejection() -> None:
    state = _board_owned_by("ann", "participant")
    state.settings.vote_budget = 1
    result = check(state, op({"type": "vote.cast", "card": "c1"}), "ann", "participant")
    assert result is not None and result.code == ErrorCode.VOTE_BUDGET
    assert check(state, op({"type": "vote.cast", "card": "c1"}), "dora", "participant") is None


def test_board_full_rejection(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_CARDS", 1)
    state = _board_owned_by("ann", "participant")
    result = check(state, op({"type": "card.add", "id": "c2", "title": "x"}), "ann", "participant")
    assert result is not None and result.code == ErrorCode.BOARD_FULL
    assert result.message == "a board holds at most 1 cards"


def test_deleted_objects_make_room_until_the_hard_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_CARDS", 1)
    monkeypatch.setattr(limits, "MAX_CARD_ENTRIES", 2)
    state = _board_owned_by("ann", "participant")
    apply(state, ev(7, {"type": "card.delete", "id": "c1"}, "ann"))
    add = op({"type": "card.add", "id": "c2", "title": "x"})
    assert check(state, add, "ann", "participant") is None  # the tombstone does not count
    apply(state, ev(8, {"type": "card.add", "id": "c2", "title": "x"}, "ann"))
    apply(state, ev(9, {"type": "card.delete", "id": "c2"}, "ann"))
    result = check(state, op({"type": "card.add", "id": "c3", "title": "x"}), "ann", "participant")
    assert result is not None and result.code == ErrorCode.BOARD_FULL
    assert result.message == "a board holds at most 2 cards, deleted ones included"


def test_posts_delete_needs_a_match() -> None:
    state = _board_owned_by("ann", "participant")
    for wire, expected in (
        ({"type": "posts.delete", "author": "ann"}, None),
        ({"type": "posts.delete", "since": 0}, None),
        ({"type": "posts.delete", "author": "bob"}, ErrorCode.NOT_FOUND),
        ({"type": "posts.delete", "since": 2**52}, ErrorCode.NOT_FOUND),
    ):
        result = check(state, op(wire), "fran", "facilitator")
        assert (result and result.code) == expected, wire


def test_deleted_objects_are_not_found() -> None:
    state = _board_owned_by("ann", "participant")
    for seq, wire in enumerate(
        [{"type": "comment.delete", "id": "m1"}, {"type": "card.delete", "id": "c1"}], start=10
    ):
        apply(state, ev(seq, wire, "ann"))
    for wire in (SAMPLE_OPS["card.set"], SAMPLE_OPS["comment.delete"], SAMPLE_OPS["vote.cast"]):
        result = check(state, op(wire), "f", "facilitator")
        assert result is not None and result.code == ErrorCode.NOT_FOUND


@pytest.mark.parametrize(
    ("change", "allowed"),
    [
        ({"title": ""}, True),  # the body still holds content
        ({"title": "", "body": ""}, False),  # nothing left
        ({"kind": "link"}, False),  # a link card without a url
        ({"kind": "link", "url": "https://example.org"}, True),
    ],
)
def test_card_edit_keeps_what_card_add_demands(change: dict[str, str], allowed: bool) -> None:
    state = run(
        [ev(1, {"type": "card.add", "id": "c1", "title": "T", "body": "B"}, "a", "participant")]
    )
    rejection = check(state, op({"type": "card.set", "id": "c1", **change}), "a", "participant")
    assert (rejection is None) is allowed
    if not allowed:
        assert rejection is not None and rejection.code == ErrorCode.INVALID
        after = apply(state, ev(2, {"type": "card.set", "id": "c1", **change}, "a", "participant"))
        assert after.cards["c1"].title == "T"  # the reducer refuses it too: a no-op
