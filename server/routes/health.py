"""Liveness, readiness and Prometheus metrics.

``/metrics`` answers only with ``Authorization: Bearer <PRIKBORD_METRICS_TOKEN>``
and is off (404) without that setting: its counters (refusals, connections)
tell an attacker what hurts and whether an attack works.
"""

from __future__ import annotations

import hmac
from collections import Counter

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from server.httpguard import guard
from server.metrics import METRICS
from server.node import Node


async def healthz(request: Request) -> Response:
    """The process serves HTTP; nothing more."""
    return JSONResponse({"ok": True})


async def readyz(request: Request) -> Response:
    """Ready only after Redis confirmed this node's pub/sub subscriptions and
    its own probe came back over them (and while it keeps coming back): a
    node that cannot deliver events must not get traffic."""
    node: Node = request.app.state.node
    ok = node.ready
    body = {
        "ready": ok,
        "node": node.name,
        "bus_healthy": node.bus.ready,
        "bus": node.bus.reason or "ok",
        "shutting_down": node.shutting_down,
    }
    return JSONResponse(body, status_code=200 if ok else 503)


def _metrics_refusal(request: Request, token: str) -> Response | None:
    """None when the request carries the metrics token, else the answer."""
    if not token:
        return PlainTextResponse("metrics are off: set PRIKBORD_METRICS_TOKEN\n", status_code=404)
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
        return None
    return PlainTextResponse(
        "a metrics token is required\n", status_code=401, headers={"WWW-Authenticate": "Bearer"}
    )


def _presence_lines(node: Node) -> list[str]:
    """Members listed on the boards this node holds: in all, and on the
    largest (a join costs its full list: SPEC §7)."""
    sizes = [len(hub.roster) for hub in node.hubs.values()]
    return [
        "# HELP prikbord_presence_members members listed on the boards this node holds",
        "# TYPE prikbord_presence_members gauge",
        f"prikbord_presence_members {sum(sizes)}",
        "# HELP prikbord_presence_members_max members listed on this node's largest board",
        "# TYPE prikbord_presence_members_max gauge",
        f"prikbord_presence_members_max {max(sizes, default=0)}",
    ]


async def metrics(request: Request) -> Response:
    node: Node = request.app.state.node
    refusal = _metrics_refusal(request, node.settings.metrics_token)
    if refusal is not None:
        return refusal
    refused = Counter(node.limiter.refused) + guard().refused
    lines = [
        "# TYPE prikbord_connections gauge",
        f"prikbord_connections {len(node.connections)}",
        "# TYPE prikbord_boards_active gauge",
        f"prikbord_boards_active {len(node.hubs)}",
        "# TYPE prikbord_deliveries_total counter",
        f"prikbord_deliveries_total {node.delivered}",
        "# TYPE prikbord_bus_messages_total counter",
        f"prikbord_bus_messages_total {node.bus.messages}",
        "# TYPE prikbord_bus_reconnects_total counter",
        f"prikbord_bus_reconnects_total {node.bus.reconnects}",
        "# TYPE prikbord_invalid_utf8_frames_total counter",
        f"prikbord_invalid_utf8_frames_total {request.app.state.invalid_utf8.count}",
        "# TYPE prikbord_ready gauge",
        f"prikbord_ready {int(node.ready)}",
        "# TYPE prikbord_refused_total counter",
        *(f'prikbord_refused_total{{kind="{kind}"}} {n}' for kind, n in sorted(refused.items())),
        *METRICS.lines(),
        *_presence_lines(node),
    ]
    return PlainTextResponse("\n".join(lines) + "\n", media_type="text/plain; version=0.0.4")
