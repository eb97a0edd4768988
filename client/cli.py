"""``prikbord board create | card add | watch``, and the facilitator's
session commands (``client/facilitation.py``): the command line client.

Every failure is one line on stderr and an exit code, never a traceback:
1 for errors the server reports (refused op, bad token, unknown board,
removed from the board), 2 for a bad link or usage, 3 when the server cannot
be reached (``client/command.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import json
import os
import signal
import sys
import urllib.error
import urllib.request
from typing import Any, get_args

from pydantic import ValidationError

from client import facilitation, notes_cli
from client.client import PrikbordClient
from client.command import (
    COMMAND_TIMEOUT_S,
    EXIT_ERROR,
    EXIT_OK,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
    Fail,
    board_link,
    client_failure,
    err,
    out,
    remember,
)
from client.describe import describe_event, describe_member, describe_state
from client.errors import AccessCodeRefused, ClientError, OpRejected, TerminalClose
from client.identities import IdentityStore
from client.links import BoardLink
from client.updates import Applied, Disconnected, Joined, PresenceChanged
from protocol.model import to_wire
from protocol.ops import CardKind, Color, Layout

__all__ = ["EXIT_ERROR", "EXIT_OK", "EXIT_UNREACHABLE", "EXIT_USAGE", "main"]

#: ``board create`` HTTP timeout.
HTTP_TIMEOUT_S = 15.0
#: Times a person is asked for a board's access code before giving up:
#: enough for a typo or two, not a guessing loop (the server limits wrong
#: codes per address anyway).
CODE_PROMPTS = 3


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="prikbord",
        description="Prikbord: a real-time collaborative pinboard.",
        epilog="Server side: 'prikbord serve --help' runs a server node; "
        "'prikbord user --help' manages accounts; 'prikbord hub --help' manages hubs "
        "and their agenda; 'prikbord admin --help' has operator commands.",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    board = sub.add_parser("board", help="boards").add_subparsers(
        dest="board_command", required=True, metavar="COMMAND"
    )
    create = board.add_parser("create", help="create a board and print its links")
    create.add_argument("--server", default="http://127.0.0.1:8000", help="server base URL")
    create.add_argument("--title", default="Untitled board")
    create.add_argument("--layout", choices=get_args(Layout), default="wall")
    create.add_argument("--json", action="store_true", help="print the server's JSON answer")
    facilitation.add_board_set(board)
    create.add_argument(
        "--user",
        default=os.environ.get("PRIKBORD_USER", ""),
        help="log in as this account first (servers create boards for accounts only, unless "
        "open creation is on); the password is asked, or read from stdin (default: "
        "$PRIKBORD_USER)",
    )

    card = sub.add_parser("card", help="cards").add_subparsers(
        dest="card_command", required=True, metavar="COMMAND"
    )
    add = card.add_parser("add", help="add a card to a board")
    add.add_argument("link", metavar="BOARD_LINK")
    add.add_argument("text", metavar="TEXT", help="the card's text (its body)")
    add.add_argument("--name", default="cli", help="display name")
    add.add_argument("--title", default="")
    add.add_argument("--kind", choices=get_args(CardKind), default="note")
    add.add_argument("--color", choices=get_args(Color), default="yellow")
    add.add_argument("--url", default=None)
    add.add_argument("--section", default=None, help="section id")
    _access_code_option(add)

    watch = sub.add_parser("watch", help="print a board's events live")
    watch.add_argument("link", metavar="BOARD_LINK")
    watch.add_argument("--name", default="watcher", help="display name")
    watch.add_argument("--json", action="store_true", help="one JSON object per line")
    facilitation.add_commands(sub)
    _access_code_option(watch)
    notes_cli.add_command(sub)
    return p


def _access_code_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--access-code",
        default=os.environ.get("PRIKBORD_ACCESS_CODE") or None,
        help="the board's access code, if it asks for one (default: $PRIKBORD_ACCESS_CODE; "
        "asked on the terminal when needed)",
    )


def main(argv: list[str]) -> int:
    """Run one client command; returns the exit code."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse exits on --help and usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    try:
        if args.command == "board" and args.board_command == "create":
            return _board_create(args)
        link = board_link(args.link)
        if args.command == "card":
            return asyncio.run(_card_add(args, link))
        if args.command == "watch":
            return _watch(args, link)
        if args.command == "notes":
            return notes_cli.run(args, link)
        return facilitation.run(args, link)
    except Fail as exc:
        err(str(exc))
        return exc.code
    except Exception as exc:  # the last line of defence: no tracebacks for users
        err(f"unexpected error: {type(exc).__name__}: {exc}")
        return EXIT_ERROR


# --- board create ---------------------------------------------------------------


