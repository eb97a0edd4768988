"""What every ``prikbord`` client command shares: exit codes, the one-line
failure, and running one action on a board with a short-lived client.

Every failure is one line on stderr and an exit code, never a traceback:
1 for errors the server reports (refused op, bad token, unknown board,
removed from the board), 2 for a bad link or usage, 3 when the server
cannot be reached.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

from pydantic import ValidationError

from client.client import PrikbordClient
from client.errors import ClientError, ConnectFailed, OpRejected
from client.identities import IdentityStore
from client.links import BoardLink, parse_link

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2  # also: a bad board link
EXIT_UNREACHABLE = 3

#: How long a one-shot command (``card add``, ``moderate``, …) waits for the
#: server in all: join, op, ack.
COMMAND_TIMEOUT_S = 30.0

T = TypeVar("T")


class Fail(Exception):
    """A failure with its exit code and the one line to print."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def err(message: str) -> None:
    print(f"prikbord: {message}", file=sys.stderr, flush=True)


def out(line: str) -> None:
    print(line, flush=True)


def board_link(text: str) -> BoardLink:
    try:
        return parse_link(text)
    except ValueError as exc:
        raise Fail(EXIT_USAGE, str(exc)) from None


def client_failure(exc: ClientError) -> Fail:
    if isinstance(exc, ConnectFailed):
        return Fail(EXIT_UNREACHABLE, str(exc))
    return Fail(EXIT_ERROR, str(exc))


def remember(store: IdentityStore, link: BoardLink, client: PrikbordClient) -> None:
    """Keep the client's identity, so the next command is the same actor."""
    if client.identity is not None:
        try:
            store.put(link.http_base, link.board, client.identity)
        except OSError as exc:
            err(f"could not save identity to {store.path}: {exc}")


async def on_board(
    link: BoardLink,
    name: str,
    action: Callable[[PrikbordClient], Awaitable[T]],
    *,
    what: str = "the op",
) -> T:
    """Join the board as ``name`` (the stored identity of this board, if
    any), run ``action``, leave. Every failure becomes a :class:`Fail`;
    ``what`` names the thing sent in its messages ("the card")."""
    store = IdentityStore()
    try:
        async with asyncio.timeout(COMMAND_TIMEOUT_S):
            async with PrikbordClient(
                link, name=name, identity=store.get(link.http_base, link.board)
            ) as client:
                remember(store, link, client)
                return await action(client)
    except TimeoutError:
        raise Fail(EXIT_UNREACHABLE, f"no answer from {link.http_base} in time") from None
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        prefix = f"{where}: " if where else ""
        noun = what.removeprefix("the ")
        raise Fail(EXIT_USAGE, f"invalid {noun}: {prefix}{first['msg']}") from None
    except ValueError as exc:  # e.g. a display name out of bounds
        raise Fail(EXIT_USAGE, str(exc)) from None
    except OpRejected as exc:
        raise Fail(EXIT_ERROR, f"the server refused {what}: {exc.msg} ({exc.code})") from None
    except ClientError as exc:
        raise client_failure(exc) from None
