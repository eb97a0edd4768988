"""The reducer: every op type, LWW by seq, tombstones, ownership, votes, caps."""

from __future__ import annotations

from typing import Any

import pytest

from protocol import limits
from protocol.messages import Role
from protocol.model import BoardState, Card, Comment, Section, from_wire, to_wire
from protocol.reducer import apply, replay
from tests.unit._support import ev, run

ADD: dict[str, Any] = {"type": "card.add", "id": "c1", "title": "Idee"}
FAC: Role = "facilitator"


def _add(card: str = "c1", **fields: Any) -> dict[str, Any]:
    return {"type": "card.add", "id": card, "title": f"title {card}", **fields}


def test_initial_state() -> None:
    state = BoardState("b1")
    assert to_wire(state) == {
        "board": "b1", "seq": 0,
        "settings": {"title": "Untitled board", "layout": "wall", "theme": "light",
                     "vote_budget": limits.DEFAULT_VOTE_BUDGET, "approval": False,
                     "locked": False, "hide_cards": False, "anonymous": "off",
                     "filter": False, "words": []},
        "sections": {}, "cards": {}, "comments": {}, "reactions": {}, "votes": {},
        "session": {"timer_duration": 0, "timer_ends_at": 0, "timer_remaining": 0,
                    "spotlight_kind": "", "spotlight_id": "", "round": 0,
                    "round_open": False},
        "removed": [],
    }  # fmt: skip


def test_board_set_partial_fields() -> None:
    state = run([
        ev(1, {"type": "board.set", "title": "Hub Delft", "layout": "grid"}, "f", FAC),
        ev(2, {"type": "board.set", "theme": "contrast", "vote_budget": 0}, "f", FAC),
    ])  # fmt: skip
    s = state.settings
    assert (s.title, s.layout, s.theme, s.vote_budget) == ("Hub Delft", "grid", "contrast", 0)


def test_section_lifecycle() -> None:
    state = run([
        ev(1, {"type": "section.add", "id": "s1", "title": "Vraag", "pos": "a0"}, "f", FAC),
        ev(2, {"type": "section.set", "id": "s1", "pos": "a1"}, "f", FAC),
        ev(3, {"type": "section.set", "id": "s1", "title": "Aanbod"}, "f", FAC),
    ])  # fmt: skip
    assert state.sections["s1"] == Section(id="s1", title="Aanbod", pos="a1")
    apply(state, ev(4, _add(section="s1"), "ann"))
    apply(state, ev(5, {"type": "section.delete", "id": "s1"}, "f", FAC))
    assert state.sections["s1"] == Section(id="s1", deleted=True)
    assert state.cards["c1"].section == "s1"  # the card stays; shown under "no section"
    apply(state, ev(6, {"type": "section.set", "id": "s1", "title": "back"}, "f", FAC))
    readd = {"type": "section.add", "id": "s1", "title": "again", "pos": "a0"}
    apply(state, ev(7, readd, "f", FAC))
    assert state.sections["s1"] == Section(id="s1", deleted=True)
    assert state.seq == 7


def test_card_add_fills_author_and_times() -> None:
    state = run([ev(1, _add(kind="question", color="green", x=5, y=6), "ann", at=1234)])
    assert state.cards["c1"] == Card(
        id="c1", kind="question", title="title c1", color="green", x=5, y=6,
        author="ann", author_name="Ann", created_at=1234, updated_at=1234,
    )  # fmt: skip


def test_card_set_and_move_last_writer_wins_by_seq() -> None:
    state = run([
        ev(1, {"type": "section.add", "id": "s9", "title": "S", "pos": "a0"}, "f", FAC),
        ev(2, _add(url="https://a.nl"), "ann", at=10),
        ev(3, {"type": "card.set", "id": "c1", "title": "first", "color": "pink"}, "ann", at=20),
        ev(4, {"type": "card.set", "id": "c1", "title": "second"}, "f", FAC, at=30),
        ev(5, {"type": "card.set", "id": "c1", "url": ""}, "ann", at=40),
        ev(6, {"type": "card.move", "id": "c1", "section": "s9", "pos": "a5", "x": 7}, "ann"),
        ev(7, {"type": "card.move", "id": "c1", "y": 8}, "f", FAC, at=60),
        ev(8, {"type": "card.move", "id": "c1", "section": ""}, "ann", at=70),
    ])  # fmt: skip
    card = state.cards["c1"]
    assert (card.title, card.color, card.url) == ("second", "pink", "")
    assert (card.section, card.pos, card.x, card.y) == ("", "a5", 7, 8)
    assert (card.created_at, card.updated_at, card.author) == (10, 70, "ann")


