"""Property tests: replicas that apply the same log converge, however it arrives.

On a moderated board each client converges to its own projection instead
(``protocol/visibility.py``): the last test feeds the Python client's
``Replica`` the variant of every event its role and actor receive.

The server assigns one seq order. Replicas start from a snapshot taken at any
point (sent through msgpack like a ``welcome``), then receive the events in
``events`` frames, in chunks, with duplicates; all end with the same
``to_wire``. Optimistic clients apply their own pending ops on top of the
confirmed state and end equal to the server once every event has arrived.
Pure: reducer, model and codec only.
"""

from __future__ import annotations

import copy
from typing import Any, get_args

from hypothesis import given, settings
from hypothesis import strategies as st

from client.replica import Replica
from protocol import codec
from protocol.messages import ROLES, Event, Events, Role
from protocol.model import BoardState, from_wire, to_wire
from protocol.ops import REACTIONS, ModAction, ViewPatch
from protocol.policy import check
from protocol.reducer import apply
from protocol.visibility import RAW, Change, Variant, Viewer, pick, project
from tests.unit._support import op

SETTINGS = settings(max_examples=200, deadline=None)

# A small shared pool of ids, so actors collide on the same objects.
CARDS = st.sampled_from(["c0", "c1", "c2", "c3"])
SECTIONS = st.sampled_from(["s0", "s1", "s2"])
COMMENTS = st.sampled_from(["m0", "m1", "m2"])
POS = st.sampled_from(["a0", "a1", "a0V", "Zz", "b00", "a2"])
TEXT = st.sampled_from(["", "x", "idee", "Vraag?\nmet regel"])
COORD = st.integers(min_value=0, max_value=10_000)


def _op(type_: str, required: dict[str, Any], optional: dict[str, Any] | None = None) -> Any:
    return st.fixed_dictionaries({"type": st.just(type_), **required}, optional=optional or {})


FILE = st.sampled_from([
    {"id": "a" * 64, "name": "foto.jpg", "type": "image/jpeg", "size": 9, "kind": "image",
     "w": 4, "h": 3, "thumb": True},
    {"id": "b" * 64, "name": "flyer.pdf", "type": "application/pdf", "size": 7, "kind": "pdf"},
])  # fmt: skip
FILES = st.lists(FILE, max_size=2, unique_by=lambda f: str(f["id"]))
TAGS = st.sampled_from([[], ["tuin"], ["#Tuin", "koken"]])
CONTACT = st.sampled_from(["", "06-12345678"])
EXPIRES = st.sampled_from([0, 1_800_000_000_000])
CARD_STATE = st.sampled_from(["open", "matched", "resolved"])
#: Only the server may set a preview: from these actors the policy refuses it.
PREVIEW = st.sampled_from(["", {"url": "https://a.nl/x", "title": "A"}])

CARD_ADD = _op("card.add", {"id": CARDS, "title": st.sampled_from(["t1", "t2"])}, {
    "section": SECTIONS, "pos": POS, "x": COORD, "color": st.sampled_from(["pink", "blue"]),
    "files": FILES, "tags": TAGS, "contact": CONTACT, "expires": EXPIRES, "state": CARD_STATE,
})  # fmt: skip

# Creates are weighted up: most interesting conflicts need the card to exist.
OPS: st.SearchStrategy[dict[str, Any]] = st.one_of(
    CARD_ADD,
    CARD_ADD,
    CARD_ADD,
    _op("board.set", {}, {
        "title": st.sampled_from(["A", "B"]), "layout": st.sampled_from(["wall", "grid"]),
        "theme": st.sampled_from(["dark", "hub"]), "vote_budget": st.integers(0, 4),
    }),
    _op("section.add", {"id": SECTIONS, "title": TEXT, "pos": POS}),
    _op("section.set", {"id": SECTIONS}, {"title": TEXT, "pos": POS}),
    _op("section.delete", {"id": SECTIONS}),
    _op("card.set", {"id": CARDS}, {
        "title": TEXT, "body": TEXT, "color": st.sampled_from(["green", "white"]),
        "url": st.sampled_from(["", "https://a.nl/x"]), "kind": st.sampled_from(["note", "offer"]),
        "files": FILES, "tags": TAGS, "contact": CONTACT, "expires": EXPIRES, "state": CARD_STATE,
        "preview": PREVIEW,
    }),
    _op("card.move", {"id": CARDS}, {
        "section": st.one_of(SECTIONS, st.just("")), "pos": POS, "x": COORD, "y": COORD,
    }),
    _op("card.delete", {"id": CARDS}),
    _op("card.delete", {"id": CARDS}),
    _op("comment.add", {"id": COMMENTS, "card": CARDS, "body": st.sampled_from(["ja", "nee"])}),
    _op("comment.add", {"id": COMMENTS, "card": CARDS, "body": st.just("ook")}),
    _op("comment.delete", {"id": COMMENTS}),
    _op("reaction.set", {"card": CARDS, "emoji": st.sampled_from(REACTIONS), "on": st.booleans()}),
    _op("vote.cast", {"card": CARDS}),
    _op("vote.cast", {"card": CARDS}),  # twice: votes are the contended resource
    _op("vote.retract", {"card": CARDS}),
)  # fmt: skip


