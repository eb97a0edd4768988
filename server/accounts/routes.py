"""REST endpoints of accounts (protocol/SPEC.md, REST):

* ``POST /api/login`` ``{username, password}`` → ``{account, csrf}`` and the
  session cookie; ``POST /api/logout``; ``GET /api/me``.
* ``GET /api/setup``, ``POST /api/setup`` ``{token, username, name,
  password}``: the first administrator, once, from the printed link.
* ``GET /api/my/boards[?archived=1][&scope=all]``, and per board ``GET``
  (with its links), ``PATCH {title?, archived?}``, ``DELETE``.

Every refusal is JSON ``{error, message}`` with a stable ``error`` code.
"""

from __future__ import annotations

import secrets
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from protocol import codec
from protocol.ops import BoardSet, BoardTitle
from server.abuse import Limit
from server.accounts import csrf, passwords, setup
from server.accounts.auth import (
    Caller,
    caller,
    check_write,
    ip_of,
    limit,
    node_of,
    refusals,
    require_login,
    session_id_of,
)
from server.accounts.boards import BoardInfo
from server.accounts.http import ApiError, read_json, text_field
from server.accounts.sessions import Session, SessionCookie
from server.accounts.store import (
    Account,
    Created,
    InvalidAccount,
    check_display_name,
    normalize_username,
)
from server.engine.links import BoardGone
from server.engine.store import BoardNotFound, now_ms
from server.routes import pages

# --- sessions ------------------------------------------------------------------


def _signed_in(request: Request, account: Account, session_id: str, session: Session) -> Response:
    node = node_of(request)
    secure = csrf.is_secure(request, node.settings)
    response = JSONResponse({"account": account.public(), "csrf": session.csrf})
    response.headers.append(
        "set-cookie",
        SessionCookie.header(
            node.accounts.cookie.value(session_id),
            secure=secure,
            max_age=node.settings.session_max_s,
        ),
    )
    response.headers["cache-control"] = "no-store"
    return response


def _cleared(response: Response, request: Request) -> Response:
    secure = csrf.is_secure(request, node_of(request).settings)
    response.headers.append("set-cookie", SessionCookie.header("", secure=secure, max_age=0))
    return response


async def _end_current(request: Request) -> None:
    """End the session the request's cookie names, if any (a new login must
    not leave the old session alive)."""
    session_id = session_id_of(request)
    if session_id is not None:
        accounts = node_of(request).accounts
        session = await accounts.sessions.load(session_id, now_ms())
        if session is not None:
            await accounts.sessions.end(session)


@refusals
async def login(request: Request) -> Response:
    node = node_of(request)
    settings = node.settings
    body = await read_json(request)
    check_write(request, None)
    window = settings.logins_window_s
    await limit(
        request, "login_ip", ip_of(request), Limit(settings.logins_per_ip, window), "logins"
    )
    raw_username = text_field(body, "username") or ""
    password = text_field(body, "password") or ""
    try:
        username = normalize_username(raw_username)
    except InvalidAccount:
        username = ""
    if username:
        rule = Limit(settings.logins_per_account, window)
        await limit(request, "login_account", username, rule, "logins for this account")
    account = await node.accounts.store.get(username) if username else None
    ok, rehash = await passwords.verify_password_async(
        account.password_hash if account else None, password
    )
    if account is None or not ok:
        raise ApiError(401, "bad_credentials", "wrong username or password")
    if account.disabled:
        raise ApiError(403, "disabled", "this account is disabled")
    if rehash is not None:
        await node.accounts.store.set_password_hash(account.username, rehash)
    await _end_current(request)
    session_id, session = await node.accounts.sessions.create(account.username, now_ms())
    return _signed_in(request, account, session_id, session)


@refusals
async def logout(request: Request) -> Response:
    who = await caller(request)
    check_write(request, who)
    if who is not None:
        await node_of(request).accounts.sessions.end(who.session)
    return _cleared(Response(status_code=204), request)


