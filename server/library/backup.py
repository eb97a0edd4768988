"""Saved templates in ``prikbord admin backup/restore`` (server/backup.py).

A saved template is one hash (name, scope, created, the packed state and
its form version) and an entry in its scope's index (``saved.py``). The
scopes are the hubs' (``hub:<slug>``) and the accounts' (``user:<name>``),
so the backup reads each hub's and each account's index: templates of a
hub or account that no longer exists are left out (nobody can use them).

The writer checks that the state unpacks as a board state (the same
``state_of`` a board made from it runs) before writing, then writes the
hash and its index entry — the index is the store's only invariant (a
template listed in its scope's index exists), so the hash goes first. Keys
carry no hash tag (templates are not boards); on a cluster each is on the
shard its name hashes to, as in ``saved.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, cast

from server.engine.client import SyncClient
from server.engine.snapshots import state_of

#: Template ids as ``saved.save`` makes them ("t" + 12 URL-safe characters),
#: with room; nothing that could split a key.
TEMPLATE_ID_RE = re.compile(r"t[A-Za-z0-9_-]{6,40}")
#: Scopes as ``saved.scope_of`` makes them.
SCOPE_RE = re.compile(r"(hub:[a-z0-9-]{1,40}|user:[a-z0-9][a-z0-9._@+-]{1,63})")


class BadRecord(ValueError):
    """A template record whose state does not unpack, or names that are not
    a stored template's."""


def _key(template_id: str) -> str:  # as saved._key
    return f"prikbord:tpl:{template_id}"


def _index(scope: str) -> str:  # as saved._index
    return f"prikbord:tpls:{scope}"


@dataclass(frozen=True, slots=True)
class TemplateRecord:
    id: str
    name: str
    scope: str
    created: int
    state: bytes
    version: int

    def to_file(self) -> dict[str, Any]:
        return {
            "template": self.id, "name": self.name, "scope": self.scope,
            "created": self.created, "state": self.state, "v": self.version,
        }  # fmt: skip


def check(obj: dict[str, Any]) -> TemplateRecord:
    """The record, its state unpacked once to prove it; BadRecord."""
    try:
        record = TemplateRecord(
            id=str(obj["template"]), name=str(obj["name"]), scope=str(obj["scope"]),
            created=int(obj["created"]), state=bytes(obj["state"]), version=int(obj["v"]),
        )  # fmt: skip
        if not TEMPLATE_ID_RE.fullmatch(record.id) or not SCOPE_RE.fullmatch(record.scope):
            raise BadRecord(f"template {record.id!r} in {record.scope!r}: not a stored one")
        state_of("template", record.state, record.version)
    except BadRecord:
        raise
    except Exception as exc:  # the snapshot reader raises many kinds on bad bytes
        raise BadRecord(f"template record: {exc}") from exc
    return record


def dump(client: SyncClient, scopes: Iterable[str]) -> Iterator[TemplateRecord]:
    """The saved templates of ``scopes``, oldest first per scope."""
    for scope in scopes:
        ids = [b.decode() for b in cast(list[bytes], client.zrange(_index(scope), 0, -1))]
        for template_id in ids:
            raw = cast(
                list[bytes | None],
                client.hmget(_key(template_id), ["name", "scope", "created", "state", "v"]),
            )
            name, stored_scope, created, state, version = raw
            if name is None or stored_scope is None or created is None or state is None:
                continue  # deleted meanwhile
            yield TemplateRecord(
                template_id, name.decode(), stored_scope.decode(), int(created), bytes(state),
                int(version or 2),
            )  # fmt: skip


def load(client: SyncClient, record: TemplateRecord, *, replace: bool) -> bool:
    """Write the template and its index entry; an existing id is left alone
    (False) unless ``replace``."""
    key = _key(record.id)
    old_scope = cast(bytes | None, client.hget(key, "scope"))
    if old_scope is not None:
        if not replace:
            return False
        client.zrem(_index(old_scope.decode()), record.id)
        client.delete(key)
    client.hset(
        key,
        mapping={
            "name": record.name, "scope": record.scope, "created": record.created,
            "state": record.state, "v": record.version,
        },
    )  # fmt: skip
    client.zadd(_index(record.scope), {record.id: record.created})
    return True
