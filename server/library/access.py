"""Who may read or make what through the library's routes, and the
helpers every library route shares.

Reading a board: a link token of the board in the Authorization header (as
every REST read, ``api.linked_board``'s rule), or a logged-in account that
may manage the board — its owner, coordinators and admins, the coordinators
of the hub the board is in (the hubs' rule, ``server/hubs/routes.manages``).
A facilitator link or such an account gets the whole board; any other link
gets what its role may see (``visibility.project``): a participant's export
never holds a pending card or an anonymous author.

Making a board (import, duplicate, a board from a template) passes the same
checks and limits as ``POST /api/boards``: JSON only, no foreign Origin,
CSRF with a session, per account or per IP limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from protocol.messages import Role
from protocol.model import BoardState, from_wire
from protocol.visibility import Viewer, project
from server.access import Refused
from server.accounts.auth import Caller, caller

# One refusal wrapper and node lookup for every JSON route; the library's
# route modules take them from here.
from server.accounts.auth import node_of as node_of
from server.accounts.auth import refusals as refusals
from server.accounts.http import ApiError
from server.engine.state import read_state
from server.engine.store import BoardNotFound
from server.library import boards
from server.library.boards import CreateFailed

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Reader:
    """Who reads a board and what they see."""

    state: BoardState  # as this reader may see it
    full: bool  # the whole board (facilitator link, owner, coordinator)
    role: Role
    account: Caller | None


def bearer(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    return auth[7:].strip() if auth.lower().startswith("bearer ") else None


async def read_board(request: Request, board: str, token: str | None = None) -> Reader:
    """The board for this request's link token (or ``token``) or account;
    404 for no such board (or none the caller may read), 401 without a
    working link or login."""
    node = node_of(request)
    token = token if token is not None else bearer(request)
    who = await caller(request)
    role: Role | None = None
    if token:
        try:
            grant, _links = await node.access.grant(token, board)
        except Refused as exc:
            if exc.status == 404:
                raise ApiError(404, "not_found", "no such board") from None
            raise ApiError(401, "unauthorized", f"a valid link token is required: {exc}") from None
        role = grant.role
    elif who is not None:
        info = await node.accounts.boards.info(board) if len(board) <= 40 else None
        if info is None or not await may_manage_board(request, who, info.board, info.owner):
            raise ApiError(404, "not_found", "no such board among yours")
        role = "facilitator"
    else:
        raise ApiError(401, "unauthorized", "a link token of the board or a login is required")
    try:
        state = await read_state(node.store, board)
    except BoardNotFound:
        raise ApiError(404, "not_found", "no such board") from None
    if role == "facilitator":
        return Reader(state, True, role, who)
    seen = project(state, Viewer(role))
    return Reader(from_wire(seen), False, role, who)


async def may_manage_board(request: Request, who: Caller, board: str, owner: str | None) -> bool:
    """The board's owner, coordinators and admins, and the coordinators of
    the hub the board is in (the hubs' rule, server/hubs/routes.py)."""
    if owner == who.account.username or who.account.sees_all_boards:
        return True
    from server.hubs.store import HubStore

    hub = await HubStore(node_of(request).redis).hub_of_board(board)
    return await manages_hub(request, who, hub)


async def manages_hub(request: Request, who: Caller | None, slug: str | None) -> bool:
    """The caller manages hub ``slug`` (the hubs' own rule: coordinators and
    admins every hub, an account named among a hub's coordinators that
    hub); False for no such hub."""
    if who is None or not slug:
        return False
    from server.hubs.routes import manages  # the hubs decide who manages them
    from server.hubs.store import HubStore

    hub = await HubStore(node_of(request).redis).get(slug)
    return hub is not None and manages(who, hub)


def parse(model: type[M], body: dict[str, Any]) -> M:
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ApiError(
            422, "invalid", f"{where}: {first['msg']}" if where else first["msg"]
        ) from None


async def may_create(request: Request) -> Caller | None:
    """The caller of a request that makes a board (None: anonymous, where
    the server allows it): ``POST /api/boards``'s own checks and limits."""
    from server.routes.api import _may_create  # api imports the accounts' routes

    return await _may_create(request, node_of(request))


def created(request: Request, made: boards.Created) -> Response:
    from server.routes.api import board_links

    node = node_of(request)
    base = node.settings.public_url or str(request.base_url).rstrip("/")
    links = board_links(base, made.board, made.short, node)
    return JSONResponse({"board": made.board, "title": made.title, "links": links}, status_code=201)


async def read_body(request: Request, cap: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise ApiError(413, "too_large", f"an import is at most {cap} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            raise ApiError(413, "too_large", f"an import is at most {cap} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def create(
    request: Request, state: BoardState, who: Caller | None, files: boards.PutFiles | None = None
) -> Response:
    return created(request, await make(request, state, who, files))


async def make(
    request: Request, state: BoardState, who: Caller | None, files: boards.PutFiles | None = None
) -> boards.Created:
    try:
        return await boards.create_from_state(
            node_of(request), state, owner=who.account.username if who else None, files=files
        )
    except boards.FilesRefused as exc:
        code = "too_large" if exc.status == 413 else "invalid"
        raise ApiError(exc.status, code, exc.message) from None
    except CreateFailed:
        raise ApiError(503, "unavailable", "storage unavailable: retry") from None
