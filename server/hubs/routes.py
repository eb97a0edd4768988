"""REST API of hubs (docs/hubs.md has the whole list with examples).

Managing needs a login: creating and deleting hubs takes an account with
role coordinator or admin; a hub's agenda, requests, boards and screen link
are managed by those and by the accounts named in the hub's
``coordinators``. Every state-changing request passes the accounts' checks
(JSON only, same origin, the session's CSRF token). Reads of public data
need nothing; the agenda is CORS-open for embedding on other sites.

Every refusal is JSON ``{error, message}``; a field that breaks a rule adds
``field`` (``422 invalid``), so a form can show it beside the field.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from server.accounts.auth import Caller, caller, node_of, require_login
from server.accounts.http import ApiError, read_json
from server.hubs import agenda, fields, model
from server.hubs.agenda import Activity
from server.hubs.fields import Invalid
from server.hubs.model import Hub
from server.hubs.service import HubService
from server.hubs.store import new_activity_id
from server.routes import pages

Handler = Callable[[Request], Awaitable[Response]]

#: A hub or activity body: descriptions of up to 4,000 characters, which
#: UTF-8 may make 16 KB; 32 KiB leaves room and bounds a request's cost.
MAX_BODY = 32 * 1024
#: The agenda a query returns by default (from now) and at most: a season
#: ahead; a year and a bit is the widest anyone needs at once.
AGENDA_DEFAULT_DAYS = 92
AGENDA_MAX_DAYS = 400
_DAY_MS = 24 * 3600 * 1000
#: Without a range, the managers' list starts this long ago: a request
#: older than a season is stale, and the list stays below its cap.
PAST_DAYS = 92
#: Public agenda reads may be cached this long by browsers and proxies:
#: an embedded agenda on a busy site costs one read a minute per visitor.
PUBLIC_MAX_AGE_S = 60


def hubs_of(request: Request) -> HubService:
    service: HubService = request.app.state.hubs
    return service


def now_ms() -> int:
    return int(time.time() * 1000)


def base_url(request: Request) -> str:
    return node_of(request).settings.public_url or str(request.base_url).rstrip("/")


def refusals(handler: Handler) -> Handler:
    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except ApiError as exc:
            return exc.response()
        except Invalid as exc:
            return invalid(exc)

    wrapped.__name__ = handler.__name__
    wrapped.__doc__ = handler.__doc__
    return wrapped


def names_host(handler: Handler) -> Handler:
    """For a public page or feed whose links name this server: shared
    caches (``public``) may keep it only when the server knows its own
    address (``PRIKBORD_PUBLIC_URL``). Without it the links are built from
    the request's Host header, which a client picks: a proxy cache keyed on
    the path alone would hand one client's forged host — in every link, the
    iCal URLs, the join link and its QR code — to everyone for a minute.
    Then only the browser keeps it (``private``)."""

    async def wrapped(request: Request) -> Response:
        response = await handler(request)
        cache = response.headers.get("cache-control", "")
        if cache.startswith("public") and not node_of(request).settings.public_url:
            response.headers["cache-control"] = "private" + cache.removeprefix("public")
        return response

    wrapped.__name__ = handler.__name__
    wrapped.__doc__ = handler.__doc__
    return wrapped


def invalid(exc: Invalid) -> JSONResponse:
    return JSONResponse(
        {"error": "invalid", "field": exc.field, "message": exc.message}, status_code=422
    )


def private(body: dict[str, Any]) -> JSONResponse:
    return JSONResponse(body, headers={"cache-control": "no-store"})


# --- who may do what ----------------------------------------------------------------


def may_create_hubs(who: Caller) -> bool:
    return who.account.role in ("admin", "coordinator")


def manages(who: Caller | None, hub: Hub) -> bool:
    """Coordinators and admins manage every hub; an account named in the
    hub's ``coordinators`` manages that hub."""
    if who is None:
        return False
    return may_create_hubs(who) or who.account.username in hub.coordinators


async def hub_of_request(request: Request) -> Hub:
    slug = request.path_params["slug"]
    hub = await hubs_of(request).store.get(slug) if model.SLUG_RE.fullmatch(slug) else None
    if hub is None:
        raise ApiError(404, "not_found", "no such hub")
    return hub


async def _managed(request: Request, *, write: bool) -> tuple[Caller, Hub]:
    who = await require_login(request, write=write)
    hub = await hub_of_request(request)
    if not manages(who, hub):
        raise ApiError(403, "forbidden", "only this hub's coordinators manage it")
    return who, hub


