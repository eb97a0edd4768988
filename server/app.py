"""The Starlette application factory.

The lifespan owns the node (Redis pool, pub/sub listener, boards); uvicorn
runs one app per worker process, so each worker is one node.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import metadata

from redis.exceptions import RedisClusterException, RedisError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute

from server import logs
from server.accounts.routes import routes as account_routes
from server.config import Settings
from server.files import routes as files
from server.framewriter import DirectFrames
from server.headers import SecurityHeaders
from server.hubs.pages import routes as hub_pages
from server.hubs.routes import routes as hub_routes
from server.hubs.service import HubService
from server.library.routes import routes as library_routes
from server.lifeline import die_with_parent
from server.logfilter import InvalidUtf8Filter
from server.market.routes import routes as market_routes
from server.metrics import METRICS
from server.node import Node
from server.routes import activity, api, health, links, notes, pages
from server.routes.assets import AssetFiles
from server.shutdown import drain_on_signals
from server.ws import websocket_endpoint

log = logging.getLogger("prikbord.app")


def _version() -> str:
    try:
        return metadata.version("prikbord")
    except metadata.PackageNotFoundError:
        return "0+unknown"


async def storage_unavailable(request: Request, exc: Exception) -> Response:
    """A Redis error no route answered itself: ``503`` "retry", never a 500.

    Routes answer the storage errors they expect (``RedisError``,
    ``OSError``) themselves; this is the net under all of them. It matters
    on a cluster: redis-py's cluster client raises ``RedisClusterException``
    (e.g. ``SlotNotCoveredError`` while a slot's new master is still being
    gossiped), which is not a ``RedisError``, so ``except RedisError`` misses
    it — CI once saw a board creation answer 500 right after slots were
    added. The client retries a 503 like any unavailable storage."""
    METRICS.inc("prikbord_redis_errors_total", where="http")
    log.warning("storage error on %s %s: %r", request.method, request.url.path, exc)
    body = {"error": "unavailable", "message": "storage unavailable: retry"}
    return JSONResponse(body, status_code=503, headers={"Retry-After": "1"})


def create_app(settings: Settings) -> Starlette:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        node = Node(settings)
        await node.start()
        app.state.node = node
        # Hubs and their agenda (server/hubs/): the lifecycle ticks run per node.
        app.state.hubs = HubService(node)
        app.state.hubs.start()
        # uvicorn closes sockets with 1012 before the lifespan ends: drain
        # first, on the signal itself, so clients get 4000 (SPEC §10).
        restore_signals = drain_on_signals(node.drain)
        remove_filter = app.state.invalid_utf8.install()
        log.info("node %s ready (redis %s)", node.name, settings.redis_url)
        try:
            yield
        finally:
            remove_filter()
            restore_signals()
            await app.state.hubs.stop()
            await node.stop()

    routes = [
        Route("/", pages.index),
        Route("/b/{board}", pages.index),
        Route("/screen/{board}", pages.index),
        # The coordinator's hub pages (client/web/src/ui/hubs/).
        Route("/my/hubs", pages.index),
        Route("/my/hubs/{slug}", pages.index),
        Route("/sw.js", pages.service_worker),
        Route("/j/{code}", api.join_short),
        Route("/healthz", health.healthz),
        Route("/readyz", health.readyz),
        Route("/metrics", health.metrics),
        Route("/api/version", api.version_info),
        Route("/api/boards", api.create_board, methods=["POST"]),
        Route("/api/boards/{board}", api.read_board),
        Route("/api/boards/{board}/activity", activity.activity),
        Route("/api/boards/{board}/notes.md", notes.notes_markdown),
        Route("/api/boards/{board}/files", files.upload, methods=["POST"]),
        Route("/api/boards/{board}/files/unattached", files.purge_unattached, methods=["DELETE"]),
        Route("/api/boards/{board}/files/{file}", files.serve),
        Route("/api/boards/{board}/files/{file}/thumb", files.serve_thumb),
        *account_routes(),
        *hub_routes(),
        *hub_pages(),
        *market_routes(),
        *library_routes(),
        Route("/api/boards/{board}/links", links.read_links),
        Route("/api/boards/{board}/links/replace", links.replace_links, methods=["POST"]),
        Route("/api/boards/{board}/links/expiry", links.set_expiry, methods=["PUT"]),
        Route("/api/boards/{board}/access-code", links.set_access_code, methods=["PUT"]),
        Route("/api/boards/{board}/join", links.join_link),
        WebSocketRoute("/ws", websocket_endpoint),
        Mount(
            "/assets",
            app=AssetFiles(directory=pages.WEB_DIST / "assets", check_dir=False),
            name="assets",
        ),
    ]
    # DirectFrames first: it must see uvicorn's own ``send``, and it serves
    # /ws itself, past the router (server/framewriter.py); the route above
    # stays for whatever reads the routing table.
    direct = Middleware(DirectFrames, websockets={"/ws": websocket_endpoint})
    middleware = [direct, Middleware(SecurityHeaders)]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=middleware,
        exception_handlers={
            RedisClusterException: storage_unavailable,
            RedisError: storage_unavailable,
        },
    )
    app.state.invalid_utf8 = InvalidUtf8Filter()
    app.state.version = _version()
    app.state.web_version = pages.web_version()
    return app


def app_from_env() -> Starlette:
    """Entry point for uvicorn worker processes (``factory=True``)."""
    if os.environ.get("PRIKBORD_WORKER_LIFELINE") == "1":
        die_with_parent()
    # A worker process starts without the parent's logging (server/cli.py).
    logs.setup(
        os.environ.get("PRIKBORD_LOG_LEVEL", "info"),
        os.environ.get("PRIKBORD_LOG_FORMAT", "console"),
    )
    return create_app(Settings.from_env())