def test_card_delete_leaves_tombstone_and_clears_votes_and_reactions() -> None:
    state = run([
        ev(1, _add(), "ann", at=5),
        ev(2, {"type": "vote.cast", "card": "c1"}, "bob"),
        ev(3, {"type": "reaction.set", "card": "c1", "emoji": "🎉", "on": True}, "bob"),
        ev(4, {"type": "card.delete", "id": "c1"}, "ann"),
    ])  # fmt: skip
    assert state.cards["c1"] == Card(id="c1", deleted=True, created_at=5)
    assert state.live_card("c1") is None
    assert state.votes == {} and state.reactions == {}


@pytest.mark.parametrize(
    "late",
    [
        {"type": "card.set", "id": "c1", "title": "zombie"},
        {"type": "card.move", "id": "c1", "x": 99},
        {"type": "card.delete", "id": "c1"},
        {"type": "comment.add", "id": "m9", "card": "c1", "body": "hi"},
        {"type": "reaction.set", "card": "c1", "emoji": "👍", "on": True},
        {"type": "vote.cast", "card": "c1"},
        {"type": "vote.retract", "card": "c1"},
        _add(),
    ],
    ids=lambda o: str(o["type"]),
)
def test_ops_after_delete_are_no_ops(late: dict[str, Any]) -> None:
    state = run([ev(1, _add(), "ann"), ev(2, {"type": "card.delete", "id": "c1"}, "ann")])
    before = to_wire(state)
    apply(state, ev(3, late, "f", FAC))
    after = to_wire(state)
    assert after["seq"] == 3
    assert {**after, "seq": 2} == before


def test_re_add_with_same_id_is_a_no_op() -> None:
    state = run([ev(1, _add(), "ann"), ev(2, {**ADD, "title": "other"}, "bob")])
    assert state.cards["c1"].title == "title c1" and state.cards["c1"].author == "ann"


def test_comments() -> None:
    state = run([
        ev(1, _add(), "ann"),
        ev(2, {"type": "comment.add", "id": "m1", "card": "c1", "body": "ja!"}, "bob", at=9),
        ev(3, {"type": "comment.add", "id": "m2", "card": "nope", "body": "x"}, "bob"),
        ev(4, {"type": "comment.add", "id": "m1", "card": "c1", "body": "dup"}, "ann"),
    ])  # fmt: skip
    assert state.comments == {
        "m1": Comment(id="m1", card="c1", body="ja!", author="bob", author_name="Bob",
                      created_at=9),
    }  # fmt: skip
    apply(state, ev(5, {"type": "comment.delete", "id": "m1"}, "ann"))  # not the author
    assert not state.comments["m1"].deleted
    apply(state, ev(6, {"type": "comment.delete", "id": "m1"}, "bob"))
    assert state.comments["m1"] == Comment(id="m1", card="c1", deleted=True)
    apply(state, ev(7, {"type": "comment.add", "id": "m1", "card": "c1", "body": "again"}, "bob"))
    assert state.comments["m1"].deleted
    apply(state, ev(8, {"type": "comment.delete", "id": "m1"}, "f", FAC))
    assert state.seq == 8


def test_facilitator_deletes_others_comment() -> None:
    state = run([
        ev(1, _add(), "ann"),
        ev(2, {"type": "comment.add", "id": "m1", "card": "c1", "body": "x"}, "bob"),
        ev(3, {"type": "comment.delete", "id": "m1"}, "f", FAC),
    ])  # fmt: skip
    assert state.comments["m1"].deleted


@pytest.mark.parametrize(
    "edit",
    [
        {"type": "card.set", "id": "c1", "title": "hijack"},
        {"type": "card.move", "id": "c1", "x": 1},
        {"type": "card.delete", "id": "c1"},
    ],
    ids=lambda o: str(o["type"]),
)
def test_ownership(edit: dict[str, Any]) -> None:
    base = [ev(1, _add(), "ann")]
    assert to_wire(run([*base, ev(2, edit, "bob")]))["cards"] == to_wire(run(base))["cards"]
    as_viewer = run([*base, ev(2, edit, "ann", "viewer")])
    assert to_wire(as_viewer)["cards"] == to_wire(run(base))["cards"]
    by_author = to_wire(run([*base, ev(2, edit, "ann")]))["cards"]
    by_facilitator = to_wire(run([*base, ev(2, edit, "f", FAC)]))["cards"]
    assert by_author != to_wire(run(base))["cards"]
    assert by_facilitator == by_author


