"""REST for a board's links: read them, replace them, let them expire, and
set the access code participants type (SPEC §5, *Links*).

Every route here is the facilitator's: the request carries a working
facilitator link token in ``Authorization: Bearer <token>`` (never in the
URL, which lands in access logs) — a browser never attaches that header by
itself, so another site cannot make a visitor's browser call these routes —
or, without a token, the session cookie of the board's owner (or of a
coordinator or administrator), with the session's CSRF token on changes
(``server/accounts/auth.py``). Bodies are JSON only (415 otherwise): a form
cannot send JSON.

Each change is stored and announced in one step (``server/engine/links.py``):
every node closes the sockets of a replaced or expired link with 4102.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from protocol import limits
from protocol.messages import ROLES, Role
from server.access import Refused, normalize_code
from server.accounts.auth import caller, check_write
from server.accounts.http import ApiError
from server.engine.links import BoardGone, LinkState
from server.engine.store import now_ms
from server.node import Node
from server.routes.api import board_links

#: The longest expiry a facilitator can set: a year covers a hub's school
#: year of sessions; "never" is the way to say longer.
MAX_EXPIRY_S = 365 * 24 * 3600
#: Bodies here are a role list, a number or a short code: a few dozen bytes.
MAX_BODY = 1024

#: What ``replace`` may name: a role's link, or the short join code.
Replaceable = Literal["facilitator", "participant", "viewer", "join"]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class ReplaceBody(_Body):
    roles: list[Replaceable] = Field(min_length=1, max_length=4)


class ExpiryBody(_Body):
    role: Role
    #: Seconds from now; None: never.
    expires_in: int | None = Field(ge=1, le=MAX_EXPIRY_S)


class AccessCodeBody(_Body):
    #: 4-32 letters and digits, case-insensitive; None: no code.
    code: str | None = Field(max_length=limits.MAX_ACCESS_CODE)


_M = TypeVar("_M", bound=_Body)


class _Fail(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.response = JSONResponse({"error": code, "message": message}, status_code=status)


def _token_of(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    return auth[7:].strip() if auth.lower().startswith("bearer ") else None


async def _facilitator(request: Request) -> tuple[Node, str, LinkState]:
    """The node, board and link state, for a request that carries a
    working facilitator link of the board, or comes from its owner's
    session; else 401/403/404."""
    node: Node = request.app.state.node
    board = request.path_params["board"]
    token = _token_of(request)
    if token is None:
        return await _owner(request, node, board)
    try:
        grant, state = await node.access.grant(token, board)
    except Refused as exc:
        if exc.status == 404:
            raise _Fail(404, "not_found", "no such board") from None
        raise _Fail(401, "unauthorized", f"a working facilitator link is required: {exc}") from None
    if grant.role != "facilitator":
        raise _Fail(403, "forbidden", "only the facilitator manages links")
    return node, board, state


async def _owner(request: Request, node: Node, board: str) -> tuple[Node, str, LinkState]:
    """A request without a link token: the logged-in owner of the board (or
    an account that sees all boards) manages its links like its facilitator."""
    who = await caller(request)
    if who is None:
        raise _Fail(401, "unauthorized", "a facilitator link token or a login is required")
    info = await node.accounts.boards.info(board) if len(board) <= 40 else None
    if info is None or (info.owner != who.account.username and not who.account.sees_all_boards):
        raise _Fail(404, "not_found", "no such board among yours")
    if request.method != "GET":
        try:
            check_write(request, who)
        except ApiError as exc:
            raise _Fail(exc.status, exc.code, exc.message) from None
    try:
        return node, board, await node.links.read(board)
    except BoardGone:
        raise _Fail(404, "not_found", "no such board among yours") from None


async def _body(request: Request, model: type[_M]) -> _M:
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind != "application/json":
        raise _Fail(415, "unsupported_media_type", "the request body must be application/json")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise _Fail(413, "too_large", f"a request body is at most {MAX_BODY} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise _Fail(413, "too_large", f"a request body is at most {MAX_BODY} bytes")
        chunks.append(chunk)
    try:
        return model.model_validate_json(b"".join(chunks) or b"{}")
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise _Fail(422, "invalid", f"{where}: {first['msg']}" if where else first["msg"]) from None


def _answer(request: Request, node: Node, board: str, state: LinkState) -> JSONResponse:
    base = node.settings.public_url or str(request.base_url).rstrip("/")
    body: dict[str, Any] = {
        "board": board,
        "links": board_links(base, board, state.join_code or "", node, state),
        "expires": {role: state.expiry(role) for role in ROLES},
        "access_code": state.access_code,
    }
    # Links are capabilities: never cached anywhere on the way.
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


#: A change: given the node, the board and the request's parsed body.
_Change = Callable[[Node, str, Any], Awaitable[None]]


async def _run(request: Request, model: type[_Body] | None, change: _Change | None) -> Response:
    """Authorize (before reading the body), parse, change, answer the state."""
    try:
        node, board, state = await _facilitator(request)
        if model is not None and change is not None:
            await change(node, board, await _body(request, model))
            state = await node.links.read(board)
    except _Fail as fail:
        return fail.response
    except BoardGone:
        return JSONResponse({"error": "not_found", "message": "no such board"}, status_code=404)
    return _answer(request, node, board, state)


async def read_links(request: Request) -> Response:
    """``GET /api/boards/<board>/links``: the current links, expiries and
    access code."""
    return await _run(request, None, None)


async def _replace(node: Node, board: str, body: ReplaceBody) -> None:
    roles = [r for r in ROLES if r in body.roles]
    if roles:
        await node.links.replace(board, roles)
    if "join" in body.roles:
        await node.links.create_join_code(board)


async def replace_links(request: Request) -> Response:
    """``POST /api/boards/<board>/links/replace`` ``{"roles": [...]}``: new
    links for these roles (and/or a new join code); the old ones stop
    working everywhere, open sockets included."""
    return await _run(request, ReplaceBody, _replace)


async def _expire(node: Node, board: str, body: ExpiryBody) -> None:
    at = None if body.expires_in is None else now_ms() + body.expires_in * 1000
    await node.links.set_expiry(board, body.role, at)


async def set_expiry(request: Request) -> Response:
    """``PUT /api/boards/<board>/links/expiry`` ``{"role", "expires_in"}``:
    the role's links stop working that many seconds from now (null: never)."""
    return await _run(request, ExpiryBody, _expire)


