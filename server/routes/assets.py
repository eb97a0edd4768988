"""The web app's files as a browser should get them: precompressed, cached
right, revalidated cheaply.

The build (``client/web/plugins/precompress.ts``) writes ``foo.js.br`` and
``foo.js.gz`` beside ``foo.js``. A request that accepts one of them gets
it with ``Content-Encoding`` and ``Vary: Accept-Encoding``; the server never
compresses on the fly (no CPU per request, the best levels once per build).

Caching:

* ``/assets/*`` are content-hashed by Vite (a new build has new names), so
  they are :data:`IMMUTABLE`: a browser never asks again for a year;
* ``index.html`` (every page route) and ``/sw.js`` are :data:`REVALIDATE`:
  the browser asks every time, and an unchanged file costs a 304 (its
  ``ETag`` names the variant sent, so a gzip copy never answers for brotli).
"""

from __future__ import annotations

import mimetypes
import os
from pathlib import Path

from starlette.datastructures import Headers
from starlette.responses import FileResponse, Response
from starlette.staticfiles import NotModifiedResponse, PathLike, StaticFiles
from starlette.types import Scope

#: Hashed names never change content: a year, and no revalidation at all.
IMMUTABLE = "public, max-age=31536000, immutable"
#: The HTML and the service worker: always ask, so an upgrade is seen at once.
REVALIDATE = "no-cache"

#: What the build precompresses, best first (brotli is ~15% smaller).
ENCODINGS: tuple[tuple[str, str], ...] = (("br", ".br"), ("gzip", ".gz"))


def accepted_encodings(header: str) -> set[str]:
    """The codings an ``Accept-Encoding`` header accepts (``q=0`` refuses;
    ``*`` accepts every coding not named)."""
    accepted: set[str] = set()
    refused: set[str] = set()
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        name = name.strip().lower()
        if not name:
            continue
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        (accepted if q > 0 else refused).add(name)
    if "*" in accepted:
        accepted |= {name for name, _ in ENCODINGS if name not in refused}
    return accepted - refused


def _media_type(path: Path) -> str:
    kind, _ = mimetypes.guess_type(path.name)
    if path.suffix == ".js":  # one answer whatever the platform's mime table says
        return "text/javascript"
    return kind or "application/octet-stream"


def file_response(path: Path, request_headers: Headers, cache_control: str) -> Response:
    """``path`` (which must exist), or its best precompressed variant the
    request accepts, with ``cache_control``; a 304 when the request already
    holds that variant."""
    accepted = accepted_encodings(request_headers.get("accept-encoding", ""))
    chosen, encoding = path, None
    for name, suffix in ENCODINGS:
        variant = path.with_name(path.name + suffix)
        if name in accepted and variant.is_file():
            chosen, encoding = variant, name
            break
    headers = {"Cache-Control": cache_control, "Vary": "Accept-Encoding"}
    if encoding is not None:
        headers["Content-Encoding"] = encoding
    response = FileResponse(
        chosen, stat_result=os.stat(chosen), media_type=_media_type(path), headers=headers
    )
    if _not_modified(response, request_headers):
        return NotModifiedResponse(response.headers)
    return response


def _not_modified(response: Response, request_headers: Headers) -> bool:
    if_none_match = request_headers.get("if-none-match")
    if not if_none_match:
        return False
    etag = response.headers["etag"]
    return any(tag.strip().removeprefix("W/") == etag for tag in if_none_match.split(","))


class AssetFiles(StaticFiles):
    """``/assets``: Starlette's path checks (no escaping the directory),
    with precompressed variants and :data:`IMMUTABLE` caching."""

    def file_response(
        self,
        full_path: PathLike,
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        return file_response(Path(full_path), Headers(scope=scope), IMMUTABLE)
