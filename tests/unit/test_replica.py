"""The client replica: confirmed state from the log, optimistic view on top."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from client.replica import Replica
from protocol.messages import Event, Role
from protocol.model import BoardState, to_wire
from protocol.ops import (
    BoardSet,
    CardAdd,
    CardDelete,
    CardMove,
    CardSet,
    CommentAdd,
    CommentDelete,
    Op,
    ReactionSet,
    SectionAdd,
    VoteCast,
    VoteRetract,
)
from protocol.policy import check
from protocol.reducer import apply

BOARD = "b1"


def ev(
    seq: int, op: Op | None, *, actor: str = "other", op_id: str = "x", role: Role = "participant"
) -> Event:
    return Event(seq=seq, op_id=op_id, actor=actor, name=actor, role=role, at=seq, op=op)


def add(card: str, title: str = "hi") -> CardAdd:
    return CardAdd(type="card.add", id=card, title=title)


def me(role: Role = "participant") -> Replica:
    r = Replica(BOARD)
    r.set_self(actor="me", role=role, name="Me")
    return r


# --- applying the log ---------------------------------------------------------


def test_events_apply_in_order_and_duplicates_are_ignored() -> None:
    r = me()
    res = r.apply_events([ev(1, add("c1")), ev(2, add("c2"))])
    assert [e.seq for e in res.applied] == [1, 2] and res.gap is None
    res = r.apply_events([ev(1, add("c9")), ev(2, add("c9")), ev(3, add("c3"))])
    assert [e.seq for e in res.applied] == [3]
    assert sorted(r.confirmed.cards) == ["c1", "c2", "c3"]
    assert r.seq == 3


def test_gap_is_reported_and_never_applied_across() -> None:
    r = me()
    res = r.apply_events([ev(1, add("c1")), ev(3, add("c3")), ev(4, add("c4"))])
    assert [e.seq for e in res.applied] == [1]
    assert res.gap == 3
    assert r.seq == 1 and "c3" not in r.confirmed.cards and "c4" not in r.confirmed.cards


def test_placeholder_advances_seq_only() -> None:
    r = me()
    res = r.apply_events([ev(1, None), ev(2, add("c2"))])
    assert res.gap is None and r.seq == 2 and list(r.confirmed.cards) == ["c2"]


# --- pending ops --------------------------------------------------------------


def test_pending_op_shows_in_view_not_in_confirmed() -> None:
    r = me()
    r.add_pending("1-a", add("c1", "mine"))
    assert "c1" in r.view().cards and r.view().cards["c1"].author == "me"
    assert r.view().cards["c1"].author_name == "Me"
    assert "c1" not in r.confirmed.cards
    assert r.view().seq == r.seq == 0


def test_own_event_settles_the_pending_op() -> None:
    r = me()
    r.add_pending("1-a", add("c1"))
    res = r.apply_events([ev(1, add("c1"), actor="me", op_id="1-a")])
    assert res.settled == {"1-a": 1}
    assert r.pending == [] and "c1" in r.confirmed.cards
    assert r.view() is r.confirmed


def test_same_op_id_from_another_actor_does_not_settle_ours() -> None:
    r = me()
    r.add_pending("1-a", add("c1"))
    res = r.apply_events([ev(1, add("c9"), actor="someone", op_id="1-a")])
    assert res.settled == {} and [p.op_id for p in r.pending] == ["1-a"]


def test_ack_before_event_keeps_op_until_event_arrives() -> None:
    r = me()
    r.add_pending("1-a", add("c1"))
    r.ack("1-a", 2)
    assert r.unacked() == [] and len(r.pending) == 1
    assert "c1" in r.view().cards
    r.apply_events([ev(1, add("c0"))])
    assert len(r.pending) == 1
    r.apply_events([ev(2, add("c1"), actor="me", op_id="1-a")])
    assert r.pending == []


def test_ack_after_event_or_for_passed_seq_drops_op() -> None:
    r = me()
    r.apply_events([ev(1, add("c1"), actor="me", op_id="1-a")])
    r.add_pending("2-a", add("c2"))
    r.ack("2-a", 1)  # a resend of an op the log already holds
    assert r.pending == []


def test_acked_op_dropped_when_seq_passes_it_as_placeholder() -> None:
    r = me()
    r.add_pending("1-a", add("c1"))
    r.ack("1-a", 1)
    r.apply_events([ev(1, None)])
    assert r.pending == []


def test_reject_drops_op_from_view() -> None:
    r = me()
    r.add_pending("1-a", add("c1"))
    assert r.reject("1-a") is not None
    assert "c1" not in r.view().cards
    assert r.reject("1-a") is None


def test_duplicate_pending_op_id_is_an_error() -> None:
    r = me()
    r.add_pending("1-a", add("c1"))
    with pytest.raises(ValueError):
        r.add_pending("1-a", add("c2"))


def test_unacked_keeps_send_order() -> None:
    r = me()
    for i in range(5):
        r.add_pending(f"{i}-a", add(f"c{i}"))
    r.ack("2-a", 10)
    assert [p.op_id for p in r.unacked()] == ["0-a", "1-a", "3-a", "4-a"]


def test_view_applies_policy_for_our_role() -> None:
    viewer = me("viewer")
    viewer.add_pending("1-a", add("c1"))
    assert "c1" not in viewer.view().cards
    participant = me()
    participant.apply_events([ev(1, add("c1"), actor="other")])
    participant.add_pending("1-a", CardSet(type="card.set", id="c1", title="hijack"))
    assert participant.view().cards["c1"].title == "hi"


def test_view_is_cached_and_never_mutates_confirmed() -> None:
    r = me()
    r.apply_events([ev(1, add("c1"))])
    r.add_pending("1-a", CardDelete(type="card.delete", id="c1"))
    # Not our card, so the delete is refused by the policy in the view too.
    assert not r.view().cards["c1"].deleted
    r.add_pending("2-a", add("c2"))
    first = r.view()
    assert r.view() is first
    assert "c2" in first.cards and "c2" not in r.confirmed.cards
    r.apply_events([ev(2, add("c3"))])
    assert r.view() is not first and "c3" in r.view().cards


def test_later_pending_ops_build_on_earlier_ones() -> None:
    r = me()
    r.add_pending("1-a", add("c1"))
    r.add_pending("2-a", CardSet(type="card.set", id="c1", title="edited"))
    r.add_pending("3-a", VoteCast(type="vote.cast", card="c1"))
    view = r.view()
    assert view.cards["c1"].title == "edited" and view.votes["c1"] == {"me": 1}


# --- snapshots ----------------------------------------------------------------


def _snapshot(cards: list[str], seq: int) -> dict[str, Any]:
    state = BoardState(board=BOARD)
    for i, card in enumerate(cards, start=1):
        apply(state, ev(i, add(card)))
    state.seq = seq
    return to_wire(state)


def test_snapshot_replaces_confirmed_and_keeps_unacked_pending() -> None:
    r = me()
    r.apply_events([ev(1, add("old"))])
    r.add_pending("1-a", add("mine"))
    r.add_pending("2-a", add("acked-old"))
    r.add_pending("3-a", add("acked-new"))
    r.ack("2-a", 5)
    r.ack("3-a", 9)
    r.load_snapshot(_snapshot(["n1", "n2"], seq=7))
    assert r.loaded and r.seq == 7
    assert sorted(r.confirmed.cards) == ["n1", "n2"]
    assert [p.op_id for p in r.pending] == ["1-a", "3-a"]
    assert "mine" in r.view().cards
    # Acked past the snapshot: the log may have lost it, so it is resent (the
    # server's exactly-once window acks it again if the log has it).
    assert [p.op_id for p in r.unacked()] == ["1-a", "3-a"]


def test_snapshot_for_another_board_is_refused() -> None:
    r = me()
    wire = _snapshot([], 0)
    wire["board"] = "other"
    with pytest.raises(ValueError, match="board"):
        r.load_snapshot(wire)


def test_reopen_acked_resends_every_acked_op_in_order() -> None:
    r = me()
    r.add_pending("1-a", add("c1"))
    r.add_pending("2-a", add("c2"))
    r.add_pending("3-a", add("c3"))
    r.ack("1-a", 4)
    r.ack("3-a", 6)
    r.reopen_acked()  # a new epoch: old seqs mean nothing
    assert [p.op_id for p in r.unacked()] == ["1-a", "2-a", "3-a"]
    r.load_snapshot(_snapshot(["c9"], seq=5))  # the new epoch's snapshot drops none
    assert [p.op_id for p in r.unacked()] == ["1-a", "2-a", "3-a"]


# --- convergence: a simulated server, clients and flaky connections -----------

ACTORS: tuple[tuple[str, Role], ...] = (
    ("fac", "facilitator"),
    ("p1", "participant"),
    ("p2", "participant"),
)
_card = st.sampled_from(["c0", "c1", "c2"])
_ops: st.SearchStrategy[Op] = st.one_of(
    st.builds(
        lambda c, t: CardAdd(type="card.add", id=c, title=t), _card, st.sampled_from(["a", "b"])
    ),
    st.builds(
        lambda c, t: CardSet(type="card.set", id=c, title=t), _card, st.sampled_from(["x", "y"])
    ),
    st.builds(lambda c, x: CardMove(type="card.move", id=c, x=x), _card, st.integers(0, 3)),
    st.builds(lambda c: CardDelete(type="card.delete", id=c), _card),
    st.builds(
        lambda m, c: CommentAdd(type="comment.add", id=m, card=c, body="hey"),
        st.sampled_from(["m0", "m1"]),
        _card,
    ),
    st.builds(lambda m: CommentDelete(type="comment.delete", id=m), st.sampled_from(["m0", "m1"])),
    st.builds(
        lambda c, on: ReactionSet(type="reaction.set", card=c, emoji="👍", on=on),
        _card,
        st.booleans(),
    ),
    st.builds(lambda c: VoteCast(type="vote.cast", card=c), _card),
    st.builds(lambda c: VoteRetract(type="vote.retract", card=c), _card),
    st.builds(lambda n: BoardSet(type="board.set", vote_budget=n), st.integers(0, 2)),
    st.builds(
        lambda s: SectionAdd(type="section.add", id=s, title="S", pos="a0"), st.sampled_from(["s0"])
    ),
)
_actions = st.lists(
    st.one_of(
        st.tuples(st.just("submit"), st.integers(0, 2), _ops),
        st.tuples(st.just("server"), st.integers(0, 2), st.integers(1, 3)),
        st.tuples(st.just("deliver"), st.integers(0, 2), st.integers(1, 4)),
        st.tuples(st.just("drop"), st.integers(0, 2), st.booleans()),
    ),
    max_size=60,
)


@dataclass
class _Client:
    actor: str
    role: Role
    replica: Replica
    outbox: list[tuple[str, Op]] = field(default_factory=list)  # in flight to the server
    inbox: list[tuple[str, Any]] = field(default_factory=list)  # in flight to us
    counter: int = 0


class _Server:
    """The server's ordering rules, minus the I/O: policy check, dedupe by
    (actor, op id), one gap-free log, acks and events to every client."""

    def __init__(self) -> None:
        self.state = BoardState(board=BOARD)
        self.log: list[Event] = []
        self.seen: dict[tuple[str, str], int] = {}
        self.wire_at: dict[int, dict[str, Any]] = {0: to_wire(self.state)}

    def receive(self, client: _Client, clients: list[_Client]) -> None:
        op_id, op = client.outbox.pop(0)
        first = self.seen.get((client.actor, op_id))
        if first is not None:
            client.inbox.append(("ack", (op_id, first)))
            return
        if check(self.state, op, client.actor, client.role) is not None:
            client.inbox.append(("error", op_id))
            return
        event = ev(len(self.log) + 1, op, actor=client.actor, op_id=op_id, role=client.role)
        apply(self.state, event)
        self.log.append(event)
        self.seen[(client.actor, op_id)] = event.seq
        self.wire_at[event.seq] = to_wire(self.state)
        client.inbox.append(("ack", (op_id, event.seq)))
        for c in clients:
            c.inbox.append(("events", [event]))


def _deliver(client: _Client, n: int, server: _Server) -> None:
    for _ in range(min(n, len(client.inbox))):
        kind, payload = client.inbox.pop(0)
        r = client.replica
        if kind == "events":
            assert r.apply_events(payload).gap is None
            # The confirmed state is exactly the server's state at that seq.
            assert to_wire(r.confirmed) == server.wire_at[r.seq]
        elif kind == "ack":
            r.ack(*payload)
        else:
            r.reject(payload)
        if not r.pending:
            assert r.view() is r.confirmed


def _reconnect(client: _Client, server: _Server, resume: bool) -> None:
    """The connection drops: frames in flight either way are lost; the client
    rejoins (resume or snapshot) and resends its unacked ops, same ids."""
    client.inbox.clear()
    client.outbox.clear()
    r = client.replica
    if resume:
        r.apply_events(server.log[r.seq :])
    else:
        r.load_snapshot(to_wire(server.state))
    client.outbox.extend((p.op_id, p.op) for p in r.unacked())


@settings(max_examples=300, deadline=None)
@given(_actions)
def test_optimistic_views_converge_to_server_state(actions: list[tuple[Any, ...]]) -> None:
    server = _Server()
    clients = []
    for actor, role in ACTORS:
        replica = Replica(BOARD)
        replica.set_self(actor=actor, role=role, name=actor)
        clients.append(_Client(actor, role, replica))
    for action in actions:
        client = clients[action[1]]
        match action[0]:
            case "submit":
                client.counter += 1
                op_id = f"{client.counter}-{client.actor}"
                client.replica.add_pending(op_id, action[2])
                client.outbox.append((op_id, action[2]))
            case "server":
                for _ in range(min(action[2], len(client.outbox))):
                    server.receive(client, clients)
            case "deliver":
                _deliver(client, action[2], server)
            case "drop":
                _reconnect(client, server, resume=action[2])
    # Quiesce: every client's ops reach the server, every answer reaches it.
    for client in clients:
        while client.outbox:
            server.receive(client, clients)
    for client in clients:
        _deliver(client, len(client.inbox), server)
    expected = to_wire(server.state)
    for client in clients:
        assert client.replica.pending == []
        assert to_wire(client.replica.confirmed) == expected
        assert to_wire(client.replica.view()) == expected
