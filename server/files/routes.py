"""HTTP: upload a file to a board, and read a file or its preview back.

``POST /api/boards/{board}/files`` — ``multipart/form-data`` with one part
named ``file``; the board's link token in ``Authorization: Bearer``, and
the device's identity (``X-Prikbord-Identity``, the ``identity`` of
``welcome``; required with a participant link, optional with a
facilitator's) so a removed participant is refused. 201 with the
``Attachment`` JSON.

``GET /api/boards/{board}/files/{id}`` and ``…/{id}/thumb`` — the bytes,
only through the board's link check, and only when a card the caller may
see (protocol/visibility.py) shows the file.

The body is parsed as it arrives (python-multipart's streaming parser) into
a temp file in the data directory, counting bytes: past the per-file cap
the request is answered 413 at once and the rest never read. Whatever goes
wrong — a cap, a truncated body, a client gone midway, a refused type — the
temp file is deleted and nothing is registered.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import re
from collections import OrderedDict
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

from python_multipart.multipart import MultipartParser, parse_options_header
from redis.exceptions import RedisError
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from protocol.model import BoardState
from protocol.visibility import Viewer, sees_card
from server.abuse import Limit, client_ip
from server.access import Refused as AccessRefused
from server.engine.state import read_state
from server.engine.store import BoardNotFound
from server.files.detect import Refused
from server.files.registry import Entry
from server.files.service import Files, card_file_ids, too_large
from server.files.store import KEY_RE
from server.metrics import METRICS
from server.node import Node
from server.tokens import Grant

#: Header carrying the device's signed identity (``welcome.identity``).
IDENTITY_HEADER = "x-prikbord-identity"
#: Bytes of a multipart body that are not the file (boundaries, part headers,
#: a stray small field): a browser's FormData adds ~200.
MULTIPART_OVERHEAD = 16 * 1024
#: Cache for content-addressed bytes: a year (the id is the hash, so a file
#: never changes under its URL); ``private``: only the browser, never a
#: shared proxy, since access depends on the link.
CACHE_CONTROL = "private, max-age=31536000, immutable"
#: Files are data, never a page: no scripts, no plugins, no same-origin.
FILE_CSP = "sandbox; default-src 'none'; img-src 'self' data:; media-src 'self'"
#: Boards whose file index (file id → cards) a node keeps for serving.
_INDEX_BOARDS = 256
#: Boards whose state a node keeps for serving files of boards it does not
#: hold (a screen behind another node): a few walls loading at once; a big
#: board's state is a few MB, so this stays small.
_STATE_BOARDS = 16


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status)


def _token(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    return auth[7:].strip() if auth.lower().startswith("bearer ") else None


async def _access(request: Request) -> tuple[Grant, BoardState, str] | Response:
    """The grant, the board's state (the node's live replica when it holds
    the board, else read from Redis) and the caller's actor ("" unknown)."""
    node: Node = request.app.state.node
    board = request.path_params["board"]
    try:
        grant, _links = await node.access.grant(_token(request), board)
    except AccessRefused as exc:
        if exc.status == 404:
            return _error(404, "not_found", "no such board")
        return _error(401, "unauthorized", f"a valid link token for this board is required: {exc}")
    actor = ""
    identity = request.headers.get(IDENTITY_HEADER, "")
    if identity:
        actor = node.signer.read_identity(identity) or ""
    try:
        state = await _state(node, board)
    except BoardNotFound:
        return _error(404, "not_found", "no such board")
    return grant, state, actor


#: Board states this node read for serving, by board: (epoch, state).
_states: OrderedDict[str, tuple[str, BoardState]] = OrderedDict()


async def _state(node: Node, board: str) -> BoardState:
    """The board's current state for an access check, as cheaply as it can
    be had: the node's live replica when it holds the board (no Redis at
    all); else one it read before if the log head has not moved since (one
    ``HMGET``); else read from Redis (snapshot + log tail) and kept. A hub
    screen loading 200 thumbnails through another node reads the state once."""
    hub = node.hubs.get(board)
    if hub is not None and not hub.gone and hub.state.seq > 0:
        return hub.state
    head = await node.store.head(board)  # raises BoardNotFound
    cached = _states.get(board)
    if cached is not None and cached[0] == head.epoch and cached[1].seq == head.seq:
        _states.move_to_end(board)
        return cached[1]
    state = await read_state(node.store, board)
    _states[board] = (head.epoch, state)
    _states.move_to_end(board)
    while len(_states) > _STATE_BOARDS:
        _states.popitem(last=False)
    return state


