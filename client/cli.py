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
import json
import signal
import urllib.error
import urllib.request
from typing import Any, get_args

from client import facilitation
from client.client import PrikbordClient
from client.command import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
    Fail,
    board_link,
    client_failure,
    err,
    on_board,
    out,
    remember,
)
from client.describe import describe_event, describe_member, describe_state
from client.errors import ClientError, TerminalClose
from client.identities import IdentityStore
from client.links import BoardLink
from client.updates import Applied, Disconnected, Joined, PresenceChanged
from protocol.model import to_wire
from protocol.ops import CardKind, Color, Layout

__all__ = ["EXIT_ERROR", "EXIT_OK", "EXIT_UNREACHABLE", "EXIT_USAGE", "main"]

#: ``board create`` HTTP timeout.
HTTP_TIMEOUT_S = 15.0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="prikbord",
        description="Prikbord: a real-time collaborative pinboard.",
        epilog="Server side: 'prikbord serve --help' runs a server node; "
        "'prikbord admin --help' has operator commands.",
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

    watch = sub.add_parser("watch", help="print a board's events live")
    watch.add_argument("link", metavar="BOARD_LINK")
    watch.add_argument("--name", default="watcher", help="display name")
    watch.add_argument("--json", action="store_true", help="one JSON object per line")
    facilitation.add_commands(sub)
    return p


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
    body = json.dumps({"title": args.title, "layout": args.layout}).encode()
    request = urllib.request.Request(
        f"{server}/api/boards",
        data=body,
        headers={"Content-Type": "application/json", "Accept": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_S) as response:
            answer: Any = json.load(response)
    except urllib.error.HTTPError as exc:
        raise Fail(EXIT_ERROR, f"server refused ({exc.code}): {_http_error_text(exc)}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise Fail(EXIT_UNREACHABLE, f"cannot reach {server}: {reason}") from None
    except ValueError:
        raise Fail(EXIT_ERROR, f"{server} did not answer with JSON") from None
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


def _http_error_text(exc: urllib.error.HTTPError) -> str:
    try:
        data = json.loads(exc.read())
        return str(data.get("message") or data.get("error") or exc.reason)
    except (ValueError, OSError, AttributeError):
        return str(exc.reason)


# --- card add -------------------------------------------------------------------


async def _card_add(args: argparse.Namespace, link: BoardLink) -> int:
    async def add(client: PrikbordClient) -> str:
        sent = await client.add_card(
            title=args.title, body=args.text, kind=args.kind, color=args.color,
            url=args.url, section=args.section,
        )  # fmt: skip
        waits = " (waiting for approval)" if client.state.cards[sent.id].status == "pending" else ""
        return f"card {sent.id} added at seq {sent.seq}{waits}"

    out(await on_board(link, args.name, add, what="the card"))
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
    store = IdentityStore()
    emit = _JsonOut() if args.json else _TextOut()
    try:
        client = PrikbordClient(
            link, name=args.name, identity=store.get(link.http_base, link.board)
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
