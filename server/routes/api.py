"""REST: create a board (returns its role links), read a board as JSON."""

from __future__ import annotations

import base64
import logging
from typing import Literal
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, ValidationError
from redis.exceptions import RedisError
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from protocol import codec, version
from protocol.messages import Role
from protocol.model import BoardState
from protocol.ops import BoardSet, BoardTitle, Layout
from protocol.visibility import Viewer, project
from server import abuse
from server.abuse import Limit
from server.access import Refused
from server.accounts.auth import Caller, caller, check_write, count_refusal, ip_of, limit
from server.accounts.http import ApiError, require_json
from server.engine.links import BoardGone, LinkState
from server.engine.state import read_state
from server.engine.store import BoardNotFound, now_ms
from server.node import Node
from server.tokens import Grant, new_board_id

log = logging.getLogger("prikbord.api")


class CreateBoard(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    title: BoardTitle = "Untitled board"
    layout: Layout = "wall"


#: Board creation takes a title and a layout: a few hundred bytes at most.
MAX_JSON_BODY = 4096


async def _read_capped(request: Request, cap: int) -> bytes | None:
    """The request body, or None once it passes ``cap`` bytes (read no more)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status)


def _base_url(request: Request, node: Node) -> str:
    return node.settings.public_url or str(request.base_url).rstrip("/")


def board_links(
    base: str, board: str, short: str, node: Node, state: LinkState | None = None
) -> dict[str, str]:
    """Links per role, plus the short join link. The screen link carries the
    short link (``join``) for its QR code: short links make sparse QR codes
    that scan from across a room, and can be typed from the wall. Tokens are
    of the roles' current generations in ``state`` (None: a new board's)."""

    def token(role: Role) -> str:
        return node.signer.link_token(board, role, state.gen(role) if state else 0)

    join = f"{base}/j/{short}"
    return {
        "facilitator": f"{base}/b/{board}#t={token('facilitator')}",
        "participant": f"{base}/b/{board}#t={token('participant')}",
        "viewer": f"{base}/screen/{board}#t={token('viewer')}&join={quote(join, safe='')}",
        "join": join,
    }


async def _may_create(request: Request, node: Node) -> Caller | None:
    """Who creates the board (None: anonymously, where that is open). JSON
    only (415: a form on another site cannot post JSON), no foreign Origin,
    the CSRF token with a session; per account or per IP limits (429)."""
    require_json(request)
    who = await caller(request)
    check_write(request, who)
    settings = node.settings
    window = settings.create_boards_window_s
    if who is not None:
        rule = Limit(settings.create_boards_per_account, window)
        await limit(request, "create_board_account", who.account.username, rule, "new boards")
        return who
    if not settings.open_board_creation:
        raise ApiError(401, "login_required", "log in to create boards on this server")
    rule = Limit(settings.create_boards_per_ip, window)
    await limit(request, "create_board_ip", ip_of(request), rule, "new boards")
    return None


async def create_board(request: Request) -> Response:
    node: Node = request.app.state.node
    try:
        who = await _may_create(request, node)
    except ApiError as exc:
        count_refusal(request, exc)
        return exc.response()
    raw = await _read_capped(request, MAX_JSON_BODY)
    if raw is None:
        return _error(413, "too_large", f"a request body is at most {MAX_JSON_BODY} bytes")
    try:
        body = CreateBoard.model_validate_json(raw or b"{}")
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        return _error(422, "invalid", f"{where}: {first['msg']}" if where else str(first["msg"]))
    board = new_board_id()
    op = BoardSet(type="board.set", title=body.title, layout=body.layout)
    head, tail = codec.event_parts(
        op_id="create", actor="system", name="Prikbord", role="facilitator", at=now_ms(), op=op
    )
    try:
        await node.store.create_board(board, now_ms())
        await node.store.append(board, "system:create", head, tail)
        owner = who.account.username if who else None
        await node.accounts.boards.claim(board, owner, body.title, now_ms())
        short = await node.store.create_short_code(board)
    except (RedisError, OSError) as exc:
        # Redis away, or its replicas did not confirm (PRIKBORD_WAIT_REPLICAS):
        # the half-made board is never handed out; the caller tries again.
        log.warning("board creation failed: %s", exc)
        return _error(503, "unavailable", "storage unavailable: retry")
    links = board_links(_base_url(request, node), board, short, node)
    return JSONResponse({"board": board, "title": body.title, "links": links}, status_code=201)


def _token_of(request: Request) -> str | None:
    """The link token, from the Authorization header only: a token in the
    query string would land in every access log on the way."""
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return None


async def linked_board(
    request: Request, *, role: Role | None = None
) -> tuple[Grant, BoardState] | Response:
    """The board a REST read names, for the link token in its Authorization
    header: the grant and the board's state, or the refusal to answer (401
    for a forged, replaced or expired link; 403 when ``role`` is required
    and the link has another; 404 for no such board). One place for every
    read route, so each checks links the same way."""
    node: Node = request.app.state.node
    board = request.path_params["board"]
    try:  # any working link of the board: replaced or expired ones get 401
        grant, _links = await node.access.grant(_token_of(request), board)
    except Refused as exc:
        if exc.status == 404:
            return _error(404, "not_found", "no such board")
        return _error(401, "unauthorized", f"a valid link token for this board is required: {exc}")
    if role is not None and grant.role != role:
        return _error(403, "forbidden", f"this is for the {role} link")
    try:
        return grant, await read_state(node.store, board)
    except BoardNotFound:
        return _error(404, "not_found", "no such board")


async def read_board(request: Request) -> Response:
    got = await linked_board(request)
    if isinstance(got, Response):
        return got
    grant, state = got
    # What this link's role may see (protocol/visibility.py): a viewer or
    # participant token never reads pending, hidden or anonymous content.
    seen = project(state, Viewer(grant.role))
    if "notes" in seen:  # JSON has no bytes: each Yjs state as base64
        seen["notes"] = {doc: base64.b64encode(st).decode() for doc, st in seen["notes"].items()}
    return JSONResponse(seen)


async def join_short(request: Request) -> Response:
    """``/j/<code>`` → the board's participant link (the token goes in the
    fragment of the redirect, so it stays out of access logs)."""
    node: Node = request.app.state.node
    code = request.path_params["code"]
    # Per client IP: a room joining by QR code is a few dozen lookups a
    # minute; guessing codes is held to the same (429 + Retry-After).
    rule = abuse.Limit(node.settings.join_lookups_per_minute, 60)
    wait = await node.limiter.hit("join_lookup", abuse.client_ip(request.scope), rule)
    if wait:
        refused = _error(429, "rate_limited", "too many join code lookups: try again later")
        refused.headers["Retry-After"] = str(int(wait))
        return refused
    # Only the board's current code: a replaced one is gone (SPEC §2).
    board = await node.links.board_of_join_code(code) if len(code) <= 16 else None
    if board is None:
        return _error(404, "not_found", "no board with this code")
    try:
        state = await node.links.read(board)
    except BoardGone:
        return _error(404, "not_found", "no board with this code")
    token = node.signer.link_token(board, "participant", state.gen("participant"))
    return RedirectResponse(f"/b/{board}#t={token}", status_code=302)


async def version_info(request: Request) -> Response:
    web: str = request.app.state.web_version
    kind: Literal["prikbord"] = "prikbord"
    return JSONResponse(
        {
            "name": kind,
            "version": request.app.state.version,
            "protocol": version.PROTOCOL_VERSION,
            "web": web,
        }
    )