@pytest.mark.parametrize(
    "wire",
    [
        {"type": "board.set", "title": "x"},
        {"type": "section.add", "id": "s1", "title": "x", "pos": "a0"},
        _add(),
        {"type": "comment.add", "id": "m1", "card": "c0", "body": "x"},
        {"type": "reaction.set", "card": "c0", "emoji": "👍", "on": True},
        {"type": "vote.cast", "card": "c0"},
    ],
    ids=lambda o: str(o["type"]),
)
def test_viewer_changes_nothing(wire: dict[str, Any]) -> None:
    base = [ev(1, _add("c0"), "f", FAC)]
    state = run([*base, ev(2, wire, "screen", "viewer")])
    assert {**to_wire(state), "seq": 1} == to_wire(run(base))


def test_participant_cannot_touch_board_or_sections() -> None:
    state = run([
        ev(1, {"type": "board.set", "title": "mine"}, "ann"),
        ev(2, {"type": "section.add", "id": "s1", "title": "x", "pos": "a0"}, "ann"),
        ev(3, {"type": "section.add", "id": "s2", "title": "y", "pos": "a0"}, "f", FAC),
        ev(4, {"type": "section.set", "id": "s2", "title": "z"}, "ann"),
        ev(5, {"type": "section.delete", "id": "s2"}, "ann"),
    ])  # fmt: skip
    assert state.settings.title == "Untitled board"
    assert state.sections == {"s2": Section(id="s2", title="y", pos="a0")}


def test_votes_budget_retract_and_refund() -> None:
    cast = {"type": "vote.cast", "card": "c1"}
    events = [
        ev(1, {"type": "board.set", "vote_budget": 2}, "f", FAC),
        ev(2, _add("c1"), "ann"),
        ev(3, _add("c2"), "ann"),
        ev(4, cast, "bob"),
        ev(5, cast, "bob"),
        ev(6, cast, "bob"),  # over budget: no-op
        ev(7, {"type": "vote.cast", "card": "c2"}, "bob"),  # over budget too
    ]
    state = run(events)
    assert state.votes == {"c1": {"bob": 2}} and state.votes_used("bob") == 2
    apply(state, ev(8, {"type": "vote.retract", "card": "c1"}, "bob"))
    assert state.votes_used("bob") == 1 and state.vote_total("c1") == 1
    apply(state, ev(9, {"type": "vote.cast", "card": "c2"}, "bob"))
    assert state.votes == {"c1": {"bob": 1}, "c2": {"bob": 1}}
    apply(state, ev(10, {"type": "vote.cast", "card": "c2"}, "bob"))
    assert state.votes_used("bob") == 2
    apply(state, ev(11, {"type": "card.delete", "id": "c1"}, "ann"))  # refunds bob's vote
    assert state.votes_used("bob") == 1
    apply(state, ev(12, {"type": "vote.cast", "card": "c2"}, "bob"))
    assert state.votes == {"c2": {"bob": 2}}


def test_retract_without_own_vote_is_a_no_op() -> None:
    state = run([
        ev(1, _add(), "ann"),
        ev(2, {"type": "vote.cast", "card": "c1"}, "ann"),
        ev(3, {"type": "vote.retract", "card": "c1"}, "bob"),
        ev(4, {"type": "vote.retract", "card": "c1"}, "ann"),
        ev(5, {"type": "vote.retract", "card": "c1"}, "ann"),
    ])  # fmt: skip
    assert to_wire(state)["votes"] == {}


def test_lowering_the_budget_blocks_new_votes_but_keeps_cast_ones() -> None:
    state = run([
        ev(1, _add(), "ann"),
        *[ev(s, {"type": "vote.cast", "card": "c1"}, "bob") for s in (2, 3, 4)],
        ev(5, {"type": "board.set", "vote_budget": 1}, "f", FAC),
        ev(6, {"type": "vote.cast", "card": "c1"}, "bob"),
    ])  # fmt: skip
    assert state.votes == {"c1": {"bob": 3}}


