"""The agenda as feeds: iCalendar (RFC 5545) to subscribe to in a calendar
app, and Atom (RFC 4287) for feed readers. Pure: activities, hubs and the
base URL in, bytes out.

Text is escaped and folded by the libraries (``icalendar``, ``feedgen``),
never by string formatting: a title holding ``\\r\\nBEGIN:VEVENT…`` stays
one property's value (titles cannot hold line breaks anyway, agenda.py; the
descriptions can).

* UID: ``<activity id>@<host>``, stable for the activity's life.
* SEQUENCE and LAST-MODIFIED: the activity's change count and time, so a
  calendar replaces its copy; DTSTAMP likewise (the feed's content is
  deterministic for the same data).
* Times in UTC (``Z``): every client reads them without a VTIMEZONE.
* A cancelled activity stays in the feed with ``STATUS:CANCELLED``, so
  subscribed calendars drop it; pending and declined ones never appear.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from feedgen.feed import FeedGenerator  # type: ignore[import-untyped]
from icalendar import Calendar, Event

from server.hubs.agenda import TYPE_LABELS, Activity
from server.hubs.fields import local
from server.hubs.model import Hub

PRODID = "-//Prikbord//Hubs agenda//NL"


def _dt(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def activity_url(base: str, activity: Activity) -> str:
    return f"{base}/hubs/{activity.hub}/a/{activity.id}"


def _where(activity: Activity, hubs: dict[str, Hub]) -> str:
    hub = hubs.get(activity.hub)
    parts = [activity.place, hub.name if hub else "", hub.place if hub else ""]
    return ", ".join(p for p in parts if p)


def ical(activities: list[Activity], hubs: dict[str, Hub], base: str, name: str) -> bytes:
    """A VCALENDAR of the public ``activities`` (others are left out)."""
    host = urlsplit(base).hostname or "prikbord"
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Europe/Amsterdam")
    for a in activities:
        if not a.public:
            continue
        event = Event()
        event.add("uid", f"{a.id}@{host}")
        event.add("dtstamp", _dt(a.updated or a.created))
        event.add("last-modified", _dt(a.updated or a.created))
        event.add("created", _dt(a.created))
        event.add("sequence", a.seq)
        event.add("dtstart", _dt(a.start))
        event.add("dtend", _dt(a.end))
        event.add("summary", a.title)
        lines = [TYPE_LABELS[a.type]["nl"]]
        if a.host:
            lines.append(f"Host: {a.host}")
        if a.online:
            lines.append(f"Online: {a.online}")
        if a.description:
            lines += ["", a.description]
        event.add("description", "\n".join(lines))
        where = _where(a, hubs)
        if where:
            event.add("location", where)
        event.add("url", activity_url(base, a))
        event.add("categories", [TYPE_LABELS[a.type]["nl"]])
        event.add("status", "CANCELLED" if a.status == "cancelled" else "CONFIRMED")
        event.add("transp", "OPAQUE")
        cal.add_component(event)
    return bytes(cal.to_ical())


def atom(activities: list[Activity], hub: Hub, base: str, now: int) -> bytes:
    """An Atom feed of the hub's public activities: one entry each, updated
    when the activity changes (a cancellation shows in its title)."""
    page = f"{base}/hubs/{hub.slug}"
    feed = FeedGenerator()
    feed.id(f"{page}/agenda.atom")
    feed.title(f"Agenda: {hub.name}")
    feed.link(href=page, rel="alternate", type="text/html")
    feed.link(href=f"{page}/agenda.atom", rel="self", type="application/atom+xml")
    feed.language("nl")
    feed.generator("Prikbord")
    stamps = [a.updated or a.created for a in activities if a.public]
    feed.updated(_dt(max(stamps) if stamps else now))
    feed.author({"name": hub.name})
    for a in sorted((a for a in activities if a.public), key=lambda a: (a.start, a.id)):
        entry = feed.add_entry(order="append")
        url = activity_url(base, a)
        entry.id(url)
        when = local(a.start).strftime("%d-%m-%Y %H:%M")
        cancelled = "GEANNULEERD: " if a.status == "cancelled" else ""
        entry.title(f"{cancelled}{a.title} ({when})")
        entry.link(href=url, rel="alternate", type="text/html")
        entry.updated(_dt(a.updated or a.created))
        entry.published(_dt(a.created))
        entry.category(term=a.type, label=TYPE_LABELS[a.type]["nl"])
        summary = [TYPE_LABELS[a.type]["nl"], when]
        if a.place:
            summary.append(a.place)
        if a.description:
            summary.append(a.description)
        entry.summary(" — ".join(summary))
    return bytes(feed.atom_str(pretty=True))
