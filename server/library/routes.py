"""REST for the library: export, import, duplicate, templates, copy a card.

Who may read a board here: a link token of the board in the Authorization
header (as every REST read, ``api.linked_board``'s rule), or a logged-in
account that owns the board or sees every board (coordinators, admins).
A facilitator link or such an account gets the whole board; any other
link gets what its role may see (``visibility.project``): a participant's
export never holds a pending card or an anonymous author.

Whatever creates a board (import, duplicate, a board from a template)
passes the same checks and limits as ``POST /api/boards``: JSON only, no
foreign Origin, CSRF with a session, per account or per IP limits.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from redis.exceptions import RedisError
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from protocol import codec
from protocol.messages import Role
from protocol.model import BoardState, from_wire, to_wire
from protocol.ops import BoardTitle, CardAdd
from protocol.visibility import Viewer, project
from server.access import Refused
from server.accounts.auth import Caller, caller, check_write, count_refusal, require_login
from server.accounts.http import ApiError, read_json
from server.engine.state import read_state
from server.engine.store import BoardNotFound, now_ms
from server.library import boards, document, render, saved, search, templates
from server.library.boards import CreateFailed
from server.node import Node

log = logging.getLogger("prikbord.library")

Handler = Callable[[Request], Awaitable[Response]]
M = TypeVar("M", bound=BaseModel)
PRINT_CSS_PATH = "/library/print.css"


def _refusals(handler: Handler) -> Handler:
    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except ApiError as exc:
            count_refusal(request, exc)
            return exc.response()

    wrapped.__name__ = handler.__name__
    wrapped.__doc__ = handler.__doc__
    return wrapped


def _node(request: Request) -> Node:
    node: Node = request.app.state.node
    return node


@dataclass(frozen=True, slots=True)
class Reader:
    """Who reads a board and what they see."""

    state: BoardState  # as this reader may see it
    full: bool  # the whole board (facilitator link, owner, coordinator)
    role: Role
    account: Caller | None


def _bearer(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    return auth[7:].strip() if auth.lower().startswith("bearer ") else None


async def read_board(request: Request, board: str, token: str | None = None) -> Reader:
    """The board for this request's link token (or ``token``) or account;
    404 for no such board (or none the caller may read), 401 without a
    working link or login."""
    node = _node(request)
    token = token if token is not None else _bearer(request)
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
        if info is None or not await _may_manage_board(request, who, info.board, info.owner):
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


async def _library_page(request: Request) -> Response:
    """The web app's library page (the app routes by path)."""
    from server.routes import pages

    return await pages.index(request)


async def _may_manage_board(request: Request, who: Caller, board: str, owner: str | None) -> bool:
    """The board's owner, coordinators and admins, and the coordinators of
    the hub the board is in (the hubs' rule, server/hubs/routes.py)."""
    if owner == who.account.username or who.account.sees_all_boards:
        return True
    from server.hubs.store import HubStore

    return await _manages(request, who, await HubStore(_node(request).redis).hub_of_board(board))


# --- export ----------------------------------------------------------------------


def _filename(state: BoardState, ext: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in state.settings.title)
    return f"{safe.strip('-')[:60] or 'board'}.{ext}"


def _download(body: str | bytes, media: str, name: str) -> Response:
    return Response(
        body,
        media_type=media,
        headers={
            "content-disposition": f'attachment; filename="{name}"',
            "cache-control": "no-store",
        },
    )


@_refusals
async def export_board(request: Request) -> Response:
    """``GET /api/boards/{board}/export.{json,csv,md,html}``."""
    fmt = request.path_params["fmt"]
    reader = await read_board(request, request.path_params["board"])
    state, full = reader.state, reader.full
    if fmt == "json":
        form = to_wire(state)
        files = await _attachments(request, state.board, document.referenced_files(form))
        doc = document.build(
            form, view="full" if full else reader.role, exported_at=now_ms(), attachments=files
        )
        return _download(document.dumps(doc), "application/json", _filename(state, "json"))
    if fmt == "csv":
        text = render.to_csv(state, facilitator=full)
        return _download(
            text.encode("utf-8-sig"), "text/csv; charset=utf-8", _filename(state, "csv")
        )
    if fmt == "md":
        text = render.to_markdown(state, facilitator=full)
        return _download(text, "text/markdown; charset=utf-8", _filename(state, "md"))
    if fmt == "html":
        node = _node(request)
        base = node.settings.public_url or str(request.base_url).rstrip("/")
        page = render.to_print_html(state, facilitator=full, stylesheet=base + PRINT_CSS_PATH)
        return Response(
            page, media_type="text/html; charset=utf-8", headers={"cache-control": "no-store"}
        )
    raise ApiError(404, "not_found", "export formats: json, csv, md, html")