def test_reaction_toggling() -> None:
    def react(seq: int, actor: str, emoji: str, on: bool) -> Any:
        return ev(seq, {"type": "reaction.set", "card": "c1", "emoji": emoji, "on": on}, actor)

    state = run([
        ev(1, _add(), "ann"),
        react(2, "bob", "👍", True),
        react(3, "bob", "👍", True),  # idempotent
        react(4, "ann", "👍", True),
        react(5, "ann", "💡", True),
        react(6, "bob", "👍", False),
        react(7, "cid", "❓", False),  # clearing what is not set
    ])  # fmt: skip
    assert to_wire(state)["reactions"] == {"c1": {"👍": ["ann"], "💡": ["ann"]}}
    apply(state, react(8, "ann", "👍", False))
    apply(state, react(9, "ann", "💡", False))
    assert to_wire(state)["reactions"] == {}


def test_duplicate_and_old_seq_are_ignored() -> None:
    state = run([ev(1, _add(), "ann"), ev(2, {"type": "vote.cast", "card": "c1"}, "ann")])
    before = to_wire(state)
    apply(state, ev(2, {"type": "vote.cast", "card": "c1"}, "ann"))
    apply(state, ev(1, {"type": "card.delete", "id": "c1"}, "ann"))
    assert to_wire(state) == before


def test_placeholder_advances_seq_only() -> None:
    state = run([ev(1, _add(), "ann"), ev(2, None, "")])
    assert state.seq == 2 and to_wire(state)["cards"] == to_wire(run([ev(1, _add())]))["cards"]


def test_replay_returns_the_same_state() -> None:
    state = BoardState("b1")
    assert replay(state, [ev(1, _add()), ev(2, None)]) is state
    assert state.seq == 2


def test_card_cap_counts_live_cards_and_the_hard_cap_tombstones_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(limits, "MAX_CARDS", 2)
    monkeypatch.setattr(limits, "MAX_CARD_ENTRIES", 3)
    state = run([
        ev(1, _add("c1")), ev(2, _add("c2")),
        ev(3, _add("c3")),  # full: 2 live
        ev(4, {"type": "card.delete", "id": "c1"}),
        ev(5, _add("c4")),  # room again: c1 is a tombstone
        ev(6, {"type": "card.delete", "id": "c4"}),
        ev(7, _add("c5")),  # 1 live, but 3 entries: the hard cap
    ])  # fmt: skip
    assert sorted(state.cards) == ["c1", "c2", "c4"]
    assert state.live_cards() == 1


def test_section_and_comment_caps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_SECTIONS", 1)
    monkeypatch.setattr(limits, "MAX_SECTION_ENTRIES", 2)
    monkeypatch.setattr(limits, "MAX_COMMENTS", 1)
    monkeypatch.setattr(limits, "MAX_COMMENT_ENTRIES", 2)
    state = run([
        ev(1, {"type": "section.add", "id": "s1", "title": "a", "pos": "a0"}, "f", FAC),
        ev(2, {"type": "section.add", "id": "s2", "title": "b", "pos": "a1"}, "f", FAC),
        ev(3, _add()),
        ev(4, {"type": "comment.add", "id": "m1", "card": "c1", "body": "x"}),
        ev(5, {"type": "comment.add", "id": "m2", "card": "c1", "body": "y"}),
    ])  # fmt: skip
    assert list(state.sections) == ["s1"] and list(state.comments) == ["m1"]
    replay(state, [
        ev(6, {"type": "section.delete", "id": "s1"}, "f", FAC),
        ev(7, {"type": "section.add", "id": "s2", "title": "b", "pos": "a1"}, "f", FAC),
        ev(8, {"type": "section.add", "id": "s3", "title": "c", "pos": "a2"}, "f", FAC),
        ev(9, {"type": "comment.delete", "id": "m1"}),
        ev(10, {"type": "comment.add", "id": "m2", "card": "c1", "body": "y"}),
        ev(11, {"type": "comment.add", "id": "m3", "card": "c1", "body": "z"}),
    ])  # fmt: skip
    assert list(state.sections) == ["s1", "s2"] and list(state.comments) == ["m1", "m2"]


