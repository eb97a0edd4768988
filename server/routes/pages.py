"""The browser app: one built ``index.html`` for every page route, plus its
assets and its service worker. Built by Vite into ``client/web/dist``
(``make run`` builds it); served precompressed (server/routes/assets.py)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response

from server.routes.assets import REVALIDATE, file_response

WEB_DIST = Path(__file__).resolve().parents[2] / "client" / "web" / "dist"

_NOT_BUILT = """<!doctype html><meta charset="utf-8"><title>Prikbord</title>
<h1>Prikbord</h1><p>The web app is not built. Run <code>make run</code> (it builds
<code>client/web</code>) or <code>cd client/web &amp;&amp; npm ci &amp;&amp; npm run build</code>.
</p>"""


def web_version(dist: Path = WEB_DIST) -> str:
    """A hash of the served index.html: hub screens reload when it changes."""
    index = dist / "index.html"
    if not index.is_file():
        return "unbuilt"
    return hashlib.sha256(index.read_bytes()).hexdigest()[:16]


async def index(request: Request) -> Response:
    page = WEB_DIST / "index.html"
    if not page.is_file():
        return HTMLResponse(_NOT_BUILT, status_code=503)
    # Never cache the page itself without asking (assets are content-hashed
    # and immutable), so an upgraded server is picked up on the next load.
    return file_response(page, request.headers, REVALIDATE)


async def service_worker(request: Request) -> Response:
    """``/sw.js``: the offline shell's worker (client/web/src/sw). Served from
    the root so its scope is the whole app; revalidated on every load, so a
    new build's worker (with the new build's asset list) takes over."""
    worker = WEB_DIST / "sw.js"
    if not worker.is_file():
        return PlainTextResponse("no service worker in this build", status_code=404)
    return file_response(worker, request.headers, REVALIDATE)
