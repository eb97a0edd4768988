"""``prikbord notes LINK``: print a board's session notes as Markdown, or
add to them (``--append TEXT``), so minutes can be scripted.

Printing reads ``GET /api/boards/<board>/notes.md`` with the link's token
(what that link's role may see; no join, so no one sees a "cli" member come
and go). Appending joins the board like ``card add`` and types the text at
the end of the notes, merged with whatever others type at the same time.
"""

from __future__ import annotations

import argparse
import asyncio
import urllib.error
import urllib.request

from client.client import PrikbordClient
from client.command import EXIT_ERROR, EXIT_OK, EXIT_UNREACHABLE, Fail, on_board
from client.links import BoardLink

#: The Markdown read: a board's notes are at most a few hundred KiB.
HTTP_TIMEOUT_S = 15.0


def add_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    notes = sub.add_parser("notes", help="print a board's notes as Markdown, or add to them")
    notes.add_argument("link", metavar="BOARD_LINK")
    notes.add_argument("--append", metavar="TEXT", help="type TEXT at the end of the notes")
    notes.add_argument("--name", default="cli", help="display name (with --append)")


def run(args: argparse.Namespace, link: BoardLink) -> int:
    if args.append is not None:
        return asyncio.run(_append(link, args.name, args.append))
    print(read_markdown(link), end="", flush=True)
    return EXIT_OK


def read_markdown(link: BoardLink) -> str:
    """The notes as the link's role may see them, as Markdown."""
    request = urllib.request.Request(
        f"{link.http_base}/api/boards/{link.board}/notes.md",
        headers={"Authorization": f"Bearer {link.token}", "Accept": "text/markdown"},
    )
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_S) as response:
            body: bytes = response.read()
    except urllib.error.HTTPError as exc:
        reason = "invalid or replaced link" if exc.code == 401 else "no such board"
        raise Fail(EXIT_ERROR, f"{link.http_base} answered {exc.code}: {reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise Fail(EXIT_UNREACHABLE, f"cannot reach {link.http_base}: {exc}") from None
    return body.decode("utf-8")


async def _append(link: BoardLink, name: str, text: str) -> int:
    async def append(client: PrikbordClient) -> int | None:
        notes = client.notes()
        notes.append(text if text.endswith("\n") else text + "\n")
        return await notes.flush()

    await on_board(link, name, append, what="the notes")
    return EXIT_OK


__all__ = ["EXIT_ERROR", "add_command", "read_markdown", "run"]
