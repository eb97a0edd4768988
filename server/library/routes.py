"""REST for the library: export, import, duplicate, copy a card, and the
list of every library route (templates: ``template_routes.py``, search:
``search_routes.py``; who may do what: ``access.py``)."""

from __future__ import annotations

import asyncio
import logging
import secrets
from typing import Any
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from redis.exceptions import RedisError
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from protocol import codec
from protocol.errors import ErrorCode
from protocol.messages import SYSTEM_ACTOR, Role
from protocol.model import BoardState, to_wire
from protocol.ops import BoardTitle, CardAdd
from protocol.policy import check
from protocol.wordfilter import hold_if_filtered
from server.abuse import Limit, client_ip
from server.accounts.auth import caller, check_write, ip_of, limit
from server.accounts.http import ApiError, read_json, too_many
from server.engine.state import read_state
from server.engine.store import BoardNotFound, OpRate, RateLimited, now_ms
from server.files.registry import Entry
from server.files.routes import IDENTITY_HEADER
from server.library import boards, document, render, templates
from server.library.access import (
    create,
    may_create,
    node_of,
    parse,
    read_board,
    read_body,
    refusals,
)
from server.library.search_routes import search_boards
from server.library.template_routes import (
    board_from_template,
    delete_template,
    list_templates,
    save_template,
)
from server.node import Node

log = logging.getLogger("prikbord.library")

PRINT_CSS_PATH = "/library/print.css"


async def library_page(request: Request) -> Response:
    """The web app's library page (the app routes by path)."""
    from server.routes import pages

    return await pages.index(request)


# --- export ----------------------------------------------------------------------


def _filename(state: BoardState, ext: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in state.settings.title)
    return f"{safe.strip('-')[:60] or 'board'}.{ext}"


