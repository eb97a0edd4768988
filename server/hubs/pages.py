"""The hubs' public pages: server-rendered HTML, no login, no JavaScript.

They work for search engines, in an iframe and on a phone, under the
server's CSP (server/headers.py: no inline script or style; the QR code is
an SVG ``data:`` image). Jinja2 autoescapes every value, so a hub's or an
activity's text never becomes markup.

* ``/hubs`` — every hub and what comes up soon;
* ``/hubs/<slug>`` — the hub, its upcoming activities, its public boards,
  the visit form (posts to ``/hubs/<slug>/visit`` without JS), the feeds
  and the snippets to embed its agenda;
* ``/hubs/<slug>/a/<id>`` — one activity with a join link and QR code to
  its board;
* ``/hubs/<slug>/embed`` — the compact agenda for other sites' iframes: the
  only page with ``frame-ancestors *`` (nothing else is loosened);
* feeds: ``/hubs/agenda.ics``, ``/hubs/<slug>/agenda.ics``, ``…/agenda.atom``;
* ``/embed/agenda.js`` (the ``<prikbord-agenda>`` web component) and
  ``/embed/hubs.css``.
"""

from __future__ import annotations

import html
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

import segno
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from server.accounts.http import ApiError
from server.engine.links import BoardGone
from server.headers import CONTENT_SECURITY_POLICY
from server.hubs import agenda, feeds, fields, model
from server.hubs.agenda import TYPE_LABELS, Activity
from server.hubs.fields import Invalid, local
from server.hubs.model import Hub
from server.hubs.public import submit_visit
from server.hubs.routes import base_url, hubs_of, names_host, now_ms
from server.routes.api import board_links

#: What the pages list: the coming weeks of a hub (a season for the feeds).
PAGE_DAYS = 62
FEED_DAYS = 366
_DAY_MS = 24 * 3600 * 1000
#: Past activities a feed keeps (calendars then show last month too).
FEED_PAST_DAYS = 31
#: A visit form is a few short fields and a message of 2,000 characters.
MAX_FORM_BODY = 16 * 1024
#: Browsers and proxies may keep a public page or feed this long.
CACHE = "public, max-age=60"

