"""The node's copy of a board's presence (server/roster.py) and the
published change form (server/engine/presence.py): deltas name only what
changed; repeats, stale puts and re-reads are harmless."""

from __future__ import annotations

import msgpack

from protocol.messages import Member
from server.engine.presence import Entry, PresenceChange, decode_change, encode_entry
from server.roster import Roster


def member(actor: str, name: str, card: str | None = None) -> Member:
    return Member(conn=actor, actor=actor, name=name, role="participant", card=card)


def put(conn: str, at: int, m: Member) -> PresenceChange:
    return PresenceChange(put=(conn, Entry(at, m)), removed=())


def gone(*conns: str) -> PresenceChange:
    return PresenceChange(put=None, removed=conns)


def test_a_join_an_update_and_a_leave_are_deltas() -> None:
    r = Roster()
    r.apply(put("c1", 1, member("ann", "Ann")))
    r.apply(put("c2", 2, member("bob", "Bob")))
    d = r.take_delta()
    assert d is not None and {m.name for m in d.joined} == {"Ann", "Bob"}
    assert not d.updated and not d.left
    assert r.take_delta() is None  # nothing new

    r.apply(put("c1", 3, member("ann", "Ann", card="k1")))
    d = r.take_delta()
    assert d is not None and d.updated == [member("ann", "Ann", card="k1")] and not d.joined

    r.apply(gone("c2"))
    d = r.take_delta()
    assert d is not None and d.left == ["bob"]
    assert r.members() == [member("ann", "Ann", card="k1")]


def test_two_connections_of_one_actor_are_one_member() -> None:
    r = Roster()
    r.apply(put("tab1", 1, member("ann", "Ann")))
    r.apply(put("tab2", 2, member("ann", "Ann B", card="k2")))
    d = r.take_delta()
    assert d is not None and d.joined == [member("ann", "Ann B", card="k2")]
    r.apply(gone("tab2"))  # the other tab is still open: back to its entry
    d = r.take_delta()
    assert d is not None and d.updated == [member("ann", "Ann")] and not d.left
    r.apply(gone("tab1"))
    d = r.take_delta()
    assert d is not None and d.left == ["ann"]


def test_repeats_and_stale_puts_change_nothing() -> None:
    r = Roster()
    r.apply(put("c1", 5, member("ann", "Ann", card="new")))
    r.take_delta()
    r.apply(put("c1", 3, member("ann", "Ann", card="old")))  # older than held
    r.apply(put("c1", 5, member("ann", "Ann", card="new")))  # a repeat
    r.apply(gone("nobody"))
    assert r.take_delta() is None


def test_a_reread_replaces_what_was_missed() -> None:
    r = Roster()
    r.apply(put("c1", 1, member("ann", "Ann")))
    r.apply(put("c2", 1, member("bob", "Bob")))
    r.take_delta()
    r.replace({"c2": Entry(1, member("bob", "Bob")), "c3": Entry(4, member("cy", "Cy"))})
    d = r.take_delta()
    assert d is not None and d.left == ["ann"] and d.joined == [member("cy", "Cy")]
    assert not d.updated
    version = r.version
    r.replace({"c2": Entry(1, member("bob", "Bob")), "c3": Entry(4, member("cy", "Cy"))})
    assert r.take_delta() is None and r.version == version


def test_members_are_sorted_by_name() -> None:
    r = Roster()
    for i, name in enumerate(["bob", "Ann", "cy"]):
        r.apply(put(f"c{i}", i, member(f"a{i}", name)))
    r.take_delta()
    assert [m.name for m in r.members()] == ["Ann", "bob", "cy"]


def test_published_changes_decode() -> None:
    entry = encode_entry(member("ann", "Ann", card="k1"), 7)
    data = msgpack.packb([b"put", b"c1", entry, [b"x1", b"x2"]])
    assert decode_change(data) == PresenceChange(
        put=("c1", Entry(7, member("ann", "Ann", card="k1"))), removed=("x1", "x2")
    )
    removed = decode_change(msgpack.packb([b"remove", b"c1", b"", []]))
    assert removed == PresenceChange(put=None, removed=("c1",))
    # A put over the cap stores nothing; an older node publishes only "changed".
    assert decode_change(msgpack.packb([b"put", b"", b"", []])) == PresenceChange(None, ())
    assert decode_change(b"") is None
    assert decode_change(b"\x93\x01\x02\x03") is None