def _board_create(args: argparse.Namespace) -> int:
    server = args.server.rstrip("/")
    if not server.startswith(("http://", "https://")):
        raise Fail(EXIT_USAGE, f"--server must be an http(s) URL, got {args.server!r}")
    body = {"title": args.title, "layout": args.layout}
    if args.user:
        session = _log_in(server, args.user, _password())
        try:
            answer, _ = _post_json(server, "/api/boards", body, session)
        finally:
            with contextlib.suppress(Fail):
                _post_json(server, "/api/logout", None, session)  # leave no session behind
    else:
        answer, _ = _post_json(server, "/api/boards", body)
    try:
        board, links = answer["board"], answer["links"]
        rows = [(role, links[role]) for role in ("facilitator", "participant", "viewer")]
        if "join" in links:  # the short link for posters and the wall
            rows.append(("join", links["join"]))
    except (KeyError, TypeError):
        raise Fail(EXIT_ERROR, f"unexpected answer from {server}") from None
    if args.json:
        print(json.dumps(answer, ensure_ascii=False), flush=True)
        return EXIT_OK
    print(f"Board {board} created: {answer.get('title', args.title)!r}")
    for role, url in rows:
        print(f"  {role + ':':<13}{url}")
    return EXIT_OK


def _password() -> str:
    """The account's password: asked on a terminal, else one line of stdin
    (never an argument: other users of the machine would see it)."""
    if sys.stdin.isatty():
        return getpass.getpass("Password: ")
    return sys.stdin.readline().rstrip("\r\n")


def _log_in(server: str, username: str, password: str) -> dict[str, str]:
    """Log in; the headers that speak for the session (cookie, CSRF token)."""
    answer, cookies = _post_json(server, "/api/login", {"username": username, "password": password})
    try:
        return {"Cookie": "; ".join(cookies), "X-CSRF-Token": str(answer["csrf"])}
    except (KeyError, TypeError):
        raise Fail(EXIT_ERROR, f"unexpected answer from {server}") from None