@st.composite
def actors(draw: st.DrawFn) -> list[tuple[str, Role]]:
    """K = 3..5 actors: always a facilitator and a participant, the rest mixed."""
    k = draw(st.integers(min_value=3, max_value=5))
    extra = draw(st.lists(st.sampled_from(ROLES), min_size=k - 2, max_size=k - 2))
    roles: list[Role] = ["facilitator", "participant", *extra]
    return [(f"a{i}", role) for i, role in enumerate(roles)]


@st.composite
def logs(draw: st.DrawFn) -> list[Event]:
    """A server log: ops from random actors, seq 1..N, some placeholders."""
    cast = draw(actors())
    n = draw(st.integers(min_value=0, max_value=40))
    events = []
    for seq in range(1, n + 1):
        actor, role = draw(st.sampled_from(cast))
        wire = None if draw(st.integers(0, 15)) == 0 else draw(OPS)
        events.append(
            Event(
                seq=seq, op_id=f"{actor}-{seq}", actor=actor, name=actor.upper(), role=role,
                at=1_700_000_000_000 + seq, op=op(wire) if wire is not None else None,
            )
        )  # fmt: skip
    return events


def _sealed(event: Event) -> bytes:
    assert not isinstance(event.op, ViewPatch)  # never in the log
    head, tail = codec.event_parts(
        op_id=event.op_id, actor=event.actor, name=event.name, role=event.role, at=event.at,
        op=event.op,
    )  # fmt: skip
    return codec.seal_event(head, event.seq, tail)


def _server_state(events: list[Event]) -> BoardState:
    state = BoardState("b1")
    for event in events:
        was_deleted = {cid for cid, c in state.cards.items() if c.deleted}
        apply(state, event)
        # Invariants after every event.
        assert was_deleted <= {cid for cid, c in state.cards.items() if c.deleted}
        for cid, per in state.votes.items():
            assert state.live_card(cid) is not None or not any(per.values())
            assert all(n >= 0 for n in per.values())
        for cid in state.reactions:
            assert state.live_card(cid) is not None or not any(state.reactions[cid].values())
    return state


def _snapshot(events: list[Event], upto: int) -> BoardState:
    """A replica joining at ``upto``: the snapshot travels as msgpack."""
    state = BoardState("b1")
    for event in events[:upto]:
        apply(state, event)
    return from_wire(codec.unpack(codec.pack(to_wire(state))))


def _receive(state: BoardState, frame: bytes) -> None:
    """What a client does with an ``events`` frame (we never send gaps)."""
    msg = codec.decode_server(frame)
    assert isinstance(msg, Events)
    for event in msg.ev:
        assert event.seq <= state.seq + 1, "the test delivered a gap"
        apply(state, event)


@SETTINGS
@given(logs(), st.data())
def test_replicas_converge(events: list[Event], data: st.DataObject) -> None:
    server = _server_state(events)
    expected = to_wire(server)
    assert to_wire(from_wire(expected)) == expected
    raws = [_sealed(e) for e in events]
    for _replica in range(3):
        start = data.draw(st.integers(0, len(events)), label="snapshot at")
        replica = _snapshot(events, start)
        # Delivery resumes at or before the snapshot (overlap = duplicates).
        cursor = data.draw(st.integers(0, start), label="resume from")
        while cursor < len(events):
            size = data.draw(st.integers(1, 6), label="chunk")
            chunk = raws[cursor : cursor + size]
            if data.draw(st.booleans(), label="dup"):
                # re-deliver something already seen, inside the chunk
                dup_at = data.draw(st.integers(0, cursor + len(chunk) - 1), label="dup of")
                chunk = [*chunk, raws[dup_at]]
            _receive(replica, codec.events_frame(chunk))
            cursor += size
        assert to_wire(replica) == expected


@SETTINGS
@given(logs())
def test_snapshot_round_trip_at_every_point(events: list[Event]) -> None:
    state = BoardState("b1")
    for event in events:
        apply(state, event)
        wire = to_wire(state)
        assert to_wire(from_wire(copy.deepcopy(wire))) == wire