async def _set_code(node: Node, board: str, body: AccessCodeBody) -> None:
    code = None
    if body.code is not None:
        code = normalize_code(body.code)
        if code is None:
            rule = f"{limits.MIN_ACCESS_CODE}-{limits.MAX_ACCESS_CODE} letters and digits"
            raise _Fail(422, "invalid", f"code: {rule}")
    await node.links.set_access_code(board, code)


async def set_access_code(request: Request) -> Response:
    """``PUT /api/boards/<board>/access-code`` ``{"code"}``: participants
    type this code to join (null: no code). Open sockets stay."""
    return await _run(request, AccessCodeBody, _set_code)


async def join_link(request: Request) -> Response:
    """``GET /api/boards/<board>/join``: the current short join link, for
    any working link of the board (a hub screen follows a replaced join
    code with it)."""
    node: Node = request.app.state.node
    board = request.path_params["board"]
    try:
        _grant, state = await node.access.grant(_token_of(request), board)
    except Refused as exc:
        if exc.status == 404:
            return JSONResponse({"error": "not_found", "message": "no such board"}, 404)
        message = f"a valid link token for this board is required: {exc}"
        return JSONResponse({"error": "unauthorized", "message": message}, 401)
    base = node.settings.public_url or str(request.base_url).rstrip("/")
    join = f"{base}/j/{state.join_code}" if state.join_code else None
    return JSONResponse({"join": join}, headers={"Cache-Control": "no-store"})
