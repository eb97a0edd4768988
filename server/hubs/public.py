"""The hubs' public REST endpoints (no login): visit requests, the public
agenda (CORS-open, for the embeddable agenda) and the hub screen's ``/now``
(with the screen link's token). docs/hubs.md has them with examples."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.abuse import Limit
from server.accounts.auth import check_write, ip_of, limit, node_of
from server.accounts.http import ApiError, read_json
from server.engine.links import BoardGone
from server.hubs import agenda, fields
from server.hubs.agenda import HONEYPOT, Activity
from server.hubs.model import Hub
from server.hubs.routes import (
    MAX_BODY,
    PUBLIC_MAX_AGE_S,
    base_url,
    hub_of_request,
    hubs_of,
    now_ms,
    private,
    range_of,
    refusals,
)
from server.hubs.screen import showing
from server.hubs.store import new_activity_id


async def submit_visit(request: Request, hub: Hub, body: dict[str, Any]) -> Activity | None:
    """A public visit request, from the JSON API or the page's form: the
    origin check, the per-IP limit, the honeypot, validation, then the
    per-hub limit (counting only what would be stored). The
    pending activity, or None for a filled honeypot (answered as sent)."""
    check_write(request, None)
    settings = node_of(request).settings
    rule = Limit(settings.visit_requests_per_ip, settings.visit_requests_window_s)
    await limit(request, "visit_request_ip", ip_of(request), rule, "visit requests")
    if body.get(HONEYPOT):
        return None
    body = {k: v for k, v in body.items() if k != HONEYPOT}
    now = now_ms()
    activity = agenda.visit_from_body(body, hub=hub.slug, id=new_activity_id(), now=now)
    # Counted per hub only when it would be stored: bad forms spend nothing.
    per_hub = Limit(settings.visit_requests_per_hub, settings.visit_requests_hub_window_s)
    await limit(request, "visit_request_hub", hub.slug, per_hub, "visit requests to this hub")
    await hubs_of(request).store.add_activity(activity)
    return activity


@refusals
async def request_visit(request: Request) -> Response:
    """POST, public: ``{group, contact, size, wishes: [iso…], message}``."""
    hub = await hub_of_request(request)
    body = await read_json(request, MAX_BODY)
    await submit_visit(request, hub, body)
    return JSONResponse(
        {"status": "pending", "message": "thank you: the hub's coordinator will contact you"},
        status_code=202,
    )


# --- public agenda and the screen ---------------------------------------------------


@refusals
async def public_agenda(request: Request) -> Response:
    """The hub's public agenda in ``[from, to)`` (default: now and the next
    92 days): read-only public data, open to any site (CORS) for the
    embeddable agenda."""
    hub = await hub_of_request(request)
    start, end = range_of(request)
    found = await hubs_of(request).store.activities(hub.slug, start, end, public=True)
    base = base_url(request)
    items = [{**a.data(), "url": f"{base}/hubs/{hub.slug}/a/{a.id}"} for a in found if a.public]
    return JSONResponse(
        {"hub": {"slug": hub.slug, "name": hub.name, "url": f"{base}/hubs/{hub.slug}"},
         "activities": items},
        headers={
            "access-control-allow-origin": "*",
            "cache-control": f"public, max-age={PUBLIC_MAX_AGE_S}",
        },
    )  # fmt: skip


@refusals
async def screen_now(request: Request) -> Response:
    """What the hub screen shows now, for its token (``Authorization:
    Bearer``): the running activity's board with a viewer token for it, or
    today's agenda; ``recheck_ms``: when to ask again at the latest."""
    hubs = hubs_of(request)
    hub = await hub_of_request(request)
    auth = request.headers.get("authorization", "")
    read = hubs.screens.read(auth[7:].strip()) if auth.lower().startswith("bearer ") else None
    if read is None or read[0] != hub.slug:
        raise ApiError(401, "unauthorized", "a valid screen link of this hub is required")
    if read[1] != hub.screen_gen:
        raise ApiError(401, "unauthorized", "this screen link was replaced: ask for the new one")
    now = now_ms()
    begin, end = fields.day_bounds(now)
    activities = await hubs.store.activities(hub.slug, begin, end, public=True)
    shown = showing(activities, now)
    body: dict[str, Any] = {
        "hub": {"slug": hub.slug, "name": hub.name},
        "now": fields.iso_utc(now),
        "today": [a.data() for a in shown.today],
        "recheck_ms": shown.recheck_ms,
    }
    node = node_of(request)
    if shown.activity is not None:
        board = shown.activity.board
        try:
            links = await node.links.read(board)
        except BoardGone:
            links = None
        if links is not None:
            token = node.signer.link_token(board, "viewer", links.gen("viewer"))
            join = f"{base_url(request)}/j/{links.join_code}" if links.join_code else None
            body |= {
                "mode": "board",
                "board": board,
                "token": token,
                "join": join,
                "activity": shown.activity.data(),
            }
            return private(body)
    return private({**body, "mode": "agenda"})
