"""Hubs in ``prikbord admin backup/restore`` (server/backup.py).

One record per hub: the hub as stored (with its coordinators and its
screen link's generation, so a screen link handed out before the backup
keeps working — with the same signing secret — and one replaced before it
stays dead), its activities (visit requests are activities with a
``request``, pending ones too), its boards with the time each joined and
whether the hub's public page lists it, and the lifecycle claims of steps
already run with their remaining time (else a restored server would lock
a finished activity's board once more).

Why through the store's scripts and not a raw key copy: the agenda's time
index (``when``) must follow each activity's start, and the board→hub hash
must agree with every hub's board set and public set. The reader takes a
hub in one script (``dump.lua``); the writer puts the hub and each activity
with ``cas.lua`` (which writes the time index from the activity itself)
and each board with ``attach.lua`` (which keeps the three board indexes in
step), so a restored hub holds the same invariants as one made through
the API. Every value is parsed with the store's own ``hub_of`` /
``activity_of`` before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, cast

from server.engine.client import SyncClient
from server.hubs import keys
from server.hubs.agenda import ACTIVITY_ID_RE, BOARD_ID_RE
from server.hubs.model import SLUG_RE
from server.hubs.store import activity_of, hub_of

#: The lifecycle steps that leave a claim (server/hubs/lifecycle.py).
STEPS = ("start", "end")


class BadRecord(ValueError):
    """A hub record that does not parse as the store's values."""


@dataclass(slots=True)
class HubRecord:
    slug: str
    #: the hub's JSON as stored
    hub: str
    #: activity JSON values as stored, by id
    activities: dict[str, str] = field(default_factory=dict)
    #: (board id, ms it joined the hub, listed on the public page)
    boards: list[tuple[str, int, bool]] = field(default_factory=list)
    #: (activity id, step, ms the claim has left)
    claims: list[tuple[str, str, int]] = field(default_factory=list)

    def to_file(self) -> dict[str, Any]:
        return {
            "hub": self.slug,
            "value": self.hub,
            "activities": self.activities,
            "boards": [list(b) for b in self.boards],
            "claims": [list(c) for c in self.claims],
        }


def _script(client: SyncClient, name: str) -> Any:
    text = resources.files("server.hubs").joinpath(name).read_text(encoding="utf-8")
    return client.register_script(text)


def check(obj: dict[str, Any]) -> HubRecord:
    """The record with every value parsed as the store parses it; BadRecord."""
    try:
        slug = str(obj["hub"])
        if not SLUG_RE.fullmatch(slug) or hub_of(str(obj["value"])).slug != slug:
            raise BadRecord(f"hub {slug!r}: not a stored hub")
        record = HubRecord(slug, str(obj["value"]))
        for id_, raw in dict(obj["activities"]).items():
            activity = activity_of(str(raw))
            if activity.id != id_ or activity.hub != slug or not ACTIVITY_ID_RE.fullmatch(id_):
                raise BadRecord(f"hub {slug}: activity {id_!r} is not this hub's")
            record.activities[id_] = str(raw)
        for board, joined, public in obj["boards"]:
            if not BOARD_ID_RE.fullmatch(str(board)):
                raise BadRecord(f"hub {slug}: {board!r} is not a board id")
            record.boards.append((str(board), int(joined), bool(public)))
        for activity_id, step, left_ms in obj["claims"]:
            if activity_id not in record.activities or step not in STEPS:
                raise BadRecord(f"hub {slug}: a claim of {activity_id!r} {step!r}")
            record.claims.append((str(activity_id), str(step), int(left_ms)))
    except BadRecord:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise BadRecord(f"hub record: {exc!r}") from exc
    return record


def dump(client: SyncClient) -> Iterator[HubRecord]:
    """Every hub, by slug, each read in one step."""
    read = _script(client, "dump.lua")
    slugs = sorted(b.decode() for b in cast(list[bytes], client.hkeys(keys.HUBS)))
    for slug in slugs:
        hub, acts, boards, public = read(
            keys=[keys.HUBS, keys.activities(slug), keys.boards(slug), keys.public(slug)],
            args=[slug],
        )
        if not hub:  # deleted since the list was read
            continue
        listed = {b.decode() for b in public}
        record = HubRecord(slug, hub.decode())
        record.activities = {
            i.decode(): v.decode() for i, v in zip(acts[::2], acts[1::2], strict=True)
        }
        record.boards = [
            (b.decode(), int(float(s)), b.decode() in listed)
            for b, s in zip(boards[::2], boards[1::2], strict=True)
        ]
        for activity_id in sorted(record.activities):
            for step in STEPS:
                left = int(client.pttl(keys.transition(activity_id, step)))
                if left > 0:
                    record.claims.append((activity_id, step, left))
        yield record


class Loader:
    """Writes checked hub records back through the store's scripts."""

    def __init__(self, client: SyncClient) -> None:
        self.client = client
        self._cas = _script(client, "cas.lua")
        self._drop = _script(client, "drop.lua")
        self._attach = _script(client, "attach.lua")

    def load(self, record: HubRecord, *, replace: bool) -> bool:
        """Put the hub back with its agenda, boards and claims. An existing
        hub is left alone (False) unless ``replace``: then it is dropped
        first (``drop.lua``), so the file's agenda is the whole agenda."""
        slug = record.slug
        if self.client.hexists(keys.HUBS, slug):
            if not replace:
                return False
            self._drop(
                keys=[
                    keys.HUBS, keys.BOARD_HUB, keys.activities(slug), keys.when(slug),
                    keys.boards(slug), keys.public(slug),
                ],
                args=[slug],
            )  # fmt: skip
        if not self._cas(keys=[keys.HUBS, keys.HUBS], args=[slug, "", record.hub, ""]):
            return False  # made meanwhile by a running server: theirs wins
        for id_, raw in record.activities.items():
            start = activity_of(raw).start
            self._cas(keys=[keys.activities(slug), keys.when(slug)], args=[id_, "", raw, start])
        for board, joined, public in record.boards:
            self._attach_board(board, slug, public, joined)
        for activity_id, step, left_ms in record.claims:
            self.client.set(keys.transition(activity_id, step), "1", nx=True, px=left_ms)
        return True

    def _attach_board(self, board: str, slug: str, public: bool, joined: int) -> None:
        """``attach.lua`` as ``HubStore.attach`` runs it: moved out of any
        other hub, into this one, at the time it first joined."""
        for _ in range(10):  # another writer moving the board meanwhile: read again
            old = cast(bytes | None, self.client.hget(keys.BOARD_HUB, board))
            was = old.decode() if old else ""
            done = int(
                self._attach(
                    keys=[
                        keys.HUBS, keys.BOARD_HUB, keys.boards(slug), keys.public(slug),
                        keys.boards(was or slug), keys.public(was or slug),
                    ],
                    args=[board, slug, "1" if public else "0", joined, was],
                )
            )  # fmt: skip
            if done >= 0:
                return