async def _attachments(request: Request, board: str, ids: set[str]) -> list[dict[str, Any]]:
    """The files the exported cards show, for the JSON export; 413 when
    they pass what an import takes (such a file could never come back: the
    operator's backup keeps boards of that size)."""
    node = _node(request)
    cap = node.settings.library_import_max_bytes
    out: list[dict[str, Any]] = []
    total = 0
    if not ids:
        return out
    async for file_id, entry, data in node.files.export_board(board):
        if file_id not in ids:
            continue
        total += len(data) * 4 // 3  # base64
        if total > cap:
            raise ApiError(
                413, "too_large",
                f"the board's files pass {cap} bytes, the most an import takes: "
                "export CSV or Markdown, or ask the operator for a backup",
            )  # fmt: skip
        out.append(document.attachment(file_id, entry, data))
    return out


async def print_css(request: Request) -> Response:
    return PlainTextResponse(
        render.PRINT_CSS, media_type="text/css", headers={"cache-control": "max-age=3600"}
    )


# --- creating boards ----------------------------------------------------------------


async def _may_create(request: Request) -> Caller | None:
    from server.routes.api import _may_create as may_create  # api imports this package's deps

    return await may_create(request, _node(request))


def _created(request: Request, made: boards.Created) -> Response:
    from server.routes.api import board_links

    node = _node(request)
    base = node.settings.public_url or str(request.base_url).rstrip("/")
    links = board_links(base, made.board, made.short, node)
    return JSONResponse({"board": made.board, "title": made.title, "links": links}, status_code=201)


async def _read_body(request: Request, cap: int) -> bytes:
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


async def _create(
    request: Request, state: BoardState, who: Caller | None, files: boards.PutFiles | None = None
) -> Response:
    return _created(request, await _make(request, state, who, files))


async def _make(
    request: Request, state: BoardState, who: Caller | None, files: boards.PutFiles | None = None
) -> boards.Created:
    try:
        return await boards.create_from_state(
            _node(request), state, owner=who.account.username if who else None, files=files
        )
    except boards.FilesRefused:
        raise ApiError(422, "invalid", "a file's bytes do not match its id") from None
    except CreateFailed:
        raise ApiError(503, "unavailable", "storage unavailable: retry") from None


@_refusals
async def import_board(request: Request) -> Response:
    """``POST /api/library/import``: a JSON export (the file as the body)
    becomes a new board, the caller's. Nothing is created unless the whole
    file checks out."""
    who = await _may_create(request)
    raw = await _read_body(request, _node(request).settings.library_import_max_bytes)
    try:
        doc = document.loads(raw)
        state = document.read_state(doc, "import", 0)
        files = document.read_attachments(doc, state)
    except document.BadDocument as exc:
        status = 422 if exc.code == "invalid" else 400
        raise ApiError(status, exc.code, exc.message) from None
    return await _create(request, state, who, boards.put_files(_node(request), files))


class Duplicate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    title: BoardTitle | None = None
    votes: bool = True
    comments: bool = True


def _parse(model: type[M], body: dict[str, Any]) -> M:
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ApiError(
            422, "invalid", f"{where}: {first['msg']}" if where else first["msg"]
        ) from None


@_refusals
async def duplicate_board(request: Request) -> Response:
    """``POST /api/boards/{board}/duplicate``: a copy with a new id, the
    caller's; ``votes``/``comments`` false leave them out (a remix)."""
    who = await _may_create(request)
    reader = await read_board(request, request.path_params["board"])
    if not reader.full:
        raise ApiError(
            403, "forbidden", "duplicating takes the facilitator link or the board's owner"
        )
    body = _parse(Duplicate, await read_json(request))
    state = templates.remix(reader.state, keep_votes=body.votes, keep_comments=body.comments)
    if body.title is not None:
        state.settings.title = body.title
    ids = document.referenced_files(to_wire(state))
    return await _create(request, state, who, boards.copy_files(_node(request), state.board, ids))


# --- templates ----------------------------------------------------------------------


class SaveTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    name: BoardTitle
    hub: str | None = Field(default=None, pattern=r"^[a-z0-9-]{1,40}$")


async def _manages(request: Request, who: Caller | None, slug: str | None) -> bool:
    """The caller manages hub ``slug`` (the hubs' own rule: coordinators and
    admins every hub, an account named among a hub's coordinators that
    hub); False for no such hub."""
    if who is None or not slug:
        return False
    from server.hubs.routes import manages  # the hubs decide who manages them
    from server.hubs.store import HubStore

    hub = await HubStore(_node(request).redis).get(slug)
    return hub is not None and manages(who, hub)


