"""The activity log of a board, for facilitators: who did what, and when.

It is read from the board's own log (every accepted op is an event with its
actor, name, role and server time), so there is no second record to keep in
step; it reaches back as far as the log does (``PRIKBORD_LOG_RETAIN``
events behind the newest snapshot). JSON by default, CSV with
``?format=csv`` (for a spreadsheet after the session).

Facilitators only (a facilitator link's token, in the Authorization
header). In anonymous mode "all" the authors of participants' actions are
left out here too: the log must not undo what the facilitator chose.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from protocol import codec
from protocol.errors import ProtocolError
from protocol.messages import Event
from protocol.ops import ViewPatch
from server.node import Node
from server.routes.api import linked_board

#: Rows in one answer: the whole retained log of a busy board, at most.
MAX_ENTRIES = 20_000
COLUMNS = ("seq", "time", "name", "role", "action", "target", "detail")


def _target(op: Any) -> str:
    for field in ("id", "card", "actor", "section"):
        value = getattr(op, field, None)
        if isinstance(value, str) and value:
            return value
    return ""


def _detail(op: Any) -> str:
    """A short human hint: the moderation action, a title, a timer action."""
    for field in ("action", "title", "body"):
        value = getattr(op, field, None)
        if isinstance(value, str) and value:
            return value[:80]
    if op.type == "board.set":
        named = op.model_dump(exclude_none=True, exclude={"type"})
        return ", ".join(f"{k}={v}" for k, v in named.items())[:80]
    return ""


def entry(event: Event, anonymous_all: bool) -> dict[str, Any]:
    """One row of the activity log."""
    op = event.op
    hidden = anonymous_all and event.role != "facilitator"
    return {
        "seq": event.seq,
        "time": datetime.fromtimestamp(event.at / 1000, UTC).isoformat(timespec="seconds"),
        "name": "" if hidden else event.name,
        "actor": "" if hidden else event.actor,
        "role": event.role,
        "action": "" if op is None or isinstance(op, ViewPatch) else op.type,
        "target": "" if op is None else _target(op),
        "detail": "" if op is None or isinstance(op, ViewPatch) else _detail(op),
    }


async def activity(request: Request) -> Response:
    node: Node = request.app.state.node
    got = await linked_board(request, role="facilitator")
    if isinstance(got, Response):
        return got
    _grant, state = got
    board = state.board
    raws = await node.store.read_log(board, max(0, state.seq - MAX_ENTRIES))
    anonymous_all = state.settings.anonymous == "all"
    rows = []
    for raw in raws:
        try:
            rows.append(entry(codec.decode_event(raw), anonymous_all))
        except ProtocolError:
            continue  # an event this version cannot read: not worth failing the log
    if request.query_params.get("format") == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        return Response(
            out.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="activity-{board}.csv"'},
        )
    first = rows[0]["seq"] if rows else state.seq + 1
    return JSONResponse({"board": board, "from_seq": first, "entries": rows})