async def upload(request: Request) -> Response:
    """The upload route, counted in ``/metrics`` by result."""
    response = await _upload(request)
    if response.status_code == 201:
        METRICS.inc("prikbord_uploads_total", result="stored")
    else:
        result = json.loads(bytes(response.body)).get("error", str(response.status_code))
        METRICS.inc("prikbord_uploads_total", result=result)
    return response


async def _upload(request: Request) -> Response:
    node: Node = request.app.state.node
    files: Files = node.files
    settings = node.settings
    got = await _access(request)
    if isinstance(got, Response):
        return got
    grant, state, actor = got
    if grant.role == "viewer":
        return _error(403, "forbidden", "this link is read-only")
    # A participant link's upload names its device, as its socket does: an
    # upload without one was how a removed participant went on adding files.
    if grant.role != "facilitator" and not actor:
        return _error(
            403,
            "forbidden",
            "an upload with a participant link takes your identity on this board"
            " (the X-Prikbord-Identity header, from welcome): open the board first",
        )
    if actor and actor in state.removed:
        return _error(403, "forbidden", "you were removed from this board")
    if grant.role != "facilitator" and state.settings.locked:
        return _error(403, "forbidden", "the board is locked")
    rule = Limit(settings.files_uploads_per_ip, settings.files_uploads_window_s)
    try:
        wait = await node.limiter.hit("upload_ip", client_ip(request.scope), rule)
    except (RedisError, OSError):
        return _error(503, "unavailable", "storage unavailable: retry")
    if wait > 0:
        refused = _error(429, "rate_limited", "too many uploads from your network: try later")
        refused.headers["Retry-After"] = str(int(wait) + 1)
        return refused
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > settings.files_max_bytes + MULTIPART_OVERHEAD:
        return _refused(too_large(settings.files_max_bytes))
    ctype, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if ctype != b"multipart/form-data" or not boundary:
        return _error(415, "unsupported_type", "send multipart/form-data with a part named 'file'")
    board = grant.board
    ip_tag = _ip_tag(node, client_ip(request.scope))
    try:
        if declared.isdigit():
            used = await files.registry.used(board)
            if used + int(declared) - MULTIPART_OVERHEAD > settings.files_board_quota_bytes:
                return _refused(_quota(settings.files_board_quota_bytes))
        if grant.role != "facilitator":
            size = max(0, int(declared) - MULTIPART_OVERHEAD) if declared.isdigit() else 0
            capped = await _unattached_cap(node, board, state, actor, ip_tag, size)
            if capped is not None:
                return capped
    except (RedisError, OSError):
        return _error(503, "unavailable", "storage unavailable: retry")
    path = files.temp_path()
    try:
        try:
            name = await _receive(request, boundary, path, settings.files_max_bytes)
            attachment = await files.ingest(board, path, name, actor)
            await files.registry.note_ip(board, str(attachment["id"]), ip_tag)
        except Refused as exc:
            return _refused(exc)
        except ClientDisconnect:
            return _error(400, "invalid", "the upload was cut off")
        except (RedisError, OSError):
            return _error(503, "unavailable", "storage unavailable: retry")
    finally:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    METRICS.inc("prikbord_upload_bytes_total", int(attachment["size"]))
    return JSONResponse(attachment, status_code=201)


def _ip_tag(node: Node, ip: str) -> str:
    """A keyed hash of a client IP: what the registry keeps to count a
    network's unattached uploads, never the address itself."""
    return hmac.new(node.secret.encode(), ip.encode(), hashlib.sha256).hexdigest()[:16]