def test_posts_delete_cleans_a_flood_and_makes_room(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_CARDS", 3)
    flood = [ev(seq, _add(f"x{seq}"), "spam") for seq in range(1, 4)]
    state = run([
        *flood,
        ev(4, _add("mine"), "ann"),  # full
        ev(5, {"type": "posts.delete", "author": "spam"}, "f", FAC),
        ev(6, _add("mine"), "ann"),
    ])  # fmt: skip
    assert [c for c, card in state.cards.items() if not card.deleted] == ["mine"]
    assert all(state.cards[f"x{seq}"].deleted for seq in range(1, 4))


def test_real_caps_hold_at_scale() -> None:
    state = BoardState("b1")
    for seq in range(1, limits.MAX_SECTIONS + 2):
        wire = {"type": "section.add", "id": f"s{seq}", "title": "x", "pos": "a0"}
        apply(state, ev(seq, wire, "f", FAC))
    assert len(state.sections) == limits.MAX_SECTIONS


def test_to_wire_from_wire_round_trip() -> None:
    state = run([
        ev(1, {"type": "board.set", "title": "T", "vote_budget": 9}, "f", FAC),
        ev(2, {"type": "section.add", "id": "s1", "title": "S", "pos": "a0"}, "f", FAC),
        ev(3, {"type": "section.add", "id": "s2", "title": "S2", "pos": "a1"}, "f", FAC),
        ev(4, {"type": "section.delete", "id": "s2"}, "f", FAC),
        ev(5, _add("c1", section="s1", url="https://x.nl", kind="link")),
        ev(6, _add("c2")),
        ev(7, {"type": "card.delete", "id": "c2"}),
        ev(8, {"type": "comment.add", "id": "m1", "card": "c1", "body": "b"}, "bob"),
        ev(9, {"type": "comment.add", "id": "m2", "card": "c1", "body": "b"}, "bob"),
        ev(10, {"type": "comment.delete", "id": "m2"}, "bob"),
        ev(11, {"type": "reaction.set", "card": "c1", "emoji": "😂", "on": True}, "zed"),
        ev(12, {"type": "reaction.set", "card": "c1", "emoji": "😂", "on": True}, "bob"),
        ev(13, {"type": "reaction.set", "card": "c1", "emoji": "🎉", "on": True}, "bob"),
        ev(14, {"type": "reaction.set", "card": "c1", "emoji": "🎉", "on": False}, "bob"),
        ev(15, {"type": "vote.cast", "card": "c1"}, "bob"),
        ev(16, {"type": "vote.cast", "card": "c1"}, "ann"),
        ev(17, {"type": "vote.retract", "card": "c1"}, "ann"),
    ])  # fmt: skip
    wire = to_wire(state)
    assert wire["reactions"] == {"c1": {"😂": ["bob", "zed"]}}
    assert wire["votes"] == {"c1": {"bob": 1}}
    again = from_wire(wire)
    assert to_wire(again) == wire
    # A restored replica keeps applying exactly like the original.
    tail = [
        ev(18, {"type": "vote.cast", "card": "c1"}, "bob"),
        ev(19, {"type": "card.delete", "id": "c1"}),
    ]
    assert to_wire(replay(state, tail)) == to_wire(replay(again, tail))


def test_cards_only_go_to_known_sections_and_deleted_ones_keep_their_cards() -> None:
    state = run([
        ev(1, {"type": "section.add", "id": "s1", "title": "S", "pos": "a0"}, "f", FAC),
        ev(2, {**_add(), "section": "s1"}, "ann"),
        ev(3, {"type": "card.add", "id": "c2", "title": "x", "section": "nope"}, "ann"),
        ev(4, {"type": "section.delete", "id": "s1"}, "f", FAC),
        ev(5, {"type": "card.add", "id": "c3", "title": "late", "section": "s1"}, "ann"),
    ])  # fmt: skip
    assert "c2" not in state.cards  # an unknown section: a no-op
    assert state.cards["c1"].section == "s1" and state.sections["s1"].deleted
    assert state.cards["c3"].section == "s1"  # raced with the delete: kept, shown unsorted


def test_real_card_cap_makes_room_after_posts_delete() -> None:
    state = BoardState("b1")
    for seq in range(1, limits.MAX_CARDS + 1):
        apply(state, ev(seq, _add(f"x{seq}"), "spam"))
    seq = limits.MAX_CARDS
    apply(state, ev(seq + 1, _add("mine"), "ann"))
    assert "mine" not in state.cards
    apply(state, ev(seq + 2, {"type": "posts.delete", "author": "spam"}, "f", FAC))
    apply(state, ev(seq + 3, _add("mine"), "ann"))
    assert state.live_cards() == 1 and len(state.cards) == limits.MAX_CARDS + 1
