"""Accounts in ``prikbord admin backup/restore`` (server/backup.py).

What goes in the file: each account's hash as stored — display name, role,
disabled flag, created time and the **argon2 password hash** (so the file
must be kept as safe as the server: README, Backups). What stays out:
login sessions and their per-account index (a restore makes everyone log
in again; a session is a live credential, and the store keeps only its
digest anyway), and the one-time setup link. The owned-board index
(``u:<name>:boards``) is not copied either: it follows from each board's
``owner`` and the board restore writes it back from there, so index and
boards cannot disagree.

Why through the store's ``create.lua`` and not a raw key copy: the set of
usernames and the account hashes must move together (an account in one and
not the other cannot log in, or is listed without existing); the script
writes both in one step, and every field is checked with the store's own
rules first, so a damaged or edited file cannot make an account a running
server would refuse.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Any, cast

from server.accounts import keys
from server.accounts.store import (
    InvalidAccount,
    check_display_name,
    check_role,
    normalize_username,
)
from server.engine.client import SyncClient

#: The account hash's fields a backup carries, all of them (``hash`` is the
#: argon2 password hash).
FIELDS = ("name", "role", "disabled", "created", "hash")


class BadRecord(ValueError):
    """An account record that breaks the store's rules."""


@dataclass(frozen=True, slots=True)
class AccountRecord:
    username: str
    fields: dict[str, str]

    def to_file(self) -> dict[str, Any]:
        return {"account": self.username, "fields": self.fields}


def check(obj: dict[str, Any]) -> AccountRecord:
    """The record, checked as the store checks a new account; BadRecord."""
    try:
        username = normalize_username(str(obj["account"]))
        if username != obj["account"]:
            raise BadRecord(f"account {obj['account']!r}: not a stored username")
        raw = obj["fields"]
        if not isinstance(raw, dict) or set(raw) != set(FIELDS):
            raise BadRecord(f"account {username}: fields are {', '.join(FIELDS)}")
        fields = {str(k): str(v) for k, v in raw.items()}
        check_display_name(fields["name"])
        check_role(fields["role"])
        if fields["disabled"] not in ("0", "1") or not fields["created"].isdigit():
            raise BadRecord(f"account {username}: disabled is 0 or 1, created a time")
    except InvalidAccount as exc:
        raise BadRecord(f"account: {exc}") from exc
    except (KeyError, TypeError) as exc:
        raise BadRecord(f"account record: {exc!r}") from exc
    return AccountRecord(username, fields)


def dump(client: SyncClient) -> Iterator[AccountRecord]:
    """Every account, by username (one read each: an account is one hash)."""
    names = sorted(b.decode() for b in cast(set[bytes], client.smembers(keys.ACCOUNTS)))
    for username in names:
        raw = cast(dict[bytes, bytes], client.hgetall(keys.account(username)))
        if not raw:  # deleted since the set was read
            continue
        fields = {k.decode(): v.decode() for k, v in raw.items() if k.decode() in FIELDS}
        fields.setdefault("disabled", "0")
        fields.setdefault("created", "0")
        fields.setdefault("name", username)
        fields.setdefault("hash", "")
        yield AccountRecord(username, fields)


class Loader:
    """Writes checked account records back through ``create.lua``."""

    def __init__(self, client: SyncClient) -> None:
        self.client = client
        text = resources.files("server.accounts").joinpath("create.lua").read_text("utf-8")
        self._create = client.register_script(text)

    def load(self, record: AccountRecord, *, replace: bool) -> bool:
        """Create the account; an existing one is left alone (False) unless
        ``replace``, which puts the file's fields in its place and ends its
        sessions (as ``Sessions.end_all`` does): its password and role may
        now be the file's, so a login made under the others must not last."""
        key = keys.account(record.username)
        if self.client.exists(key):
            if not replace:
                return False
            index = keys.account_sessions(record.username)
            live = cast(list[bytes], self.client.zrange(index, 0, -1))
            if live:
                self.client.delete(*live)
            self.client.delete(index, key)
        args: list[str] = [record.username, "0"]
        for name in FIELDS:
            args += [name, record.fields[name]]
        return int(self._create(keys=[keys.ACCOUNTS, key], args=args)) == 1
