"""Applying presence messages on a client (protocol/presence.py, SPEC §7)."""

from __future__ import annotations

from protocol.messages import Member, Presence
from protocol.presence import apply_presence


def m(actor: str, name: str, card: str | None = None) -> Member:
    return Member(conn=actor, actor=actor, name=name, role="participant", card=card)


def test_a_full_list_replaces_and_deltas_change_it() -> None:
    held = {"old": m("old", "Old")}
    full = apply_presence(held, Presence(t="presence", members=[m("a", "A"), m("b", "B")]))
    assert set(full) == {"a", "b"} and set(held) == {"old"}  # the input is not changed
    after = apply_presence(
        full,
        Presence(t="presence", joined=[m("c", "C")], updated=[m("a", "A", "k1")], left=["b"]),
    )
    assert after == {"a": m("a", "A", "k1"), "c": m("c", "C")}
    assert apply_presence(after, Presence(t="presence", left=["nobody"])) == after
