"""REST: a board's session notes as Markdown.

``GET /api/boards/<board>/notes.md`` with any working link token of the
board (``Authorization: Bearer``): the notes as that link's role may see
them — the board's notes for every role, and the descriptions of the cards
the role sees (protocol/visibility.py). Read from Redis like the JSON read
(snapshot + log tail), so it needs no open board on this node.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from protocol.notes import NotesDoc, to_markdown
from protocol.visibility import Viewer, project
from server.routes.api import linked_board


async def notes_markdown(request: Request) -> Response:
    got = await linked_board(request)
    if isinstance(got, Response):
        return got
    grant, state = got
    board = state.board
    seen = project(state, Viewer(grant.role))
    notes = {doc: NotesDoc(update) for doc, update in seen.get("notes", {}).items()}
    titles = {cid: card["title"] for cid, card in seen["cards"].items()}
    text = to_markdown(seen["settings"]["title"], notes, titles)
    return Response(
        text,
        media_type="text/markdown; charset=utf-8",
        headers={
            "Content-Disposition": f'inline; filename="{board}-notes.md"',
            "Cache-Control": "no-store",
        },
    )
