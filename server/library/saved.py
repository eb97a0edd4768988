"""Saved templates ("save this board as a template"), kept in Redis.

A saved template belongs to a hub (every coordinator of the hub may use
it) or to one account (personal). Each is one hash
``prikbord:tpl:<id>`` (name, scope, created, the packed template state in
the snapshot form) and an entry in its scope's sorted set
``prikbord:tpls:<scope>`` (by creation time), so a scope's list is one
range read. Templates are not boards: no log, no links, no hash tag.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import cast

from protocol import codec
from protocol.model import BoardState, from_wire, to_wire
from server.engine.snapshots import state_of
from server.engine.store import now_ms
from server.library import templates
from server.node import Node


class TooMany(Exception):
    """The scope already has as many templates as it may keep
    (``Settings.library_saved_templates``)."""


@dataclass(frozen=True, slots=True)
class SavedTemplate:
    id: str
    name: str
    scope: str  # "hub:<slug>" | "user:<username>"
    created: int

    def public(self) -> dict[str, str | int]:
        return {"id": self.id, "name": self.name, "scope": self.scope, "created": self.created}


def _key(template_id: str) -> str:
    return f"prikbord:tpl:{template_id}"


def _index(scope: str) -> str:
    return f"prikbord:tpls:{scope}"


def scope_of(*, hub: str | None, owner: str | None) -> str | None:
    if hub is not None:
        return f"hub:{hub}"
    if owner is not None:
        return f"user:{owner}"
    return None


async def save(node: Node, state: BoardState, *, name: str, scope: str, cap: int) -> SavedTemplate:
    """Keep ``templates.from_board(state)`` as a template named ``name``;
    TooMany when the scope has ``cap`` already."""
    redis = node.store.redis
    if await redis.zcard(_index(scope)) >= cap:
        raise TooMany(scope)
    tpl = templates.from_board(state, now=now_ms())
    tpl.settings.title = name
    template_id = "t" + secrets.token_urlsafe(9)
    created = now_ms()
    form = codec.pack(to_wire(tpl))
    await redis.hset(
        _key(template_id),
        mapping={"name": name, "scope": scope, "created": created, "state": form, "v": 2},
    )
    await redis.zadd(_index(scope), {template_id: created})
    return SavedTemplate(template_id, name, scope, created)


async def listed(node: Node, scope: str) -> list[SavedTemplate]:
    """A scope's templates, newest first."""
    redis = node.store.redis
    ids = [b.decode() for b in cast(list[bytes], await redis.zrevrange(_index(scope), 0, -1))]
    out = []
    for template_id in ids:
        got = await get(node, template_id)
        if got is not None:
            out.append(got)
    return out


async def get(node: Node, template_id: str) -> SavedTemplate | None:
    values = cast(
        list[bytes | None],
        await node.store.redis.hmget(_key(template_id), ["name", "scope", "created"]),
    )
    name, scope, created = values
    if name is None or scope is None or created is None:
        return None
    return SavedTemplate(template_id, name.decode(), scope.decode(), int(created))


async def delete(node: Node, template_id: str) -> bool:
    got = await get(node, template_id)
    if got is None:
        return False
    await node.store.redis.delete(_key(template_id))
    await node.store.redis.zrem(_index(got.scope), template_id)
    return True


async def template_state(
    node: Node, template_id: str, *, hub: str | None, owner: str | None
) -> BoardState | None:
    """The state a template makes: a built-in, or a saved one of the hub's
    or the owner's own scope (another scope's is not found: ids are not
    secrets, scopes are the permission)."""
    built = templates.builtin_state(template_id, now=now_ms())
    if built is not None:
        return built
    got = await get(node, template_id)
    allowed = {s for s in (scope_of(hub=hub, owner=None), scope_of(hub=None, owner=owner)) if s}
    if got is None or got.scope not in allowed:
        return None
    raw, version = cast(
        list[bytes | None], await node.store.redis.hmget(_key(template_id), ["state", "v"])
    )
    if raw is None:
        return None
    state = state_of("template", bytes(raw), int(version or 2))
    now = now_ms()
    for card in state.cards.values():
        card.created_at = card.updated_at = now
    return from_wire(to_wire(state))