class _Client:
    """An optimistic client: confirmed state from events, plus pending own ops."""

    def __init__(self, actor: str, role: Role, ops: list[dict[str, Any]]) -> None:
        self.actor, self.role = actor, role
        self.to_send = [op(w) for w in ops]
        self.sent = 0
        self.pending: list[tuple[str, Any]] = []  # (op_id, op) not yet seen in events
        self.confirmed = BoardState("b1")

    def send(self) -> Event:
        the_op = self.to_send[self.sent]
        self.sent += 1
        op_id = f"{self.actor}:{self.sent}"
        self.pending.append((op_id, the_op))
        return Event(seq=0, op_id=op_id, actor=self.actor, name=self.actor, role=self.role,
                     at=0, op=the_op)  # fmt: skip

    def receive(self, event: Event) -> None:
        apply(self.confirmed, event)
        self.pending = [(i, o) for i, o in self.pending if i != event.op_id]

    def view(self) -> BoardState:
        """Confirmed state with the pending ops applied on top, in send order."""
        shown = copy.deepcopy(self.confirmed)
        for n, (op_id, the_op) in enumerate(self.pending, start=1):
            apply(shown, Event(seq=shown.seq + n, op_id=op_id, actor=self.actor,
                               name=self.actor, role=self.role, at=0, op=the_op))  # fmt: skip
        return shown


@SETTINGS
@given(actors(), st.data())
def test_optimistic_clients_end_equal_to_the_server(
    cast: list[tuple[str, Role]], data: st.DataObject
) -> None:
    clients = [
        _Client(actor, role, data.draw(st.lists(OPS, max_size=8), label=f"ops of {actor}"))
        for actor, role in cast
    ]
    log: list[Event] = []
    server = BoardState("b1")
    delivered = [0] * len(clients)
    while True:
        moves = [("send", i) for i, c in enumerate(clients) if c.sent < len(c.to_send)]
        moves += [("recv", i) for i in range(len(clients)) if delivered[i] < len(log)]
        if not moves:
            break
        kind, i = data.draw(st.sampled_from(moves), label="next")
        client = clients[i]
        if kind == "send":
            intent = client.send()
            # The server orders it now; the append gets the next seq.
            event = intent.model_copy(update={"seq": len(log) + 1, "at": len(log) + 1})
            log.append(event)
            apply(server, event)
        else:
            upto = data.draw(st.integers(delivered[i] + 1, len(log)), label="deliver to")
            frame = codec.events_frame([_sealed(e) for e in log[delivered[i] : upto]])
            msg = codec.decode_server(frame)
            assert isinstance(msg, Events)
            for event in msg.ev:
                client.receive(event)
            delivered[i] = upto
        client.view()  # the optimistic view is always computable
        # A client with nothing pending that has seen the whole log shows the truth.
        if not client.pending and delivered[i] == len(log):
            assert to_wire(client.view()) == to_wire(server)
    expected = to_wire(server)
    for client in clients:
        assert not client.pending
        assert to_wire(client.view()) == to_wire(client.confirmed) == expected


# --- moderated boards: each client its own projection ---------------------------

MODERATION_OPS: st.SearchStrategy[dict[str, Any]] = st.one_of(
    OPS,
    OPS,
    _op("card.add", {"id": CARDS, "title": st.just("held"), "held": st.just(True)}),
    _op("card.set", {"id": CARDS, "body": TEXT, "held": st.just(True)}),
    _op("card.moderate", {"id": CARDS, "action": st.sampled_from(get_args(ModAction))}),
    _op("comment.moderate", {"id": COMMENTS, "action": st.sampled_from(get_args(ModAction))}),
    _op("board.set", {}, {
        "approval": st.booleans(), "hide_cards": st.booleans(), "locked": st.booleans(),
        "anonymous": st.sampled_from(["off", "others", "all"]),
        "words": st.sampled_from([[], ["idee"]]), "filter": st.booleans(),
    }),
    _op("round.open", {}, {"reset": st.booleans()}),
    _op("round.close", {}),
    _op("participant.remove", {"actor": st.sampled_from(["p1", "p2"])}),
    _op("participant.restore", {"actor": st.sampled_from(["p1", "p2"])}),
    _op("timer.set", {"action": st.just("start"), "seconds": st.integers(1, 600)}),
    _op("timer.set", {"action": st.sampled_from(["pause", "resume", "reset"])}),
    _op("spotlight.set", {}, {"card": CARDS}),
)  # fmt: skip

#: (actor, role) of the replicas: a facilitator, two participants, a screen.
CAST: tuple[tuple[str, Role], ...] = (
    ("fac", "facilitator"), ("p1", "participant"), ("p2", "participant"), ("s1", "viewer"),
)  # fmt: skip


