"""Hubs, their activities and their boards in Redis (keys in ``keys.py``).

Each hub and each activity is one JSON value in a hash. Writes are compare
and set (``cas.lua``): a change is computed in Python from what was read and
stored only if nothing changed meanwhile, else read again — so a coordinator
editing an activity and the lifecycle task linking its board on another node
never undo each other. Creating a hub takes its slug atomically; deleting it
removes its agenda and board index in one script (``drop.lua``).

Nothing caches: every call reads Redis, so every node answers alike.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import replace
from importlib import resources
from typing import Any, cast

from redis.commands.core import AsyncScript

from server.engine.client import Client
from server.hubs import keys
from server.hubs.agenda import MAX_ACTIVITY_MS, Activity, VisitRequest
from server.hubs.model import Contact, Hub

#: Activities one agenda query returns at most: a hub runs a few a day, so
#: a year of agenda fits; a wider query is cut (the feeds ask for less).
MAX_LISTED = 1000
#: Compare-and-set attempts before giving up: two writers on one activity
#: at the same millisecond is rare; ten losses in a row is a bug.
_CAS_TRIES = 10


class Conflict(Exception):
    """A value kept changing under a compare-and-set (or already exists)."""


def _script(name: str) -> str:
    return resources.files("server.hubs").joinpath(name).read_text(encoding="utf-8")


def new_activity_id() -> str:
    """72 random bits, URL-safe, starting with a letter or digit."""
    while True:
        candidate = secrets.token_urlsafe(9)
        if candidate[0].isalnum():
            return candidate


# --- JSON forms ----------------------------------------------------------------


def hub_json(hub: Hub) -> str:
    return json.dumps(
        {
            **hub.public(),
            "coordinators": list(hub.coordinators),
            "screen_gen": hub.screen_gen,
            "created": hub.created,
            "updated": hub.updated,
        },
        ensure_ascii=False,
        sort_keys=True,
    )


def hub_of(raw: bytes | str) -> Hub:
    data = json.loads(raw)
    contact = data.get("contact") or {}
    return Hub(
        slug=data["slug"],
        name=data["name"],
        place=data.get("place", ""),
        description=data.get("description", ""),
        supervisor=data.get("supervisor", ""),
        partners=tuple(data.get("partners", ())),
        students=tuple(data.get("students", ())),
        contact=Contact(**{k: str(contact.get(k, "")) for k in ("email", "phone", "url")}),
        coordinators=tuple(data.get("coordinators", ())),
        screen_gen=int(data.get("screen_gen", 0)),
        created=int(data.get("created", 0)),
        updated=int(data.get("updated", 0)),
    )


def activity_json(activity: Activity) -> str:
    data: dict[str, Any] = {
        "id": activity.id,
        "hub": activity.hub,
        "type": activity.type,
        "title": activity.title,
        "start": activity.start,
        "end": activity.end,
        "status": activity.status,
        "place": activity.place,
        "online": activity.online,
        "description": activity.description,
        "host": activity.host,
        "capacity": activity.capacity,
        "board": activity.board,
        "template": activity.template,
        "freeze": activity.freeze,
        "seq": activity.seq,
        "created": activity.created,
        "updated": activity.updated,
    }
    if activity.request is not None:
        r = activity.request
        data["request"] = {
            "group": r.group,
            "contact": r.contact,
            "size": r.size,
            "wishes": list(r.wishes),
            "message": r.message,
        }
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def activity_of(raw: bytes | str) -> Activity:
    data = json.loads(raw)
    request = data.pop("request", None)
    return Activity(
        **data,
        request=None
        if request is None
        else VisitRequest(
            group=request["group"],
            contact=request["contact"],
            size=int(request["size"]),
            wishes=tuple(int(w) for w in request["wishes"]),
            message=request.get("message", ""),
        ),
    )


class HubStore:
    """Hubs, activities and the hub→boards index. Every method is one or a
    few round trips; the guarantees are the scripts' (atomic per call)."""

    def __init__(self, client: Client) -> None:
        self.redis = client
        self._cas: AsyncScript = client.register_script(_script("cas.lua"))
        self._drop: AsyncScript = client.register_script(_script("drop.lua"))
        self._attach: AsyncScript = client.register_script(_script("attach.lua"))

    # --- hubs ----------------------------------------------------------------

    async def _hub_raw(self, slug: str) -> bytes | None:
        return cast(bytes | None, await self.redis.hget(keys.HUBS, slug))

    async def get(self, slug: str) -> Hub | None:
        raw = await self._hub_raw(slug)
        return None if raw is None else hub_of(raw)

    async def all(self) -> list[Hub]:
        """Every hub, by name."""
        raw = cast(dict[bytes, bytes], await self.redis.hgetall(keys.HUBS))
        return sorted((hub_of(v) for v in raw.values()), key=lambda h: (h.name.lower(), h.slug))

    async def create(self, hub: Hub) -> bool:
        """Store a new hub; False when its slug is taken."""
        written = await self._cas(
            keys=[keys.HUBS, keys.HUBS], args=[hub.slug, "", hub_json(hub), ""]
        )
        return bool(written)

    async def put(self, before: Hub, after: Hub) -> bool:
        """Replace ``before`` by ``after`` if the stored hub is still
        ``before``; False when it changed (or went) meanwhile."""
        raw = await self._hub_raw(before.slug)
        if raw is None or hub_of(raw) != before:
            return False
        old = raw.decode()
        written = await self._cas(
            keys=[keys.HUBS, keys.HUBS], args=[after.slug, old, hub_json(after), ""]
        )
        return bool(written)

    async def delete(self, slug: str) -> bool:
        found = await self._drop(
            keys=[
                keys.HUBS,
                keys.BOARD_HUB,
                keys.activities(slug),
                keys.when(slug),
                keys.boards(slug),
                keys.public(slug),
            ],
            args=[slug],
        )
        return bool(found)

    async def next_screen_gen(self, slug: str) -> Hub | None:
        """Replace the hub's screen link (bump its generation); the hub as
        stored after, or None when there is no such hub."""
        for _ in range(_CAS_TRIES):
            hub = await self.get(slug)
            if hub is None:
                return None
            after = replace(hub, screen_gen=hub.screen_gen + 1)
            if await self.put(hub, after):
                return after
        raise Conflict(slug)

    # --- activities --------------------------------------------------------------

    async def _activity_raw(self, slug: str, id: str) -> bytes | None:
        return cast(bytes | None, await self.redis.hget(keys.activities(slug), id))

    async def activity(self, slug: str, id: str) -> Activity | None:
        raw = await self._activity_raw(slug, id)
        return None if raw is None else activity_of(raw)

    async def add_activity(self, activity: Activity) -> None:
        slug = activity.hub
        written = await self._cas(
            keys=[keys.activities(slug), keys.when(slug)],
            args=[activity.id, "", activity_json(activity), activity.start],
        )
        if not written:
            raise Conflict(activity.id)

    async def _put_activity(self, old: bytes, after: Activity) -> bool:
        """Store ``after`` if the stored value is still ``old``."""
        slug = after.hub
        written = await self._cas(
            keys=[keys.activities(slug), keys.when(slug)],
            args=[after.id, old, activity_json(after), after.start],
        )
        return bool(written)

    async def update_activity(
        self, slug: str, id: str, change: Callable[[Activity], Activity]
    ) -> tuple[Activity, Activity] | None:
        """Read, ``change(activity) -> activity`` (pure; may raise), store
        with compare and set, again on a race. (before, after), or None when
        there is no such activity."""
        for _ in range(_CAS_TRIES):
            raw = await self._activity_raw(slug, id)
            if raw is None:
                return None
            before = activity_of(raw)
            after = change(before)
            if after == before or await self._put_activity(raw, after):
                return before, after
        raise Conflict(id)

    async def delete_activity(self, slug: str, id: str) -> bool:
        removed = int(await self.redis.hdel(keys.activities(slug), id))
        await self.redis.zrem(keys.when(slug), id)
        return removed > 0

    async def activities(
        self, slug: str, start: int | None = None, end: int | None = None, *, public: bool = False
    ) -> list[Activity]:
        """Activities overlapping [start, end) (UTC ms; None: unbounded),
        soonest first, at most ``MAX_LISTED``. ``public``: only the public
        ones (``Activity.public``), read past the others page by page —
        pending and declined visit requests, which anyone may send, once
        filled the ``MAX_LISTED`` and hid the real agenda from its pages,
        feeds, screen and lifecycle."""
        low: float | str = "-inf" if start is None else start - MAX_ACTIVITY_MS
        high: float | str = "+inf" if end is None else f"({end}"
        found: list[Activity] = []
        offset = 0
        while len(found) < MAX_LISTED:
            ids = cast(
                list[bytes],
                await self.redis.zrangebyscore(
                    keys.when(slug), low, high, start=offset, num=MAX_LISTED
                ),
            )
            if not ids:
                break
            raws = cast(list[bytes | None], await self.redis.hmget(keys.activities(slug), ids))
            page = [activity_of(r) for r in raws if r is not None]
            found += [
                a for a in page if (start is None or a.end > start) and (a.public or not public)
            ]
            if not public or len(ids) < MAX_LISTED:
                break
            offset += len(ids)
        return sorted(found, key=lambda a: (a.start, a.id))[:MAX_LISTED]

    # --- boards --------------------------------------------------------------------

    async def hub_of_board(self, board: str) -> str | None:
        raw = cast(bytes | None, await self.redis.hget(keys.BOARD_HUB, board))
        return None if raw is None else raw.decode()

    async def attach(self, board: str, slug: str | None, *, public: bool, now: int) -> bool:
        """Put ``board`` in hub ``slug`` (listed publicly or not), moving it
        out of any other hub; ``slug=None`` takes it out. False: no such hub."""
        for _ in range(_CAS_TRIES):
            old = await self.hub_of_board(board) or ""
            new = slug or ""
            result = int(
                await self._attach(
                    keys=[
                        keys.HUBS,
                        keys.BOARD_HUB,
                        keys.boards(new or old or "-"),
                        keys.public(new or old or "-"),
                        keys.boards(old or new or "-"),
                        keys.public(old or new or "-"),
                    ],
                    args=[board, new, "1" if public else "0", now, old],
                )
            )
            if result >= 0:
                return result == 1
        raise Conflict(board)

    async def boards(self, slug: str) -> list[tuple[str, bool]]:
        """The hub's boards (id, public), newest first."""
        raw = cast(list[bytes], await self.redis.zrevrange(keys.boards(slug), 0, MAX_LISTED - 1))
        public = cast(set[bytes], await self.redis.smembers(keys.public(slug)))
        return [(b.decode(), b in public) for b in raw]

    async def claim(self, activity: str, step: str, ttl_s: int) -> bool:
        """Claim an activity's lifecycle ``step`` for this node (SET NX): True
        for exactly one caller until the claim expires."""
        return bool(await self.redis.set(keys.transition(activity, step), "1", nx=True, ex=ttl_s))
