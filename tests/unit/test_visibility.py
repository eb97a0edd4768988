"""What a role may see (protocol/visibility.py): the projection, the variants
of each event, and the property that ties them together — a viewer's
replica fed with its variants equals its projection after every event, for
random logs with moderation mixed in. No replica ever hears of an object it
could not see."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pycrdt import Doc, Text

from protocol import codec
from protocol.messages import Event, Role
from protocol.model import BoardState, from_wire, to_wire
from protocol.ops import ViewPatch
from protocol.reducer import apply
from protocol.visibility import RAW, Change, Viewer, pick, project

FAC = Viewer("facilitator", "fac")
P1 = Viewer("participant", "p1")
P2 = Viewer("participant", "p2")
SCREEN = Viewer("viewer", "")
VIEWERS = (FAC, P1, P2, SCREEN)
_ROLES: dict[str, Role] = {"fac": "facilitator", "p1": "participant", "p2": "participant"}

_card = st.sampled_from(["c0", "c1", "c2", "c3"])
_comment = st.sampled_from(["m0", "m1", "m2"])


def _op(draw: st.DrawFn) -> dict[str, Any]:
    card = draw(_card)
    kind = draw(
        st.sampled_from(
            [
                "card.add", "card.add", "card.set", "card.move", "card.delete",
                "comment.add", "comment.delete", "reaction.set", "vote.cast", "vote.retract",
                "card.moderate", "comment.moderate", "board.set", "round.open", "round.close",
                "participant.remove", "participant.restore", "timer.set", "spotlight.set",
                "notes.update", "notes.update",
            ]
        )
    )  # fmt: skip
    match kind:
        case "card.add":
            return {"type": kind, "id": card, "title": f"t {card}",
                    "held": draw(st.sampled_from([None, True]))}  # fmt: skip
        case "card.set":
            extra: dict[str, Any] = draw(st.sampled_from([
                {}, {"state": "matched"}, {"tags": ["tuin"]}, {"contact": "bel 06"},
                {"files": [{"id": "c" * 64, "name": "a.png", "type": "image/png", "size": 1,
                            "kind": "image", "w": 1, "h": 1}]},
            ]))  # fmt: skip
            return {"type": kind, "id": card, "body": draw(st.sampled_from(["b", "x"])),
                    "held": draw(st.sampled_from([None, True])), **extra}  # fmt: skip
        case "card.move":
            return {"type": kind, "id": card, "x": draw(st.integers(0, 100))}
        case "card.delete":
            return {"type": kind, "id": card}
        case "comment.add":
            return {"type": kind, "id": draw(_comment), "card": card, "body": "hm"}
        case "comment.delete":
            return {"type": kind, "id": draw(_comment)}
        case "reaction.set":
            return {"type": kind, "card": card, "emoji": "👍", "on": draw(st.booleans())}
        case "vote.cast" | "vote.retract":
            return {"type": kind, "card": card}
        case "card.moderate":
            action = draw(st.sampled_from(["approve", "reject", "hide", "restore"]))
            return {"type": kind, "id": card, "action": action}
        case "comment.moderate":
            action = draw(st.sampled_from(["approve", "reject", "hide", "restore"]))
            return {"type": kind, "id": draw(_comment), "action": action}
        case "board.set":
            field, value = draw(
                st.sampled_from(
                    [
                        ("approval", True), ("approval", False), ("hide_cards", True),
                        ("hide_cards", False), ("anonymous", "others"), ("anonymous", "all"),
                        ("anonymous", "off"), ("words", ["foo"]), ("words", []),
                        ("locked", True), ("locked", False), ("vote_budget", 2),
                    ]
                )
            )  # fmt: skip
            return {"type": kind, field: value}
        case "round.open":
            return {"type": kind, "reset": draw(st.booleans())}
        case "participant.remove" | "participant.restore":
            return {"type": kind, "actor": draw(st.sampled_from(["p1", "p2"]))}
        case "timer.set":
            return {"type": kind, "action": "start", "seconds": 60}
        case "spotlight.set":
            return {"type": kind, "card": card}
        case "notes.update":  # the update itself is typed in _logs (it needs the seq)
            doc = draw(st.sampled_from(["board", "board", f"card:{card}"]))
            return {"type": kind, "doc": doc, "update": draw(st.sampled_from(["a", "bc"]))}
    return {"type": kind}


def _typed(client_id: int, text: str) -> bytes:
    """A Yjs update: a client of its own types ``text`` into the notes (no
    dependencies, so it merges wherever it lands)."""
    doc: Doc[Any] = Doc(client_id=client_id)
    doc.get("notes", type=Text).insert(0, text)
    return doc.get_update()


@st.composite
def _logs(draw: st.DrawFn) -> list[Event]:
    events = []
    for seq in range(1, draw(st.integers(1, 40)) + 1):
        actor = draw(st.sampled_from(["fac", "p1", "p2"]))
        op = _op(draw)
        if op["type"] == "notes.update":
            op["update"] = _typed(seq, op["update"])
        events.append(
            Event(
                seq=seq,
                op_id=f"o{seq}",
                actor=actor,
                name=actor.upper(),
                role=_ROLES[actor],
                at=1000 * seq,
                op=codec.op_from_wire(op),
            )
        )
    return events


def _deliver(replica: BoardState, event: Event, variant: Any) -> None:
    if variant == RAW:
        apply(replica, event)
    else:
        assert variant is None or isinstance(variant, ViewPatch)
        apply(replica, event.model_copy(update={"op": variant}))


def _ids_in(variant: Any) -> set[str]:
    if not isinstance(variant, ViewPatch):
        return set()
    ids: set[str] = set()
    for plural in ("cards", "comments", "reactions", "votes"):
        ids |= set(getattr(variant, plural) or {})
    return ids | {doc.removeprefix("card:") for doc in variant.notes or {} if doc != "board"}


def _seen(wire: dict[str, Any]) -> set[str]:
    notes = {doc.removeprefix("card:") for doc in wire.get("notes", {}) if doc != "board"}
    return {*wire["cards"], *wire["comments"], *wire["reactions"], *wire["votes"], *notes}


@settings(max_examples=500, deadline=None)
@given(_logs())
def test_every_viewer_replica_equals_its_projection_after_every_event(log: list[Event]) -> None:
    state = BoardState("b")
    replicas = {v: from_wire(project(state, v)) for v in VIEWERS}
    for event in log:
        before = {v: project(state, v) for v in VIEWERS}
        change = Change.before(state, event)
        apply(state, event)
        variants = change.variants(state)
        for v in VIEWERS:
            variant = pick(variants, v)
            # No leak: a patch names only objects the viewer saw before or sees now.
            after = project(state, v)
            assert _ids_in(variant) <= _seen(before[v]) | _seen(after)
            _deliver(replicas[v], event, variant)
            assert to_wire(replicas[v]) == after, (v, event)


@settings(max_examples=200, deadline=None)
@given(_logs())
def test_a_facilitator_replica_is_the_whole_state_unless_anonymous_all(log: list[Event]) -> None:
    state = BoardState("b")
    for event in log:
        apply(state, event)
    if state.settings.anonymous != "all":
        assert project(state, FAC) == to_wire(state)


def _ev(seq: int, actor: str, op: dict[str, Any]) -> Event:
    return Event(seq=seq, op_id=f"o{seq}", actor=actor, name=actor.upper(), role=_ROLES[actor],
                 at=1000 * seq, op=codec.op_from_wire(op))  # fmt: skip


def _run(ops: list[tuple[str, dict[str, Any]]]) -> BoardState:
    state = BoardState("b")
    for i, (actor, op) in enumerate(ops, 1):
        apply(state, _ev(i, actor, op))
    return state


def test_approval_mode_pending_card_reaches_author_and_facilitators_only() -> None:
    state = _run([("fac", {"type": "board.set", "approval": True}),
                  ("p1", {"type": "card.add", "id": "c1", "title": "idea"})])  # fmt: skip
    assert project(state, P1)["cards"]["c1"]["status"] == "pending"
    assert project(state, FAC)["cards"]["c1"]["status"] == "pending"
    assert "c1" not in project(state, P2)["cards"]
    assert "c1" not in project(state, SCREEN)["cards"]
    event = _ev(3, "fac", {"type": "card.moderate", "id": "c1", "action": "approve"})
    change = Change.before(state, event)
    apply(state, event)
    variants = change.variants(state)
    patch = pick(variants, P2)
    assert isinstance(patch, ViewPatch) and patch.cards is not None
    assert patch.cards["c1"] is not None and patch.cards["c1"]["title"] == "idea"


def test_an_event_on_a_pending_card_is_a_placeholder_for_the_room() -> None:
    state = _run([("fac", {"type": "board.set", "approval": True}),
                  ("p1", {"type": "card.add", "id": "c1", "title": "idea"})])  # fmt: skip
    event = _ev(3, "p1", {"type": "card.set", "id": "c1", "body": "more"})
    change = Change.before(state, event)
    apply(state, event)
    variants = change.variants(state)
    assert pick(variants, P2) is None and pick(variants, SCREEN) is None
    assert isinstance(pick(variants, P1), ViewPatch)


def test_an_open_board_sends_raw_events_to_everyone_without_work() -> None:
    state = _run([("p1", {"type": "card.add", "id": "c1", "title": "idea"})])
    event = _ev(2, "p2", {"type": "vote.cast", "card": "c1"})
    change = Change.before(state, event)
    assert change.fast
    apply(state, event)
    assert change.variants(state) == {("fac", ""): RAW, ("pub", ""): RAW}


def test_votes_in_an_open_round_are_each_ones_own_until_it_closes() -> None:
    state = _run([("p1", {"type": "card.add", "id": "c1", "title": "idea"}),
                  ("fac", {"type": "round.open"}),
                  ("p1", {"type": "vote.cast", "card": "c1"}),
                  ("p2", {"type": "vote.cast", "card": "c1"})])  # fmt: skip
    assert project(state, P1)["votes"] == {"c1": {"p1": 1}}
    assert project(state, SCREEN)["votes"] == {}
    assert project(state, FAC)["votes"] == {"c1": {"p1": 1, "p2": 1}}
    apply(state, _ev(5, "fac", {"type": "round.close"}))
    assert project(state, SCREEN)["votes"] == {"c1": {"p1": 1, "p2": 1}}
    late = copy.deepcopy(state)
    apply(late, _ev(6, "p1", {"type": "vote.cast", "card": "c1"}))  # closed: refused
    assert to_wire(late)["votes"] == to_wire(state)["votes"]


def test_anonymous_mode_blanks_other_authors_but_never_ones_own() -> None:
    state = _run([("p1", {"type": "card.add", "id": "c1", "title": "a"}),
                  ("fac", {"type": "board.set", "anonymous": "others"})])  # fmt: skip
    assert project(state, P1)["cards"]["c1"]["author_name"] == "P1"
    assert project(state, P2)["cards"]["c1"]["author_name"] == ""
    assert project(state, FAC)["cards"]["c1"]["author_name"] == "P1"
    apply(state, _ev(3, "fac", {"type": "board.set", "anonymous": "all"}))
    assert project(state, FAC)["cards"]["c1"]["author"] == ""


def test_hide_until_reveal_shows_participants_their_own_cards_only() -> None:
    state = _run([("fac", {"type": "board.set", "hide_cards": True}),
                  ("p1", {"type": "card.add", "id": "c1", "title": "a"}),
                  ("p2", {"type": "card.add", "id": "c2", "title": "b"})])  # fmt: skip
    assert set(project(state, P1)["cards"]) == {"c1"}
    assert set(project(state, P2)["cards"]) == {"c2"}
    assert project(state, SCREEN)["cards"] == {}
    reveal = _ev(4, "fac", {"type": "board.set", "hide_cards": False})
    change = Change.before(state, reveal)
    apply(state, reveal)
    patch = pick(change.variants(state), P1)
    assert isinstance(patch, ViewPatch) and set(patch.cards or {}) == {"c2"}


def test_presence_names_only_a_focus_everyone_may_see() -> None:
    from protocol.visibility import shown_focus

    state = _run([("fac", {"type": "board.set", "approval": True}),
                  ("p1", {"type": "card.add", "id": "c1", "title": "waits"}),
                  ("fac", {"type": "card.add", "id": "c2", "title": "open"})])  # fmt: skip
    assert shown_focus(state, "c1", "card:c1") == (None, None)  # pending: not everyone's
    assert shown_focus(state, "c2", "card:c2") == ("c2", "card:c2")
    assert shown_focus(state, "nope", "board") == (None, "board")
    apply(state, _ev(4, "fac", {"type": "board.set", "hide_cards": True}))
    assert shown_focus(state, "c2", None) == (None, None)
    apply(state, _ev(5, "fac", {"type": "board.set", "hide_cards": False, "anonymous": "others"}))
    assert shown_focus(state, "c2", "board") == (None, None)  # who is where names an author


def test_no_spotlight_on_a_card_until_the_reveal() -> None:
    from protocol.policy import check

    state = _run([("fac", {"type": "card.add", "id": "c1", "title": "a"}),
                  ("fac", {"type": "board.set", "hide_cards": True})])  # fmt: skip
    spot = codec.op_from_wire({"type": "spotlight.set", "card": "c1"})
    assert check(state, spot, "fac", "facilitator") is not None
    apply(state, _ev(3, "fac", {"type": "board.set", "hide_cards": False}))
    assert check(state, spot, "fac", "facilitator") is None


def test_adding_and_editing_cards_on_an_open_board_stays_on_the_fast_path() -> None:
    state = _run([("p1", {"type": "card.add", "id": "c1", "title": "idea"})])
    ops: list[dict[str, Any]] = [
        {"type": "card.add", "id": "c2", "title": "another"},
        {"type": "card.set", "id": "c1", "body": "more"},
        {"type": "board.set", "approval": True, "filter": True},
    ]
    for seq, op in enumerate(ops, 2):
        actor = "fac" if op["type"] == "board.set" else "p1"
        assert Change.before(state, _ev(seq, actor, op)).fast, op
        apply(state, _ev(seq, actor, op))
    # With approval on, a participant's card may wait: no longer fast.
    assert not Change.before(
        state, _ev(5, "p2", {"type": "card.add", "id": "c3", "title": "x"})
    ).fast
