"""Who is on one board, as this node knows it: a copy of the board's
presence entries kept from the published changes (server/engine/presence.py),
and the member list clients were last told, so each change goes out as a
delta (SPEC §7): members that joined, changed or left.

Pure bookkeeping, no I/O: the hub feeds it changes and a full re-read now
and then (after a pub/sub reconnect), and takes a delta when it flushes.
Every step costs in proportion to what changed, not to the board's size;
only the full list (sent once per join) is O(N).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from protocol.messages import Member
from protocol.presence import member_order
from server.engine.presence import Entry, PresenceChange


@dataclass(frozen=True, slots=True)
class Delta:
    """Changes to the member list since the last delta, keyed by ``conn``
    (the member's stable key)."""

    joined: list[Member] = field(default_factory=list)
    updated: list[Member] = field(default_factory=list)
    left: list[str] = field(default_factory=list)


class Roster:
    def __init__(self) -> None:
        #: connection id → its entry
        self._entries: dict[str, Entry] = {}
        #: actor → its connections with an entry
        self._conns: dict[str, set[str]] = {}
        #: actor → the member as clients were last told
        self._told: dict[str, Member] = {}
        #: actors whose member may differ from ``_told``
        self._dirty: set[str] = set()
        #: Grows with each non-empty delta: the full list is cached per version.
        self.version = 0

    def __len__(self) -> int:
        """Members as clients were last told."""
        return len(self._told)

    def members(self) -> list[Member]:
        """The full list as clients were last told (deltas continue it)."""
        return sorted(self._told.values(), key=member_order)

    def apply(self, change: PresenceChange) -> None:
        """One published change. Repeats and stale puts are harmless: a put
        older than the entry held (by ``at``) is ignored, removals are
        idempotent, so changes may be applied again after a re-read."""
        for conn in change.removed:
            self._remove(conn)
        if change.put is not None:
            conn, entry = change.put
            held = self._entries.get(conn)
            if held is not None and held.at > entry.at:
                return
            if held is not None and held.member.actor != entry.member.actor:
                self._remove(conn)
            self._entries[conn] = entry
            self._conns.setdefault(entry.member.actor, set()).add(conn)
            self._dirty.add(entry.member.actor)

    def replace(self, entries: dict[str, Entry]) -> None:
        """A full re-read: the entries now, whatever changes were missed."""
        for conn in [c for c in self._entries if c not in entries]:
            self._remove(conn)
        for conn, entry in entries.items():
            held = self._entries.get(conn)
            if held != entry:
                if held is not None:
                    self._remove(conn)
                self._entries[conn] = entry
                self._conns.setdefault(entry.member.actor, set()).add(conn)
                self._dirty.add(entry.member.actor)

    def take_delta(self) -> Delta | None:
        """What changed for clients since the last call (None: nothing), and
        remember it as told."""
        if not self._dirty:
            return None
        delta = Delta()
        for actor in self._dirty:
            now = self._member_of(actor)
            before = self._told.get(actor)
            if now is None:
                if before is not None:
                    del self._told[actor]
                    delta.left.append(before.conn)
            elif before is None:
                self._told[actor] = now
                delta.joined.append(now)
            elif now != before:
                self._told[actor] = now
                delta.updated.append(now)
        self._dirty.clear()
        if not (delta.joined or delta.updated or delta.left):
            return None
        self.version += 1
        return delta

    def _member_of(self, actor: str) -> Member | None:
        """The actor's member: its connection written last names it."""
        conns = self._conns.get(actor)
        if not conns:
            return None
        newest = max(conns, key=lambda c: (self._entries[c].at, c))
        return self._entries[newest].member

    def _remove(self, conn: str) -> None:
        entry = self._entries.pop(conn, None)
        if entry is None:
            return
        actor = entry.member.actor
        conns = self._conns.get(actor)
        if conns is not None:
            conns.discard(conn)
            if not conns:
                del self._conns[actor]
        self._dirty.add(actor)