@refusals
async def me(request: Request) -> Response:
    """Who is logged in (and their CSRF token), and what the server allows."""
    node = node_of(request)
    who = await caller(request)
    body: dict[str, Any] = {
        "account": who.account.public() if who else None,
        "csrf": who.session.csrf if who else None,
        "open_board_creation": node.settings.open_board_creation,
        "setup_needed": who is None and await node.accounts.store.count() == 0,
        "manages_hubs": who is not None and await _manages_a_hub(request, who),
    }
    return JSONResponse(body, headers={"cache-control": "no-store"})


async def _manages_a_hub(request: Request, who: Caller) -> bool:
    """Whether the account manages any hub (so the web app shows it the
    hubs): coordinators and admins all, others where a hub names them."""
    from server.hubs.routes import manages  # the hubs decide who manages them
    from server.hubs.store import HubStore

    if who.account.sees_all_boards:
        return True
    return any(manages(who, hub) for hub in await HubStore(node_of(request).redis).all())


# --- first-run setup -----------------------------------------------------------


@refusals
async def setup_status(request: Request) -> Response:
    needed = await node_of(request).accounts.store.count() == 0
    return JSONResponse({"needed": needed}, headers={"cache-control": "no-store"})


@refusals
async def setup_first_admin(request: Request) -> Response:
    node = node_of(request)
    settings = node.settings
    body = await read_json(request)
    check_write(request, None)
    rule = Limit(settings.logins_per_ip, settings.logins_window_s)
    await limit(request, "setup_ip", ip_of(request), rule, "setup attempts")
    token = text_field(body, "token") or ""
    password = text_field(body, "password") or ""
    try:
        username = normalize_username(text_field(body, "username") or "")
        name = check_display_name(text_field(body, "name", required=False) or username)
        passwords.check_new_password(password)
    except (InvalidAccount, passwords.WeakPassword) as exc:
        raise ApiError(422, "invalid", str(exc)) from None
    # The checks above come first, so a typo in the form does not use up
    # the link; the token is spent before the (slow) hash.
    if await node.accounts.store.count() > 0:
        raise ApiError(409, "already_set_up", "an account exists already: log in")
    if not await setup.consume(node.redis, token, now_ms()):
        raise ApiError(
            403,
            "invalid_token",
            "this setup link is invalid, used or expired: restart the server for a new one, "
            "or use `prikbord user add`",
        )
    password_hash = await passwords.hash_password_async(password)
    created = await node.accounts.store.create(
        username, name, "admin", password_hash, now_ms(), first_only=True
    )
    if created is not Created.CREATED:
        raise ApiError(409, "already_set_up", "an account exists already: log in")
    await setup.drop_all(node.redis)
    account = await node.accounts.store.get(username)
    assert account is not None
    session_id, session = await node.accounts.sessions.create(username, now_ms())
    response = _signed_in(request, account, session_id, session)
    response.status_code = 201
    return response


# --- my boards -----------------------------------------------------------------