_env = Environment(
    loader=PackageLoader("server.hubs", "templates"),
    autoescape=select_autoescape(("html",), default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)

_DAYS = ("ma", "di", "wo", "do", "vr", "za", "zo")
_MONTHS = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")

#: The embeddable page may sit in any site's frame; everything else of the
#: policy stays as strict as the app's.
EMBED_CSP = CONTENT_SECURITY_POLICY.replace("frame-ancestors 'none'", "frame-ancestors *")


def _day(ms: int) -> str:
    t = local(ms)
    return f"{_DAYS[t.weekday()]} {t.day} {_MONTHS[t.month - 1]} {t.year}"


def _view(a: Activity, base: str, hubs: dict[str, Hub] | None = None) -> dict[str, Any]:
    """What a template shows of an activity (already public)."""
    start, end = local(a.start), local(a.end)
    same_day = start.date() == end.date()
    dash = "\N{EN DASH}"
    time = (
        f"{start:%H:%M}{dash}{end:%H:%M}"
        if same_day
        else f"{start:%H:%M} {dash} {_day(a.end)} {end:%H:%M}"
    )
    hub = (hubs or {}).get(a.hub)
    return {
        "id": a.id,
        "title": a.title,
        "status": a.status,
        "type_nl": TYPE_LABELS[a.type]["nl"],
        "day": _day(a.start),
        "time": time,
        "start_iso": fields.iso_local(a.start),
        "place": a.place,
        "online": a.online,
        "host": a.host,
        "capacity": a.capacity,
        "description": a.description,
        "url": f"{base}/hubs/{a.hub}/a/{a.id}",
        "hub_name": hub.name if hub else "",
    }


def _html(name: str, status: int = 200, csp: str | None = None, **context: Any) -> HTMLResponse:
    body = _env.get_template(name).render(**context)
    headers = {
        "cache-control": "no-store" if status != 200 else CACHE,
        # With ``no-referrer`` (the app's) a browser posts the visit form
        # with ``Origin: null``, which the origin check must refuse; our own
        # origin only, still nothing to other sites.
        "referrer-policy": "same-origin",
    }
    if csp is not None:
        headers["content-security-policy"] = csp
        # CSP's frame-ancestors wins over X-Frame-Options in browsers that
        # know it; this says the same to those that do not.
        headers["x-frame-options"] = "ALLOWALL"
    return HTMLResponse(body, status_code=status, headers=headers)


def _not_found(message: str = "Deze hub bestaat niet.") -> HTMLResponse:
    body = (
        '<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>Niet gevonden</title>'
        '<link rel="stylesheet" href="/embed/hubs.css"></head><body><main>'
        f'<h1>Niet gevonden</h1><p>{message}</p><p><a href="/hubs">Alle hubs</a></p>'
        "</main></body></html>"
    )
    return HTMLResponse(body, status_code=404)


async def _hub(request: Request) -> Hub | None:
    slug = request.path_params["slug"]
    if not model.SLUG_RE.fullmatch(slug):
        return None
    return await hubs_of(request).store.get(slug)


async def hubs_page(request: Request) -> Response:
    store = hubs_of(request).store
    hubs = await store.all()
    now = now_ms()
    found: list[Activity] = []
    for hub in hubs:
        found += await store.activities(hub.slug, now, now + 14 * _DAY_MS, public=True)
    base = base_url(request)
    by_slug = {h.slug: h for h in hubs}
    upcoming = [_view(a, base, by_slug) for a in agenda.upcoming(found, now)]
    return _html("hubs.html", hubs=hubs, upcoming=upcoming)


async def _public_boards(request: Request, hub: Hub) -> list[dict[str, str]]:
    """The hub's public boards, each with its read-only (screen) link."""
    from server.accounts.auth import node_of

    node = node_of(request)
    base = base_url(request)
    out = []
    for board, public in await hubs_of(request).store.boards(hub.slug):
        if not public:
            continue
        info = await node.accounts.boards.info(board)
        if info is None or info.archived:
            continue
        try:
            state = await node.links.read(board)
        except BoardGone:
            continue
        links = board_links(base, board, state.join_code or "", node, state)
        out.append({"title": info.title or board, "url": links["viewer"]})
    return out


def _hub_context(request: Request, hub: Hub) -> dict[str, Any]:
    base = base_url(request)
    page = f"{base}/hubs/{hub.slug}"
    host = urlsplit(base).netloc
    # Text to paste into another site's HTML: the hub's name must stay inside
    # its attribute there (a quote in it once added attributes of its own).
    title = html.escape(f"Agenda {hub.name}", quote=True)
    iframe = (
        f'<iframe src="{html.escape(page)}/embed" title="{title}" '
        'style="width:100%;height:30rem;border:0" loading="lazy"></iframe>'
    )
    server = html.escape(base, quote=True)
    component = (
        f'<script type="module" src="{server}/embed/agenda.js"></script>\n'
        f'<prikbord-agenda hub="{hub.slug}" server="{server}"></prikbord-agenda>'
    )
    return {
        "hub": hub.public(),
        "page": page,
        "ics": f"{page}/agenda.ics",
        "atom": f"{page}/agenda.atom",
        "webcal": f"webcal://{host}/hubs/{hub.slug}/agenda.ics",
        "iframe_snippet": iframe,
        "component_snippet": component,
    }


async def hub_page(request: Request) -> Response:
    hub = await _hub(request)
    if hub is None:
        return _not_found()
    sent = request.query_params.get("visit") == "sent"
    return await _render_hub(request, hub, sent=sent)


async def _render_hub(
    request: Request,
    hub: Hub,
    *,
    sent: bool = False,
    error: str = "",
    form: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    upcoming = await _upcoming(request, hub)
    return _html(
        "hub.html",
        status=status,
        upcoming=upcoming,
        boards=await _public_boards(request, hub),
        sent=sent,
        error=error,
        form=form or {},
        **_hub_context(request, hub),
    )


async def activity_page(request: Request) -> Response:
    hub = await _hub(request)
    if hub is None:
        return _not_found()
    id = request.path_params["id"]
    found = (
        await hubs_of(request).store.activity(hub.slug, id)
        if agenda.ACTIVITY_ID_RE.fullmatch(id)
        else None
    )
    if found is None or not found.public:
        return _not_found("Deze activiteit bestaat niet (meer).")
    join = qr = ""
    if found.board:
        from server.accounts.auth import node_of

        try:
            state = await node_of(request).links.read(found.board)
        except BoardGone:
            state = None
        if state is not None and state.join_code:
            join = f"{base_url(request)}/j/{state.join_code}"
            qr = segno.make(join, error="m").svg_data_uri(scale=4, border=2)
    view = _view(found, base_url(request))
    return _html(
        "activity.html", hub=hub.public(), a=view, join=join, qr=qr, event=_event(found, hub, view)
    )


def _event(a: Activity, hub: Hub, view: dict[str, Any]) -> dict[str, Any]:
    """schema.org Event for search engines (a JSON data block: not a script
    that runs, so the CSP does not apply; ``tojson`` escapes ``<>&'``)."""
    place: dict[str, Any] = {"@type": "Place", "name": hub.name, "address": hub.place}
    online = {"@type": "VirtualLocation", "url": a.online}
    mode = "Mixed" if a.online and a.place else "Online" if a.online else "Offline"
    status = "EventCancelled" if a.status == "cancelled" else "EventScheduled"
    return {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": a.title,
        "startDate": fields.iso_local(a.start),
        "endDate": fields.iso_local(a.end),
        "eventStatus": f"https://schema.org/{status}",
        "eventAttendanceMode": f"https://schema.org/{mode}EventAttendanceMode",
        "location": [place, online] if a.online and a.place else online if a.online else place,
        "description": a.description or TYPE_LABELS[a.type]["nl"],
        "organizer": {"@type": "Organization", "name": hub.name},
        "url": view["url"],
    }


async def _upcoming(request: Request, hub: Hub) -> list[dict[str, Any]]:
    """The hub's public activities of the next ``PAGE_DAYS``, as the hub page
    and its embed show them."""
    now = now_ms()
    found = await hubs_of(request).store.activities(
        hub.slug, now, now + PAGE_DAYS * _DAY_MS, public=True
    )
    base = base_url(request)
    return [_view(a, base) for a in agenda.upcoming(found, now)]


async def embed_page(request: Request) -> Response:
    hub = await _hub(request)
    if hub is None:
        return _not_found()
    upcoming = await _upcoming(request, hub)
    return _html(
        "embed.html",
        csp=EMBED_CSP,
        upcoming=upcoming,
        **_hub_context(request, hub),
    )


async def visit_form(request: Request) -> Response:
    """The visit form without JavaScript: form-encoded, answered with the
    hub page (the error beside the form, or a redirect to "sent")."""
    hub = await _hub(request)
    if hub is None:
        return _not_found()
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    declared = request.headers.get("content-length", "")
    if kind != "application/x-www-form-urlencoded" or (
        declared.isdigit() and int(declared) > MAX_FORM_BODY
    ):
        return _not_found("Dit formulier werd niet goed verstuurd.")
    async with request.form(max_files=0, max_fields=20) as data:
        form = {k: v for k, v in data.items() if isinstance(v, str)}
    wishes = [form.get(f"wish{i}", "") for i in (1, 2, 3)]
    body: dict[str, Any] = {
        "group": form.get("group", ""),
        "contact": form.get("contact", ""),
        "size": form.get("size", ""),
        "wishes": [w for w in wishes if w],
        "message": form.get("message", ""),
        "website": form.get("website", ""),
    }
    try:
        await submit_visit(request, hub, body)
    except Invalid as exc:
        return await _render_hub(request, hub, error=_dutch(exc), form=form, status=422)
    except ApiError as exc:
        return await _render_hub(request, hub, error=exc.message, form=form, status=exc.status)
    return RedirectResponse(f"/hubs/{hub.slug}?visit=sent#visit", status_code=303)


_FIELDS_NL = {
    "group": "School of groep",
    "contact": "E-mail of telefoon",
    "size": "Aantal personen",
    "wishes": "Gewenste datum",
    "wishes[0]": "Gewenste datum",
    "wishes[1]": "Andere mogelijkheid",
    "wishes[2]": "Nog een mogelijkheid",
    "message": "Bericht",
}


def _dutch(exc: Invalid) -> str:
    return f"{_FIELDS_NL.get(exc.field, exc.field)}: {exc.message}"


# --- feeds -------------------------------------------------------------------------


def _calendar(body: bytes, name: str) -> Response:
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={
            "cache-control": CACHE,
            "content-disposition": f'inline; filename="{name}.ics"',
            "access-control-allow-origin": "*",
        },
    )


async def hub_ical(request: Request) -> Response:
    hub = await _hub(request)
    if hub is None:
        return _not_found()
    now = now_ms()
    found = await hubs_of(request).store.activities(
        hub.slug, now - FEED_PAST_DAYS * _DAY_MS, now + FEED_DAYS * _DAY_MS, public=True
    )
    body = feeds.ical(found, {hub.slug: hub}, base_url(request), f"Agenda {hub.name}")
    return _calendar(body, hub.slug)


async def all_ical(request: Request) -> Response:
    store = hubs_of(request).store
    hubs = await store.all()
    now = now_ms()
    found: list[Activity] = []
    for hub in hubs:
        found += await store.activities(
            hub.slug, now - FEED_PAST_DAYS * _DAY_MS, now + FEED_DAYS * _DAY_MS, public=True
        )
    body = feeds.ical(found, {h.slug: h for h in hubs}, base_url(request), "Agenda van de hubs")
    return _calendar(body, "hubs")


async def hub_atom(request: Request) -> Response:
    hub = await _hub(request)
    if hub is None:
        return _not_found()
    now = now_ms()
    found = await hubs_of(request).store.activities(
        hub.slug, now - FEED_PAST_DAYS * _DAY_MS, now + FEED_DAYS * _DAY_MS, public=True
    )
    body = feeds.atom(found, hub, base_url(request), now)
    return Response(
        body,
        media_type="application/atom+xml; charset=utf-8",
        headers={"cache-control": CACHE, "access-control-allow-origin": "*"},
    )


# --- static ------------------------------------------------------------------------


def _static(name: str, media_type: str) -> Response:
    body = resources.files("server.hubs").joinpath("static", name).read_bytes()
    return Response(body, media_type=media_type, headers={"cache-control": "public, max-age=3600"})


async def css(request: Request) -> Response:
    return _static("hubs.css", "text/css; charset=utf-8")


async def agenda_js(request: Request) -> Response:
    response = _static("agenda.js", "text/javascript; charset=utf-8")
    # Other sites load it as a module script: that is a CORS request.
    response.headers["access-control-allow-origin"] = "*"
    response.headers["cross-origin-resource-policy"] = "cross-origin"
    return response


def routes() -> list[BaseRoute]:
    """Public pages; the fixed paths before ``/hubs/{slug}``."""
    return [
        Route("/hubs", names_host(hubs_page)),
        Route("/hubs/agenda.ics", names_host(all_ical)),
        Route("/hubs/{slug}", names_host(hub_page)),
        Route("/hubs/{slug}/visit", visit_form, methods=["POST"]),
        Route("/hubs/{slug}/a/{id}", names_host(activity_page)),
        Route("/hubs/{slug}/embed", names_host(embed_page)),
        Route("/hubs/{slug}/agenda.ics", names_host(hub_ical)),
        Route("/hubs/{slug}/agenda.atom", names_host(hub_atom)),
        Route("/embed/hubs.css", css),
        Route("/embed/agenda.js", agenda_js),
    ]