async def _unattached_cap(
    node: Node, board: str, state: BoardState, actor: str, ip_tag: str, size: int
) -> Response | None:
    """429 when this upload (``size`` bytes, as declared) would take the
    bytes of uploads no card on ``board`` shows yet past the per-actor or
    per-IP cap; None to go on. Uploads are attached within seconds, so
    only a device (or a network) that uploads and never attaches meets it:
    once its files are on cards, or dropped after the grace, it may upload
    again. Checked before the upload, not atomically with it: parallel
    uploads may pass it together by a few files, which the per-IP upload
    rate and the board's quota still bound."""
    settings = node.settings
    by_actor = by_ip = 0
    for _id, entry, tag in await node.files.unattached(board, state):
        by_actor += entry.size if actor and entry.by == actor else 0
        by_ip += entry.size if tag == ip_tag else 0
    for used, cap, who in (
        (by_actor, settings.files_unattached_per_actor_bytes, "your device"),
        (by_ip, settings.files_unattached_per_ip_bytes, "your network"),
    ):
        if used + size > cap:
            return _error(
                429,
                "rate_limited",
                f"{who} has {used / 2**20:.1f} MiB of uploads on this board that no card"
                f" shows yet (at most {cap / 2**20:g} MiB): put them on a card first,"
                " or ask a facilitator",
            )
    return None


async def purge_unattached(request: Request) -> Response:
    """``DELETE /api/boards/{board}/files/unattached`` with the board's
    facilitator link: drop at once every file no live card shows (a
    participant link that filled the board with unattached uploads; else
    they would stay for the grace period). ``{"files", "bytes"}``."""
    node: Node = request.app.state.node
    got = await _access(request)
    if isinstance(got, Response):
        return got
    grant, state, _actor = got
    if grant.role != "facilitator":
        return _error(403, "forbidden", "only a facilitator link frees a board's unattached files")
    try:
        # ``state`` is the board's current one (its log head checked): a
        # file attached a moment ago stays.
        dropped, freed = await node.files.purge_unattached(grant.board, state)
    except (RedisError, OSError):
        return _error(503, "unavailable", "storage unavailable: retry")
    return JSONResponse({"files": dropped, "bytes": freed}, headers={"cache-control": "no-store"})


def _refused(exc: Refused) -> JSONResponse:
    return _error(exc.status, exc.code, exc.message)


def _quota(cap: int) -> Refused:
    return Refused(413, "too_large", f"the board's files may take at most {cap / 2**20:g} MiB")


