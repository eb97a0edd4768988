"""Agenda-aware boards: an activity's board is made when it starts and
frozen and filed when it ends.

Every node runs :func:`tick` periodically (``HubService``); each step of an
activity (``start``, ``end``) is claimed with a Redis ``SET NX`` first, so
with several nodes it runs once. ``now`` is a parameter: tests call ``tick``
with any time they like instead of waiting.

* **start** — a confirmed activity under way, with a ``template`` and no
  board yet: the board is made from the template (server/library,
  ``create_from_template``), put in the hub, and linked to the activity.
* **end** — a confirmed activity that ended, with ``freeze`` and a board:
  the board is locked through its own log (a system ``board.set`` with
  ``locked``, so every open board sees it at once), archived, and kept in
  the hub's board index (its library).

A step that fails (storage away, an unknown template) gives its claim back,
so a later tick tries again.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import replace
from typing import TYPE_CHECKING

from redis.exceptions import RedisError

from protocol import codec
from protocol.ops import BoardSet
from server.engine.store import BoardNotFound
from server.hubs import keys
from server.hubs.agenda import Activity
from server.hubs.store import HubStore

if TYPE_CHECKING:
    from server.node import Node

log = logging.getLogger("prikbord.hubs")

#: An activity whose end passed longer ago than this is left alone: a node
#: that was down for days does not freeze boards people have used since.
CATCHUP_MS = 24 * 3600 * 1000
#: A claim outlives the catch-up window, so a finished step is never
#: picked up again by a later tick.
CLAIM_TTL_S = 2 * CATCHUP_MS // 1000


async def tick(node: Node, store: HubStore, now: int) -> list[tuple[str, str]]:
    """Run the steps due at ``now`` for every hub; returns what ran, as
    (activity id, step) pairs (for tests and logs)."""
    done: list[tuple[str, str]] = []
    for hub in await store.all():
        window = await store.activities(hub.slug, now - CATCHUP_MS, now + 1, public=True)
        for activity in window:
            if activity.status != "confirmed":
                continue
            if _starts(activity, now) and await _start(node, store, activity, now):
                done.append((activity.id, "start"))
            elif _ends(activity, now) and await _end(node, store, activity, now):
                done.append((activity.id, "end"))
    return done


def _starts(a: Activity, now: int) -> bool:
    return bool(a.template) and not a.board and a.start <= now < a.end


def _ends(a: Activity, now: int) -> bool:
    return a.freeze and bool(a.board) and a.end <= now < a.end + CATCHUP_MS


async def _start(node: Node, store: HubStore, activity: Activity, now: int) -> bool:
    from server.library.boards import CreateFailed, create_from_template
    from server.library.templates import UnknownTemplate

    if not await store.claim(activity.id, "start", CLAIM_TTL_S):
        return False
    try:
        board = await create_from_template(
            node, activity.template, title=activity.title, owner=None, hub=activity.hub
        )
        await store.attach(board, activity.hub, public=False, now=now)
        await store.update_activity(
            activity.hub, activity.id, lambda a: a if a.board else replace(a, board=board)
        )
    except (UnknownTemplate, CreateFailed, RedisError, OSError) as exc:
        log.warning("activity %s: making its board failed: %s", activity.id, exc)
        await _give_back(store, activity.id, "start")
        return False
    log.info("activity %s started: board %s", activity.id, board)
    return True


async def _end(node: Node, store: HubStore, activity: Activity, now: int) -> bool:
    if not await store.claim(activity.id, "end", CLAIM_TTL_S):
        return False
    board = activity.board
    op = BoardSet(type="board.set", locked=True)
    op_id = f"freeze-{secrets.token_hex(6)}"
    head, tail = codec.event_parts(
        op_id=op_id, actor="system", name="Prikbord", role="facilitator", at=now, op=op
    )
    try:
        await node.store.append(board, f"system:{op_id}", head, tail)
        await node.accounts.boards.set_archived(board, True)
        if await store.hub_of_board(board) is None:
            await store.attach(board, activity.hub, public=False, now=now)
    except BoardNotFound:
        log.info("activity %s ended: its board %s is gone", activity.id, board)
        return False
    except (RedisError, OSError) as exc:
        log.warning("activity %s: freezing board %s failed: %s", activity.id, board, exc)
        await _give_back(store, activity.id, "end")
        return False
    log.info("activity %s ended: board %s frozen and filed", activity.id, board)
    return True


async def _give_back(store: HubStore, activity: str, step: str) -> None:
    try:
        await store.redis.delete(keys.transition(activity, step))
    except (RedisError, OSError) as exc:  # it expires by itself
        log.warning("activity %s: giving back claim %s failed: %s", activity, step, exc)