def _disposition(name: str) -> str:
    """RFC 6266: an ASCII ``filename`` for old clients and the whole name in
    ``filename*``. A title's letters may be any script, and a header is
    Latin-1: put in raw, a Chinese or Arabic title made every export a 500."""
    fallback = "".join(ch if ch.isascii() else "_" for ch in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _download(body: str | bytes, media: str, name: str) -> Response:
    return Response(
        body,
        media_type=media,
        headers={
            "content-disposition": _disposition(name),
            "cache-control": "no-store",
        },
    )


@refusals
async def export_board(request: Request) -> Response:
    """``GET /api/boards/{board}/export.{json,csv,md,html}``."""
    fmt = request.path_params["fmt"]
    await _count_read(request)
    reader = await read_board(request, request.path_params["board"])
    state, full = reader.state, reader.full
    # Rendering a big board takes a second or more of CPU: in a thread, so
    # the node's sockets are served meanwhile.
    if fmt == "json":
        async with _slot(
            request, "library_exports", node_of(request).settings.library_export_concurrency
        ):
            form = await asyncio.to_thread(to_wire, state)
            files = await _attachments(request, state.board, document.referenced_files(form))
            view = "full" if full else reader.role

            def dump() -> bytes:
                built = document.build(form, view=view, exported_at=now_ms(), attachments=files)
                return document.dumps(built)

            data = await asyncio.to_thread(dump)
        return _download(data, "application/json", _filename(state, "json"))
    if fmt == "csv":
        text = await asyncio.to_thread(render.to_csv, state, facilitator=full)
        return _download(
            text.encode("utf-8-sig"), "text/csv; charset=utf-8", _filename(state, "csv")
        )
    if fmt == "md":
        text = await asyncio.to_thread(render.to_markdown, state, facilitator=full)
        return _download(text, "text/markdown; charset=utf-8", _filename(state, "md"))
    if fmt == "html":
        node = node_of(request)
        base = node.settings.public_url or str(request.base_url).rstrip("/")
        page = await asyncio.to_thread(
            render.to_print_html, state, facilitator=full, stylesheet=base + PRINT_CSS_PATH
        )
        return Response(
            page, media_type="text/html; charset=utf-8", headers={"cache-control": "no-store"}
        )
    raise ApiError(404, "not_found", "export formats: json, csv, md, html")


async def _count_read(request: Request) -> None:
    """One more whole-board read (an export, a card copy) from this client
    IP: 429 with Retry-After past ``library_reads_per_ip`` in the window.
    A public board's viewer link is on its hub's page, and each read costs
    the board's state (an export with files, up to the import cap)."""
    settings = node_of(request).settings
    rule = Limit(settings.library_reads_per_ip, settings.library_reads_window_s)
    await limit(request, "library_read_ip", ip_of(request), rule, "exports and copies")


def _slot(request: Request, name: str, size: int) -> asyncio.Semaphore:
    """The node's semaphore ``name`` (made on first use): JSON exports with
    their files, or imports being checked, at most ``size`` at once (each
    holds up to a few hundred MB); more wait their turn."""
    slots: asyncio.Semaphore | None = getattr(request.app.state, name, None)
    if slots is None:
        slots = asyncio.Semaphore(max(1, size))
        setattr(request.app.state, name, slots)
    return slots


async def _attachments(request: Request, board: str, ids: set[str]) -> list[dict[str, Any]]:
    """The files the exported cards show, for the JSON export; 413 when
    they pass what an import takes (such a file could never come back: the
    operator's backup keeps boards of that size)."""
    node = node_of(request)
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


# --- making boards ------------------------------------------------------------


@refusals
async def import_board(request: Request) -> Response:
    """``POST /api/library/import``: a JSON export (the file as the body)
    becomes a new board, the caller's. Nothing is created unless the whole
    file checks out."""
    who = await may_create(request)
    settings = node_of(request).settings
    async with _slot(request, "library_imports", settings.library_import_concurrency):
        raw = await read_body(request, settings.library_import_max_bytes)
        try:  # seconds of CPU for a big file: in a thread, the sockets go on
            state, files = await asyncio.to_thread(_parse_import, raw)
        except document.BadDocument as exc:
            status = 422 if exc.code == "invalid" else 400
            raise ApiError(status, exc.code, exc.message) from None
        return await create(request, state, who, boards.put_files(node_of(request), files))


def _parse_import(raw: bytes) -> tuple[BoardState, list[tuple[str, Entry, bytes]]]:
    """The state and files of an import file; raises BadDocument."""
    doc = document.loads(raw)
    state = document.read_state(doc, "import", 0)
    return state, document.read_attachments(doc, state)


class Duplicate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    title: BoardTitle | None = None
    votes: bool = True
    comments: bool = True


@refusals
async def duplicate_board(request: Request) -> Response:
    """``POST /api/boards/{board}/duplicate``: a copy with a new id, the
    caller's; ``votes``/``comments`` false leave them out (a remix)."""
    who = await may_create(request)
    reader = await read_board(request, request.path_params["board"])
    if not reader.full:
        raise ApiError(
            403, "forbidden", "duplicating takes the facilitator link or the board's owner"
        )
    body = parse(Duplicate, await read_json(request))
    state = templates.remix(reader.state, keep_votes=body.votes, keep_comments=body.comments)
    if body.title is not None:
        state.settings.title = body.title
    ids = document.referenced_files(to_wire(state))
    return await create(request, state, who, boards.copy_files(node_of(request), state.board, ids))


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


@refusals
async def copy_card(request: Request) -> Response:
    """``POST /api/library/copy-card``: the card (as the caller sees it on
    the source) becomes a new card on the target, appended to the target's
    log like any card (held for approval where the target asks for it and
    the caller is no facilitator there). The caller must be able to write
    on both boards: link tokens of both (not a viewer's), or an account
    that owns or coordinates both.

    The copy is the copier's card on the target board, as if sent over its
    socket: ``X-Prikbord-Identity`` (the device's signed identity, from
    ``welcome``) names the actor, who becomes its author and is refused
    when a facilitator removed them from the target board. With a
    participant link on the target the identity is required: without it a
    removed participant could go on adding cards through this route."""
    who = await caller(request)
    check_write(request, who)
    await _count_read(request)
    body = parse(CopyCard, await read_json(request))
    source = await read_board(request, body.source.board, body.source.token or "")
    target = await read_board(request, body.target.board, body.target.token or "")
    if "viewer" in (source.role, target.role):
        raise ApiError(403, "forbidden", "a viewer link cannot copy cards")
    card = source.state.live_card(body.card)
    if card is None:
        raise ApiError(404, "not_found", "no such card on the source board")
    if target.state.settings.locked and target.role != "facilitator":
        raise ApiError(403, "forbidden", "the target board is locked")
    actor = _copier(request, target.role)
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
    node = node_of(request)
    op, full = await _target_rules(node, body.target.board, op, target.role, actor)
    ids = document.referenced_files({"cards": {card.id: to_wire(source.state)["cards"][card.id]}})
    try:  # the files first: the card never shows a file its board lacks
        await boards.copy_files(node, body.source.board, ids)(body.target.board)
    except boards.FilesRefused as exc:
        raise ApiError(exc.status, "invalid", exc.message) from None
    name = who.account.name if who else (_name_on(full, actor) or card.author_name or "Prikbord")
    head, tail = codec.event_parts(
        op_id=f"copy-{new_id}", actor=actor, name=name, role=target.role, at=now_ms(), op=op
    )
    settings = node_of(request).settings
    # The target board's op limits, as for an op over its WebSocket: the
    # copier's actor and client IP (per IP only for an account's copy).
    rate = OpRate(
        actor=actor if actor != SYSTEM_ACTOR else f"copy:{client_ip(request.scope)}",
        ip=client_ip(request.scope),
        actor_per_second=settings.actor_ops_per_second, actor_burst=settings.actor_ops_burst,
        ip_per_second=settings.ip_ops_per_second, ip_burst=settings.ip_ops_burst,
    )  # fmt: skip
    try:
        result = await node_of(request).store.append(
            body.target.board, f"{actor}:copy-{new_id}", head, tail, rate
        )
    except BoardNotFound:
        raise ApiError(404, "not_found", "no such target board") from None
    except RateLimited as exc:
        raise too_many(exc.retry_ms / 1000, "ops on the target board") from None
    except (RedisError, OSError):
        raise ApiError(503, "unavailable", "storage unavailable: retry") from None
    return JSONResponse({"card": new_id, "seq": result.seq, "held": held}, status_code=201)


def _copier(request: Request, role: Role) -> str:
    """The actor a copy is appended as: the one ``X-Prikbord-Identity``
    names; ``system`` for a facilitator link or an account without one;
    refused (403) for a participant link without one, or a forged one."""
    identity = request.headers.get(IDENTITY_HEADER, "")
    if not identity:
        if role == "facilitator":
            return SYSTEM_ACTOR
        raise ApiError(
            403,
            "forbidden",
            "copying with a participant link takes your identity on the target board"
            " (the X-Prikbord-Identity header): open the board once, then copy",
        )
    actor = node_of(request).signer.read_identity(identity)
    if actor is None or actor == SYSTEM_ACTOR:
        raise ApiError(403, "forbidden", "the X-Prikbord-Identity header is not a valid identity")
    return actor


def _name_on(state: BoardState, actor: str) -> str:
    """The name ``actor`` last wrote a card under on ``state`` ("" none)."""
    if actor == SYSTEM_ACTOR:
        return ""
    names = [(c.created_at, c.author_name) for c in state.cards.values() if c.author == actor]
    return max(names)[1] if names else ""


async def _target_rules(
    node: Node, board: str, op: CardAdd, role: Role, actor: str
) -> tuple[CardAdd, BoardState]:
    """The target board's own rules, as for a card sent over its socket
    (server/ws.py): its word filter holds a matching copy, and its policy
    (the card caps, a lock, the copier removed) may refuse it. A copy once
    skipped both, so a participant link put filtered words, and cards past
    the cap, on a board. Also the board's full state."""
    try:
        full = await read_state(node.store, board)
    except BoardNotFound:
        raise ApiError(404, "not_found", "no such target board") from None
    filtered = hold_if_filtered(full, op)
    if isinstance(filtered, CardAdd):  # always: the filter only sets ``held``
        op = filtered
    # A copied link preview is the server's (set on the source card), which
    # the policy allows only the system actor to send: checked without it.
    refusal = check(full, op.model_copy(update={"preview": None}), actor, role)
    if refusal is None:
        return op, full
    if refusal.code == ErrorCode.FORBIDDEN:
        raise ApiError(403, "forbidden", refusal.message)
    if refusal.code == ErrorCode.BOARD_FULL:
        raise ApiError(409, "board_full", refusal.message)
    raise ApiError(422, "invalid", refusal.message)


def routes() -> list[BaseRoute]:
    return [
        Route("/library", library_page),
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
