"""Presence on the client side (SPEC §7): apply a ``presence`` message to
the member list a client holds. A full list replaces it; a delta (to
clients that asked for deltas in their hello) adds or replaces the members
that joined or were updated, and drops those that left, by ``conn``."""

from __future__ import annotations

from protocol.messages import Member, Presence


def member_order(m: Member) -> tuple[str, str]:
    """The order of a member list: by name, case-insensitively, then key."""
    return (m.name.lower(), m.conn)


def apply_presence(members: dict[str, Member], msg: Presence) -> dict[str, Member]:
    """``members`` (by ``conn``) after ``msg``; ``members`` is not changed.
    A message with ``members`` and delta fields is the full list, then the
    delta (servers send either, never both)."""
    out = {m.conn: m for m in msg.members} if msg.members is not None else dict(members)
    for m in (*(msg.joined or ()), *(msg.updated or ())):
        out[m.conn] = m
    for conn in msg.left or ():
        out.pop(conn, None)
    return out