class _Upload:
    """python-multipart callbacks: the ``file`` part into ``out``, counted."""

    def __init__(self, out: IO[bytes], cap: int) -> None:
        self.out = out
        self.cap = cap
        self.size = 0
        self.other = 0
        self.header_name = b""
        self.header_value = b""
        self.headers: dict[bytes, bytes] = {}
        self.in_file = False
        self.files = 0
        self.name = ""
        self.done = False

    def callbacks(self) -> dict[str, Any]:
        return {
            "on_part_begin": self.part_begin,
            "on_header_field": self.header_field,
            "on_header_value": self.header_value_cb,
            "on_header_end": self.header_end,
            "on_headers_finished": self.headers_finished,
            "on_part_data": self.part_data,
            "on_end": self.end,
        }

    def part_begin(self) -> None:
        self.headers = {}
        self.in_file = False

    def header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_name += data[start:end]

    def header_value_cb(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def header_end(self) -> None:
        self.headers[self.header_name.lower()] = self.header_value
        self.header_name = self.header_value = b""

    def headers_finished(self) -> None:
        _disp, params = parse_options_header(self.headers.get(b"content-disposition", b""))
        if params.get(b"name") == b"file":
            self.files += 1
            if self.files > 1:
                raise Refused(422, "invalid", "send one file per upload")
            self.in_file = True
            raw = params.get(b"filename", b"")
            self.name = raw.decode("utf-8", "replace")

    def part_data(self, data: bytes, start: int, end: int) -> None:
        n = end - start
        if self.in_file:
            self.size += n
            if self.size > self.cap:
                raise too_large(self.cap)
            self.out.write(data[start:end])
        else:
            self.other += n
            if self.other > MULTIPART_OVERHEAD:
                raise Refused(413, "too_large", "only one part named 'file' is read")

    def end(self) -> None:
        self.done = True


async def _receive(request: Request, boundary: bytes, path: Path, cap: int) -> str:
    """Stream the request's multipart body's ``file`` part into ``path``;
    the file name the client gave. Refused past ``cap``, for a body that
    ends early, and when there is no file part."""
    out = await asyncio.to_thread(open, path, "wb")
    try:
        sink = _Upload(out, cap)
        parser = MultipartParser(boundary, sink.callbacks())  # type: ignore[arg-type]
        try:
            async for chunk in request.stream():
                parser.write(chunk)  # page-cache writes of <= 64 KiB: no thread hop
            parser.finalize()
        except (Refused, ClientDisconnect):
            raise
        except Exception as exc:  # python-multipart's MultipartParseError and kin
            raise Refused(422, "invalid", "the upload is not valid multipart/form-data") from exc
    finally:
        out.close()
    if sink.files == 0:
        raise Refused(422, "invalid", "no part named 'file' in the upload")
    if not sink.done:
        raise Refused(422, "invalid", "the upload ended before its last boundary (truncated)")
    return sink.name


# --- serving ----------------------------------------------------------------

_index: OrderedDict[str, tuple[int, dict[str, list[str]]]] = OrderedDict()


def _cards_showing(state: BoardState, file_id: str) -> list[str]:
    """Ids of the live cards that show ``file_id``, from an index kept per
    board and seq (a hub screen asks for 200 thumbnails of one state)."""
    cached = _index.get(state.board)
    if cached is None or cached[0] != state.seq:
        index: dict[str, list[str]] = {}
        for card in state.cards.values():
            if not card.deleted:
                for fid in card_file_ids(card):
                    index.setdefault(fid, []).append(card.id)
        cached = (state.seq, index)
        _index[state.board] = cached
        while len(_index) > _INDEX_BOARDS:
            _index.popitem(last=False)
    _index.move_to_end(state.board)
    return cached[1].get(file_id, [])


async def serve(request: Request) -> Response:
    return await _serve(request, thumb=False)


async def serve_thumb(request: Request) -> Response:
    return await _serve(request, thumb=True)


async def _serve(request: Request, *, thumb: bool) -> Response:
    node: Node = request.app.state.node
    file_id = request.path_params["file"]
    if not KEY_RE.fullmatch(file_id) or file_id.endswith(".thumb"):
        return _error(404, "not_found", "no such file")
    got = await _access(request)
    if isinstance(got, Response):
        return got
    grant, state, actor = got
    viewer = Viewer(grant.role, actor)
    cards = _cards_showing(state, file_id)
    if not any(sees_card(state, state.cards[c], viewer) for c in cards):
        return _error(404, "not_found", "no such file")
    etag = f'"{file_id}{".t" if thumb else ""}"'
    headers = {
        "cache-control": CACHE_CONTROL,
        "etag": etag,
        "x-content-type-options": "nosniff",
        "content-security-policy": FILE_CSP,
        "cross-origin-resource-policy": "same-origin",
    }
    if etag in _etags(request.headers.get("if-none-match", "")):
        return Response(status_code=304, headers=headers)
    try:
        entry = await node.files.entry(grant.board, file_id)
        if entry is None or (thumb and not entry.thumb):
            return _error(404, "not_found", "no such file")
        stream = await node.files.open(file_id, thumb=thumb)
    except (RedisError, OSError):
        return _error(503, "unavailable", "storage unavailable: retry")
    if stream is None:
        return _error(404, "not_found", "the file's bytes are missing")
    if thumb:
        headers["content-disposition"] = _disposition("inline", _thumb_name(entry.name))
        return StreamingResponse(stream, media_type="image/webp", headers=headers)
    inline = entry.kind == "image"
    headers["content-disposition"] = _disposition("inline" if inline else "attachment", entry.name)
    headers["content-length"] = str(entry.size)
    media = "text/plain; charset=utf-8" if entry.type == "text/plain" else entry.type
    return StreamingResponse(stream, media_type=media, headers=headers)


def _etags(header: str) -> set[str]:
    return {t.strip().removeprefix("W/") for t in header.split(",") if t.strip()}


def _thumb_name(name: str) -> str:
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return f"{stem}.webp"


_UNSAFE_ASCII = re.compile(r"[^A-Za-z0-9 ._()\-+,]")


def _disposition(kind: str, name: str) -> str:
    """RFC 6266: an ASCII fallback and the UTF-8 name in ``filename*``."""
    fallback = _UNSAFE_ASCII.sub("_", name)[:100] or "file"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def entry_json(file_id: str, entry: Entry) -> dict[str, Any]:
    return entry.attachment(file_id)
