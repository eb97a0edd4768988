"""The stored and published forms of presence (presence.lua).

A board's presence is one entry per connection: a msgpack map of the
member's fields plus ``at`` (when it was written, ms). Every write that
changes the set publishes the change itself on the board's "changed"
channel, so a node keeps its copy of the board's presence from those
messages alone and never re-reads the whole set per change (that was O(N)
per join, O(N²) for N joining: BENCHMARKS.md, "Join storms").
"""

from __future__ import annotations

from dataclasses import dataclass

import msgpack

from protocol import codec
from protocol.messages import Member


@dataclass(frozen=True, slots=True)
class Entry:
    """One connection's presence: its member (``conn`` is the actor, the
    member's stable key) and when it was written. The newest entry of an
    actor's connections names the member."""

    at: int
    member: Member


@dataclass(frozen=True, slots=True)
class PresenceChange:
    """One published change: ``put`` a connection's entry (None when the
    write stored none) and connections ``removed`` (closed or expired)."""

    put: tuple[str, Entry] | None
    removed: tuple[str, ...]


def encode_entry(member: Member, now_ms: int) -> bytes:
    return codec.pack({**member.model_dump(exclude={"conn"}, exclude_none=True), "at": now_ms})


def decode_entry(value: bytes) -> Entry | None:
    """An entry as stored; None for one this version cannot read (written by
    another version: it is skipped, never fatal)."""
    try:
        fields = codec.unpack(value)
        at = int(fields.pop("at"))
        member = Member.model_validate({**fields, "conn": fields["actor"]})
    except Exception:
        return None
    return Entry(at, member)


def decode_change(data: bytes) -> PresenceChange | None:
    """A message of the "changed" channel → the change; None when it is not
    one (an empty message from a node of an older version, which published
    only that something changed): the reader then re-reads the whole set."""
    try:
        mode, conn, value, expired = msgpack.unpackb(data, raw=True)
        removed = [bytes(c).decode() for c in expired]
        put = None
        if mode == b"put" and value:
            entry = decode_entry(bytes(value))
            if entry is not None:
                put = (bytes(conn).decode(), entry)
        elif mode == b"remove" and conn:
            removed.append(bytes(conn).decode())
    except (ValueError, TypeError, UnicodeDecodeError, msgpack.UnpackException):
        return None
    return PresenceChange(put, tuple(removed))
