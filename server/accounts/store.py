"""Accounts in Redis: username, display name, role, disabled flag, created
time and argon2 hash, one hash per account plus the set of usernames.

Guarantees: ``create`` is atomic (a username is taken once; the first-run
setup creates an account only while there is none). Nothing here caches:
every call reads Redis, so a disabled account is refused on the next
request on every node.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import Enum
from importlib import resources
from typing import Literal, cast, get_args

from redis.commands.core import AsyncScript

from server.accounts import keys
from server.engine.client import Client

AccountRole = Literal["admin", "coordinator", "facilitator"]
ROLES: tuple[AccountRole, ...] = get_args(AccountRole)

#: Lower-case letters, digits and ``. _ @ + -``: an e-mail address works as
#: a username; nothing that could split a Redis key (no ``:``) or look like
#: a command-line option (no leading ``-``). 64 characters is the local
#: part of an e-mail address.
USERNAME_RE = re.compile(r"[a-z0-9][a-z0-9._@+-]{1,63}")
#: A display name is shown beside the account's boards and in the menu:
#: as long as a participant's name on a board (protocol limits).
MAX_DISPLAY_NAME = 40


class InvalidAccount(ValueError):
    """A username, display name or role that breaks the rules (the message
    says which rule, in words a user can act on)."""


def normalize_username(raw: str) -> str:
    """The username as stored: trimmed and lower-cased, so ``Fien`` and
    ``fien`` are one account. Raises InvalidAccount."""
    username = raw.strip().lower()
    if not USERNAME_RE.fullmatch(username):
        raise InvalidAccount(
            "a username has 2 to 64 characters: letters a-z, digits and . _ @ + - "
            "(starting with a letter or digit)"
        )
    return username


def check_display_name(raw: str) -> str:
    """The display name trimmed; raises InvalidAccount when empty, too long
    or holding control characters."""
    name = raw.strip()
    if not name:
        raise InvalidAccount("a display name is required")
    if len(name) > MAX_DISPLAY_NAME:
        raise InvalidAccount(f"a display name has at most {MAX_DISPLAY_NAME} characters")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in name):
        raise InvalidAccount("a display name cannot hold control characters")
    return name


def check_role(raw: str) -> AccountRole:
    for role in ROLES:
        if raw == role:
            return role
    raise InvalidAccount(f"a role is one of {', '.join(ROLES)}")


@dataclass(frozen=True, slots=True)
class Account:
    username: str
    name: str
    role: AccountRole
    disabled: bool
    created: int  # ms since the epoch
    password_hash: str

    @property
    def sees_all_boards(self) -> bool:
        """Coordinators and administrators see (and manage) every board."""
        return self.role in ("admin", "coordinator")

    def public(self) -> dict[str, str | bool]:
        """The account as the REST API shows it (never the hash)."""
        return {
            "username": self.username,
            "name": self.name,
            "role": self.role,
            "disabled": self.disabled,
        }


class Created(Enum):
    CREATED = 1
    TAKEN = 0
    NOT_FIRST = -1


def _script(name: str) -> str:
    return resources.files("server.accounts").joinpath(name).read_text(encoding="utf-8")


def _text(fields: dict[bytes, bytes], name: str, default: str = "") -> str:
    value = fields.get(name.encode())
    return default if value is None else value.decode()


class AccountStore:
    def __init__(self, client: Client) -> None:
        self.redis = client
        self._create: AsyncScript = client.register_script(_script("create.lua"))

    async def count(self) -> int:
        return int(await self.redis.scard(keys.ACCOUNTS))

    async def get(self, username: str) -> Account | None:
        """The account, or None (also for names that cannot be usernames)."""
        if not USERNAME_RE.fullmatch(username):
            return None
        fields = cast(dict[bytes, bytes], await self.redis.hgetall(keys.account(username)))
        if not fields:
            return None
        try:
            role = check_role(_text(fields, "role"))
        except InvalidAccount:  # written by a newer version: the least rights
            role = "facilitator"
        return Account(
            username=username,
            name=_text(fields, "name", username),
            role=role,
            disabled=_text(fields, "disabled", "0") == "1",
            created=int(_text(fields, "created", "0")),
            password_hash=_text(fields, "hash"),
        )

    async def create(
        self,
        username: str,
        name: str,
        role: AccountRole,
        password_hash: str,
        now_ms: int,
        *,
        first_only: bool = False,
    ) -> Created:
        """Create the account atomically. ``first_only``: only while no
        account exists (the first-run setup)."""
        fields: dict[str, str | int] = {
            "name": name,
            "role": role,
            "disabled": "0",
            "created": now_ms,
            "hash": password_hash,
        }
        args: list[str | int] = [username, "1" if first_only else "0"]
        for field, value in fields.items():
            args += [field, value]
        result = await self._create(keys=[keys.ACCOUNTS, keys.account(username)], args=args)
        return Created(int(result))

    async def list(self) -> list[Account]:
        """Every account, sorted by username."""
        names = sorted(
            raw.decode() for raw in cast(set[bytes], await self.redis.smembers(keys.ACCOUNTS))
        )
        found = [await self.get(name) for name in names]
        return [a for a in found if a is not None]

    async def set_password_hash(self, username: str, password_hash: str) -> bool:
        """Store a new hash; False when there is no such account."""
        if not await self.redis.exists(keys.account(username)):
            return False
        await self.redis.hset(keys.account(username), "hash", password_hash)
        return True

    async def set_disabled(self, username: str, disabled: bool) -> bool:
        """Disable or enable; False when there is no such account. Ending the
        account's sessions is the caller's second step (``Sessions``)."""
        if not await self.redis.exists(keys.account(username)):
            return False
        await self.redis.hset(keys.account(username), "disabled", "1" if disabled else "0")
        return True