async def _activity(request: Request, hub: Hub) -> Activity:
    id = request.path_params["id"]
    found = (
        await hubs_of(request).store.activity(hub.slug, id)
        if agenda.ACTIVITY_ID_RE.fullmatch(id)
        else None
    )
    if found is None:
        raise ApiError(404, "not_found", "no such activity in this hub")
    return found


def screen_link(request: Request, hub: Hub) -> str:
    token = hubs_of(request).screens.token(hub.slug, hub.screen_gen)
    return f"{base_url(request)}/hub/{hub.slug}/screen#{token}"


def _hub_body(request: Request, hub: Hub, who: Caller | None) -> dict[str, Any]:
    if manages(who, hub):
        return {**hub.full(), "may_manage": True, "screen_link": screen_link(request, hub)}
    return {**hub.public(), "may_manage": False}


# --- hubs ----------------------------------------------------------------------------


@refusals
async def list_hubs(request: Request) -> Response:
    """Every hub (public fields; with the management fields for its managers)."""
    who = await caller(request)
    hubs = await hubs_of(request).store.all()
    body = {
        "hubs": [_hub_body(request, h, who) for h in hubs],
        "may_create": who is not None and may_create_hubs(who),
        "types": {k: v for k, v in agenda.TYPE_LABELS.items()},
    }
    return private(body)


@refusals
async def create_hub(request: Request) -> Response:
    who = await require_login(request, write=True)
    if not may_create_hubs(who):
        raise ApiError(403, "forbidden", "only coordinators and administrators create hubs")
    body = await read_json(request, MAX_BODY)
    hub = model.hub_from_body(body, now_ms())
    if not await hubs_of(request).store.create(hub):
        raise ApiError(409, "taken", f"a hub with slug {hub.slug!r} exists already")
    return JSONResponse(_hub_body(request, hub, who), status_code=201)


@refusals
async def read_hub(request: Request) -> Response:
    who = await caller(request)
    hub = await hub_of_request(request)
    return private(_hub_body(request, hub, who))


@refusals
async def change_hub(request: Request) -> Response:
    who, hub = await _managed(request, write=True)
    body = await read_json(request, MAX_BODY)
    if "coordinators" in body and not may_create_hubs(who):
        raise ApiError(
            403, "forbidden", "only coordinators and administrators name a hub's managers"
        )
    after = model.hub_changed(hub, body, now_ms())
    if not await hubs_of(request).store.put(hub, after):
        raise ApiError(409, "conflict", "the hub changed meanwhile: reload and try again")
    return private(_hub_body(request, after, who))


@refusals
async def delete_hub(request: Request) -> Response:
    who = await require_login(request, write=True)
    hub = await hub_of_request(request)
    if not may_create_hubs(who):
        raise ApiError(403, "forbidden", "only coordinators and administrators delete hubs")
    await hubs_of(request).store.delete(hub.slug)
    return Response(status_code=204)


@refusals
async def replace_screen_link(request: Request) -> Response:
    """A new screen link; the old one stops working at once."""
    _who, hub = await _managed(request, write=True)
    after = await hubs_of(request).store.next_screen_gen(hub.slug)
    if after is None:
        raise ApiError(404, "not_found", "no such hub")
    return private({"screen_link": screen_link(request, after)})


# --- activities ----------------------------------------------------------------------


def range_of(request: Request) -> tuple[int, int]:
    q = request.query_params
    start = fields.parse_time(q["from"], "from", date_ok=True) if q.get("from") else now_ms()
    end = (
        fields.parse_time(q["to"], "to", date_ok=True)
        if q.get("to")
        else start + AGENDA_DEFAULT_DAYS * _DAY_MS
    )
    if end <= start:
        raise Invalid("to", "must be after from")
    if end - start > AGENDA_MAX_DAYS * _DAY_MS:
        raise Invalid("to", f"an agenda query spans at most {AGENDA_MAX_DAYS} days")
    return start, end


@refusals
async def list_activities(request: Request) -> Response:
    """All of a hub's activities in ``[from, to)``, pending and declined
    included (managers); without ``from``: from ``PAST_DAYS`` ago on.
    ``?status=pending`` for the visit requests."""
    _who, hub = await _managed(request, write=False)
    if request.query_params.get("from"):
        start, end = range_of(request)
        found = await hubs_of(request).store.activities(hub.slug, start, end)
    else:  # what is still to come, and the last weeks (requests waiting on them)
        found = await hubs_of(request).store.activities(hub.slug, now_ms() - PAST_DAYS * _DAY_MS)
    status = request.query_params.get("status")
    if status:
        found = [a for a in found if a.status == status]
    return private({"hub": hub.slug, "activities": [a.data(private=True) for a in found]})