class BoardChange(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    title: BoardTitle | None = None
    archived: bool | None = None


async def _board_for(request: Request, who: Caller) -> BoardInfo:
    """The board in the path if the caller may manage it (its owner,
    coordinators and admins, and the coordinators named in the hub the board
    is in: the same rule as the library's and the hubs'); 404 otherwise (the
    same answer for another account's board and for no board at all)."""
    from server.library.access import may_manage_board  # it imports accounts.auth

    board = request.path_params["board"]
    info = await node_of(request).accounts.boards.info(board) if len(board) <= 40 else None
    if info is None or not await may_manage_board(request, who, info.board, info.owner):
        raise ApiError(404, "not_found", "no such board among yours")
    return info


@refusals
async def my_boards(request: Request) -> Response:
    who = await require_login(request, write=False)
    archived = request.query_params.get("archived", "0") == "1"
    scope = request.query_params.get("scope", "mine")
    if scope not in ("mine", "all"):
        raise ApiError(422, "invalid", "scope is mine or all")
    boards = node_of(request).accounts.boards
    if scope == "all":
        if not who.account.sees_all_boards:
            raise ApiError(403, "forbidden", "only coordinators and administrators see all boards")
        found = await boards.everything(archived=archived)
    else:
        found = await boards.owned(who.account.username, archived=archived)
    return JSONResponse(
        {"scope": scope, "archived": archived, "boards": [b.public() for b in found]},
        headers={"cache-control": "no-store"},
    )


@refusals
async def my_board(request: Request) -> Response:
    """One board with its links (the facilitator link again, after a reload)."""
    from server.routes.api import board_links  # api imports accounts.auth

    who = await require_login(request, write=False)
    info = await _board_for(request, who)
    node = node_of(request)
    try:
        state = await node.links.read(info.board)  # the links' current generations
    except BoardGone:
        raise ApiError(404, "not_found", "no such board among yours") from None
    base = node.settings.public_url or str(request.base_url).rstrip("/")
    links = board_links(base, info.board, state.join_code or "", node, state)
    if not state.join_code:
        links.pop("join", None)
    return JSONResponse({**info.public(), "links": links}, headers={"cache-control": "no-store"})


async def _rename(request: Request, who: Caller, board: str, title: str) -> None:
    """Rename through the board's log, so every open board sees it live."""
    node = node_of(request)
    op = BoardSet(type="board.set", title=title)
    op_id = f"rename-{secrets.token_hex(6)}"
    head, tail = codec.event_parts(
        op_id=op_id, actor="system", name=who.account.name, role="facilitator", at=now_ms(), op=op
    )
    try:
        result = await node.store.append(board, f"system:{op_id}", head, tail)
    except BoardNotFound:
        raise ApiError(404, "not_found", "no such board among yours") from None
    await node.store.note_title(board, result.seq, title)


@refusals
async def change_board(request: Request) -> Response:
    who = await require_login(request, write=True)
    info = await _board_for(request, who)
    body = await read_json(request)
    try:
        change = BoardChange.model_validate(body)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ApiError(422, "invalid", f"{where}: {first['msg']}") from None
    boards = node_of(request).accounts.boards
    if change.title is not None and change.title != info.title:
        await _rename(request, who, info.board, change.title)
    if change.archived is not None and change.archived != info.archived:
        await boards.set_archived(info.board, change.archived)
    updated = await boards.info(info.board)
    if updated is None:
        raise ApiError(404, "not_found", "no such board among yours")
    return JSONResponse(updated.public())


@refusals
async def delete_board(request: Request) -> Response:
    who = await require_login(request, write=True)
    info = await _board_for(request, who)
    # Deleting is for the board's owner and the server-wide roles: a hub's
    # named coordinator runs the hub's boards (open, rename, archive) but
    # does not destroy another account's work.
    if info.owner != who.account.username and not who.account.sees_all_boards:
        raise ApiError(403, "forbidden", "only the board's owner or an administrator deletes it")
    await node_of(request).accounts.boards.delete(info.board)
    return Response(status_code=204)


def routes() -> list[BaseRoute]:
    """The account routes, pages included (the web app routes by path)."""
    return [
        Route("/login", pages.index),
        Route("/setup", pages.index),
        Route("/my", pages.index),
        Route("/api/login", login, methods=["POST"]),
        Route("/api/logout", logout, methods=["POST"]),
        Route("/api/me", me),
        Route("/api/setup", setup_status, methods=["GET"]),
        Route("/api/setup", setup_first_admin, methods=["POST"]),
        Route("/api/my/boards", my_boards),
        Route("/api/my/boards/{board}", my_board, methods=["GET"]),
        Route("/api/my/boards/{board}", change_board, methods=["PATCH"]),
        Route("/api/my/boards/{board}", delete_board, methods=["DELETE"]),
    ]
