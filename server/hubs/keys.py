"""Redis key names of hubs. Every key shares the hash tag ``{hubs}``: on a
Redis Cluster they all live on one shard, so the scripts that touch a hub,
its activities and its board index together stay atomic. Hubs are few (five
today) and their agendas small, so one shard holds them easily."""

from __future__ import annotations

PREFIX = "prikbord:{hubs}:"

#: hash: slug → hub JSON
HUBS = PREFIX + "hubs"
#: hash: board id → slug (the hub a board belongs to; one at most)
BOARD_HUB = PREFIX + "board"


def activities(slug: str) -> str:
    """hash: activity id → activity JSON"""
    return f"{PREFIX}h:{slug}:a"


def when(slug: str) -> str:
    """zset: activity id → start (UTC ms), for agenda ranges"""
    return f"{PREFIX}h:{slug}:when"


def boards(slug: str) -> str:
    """zset: board id → ms it joined the hub"""
    return f"{PREFIX}h:{slug}:boards"


def public(slug: str) -> str:
    """set: the hub's boards listed on its public page"""
    return f"{PREFIX}h:{slug}:public"


def transition(activity: str, step: str) -> str:
    """string: claimed (SET NX) by the node that runs an activity's
    ``start`` or ``end`` step, so it runs once however many nodes tick"""
    return f"{PREFIX}t:{activity}:{step}"