async def _check_template(request: Request, hub: Hub, activity: Activity) -> None:
    """The activity's template must be one its start can use: a built-in or
    one saved for this hub (the board is made by nobody's account)."""
    if not activity.template:
        return
    from server.library.saved import template_state

    found = await template_state(node_of(request), activity.template, hub=hub.slug, owner=None)
    if found is None:
        raise Invalid("template", "no such template among the built-in ones and this hub's")


async def _check_board(request: Request, who: Caller, hub: Hub, activity: Activity) -> None:
    """A linked board must exist, and be one the caller may hand to the hub
    screen (which reads it with a viewer token): their own, this hub's, or
    any for coordinators and admins (who see every board anyway)."""
    if not activity.board:
        return
    info = await node_of(request).accounts.boards.info(activity.board)
    if info is None:
        raise Invalid("board", "no such board")
    if who.account.sees_all_boards or info.owner == who.account.username:
        return
    if await hubs_of(request).store.hub_of_board(activity.board) != hub.slug:
        raise Invalid("board", "link one of your own boards or one of this hub's")


@refusals
async def create_activity(request: Request) -> Response:
    who, hub = await _managed(request, write=True)
    body = await read_json(request, MAX_BODY)
    activity = agenda.activity_from_body(body, hub=hub.slug, id=new_activity_id(), now=now_ms())
    await _check_template(request, hub, activity)
    await _check_board(request, who, hub, activity)
    await hubs_of(request).store.add_activity(activity)
    return JSONResponse(activity.data(private=True), status_code=201)


@refusals
async def read_activity(request: Request) -> Response:
    who = await caller(request)
    hub = await hub_of_request(request)
    activity = await _activity(request, hub)
    if manages(who, hub):
        return private(activity.data(private=True))
    if not activity.public:
        raise ApiError(404, "not_found", "no such activity in this hub")
    return private(activity.data())


async def _change(request: Request, hub: Hub, change: Callable[[Activity], Activity]) -> Activity:
    id = request.path_params["id"]
    if not agenda.ACTIVITY_ID_RE.fullmatch(id):
        raise ApiError(404, "not_found", "no such activity in this hub")
    result = await hubs_of(request).store.update_activity(hub.slug, id, change)
    if result is None:
        raise ApiError(404, "not_found", "no such activity in this hub")
    return result[1]


@refusals
async def change_activity(request: Request) -> Response:
    """PATCH: the fields given change; ``status: "cancelled"`` cancels."""
    who, hub = await _managed(request, write=True)
    body = await read_json(request, MAX_BODY)
    now = now_ms()
    if body.get("template") or body.get("board"):
        current = await _activity(request, hub)
        wanted = agenda.activity_changed(current, body, now)
        await _check_template(request, hub, wanted)
        await _check_board(request, who, hub, wanted)
    after = await _change(request, hub, lambda a: agenda.activity_changed(a, body, now))
    return private(after.data(private=True))


@refusals
async def delete_activity(request: Request) -> Response:
    """Remove for good (calendars keep it until their next refresh; cancel
    instead to tell them)."""
    _who, hub = await _managed(request, write=True)
    activity = await _activity(request, hub)
    await hubs_of(request).store.delete_activity(hub.slug, activity.id)
    return Response(status_code=204)


@refusals
async def accept_request(request: Request) -> Response:
    _who, hub = await _managed(request, write=True)
    body = await read_json(request, MAX_BODY)
    now = now_ms()
    after = await _change(request, hub, lambda a: agenda.accepted(a, body, now))
    return private(after.data(private=True))


@refusals
async def decline_request(request: Request) -> Response:
    _who, hub = await _managed(request, write=True)
    now = now_ms()
    after = await _change(request, hub, lambda a: agenda.declined(a, now))
    return private(after.data(private=True))


# --- boards of a hub --------------------------------------------------------------------


@refusals
async def hub_boards(request: Request) -> Response:
    _who, hub = await _managed(request, write=False)
    node = node_of(request)
    listed = await hubs_of(request).store.boards(hub.slug)
    out = []
    for board, public in listed:
        info = await node.accounts.boards.info(board)
        if info is not None:
            out.append({**info.public(), "public": public})
    return private({"hub": hub.slug, "boards": out})


