"""``prikbord user add|passwd|list|disable|enable``: accounts on the command line.

It works on the Redis/Valkey the servers use: ``--redis-url`` (or
``PRIKBORD_REDIS_URL``), else the embedded Valkey of the data directory
(``--data``, ``PRIKBORD_DATA``, ``./data``) — through its socket while the
server runs, or started for the command (and stopped after) while it does
not. Passwords are read from a prompt (twice), or one line from standard
input when it is not a terminal; never from the command line, where other
users of the machine and the shell history would see them.

Exit codes: 0 done, 1 refused (no such account, name taken, bad input),
2 usage, 3 Redis/Valkey unreachable.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

from server.accounts import passwords
from server.accounts.sessions import SessionStore
from server.accounts.store import (
    ROLES,
    AccountStore,
    Created,
    InvalidAccount,
    check_display_name,
    check_role,
    normalize_username,
)
from server.embedded import SOCKET_NAME, EmbeddedValkey, EmbeddedValkeyError
from server.engine.client import Client, connect, connect_sync

EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_STORAGE = 0, 1, 2, 3


class _Fail(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def _where(parser: argparse.ArgumentParser, *, defaults: bool) -> None:
    """``--redis-url`` and ``--data``, before or after the command word."""
    url = os.environ.get("PRIKBORD_REDIS_URL", "") if defaults else argparse.SUPPRESS
    data = Path(os.environ.get("PRIKBORD_DATA", "data")) if defaults else argparse.SUPPRESS
    parser.add_argument(
        "--redis-url", default=url, help="the servers' Redis/Valkey (default: the data directory's)"
    )
    parser.add_argument(
        "--data", type=Path, default=data, help="the embedded Valkey's data directory (./data)"
    )


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="prikbord user", description="Manage accounts.")
    _where(p, defaults=True)
    sub = p.add_subparsers(dest="command", required=True)

    def command(name: str, help: str) -> argparse.ArgumentParser:
        parser = sub.add_parser(name, help=help)
        _where(parser, defaults=False)
        return parser

    add = command("add", "create an account (asks for its password)")
    add.add_argument("username")
    add.add_argument("--name", help="display name (default: the username)")
    add.add_argument("--role", choices=ROLES,
                     help="default: admin for the first account, else facilitator")  # fmt: skip
    command("passwd", "set a new password (ends the account's sessions)").add_argument("username")
    command("list", "list the accounts").add_argument(
        "--json", action="store_true", help="one JSON array"
    )
    command("disable", "refuse logins and end every session").add_argument("username")
    command("enable", "allow logins again").add_argument("username")
    return p


def _read_password() -> str:
    """A new password: prompted twice on a terminal, else one line of stdin."""
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Password again: ") != first:
            raise _Fail(EXIT_REFUSED, "the passwords differ; nothing changed")
    else:
        first = sys.stdin.readline().rstrip("\r\n")
    try:
        passwords.check_new_password(first)
    except passwords.WeakPassword as exc:
        raise _Fail(EXIT_REFUSED, f"{exc}; nothing changed") from None
    return first


@contextmanager
def _redis_url(args: argparse.Namespace) -> Iterator[str]:
    """The URL to use; starts the embedded Valkey for the command if needed."""
    if args.redis_url:
        yield args.redis_url
        return
    data = args.data.resolve()
    socket_url = f"unix://{data / SOCKET_NAME}"
    if (data / SOCKET_NAME).exists() and _answers(socket_url):
        yield socket_url  # the running server's Valkey
        return
    valkey = EmbeddedValkey(data)
    try:
        url = valkey.start()
    except EmbeddedValkeyError as exc:
        raise _Fail(EXIT_STORAGE, f"cannot start the embedded Valkey: {exc}") from None
    try:
        yield url
    finally:
        valkey.stop()


def _answers(url: str) -> bool:
    try:
        client = connect_sync(url, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
        client.close()
    except redis.RedisError:
        return False
    return True


async def _run(args: argparse.Namespace, url: str, password: str | None) -> int:
    client = connect(url, socket_connect_timeout=5, socket_timeout=10)
    try:
        return await _command(args, AccountStore(client), client, password)
    finally:
        await client.aclose()


async def _command(
    args: argparse.Namespace, store: AccountStore, client: Client, password: str | None
) -> int:
    now = int(time.time() * 1000)
    # Only session ends happen here: the lifetimes do not matter.
    sessions = SessionStore(client, idle_s=1, max_s=1)
    if args.command == "list":
        accounts = await store.list()
        if args.json:
            print(json.dumps([a.public() for a in accounts], ensure_ascii=False))
        else:
            for a in accounts:
                state = "  (disabled)" if a.disabled else ""
                print(f"{a.username}\t{a.role}\t{a.name}{state}")
            if not accounts:
                print("no accounts yet: prikbord user add NAME --role admin")
        return EXIT_OK
    username = normalize_username(args.username)
    if args.command == "add":
        assert password is not None
        name = check_display_name(args.name or username)
        role = check_role(args.role) if args.role else None
        if role is None:
            role = "admin" if await store.count() == 0 else "facilitator"
        password_hash = await passwords.hash_password_async(password)
        if await store.create(username, name, role, password_hash, now) is Created.TAKEN:
            raise _Fail(EXIT_REFUSED, f"the username {username} is taken; nothing changed")
        where = args.redis_url or f"data in {args.data.resolve()}"
        print(f"created {role} {username} ({where})")
        return EXIT_OK
    if args.command == "passwd":
        assert password is not None
        if await store.get(username) is None:
            raise _Fail(EXIT_REFUSED, f"no account {username}")
        await store.set_password_hash(username, await passwords.hash_password_async(password))
        ended = await sessions.end_all(username)
        print(f"new password for {username}; {ended} sessions ended")
        return EXIT_OK
    disabled = args.command == "disable"
    if not await store.set_disabled(username, disabled):
        raise _Fail(EXIT_REFUSED, f"no account {username}")
    if disabled:
        ended = await sessions.end_all(username)
        print(f"disabled {username}; {ended} sessions ended")
    else:
        print(f"enabled {username}")
    return EXIT_OK


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command != "list":
            try:
                normalize_username(args.username)
                if args.command == "add":
                    check_display_name(args.name or args.username.strip().lower())
            except InvalidAccount as exc:
                raise _Fail(EXIT_USAGE, str(exc)) from None
        # Ask before touching Redis: a typo in the password changes nothing.
        password = _read_password() if args.command in ("add", "passwd") else None
        with _redis_url(args) as url:
            return asyncio.run(_run(args, url, password))
    except _Fail as exc:
        print(f"prikbord user: {exc}", file=sys.stderr)
        return exc.code
    except (redis.RedisError, OSError) as exc:
        print(f"prikbord user: cannot reach Redis/Valkey: {exc}", file=sys.stderr)
        return EXIT_STORAGE
    except InvalidAccount as exc:
        print(f"prikbord user: {exc}", file=sys.stderr)
        return EXIT_USAGE