def _variant_bytes(event: Event, variants: dict[Any, Variant], viewer: Viewer,
                   anonymous_all: bool) -> bytes:  # fmt: skip
    """The bytes the server sends this viewer (``server/hub.py``): its
    variant, with the event's op id, actor and name only for the event's own
    actor and for facilitators who may see authors."""
    variant = pick(variants, viewer)
    if variant == RAW:
        return _sealed(event)
    mine = bool(viewer.actor) and viewer.actor == event.actor
    with_identity = mine or (viewer.role_class == "fac" and not anonymous_all)
    op_id, actor, name = (event.op_id, event.actor, event.name) if with_identity else ("", "", "")
    head, tail = codec.event_parts(
        op_id=op_id, actor=actor, name=name, role=event.role, at=event.at,
        op=variant,
    )  # fmt: skip
    return codec.seal_event(head, event.seq, tail)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_moderated_client_replicas_converge_to_their_projections(data: st.DataObject) -> None:
    """Clients (``client.replica.Replica``, the Python client's own path)
    send ops optimistically, the server orders them (refusing what the
    policy refuses), and each client receives its variant of every event in
    chunks, with duplicates, acks before or after, and rejoins by snapshot.
    Whenever a client has the whole log its confirmed state is its
    projection; at the end its pending ops are all settled."""
    viewers = [Viewer(role, actor) for actor, role in CAST]
    replicas = []
    for viewer in viewers:
        replica = Replica("b1", actor=viewer.actor, role=viewer.role, name=viewer.actor.upper())
        replica.load_snapshot(project(BoardState("b1"), viewer))
        replicas.append(replica)
    to_send = [
        [op(w) for w in data.draw(st.lists(MODERATION_OPS, max_size=10), label=f"ops of {a}")]
        if role != "viewer" else []
        for a, role in CAST
    ]  # fmt: skip
    server = BoardState("b1")
    frames: list[list[bytes]] = [[] for _ in CAST]  # per client, the bytes of seq 1..N
    logged: dict[str, int] = {}  # op id → seq
    delivered = [0] * len(CAST)
    sent = [0] * len(CAST)
    while True:
        moves = [("send", i) for i in range(len(CAST)) if sent[i] < len(to_send[i])]
        moves += [("recv", i) for i in range(len(CAST)) if delivered[i] < server.seq]
        moves += [("ack", i) for i, r in enumerate(replicas) if r.unacked()]
        moves += [("rejoin", i) for i in range(len(CAST)) if delivered[i] < server.seq]
        if not moves:
            break
        kind, i = data.draw(st.sampled_from(moves), label="next")
        replica, viewer = replicas[i], viewers[i]
        if kind == "send":
            the_op = to_send[i][sent[i]]
            sent[i] += 1
            op_id = f"{viewer.actor}:{sent[i]}"
            replica.add_pending(op_id, the_op)
            if check(server, the_op, viewer.actor, viewer.role) is not None:
                replica.reject(op_id)  # an error frame: never logged
                continue
            event = Event(seq=server.seq + 1, op_id=op_id, actor=viewer.actor,
                          name=viewer.actor.upper(), role=viewer.role,
                          at=1_700_000_000_000 + 1000 * server.seq, op=the_op)  # fmt: skip
            change = Change.before(server, event)
            apply(server, event)
            variants = change.variants(server)
            anonymous_all = server.settings.anonymous == "all"
            for j, other in enumerate(viewers):
                frames[j].append(_variant_bytes(event, variants, other, anonymous_all))
            logged[op_id] = event.seq
        elif kind == "ack":
            pending = data.draw(st.sampled_from(replica.unacked()), label="ack of")
            replica.ack(pending.op_id, logged[pending.op_id])
        elif kind == "rejoin":
            # A fresh welcome: the projection now, through msgpack; unacked
            # ops are resent and acked with the seq they already have.
            wire = codec.unpack(codec.pack(project(server, viewer)))
            replica.load_snapshot(wire)
            for pending in replica.unacked():
                replica.ack(pending.op_id, logged[pending.op_id])
            delivered[i] = server.seq
        else:
            upto = data.draw(st.integers(delivered[i] + 1, server.seq), label="deliver to")
            chunk = frames[i][delivered[i] : upto]
            if data.draw(st.booleans(), label="dup"):
                chunk = [*chunk, frames[i][data.draw(st.integers(0, upto - 1), label="dup of")]]
            msg = codec.decode_server(codec.events_frame(chunk))
            assert isinstance(msg, Events)
            assert replica.apply_events(msg.ev).gap is None
            delivered[i] = upto
        replica.view()  # the optimistic view is always computable
        if delivered[i] == server.seq:
            assert to_wire(replica.confirmed) == project(server, viewer), viewer
    for replica, viewer in zip(replicas, viewers, strict=True):
        assert replica.pending == [], viewer
        assert to_wire(replica.confirmed) == project(server, viewer), viewer
        assert to_wire(replica.view()) == project(server, viewer), viewer