@refusals
async def put_board(request: Request) -> Response:
    """PUT ``{public: bool}``: the board belongs to this hub (moved out of
    any other). Its owner may put it in the hub unlisted (``public: false``:
    the hub's managers then see it among the hub's boards); listing it on
    the hub's public page and market wall, which speak for the hub, is the
    decision of the hub's managers alone — before, any account could
    publish its own board on any hub's public page."""
    who = await require_login(request, write=True)
    hub = await hub_of_request(request)
    body = await read_json(request, MAX_BODY)
    public = body.get("public", False)
    if not isinstance(public, bool) or set(body) - {"public"}:
        raise Invalid("public", "the body is {public: true or false}")
    board = request.path_params["board"]
    node = node_of(request)
    info = await node.accounts.boards.info(board) if agenda.BOARD_ID_RE.fullmatch(board) else None
    if info is None:
        raise ApiError(404, "not_found", "no such board")
    # Putting a board in a hub is its owner's call, or a coordinator's (who
    # sees every board); an account named as the hub's manager may change
    # boards already in it. Listing it publicly (its public page, with a
    # read-only link, and the market wall) is the hub managers' call only.
    hubs = hubs_of(request)
    allowed = who.account.sees_all_boards or info.owner == who.account.username
    if not allowed and manages(who, hub):
        allowed = await hubs.store.hub_of_board(board) == hub.slug
    if not allowed:
        raise ApiError(403, "forbidden", "only the board's owner or a coordinator")
    if public and not manages(who, hub):
        raise ApiError(
            403,
            "forbidden",
            "only this hub's coordinators list a board on its public page;"
            " put it in the hub with public: false and ask them",
        )
    await hubs.store.attach(board, hub.slug, public=public, now=now_ms())
    return private({**info.public(), "hub": hub.slug, "public": public})


@refusals
async def remove_board(request: Request) -> Response:
    who = await require_login(request, write=True)
    hub = await hub_of_request(request)
    board = request.path_params["board"]
    hubs = hubs_of(request)
    if not agenda.BOARD_ID_RE.fullmatch(board) or await hubs.store.hub_of_board(board) != hub.slug:
        raise ApiError(404, "not_found", "no such board in this hub")
    info = await node_of(request).accounts.boards.info(board)
    if not manages(who, hub) and (info is None or info.owner != who.account.username):
        raise ApiError(403, "forbidden", "only the board's owner or the hub's coordinators")
    await hubs.store.attach(board, None, public=False, now=now_ms())
    return Response(status_code=204)


def routes() -> list[BaseRoute]:
    """The hubs' REST routes (and the hub screen's page, the web app's)."""
    from server.hubs import public  # it uses this module's helpers

    return [
        Route("/hub/{slug}/screen", pages.index),
        Route("/api/hubs", list_hubs, methods=["GET"]),
        Route("/api/hubs", create_hub, methods=["POST"]),
        Route("/api/hubs/{slug}", read_hub, methods=["GET"]),
        Route("/api/hubs/{slug}", change_hub, methods=["PATCH"]),
        Route("/api/hubs/{slug}", delete_hub, methods=["DELETE"]),
        Route("/api/hubs/{slug}/screen-link/replace", replace_screen_link, methods=["POST"]),
        Route("/api/hubs/{slug}/now", public.screen_now, methods=["GET"]),
        Route("/api/hubs/{slug}/agenda", names_host(public.public_agenda), methods=["GET"]),
        Route("/api/hubs/{slug}/activities", list_activities, methods=["GET"]),
        Route("/api/hubs/{slug}/activities", create_activity, methods=["POST"]),
        Route("/api/hubs/{slug}/activities/{id}", read_activity, methods=["GET"]),
        Route("/api/hubs/{slug}/activities/{id}", change_activity, methods=["PATCH"]),
        Route("/api/hubs/{slug}/activities/{id}", delete_activity, methods=["DELETE"]),
        Route("/api/hubs/{slug}/activities/{id}/accept", accept_request, methods=["POST"]),
        Route("/api/hubs/{slug}/activities/{id}/decline", decline_request, methods=["POST"]),
        Route("/api/hubs/{slug}/visit", public.request_visit, methods=["POST"]),
        Route("/api/hubs/{slug}/boards", hub_boards, methods=["GET"]),
        Route("/api/hubs/{slug}/boards/{board}", put_board, methods=["PUT"]),
        Route("/api/hubs/{slug}/boards/{board}", remove_board, methods=["DELETE"]),
    ]