async def _scopes(request: Request, who: Caller, hub: str | None) -> list[str]:
    """The saved-template scopes the caller uses: their own, and a hub's
    that they manage."""
    scopes = [f"user:{who.account.username}"]
    if await _manages(request, who, hub):
        scopes.append(f"hub:{hub}")
    return scopes


@_refusals
async def save_template(request: Request) -> Response:
    """``POST /api/boards/{board}/template``: save the board as a template,
    personal or (coordinators) the hub's."""
    who = await require_login(request, write=True)
    body = _parse(SaveTemplate, await read_json(request))
    reader = await read_board(request, request.path_params["board"])
    if not reader.full:
        raise ApiError(403, "forbidden", "saving as a template takes the board's facilitator")
    if body.hub is not None and not await _manages(request, who, body.hub):
        raise ApiError(403, "forbidden", "only the hub's coordinators save its templates")
    scope = f"hub:{body.hub}" if body.hub else f"user:{who.account.username}"
    try:
        got = await saved.save(
            _node(request), reader.state, name=body.name, scope=scope,
            cap=_node(request).settings.library_saved_templates,
        )  # fmt: skip
    except saved.TooMany:
        raise ApiError(409, "too_many", "this scope has the most templates it may keep") from None
    return JSONResponse(got.public(), status_code=201)


@_refusals
async def list_templates(request: Request) -> Response:
    """``GET /api/library/templates?lang=nl|en&hub=<slug>``: the built-ins,
    and with a login the caller's saved ones (and the hub's)."""
    lang = request.query_params.get("lang", "nl")
    if lang not in templates.LANGS:
        raise ApiError(422, "invalid", "lang is nl or en")
    hub = request.query_params.get("hub") or None
    out: dict[str, Any] = {"builtin": templates.catalogue(lang), "saved": []}
    who = await caller(request)
    if who is not None:
        for scope in await _scopes(request, who, hub):
            out["saved"] += [t.public() for t in await saved.listed(_node(request), scope)]
    return JSONResponse(out, headers={"cache-control": "no-store"})


class FromTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    title: BoardTitle
    hub: str | None = Field(default=None, pattern=r"^[a-z0-9-]{1,40}$")


@_refusals
async def board_from_template(request: Request) -> Response:
    """``POST /api/library/templates/{template}/boards``: a new board."""
    who = await _may_create(request)
    body = _parse(FromTemplate, await read_json(request))
    owner = who.account.username if who else None
    if body.hub is not None and not await _manages(request, who, body.hub):
        raise ApiError(403, "forbidden", "only the hub's coordinators add boards to it")
    hub = body.hub
    state = await saved.template_state(
        _node(request), request.path_params["template"], hub=hub, owner=owner
    )
    if state is None:
        raise ApiError(404, "not_found", "no such template")
    state.settings.title = body.title
    made = await _make(request, state, who)
    if hub is not None:  # filed in the hub's index, where its library finds it
        from server.hubs.store import HubStore

        await HubStore(_node(request).redis).attach(made.board, hub, public=False, now=now_ms())
    return _created(request, made)


@_refusals
async def delete_template(request: Request) -> Response:
    who = await require_login(request, write=True)
    node = _node(request)
    got = await saved.get(node, request.path_params["template"])
    if got is None or got.scope not in await _scopes(request, who, got.scope.removeprefix("hub:")):
        raise ApiError(404, "not_found", "no such template among yours")
    await saved.delete(node, got.id)
    return Response(status_code=204)


# --- copy a card ------------------------------------------------------------------------