def _post_json(
    server: str, path: str, body: Any, headers: dict[str, str] | None = None
) -> tuple[Any, list[str]]:
    """POST JSON; the JSON answer (None for 204) and the cookies it set."""
    request = urllib.request.Request(
        f"{server}{path}",
        data=json.dumps(body if body is not None else {}).encode(),
        headers={
            "Content-Type": "application/json",
            "Accept": "application/json",
            **(headers or {}),
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_S) as response:
            cookies = [c.split(";", 1)[0] for c in response.headers.get_all("Set-Cookie") or []]
            return (None if response.status == 204 else json.load(response)), cookies
    except urllib.error.HTTPError as exc:
        raise Fail(EXIT_ERROR, f"server refused ({exc.code}): {_http_error_text(exc)}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise Fail(EXIT_UNREACHABLE, f"cannot reach {server}: {reason}") from None
    except ValueError:
        raise Fail(EXIT_ERROR, f"{server} did not answer with JSON") from None


def _http_error_text(exc: urllib.error.HTTPError) -> str:
    try:
        data = json.loads(exc.read())
        return str(data.get("message") or data.get("error") or exc.reason)
    except (ValueError, OSError, AttributeError):
        return str(exc.reason)


# --- card add -------------------------------------------------------------------


async def _card_add(args: argparse.Namespace, link: BoardLink) -> int:
    store = IdentityStore()
    code: str | None = args.access_code
    try:
        for attempt in range(CODE_PROMPTS + 1):
            try:
                async with asyncio.timeout(COMMAND_TIMEOUT_S):
                    async with PrikbordClient(
                        link, name=args.name, identity=store.get(link.http_base, link.board),
                        access_code=code,
                    ) as client:  # fmt: skip
                        remember(store, link, client)
                        sent = await client.add_card(
                            title=args.title, body=args.text, kind=args.kind, color=args.color,
                            url=args.url, section=args.section,
                        )  # fmt: skip
                        mine = client.state.cards.get(sent.id)
                        held = mine is not None and mine.status == "pending"
                break
            except AccessCodeRefused as exc:  # refused at the join: nothing was sent
                code = _ask_code(exc, code, attempt)
    except TimeoutError:
        raise Fail(EXIT_UNREACHABLE, f"no answer from {link.http_base} in time") from None
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        prefix = f"{where}: " if where else ""
        raise Fail(EXIT_USAGE, f"invalid card: {prefix}{first['msg']}") from None
    except ValueError as exc:  # e.g. a display name out of bounds
        raise Fail(EXIT_USAGE, str(exc)) from None
    except OpRejected as exc:
        raise Fail(EXIT_ERROR, f"the server refused the card: {exc.msg} ({exc.code})") from None
    except ClientError as exc:
        raise client_failure(exc) from None
    waits = " (waiting for approval)" if held else ""
    print(f"card {sent.id} added at seq {sent.seq}{waits}", flush=True)
    return EXIT_OK


# --- watch ----------------------------------------------------------------------


def _watch(args: argparse.Namespace, link: BoardLink) -> int:
    # Ctrl-C must stop the watcher even when this process was started with
    # SIGINT ignored (a background job of a script, nohup, some CI runners).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return asyncio.run(_watch_async(args, link))
    except KeyboardInterrupt:
        return EXIT_OK


async def _watch_async(args: argparse.Namespace, link: BoardLink) -> int:
    code: str | None = args.access_code
    for attempt in range(CODE_PROMPTS + 1):
        try:
            return await _watch_once(args, link, code)
        except AccessCodeRefused as exc:
            code = _ask_code(exc, code, attempt)
    raise AssertionError("unreachable: _ask_code gives up first")


def _ask_code(exc: AccessCodeRefused, given: str | None, attempt: int) -> str:
    """The access code to try next, asked on the terminal; Fail when it
    cannot be asked (no terminal), may not be (4107: wait) or was asked
    often enough."""
    if exc.throttled:
        raise Fail(EXIT_ERROR, exc.reason or str(exc))
    if attempt >= CODE_PROMPTS or not sys.stdin.isatty():
        hint = "" if given else ": pass --access-code CODE (or set PRIKBORD_ACCESS_CODE)"
        raise Fail(EXIT_ERROR, f"{exc.reason or exc}{hint}")
    prompt = "Wrong access code; try again: " if given else "This board asks for an access code: "
    try:
        code = input(prompt).strip()
    except EOFError:
        code = ""
    if not code:
        raise Fail(EXIT_ERROR, "no access code given")
    return code


async def _watch_once(args: argparse.Namespace, link: BoardLink, code: str | None) -> int:
    store = IdentityStore()
    emit = _JsonOut() if args.json else _TextOut()
    try:
        client = PrikbordClient(
            link, name=args.name, identity=store.get(link.http_base, link.board), access_code=code
        )
    except ValueError as exc:
        raise Fail(EXIT_USAGE, str(exc)) from None
    try:
        # Subscribe before joining so the first Joined (the snapshot) is seen.
        updates = client.updates()
        async with client:
            remember(store, link, client)
            async for update in updates:
                match update:
                    case Joined():
                        emit.joined(client, update)
                    case Applied():
                        emit.applied(client, update)
                    case PresenceChanged():
                        emit.presence(update)
                    case Disconnected():
                        emit.disconnected(update)
    except AccessCodeRefused:
        raise
    except TerminalClose as exc:
        raise Fail(EXIT_ERROR, str(exc)) from None
    except ClientError as exc:
        raise client_failure(exc) from None
    return EXIT_OK


_out = out


class _TextOut:
    """Lines for people."""

    def __init__(self) -> None:
        self._joins = 0

    def joined(self, client: PrikbordClient, u: Joined) -> None:
        self._joins += 1
        if self._joins == 1:
            who = f"{client.name} ({client.role})"
            state = describe_state(u.state, client.server_now())
            _out(f"board {client.link.board} as {who}: {state}")
        elif u.recovered:
            _out(f"reconnected, resuming at seq {u.seq}")
        else:
            _out(
                f"reconnected with a fresh snapshot: {describe_state(u.state, client.server_now())}"
            )

    def applied(self, client: PrikbordClient, u: Applied) -> None:
        _out(describe_event(u.event, client.confirmed))

    def presence(self, u: PresenceChanged) -> None:
        for m in u.joined:
            _out(f"+ {describe_member(m)} is here")
        for m in u.left:
            _out(f"- {describe_member(m)} left")

    def disconnected(self, u: Disconnected) -> None:
        code = f" ({u.code})" if u.code is not None else ""
        err(f"connection lost{code}: {u.reason}; reconnecting in {u.delay:.1f}s")


class _JsonOut:
    """One JSON object per line, for scripts: ``{"type": ..., ...}``."""

    def joined(self, client: PrikbordClient, u: Joined) -> None:
        snapshot = None if u.recovered else to_wire(u.state)
        self._line({"type": "joined", "recovered": u.recovered, "seq": u.seq,
                    "actor": client.actor, "role": client.role, "snapshot": snapshot})  # fmt: skip

    def applied(self, client: PrikbordClient, u: Applied) -> None:
        self._line({"type": "event", **u.event.model_dump(mode="json", exclude_none=True)})

    def presence(self, u: PresenceChanged) -> None:
        members = [m.model_dump(mode="json", exclude_none=True) for m in u.members]
        self._line({"type": "presence", "members": members})

    def disconnected(self, u: Disconnected) -> None:
        self._line({"type": "disconnected", "code": u.code, "reason": u.reason, "delay": u.delay})

    @staticmethod
    def _line(obj: dict[str, Any]) -> None:
        _out(json.dumps(obj, ensure_ascii=False, default=sorted))
