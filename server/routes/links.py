"""REST for a board's links: read them, replace them, let them expire, and
set the access code participants type (SPEC §5, *Links*).

Every route here is the facilitator's: the request carries a working
facilitator link token in ``Authorization: Bearer <token>`` (never in the
URL, which lands in access logs). A browser never attaches that header by
itself, so another site cannot make a visitor's browser call these routes
(no CSRF). Bodies are JSON only (415 otherwise): a form cannot send JSON.

Each change is stored and announced in one step (``server/engine/links.py``):
every node closes the sockets of a replaced or expired link with 4102.
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from protocol import limits
from protocol.messages import ROLES, Role
from server.access import Refused, normalize_code
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
    working facilitator link of the board; else 401/403/404."""
    node: Node = request.app.state.node
    board = request.path_params["board"]
    try:
        grant, state = await node.access.grant(_token_of(request), board)
    except Refused as exc:
        if exc.status == 404:
            raise _Fail(404, "not_found", "no such board") from None
        raise _Fail(401, "unauthorized", f"a working facilitator link is required: {exc}") from None
    if grant.role != "facilitator":
        raise _Fail(403, "forbidden", "only the facilitator manages links")
    return node, board, state


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


async def _run(request: Request, change: Any) -> Response:
    try:
        node, board, state = await _facilitator(request)
        if change is not None:
            await change(node, board)
            state = await node.links.read(board)
    except _Fail as fail:
        return fail.response
    except BoardGone:
        return JSONResponse({"error": "not_found", "message": "no such board"}, status_code=404)
    return _answer(request, node, board, state)


async def read_links(request: Request) -> Response:
    """``GET /api/boards/<board>/links``: the current links, expiries and
    access code."""
    return await _run(request, None)


async def replace_links(request: Request) -> Response:
    """``POST /api/boards/<board>/links/replace`` ``{"roles": [...]}``: new
    links for these roles (and/or a new join code); the old ones stop
    working everywhere, open sockets included."""
    try:
        body = await _body(request, ReplaceBody)
    except _Fail as fail:
        return fail.response

    async def change(node: Node, board: str) -> None:
        roles = [r for r in ROLES if r in body.roles]
        if roles:
            await node.links.replace(board, roles)
        if "join" in body.roles:
            await node.links.create_join_code(board)

    return await _run(request, change)


async def set_expiry(request: Request) -> Response:
    """``PUT /api/boards/<board>/links/expiry`` ``{"role", "expires_in"}``:
    the role's links stop working that many seconds from now (null: never)."""
    try:
        body = await _body(request, ExpiryBody)
    except _Fail as fail:
        return fail.response
    at = None if body.expires_in is None else now_ms() + body.expires_in * 1000

    async def change(node: Node, board: str) -> None:
        await node.links.set_expiry(board, body.role, at)

    return await _run(request, change)


async def set_access_code(request: Request) -> Response:
    """``PUT /api/boards/<board>/access-code`` ``{"code"}``: participants
    type this code to join (null: no code). Open sockets stay."""
    try:
        body = await _body(request, AccessCodeBody)
    except _Fail as fail:
        return fail.response
    code = None
    if body.code is not None:
        code = normalize_code(body.code)
        if code is None:
            reason = f"code: {limits.MIN_ACCESS_CODE}-{limits.MAX_ACCESS_CODE} letters and digits"
            return JSONResponse({"error": "invalid", "message": reason}, status_code=422)

    async def change(node: Node, board: str) -> None:
        await node.links.set_access_code(board, code)

    return await _run(request, change)


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