class BoardRef(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    board: str = Field(pattern=r"^[A-Za-z0-9_-]{1,40}$")
    token: str | None = Field(default=None, max_length=512)


class CopyCard(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    source: BoardRef
    card: str = Field(pattern=r"^[A-Za-z0-9_-]{1,40}$")
    target: BoardRef


@_refusals
async def copy_card(request: Request) -> Response:
    """``POST /api/library/copy-card``: the card (as the caller sees it on
    the source) becomes a new card on the target, appended to the target's
    log like any card (held for approval where the target asks for it and
    the caller is no facilitator there). The caller must be able to write
    on both boards: link tokens of both (not a viewer's), or an account
    that owns or coordinates both."""
    who = await caller(request)
    check_write(request, who)
    body = _parse(CopyCard, await read_json(request))
    source = await read_board(request, body.source.board, body.source.token or "")
    target = await read_board(request, body.target.board, body.target.token or "")
    if "viewer" in (source.role, target.role):
        raise ApiError(403, "forbidden", "a viewer link cannot copy cards")
    card = source.state.live_card(body.card)
    if card is None:
        raise ApiError(404, "not_found", "no such card on the source board")
    if target.state.settings.locked and target.role != "facilitator":
        raise ApiError(403, "forbidden", "the target board is locked")
    skip = ("type", "id", "held", "section")
    fields = {f: getattr(card, f, None) for f in CardAdd.model_fields if f not in skip}
    fields = {f: v for f, v in fields.items() if v is not None and v != ""}
    new_id = "cp" + secrets.token_hex(6)
    held = target.state.settings.approval and target.role != "facilitator"
    try:
        op = CardAdd.model_validate(
            {"type": "card.add", "id": new_id, **fields, "held": held or None}
        )
    except ValidationError:
        raise ApiError(422, "invalid", "this card cannot be copied") from None
    node = _node(request)
    ids = document.referenced_files({"cards": {card.id: to_wire(source.state)["cards"][card.id]}})
    try:  # the files first: the card never shows a file its board lacks
        await boards.copy_files(node, body.source.board, ids)(body.target.board)
    except boards.FilesRefused:
        raise ApiError(422, "invalid", "a file of the card is damaged") from None
    name = who.account.name if who else (card.author_name or "Prikbord")
    head, tail = codec.event_parts(
        op_id=f"copy-{new_id}", actor="system", name=name, role=target.role, at=now_ms(), op=op
    )
    try:
        result = await _node(request).store.append(
            body.target.board, f"system:copy-{new_id}", head, tail
        )
    except BoardNotFound:
        raise ApiError(404, "not_found", "no such target board") from None
    except (RedisError, OSError):
        raise ApiError(503, "unavailable", "storage unavailable: retry") from None
    return JSONResponse({"card": new_id, "seq": result.seq, "held": held}, status_code=201)


# --- search -----------------------------------------------------------------------------


def _search_cache(request: Request) -> search.SearchCache:
    """The node's search cache, made on first use (one per worker process)."""
    cache: search.SearchCache | None = getattr(request.app.state, "library_search", None)
    if cache is None:
        cache = search.SearchCache(_node(request).settings.library_search_cache)
        request.app.state.library_search = cache
    return cache


@_refusals
async def search_boards(request: Request) -> Response:
    """``GET /api/library/search?q=<words>[&hub=<slug>]``: cards, comments
    and notes that hold every word. With ``hub`` (coordinators and admins):
    the hub's boards; else the caller's own boards, archived ones too. An
    owner or coordinator sees the whole board, so the whole board is
    searched; nobody else searches here."""
    who = await require_login(request, write=False)
    node = _node(request)
    query = request.query_params.get("q", "")
    if not 0 < len(query) <= 200:
        raise ApiError(422, "invalid", "q: 1 to 200 characters")
    hub = request.query_params.get("hub")
    settings = node.settings
    if hub:
        if not await _manages(request, who, hub):
            raise ApiError(403, "forbidden", "only the hub's coordinators search its boards")
        from server.hubs.store import HubStore  # the hubs' own index of their boards

        ids = [b for b, _public in await HubStore(node.redis).boards(hub)]
    else:
        index = node.accounts.boards
        mine = [*await index.owned(who.account.username, archived=False)]
        mine += await index.owned(who.account.username, archived=True)
        ids = [i.board for i in mine]
    hits = await search.search(
        node.store, _search_cache(request), ids[: settings.library_search_boards], query,
        limit=settings.library_search_results,
    )  # fmt: skip
    return JSONResponse(
        {"query": query, "boards": min(len(ids), settings.library_search_boards),
         "hits": [h.public() for h in hits]},
        headers={"cache-control": "no-store"},
    )  # fmt: skip


def routes() -> list[BaseRoute]:
    return [
        Route("/library", _library_page),
        Route("/api/boards/{board}/export.{fmt}", export_board),
        Route(PRINT_CSS_PATH, print_css),
        Route("/api/library/import", import_board, methods=["POST"]),
        Route("/api/boards/{board}/duplicate", duplicate_board, methods=["POST"]),
        Route("/api/boards/{board}/template", save_template, methods=["POST"]),
        Route("/api/library/templates", list_templates),
        Route("/api/library/templates/{template}/boards", board_from_template, methods=["POST"]),
        Route("/api/library/templates/{template}", delete_template, methods=["DELETE"]),
        Route("/api/library/copy-card", copy_card, methods=["POST"]),
        Route("/api/library/search", search_boards),
    ]
