"""Hubs, activities and visit requests: the data and its rules, pure.

No Redis, no clock: times come in as arguments, so every rule is testable
in microseconds. Every refusal is an :class:`Invalid` naming the field and
saying what is wrong in words a coordinator can act on; routes turn it into
``422 {error: "invalid", field, message}``.

Times are stored as UTC milliseconds. The hubs are in Europe/Amsterdam: a
time given without an offset is read as local time there, and pages render
in it (``HUB_TZ``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, get_args
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

#: The hubs' time zone: local times are read and shown in it.
HUB_TZ = ZoneInfo("Europe/Amsterdam")

#: A slug is a URL path segment: lower-case letters, digits and inner
#: hyphens, 2-40 characters ("delft-centrum"); nothing to escape, nothing
#: that could split a Redis key.
SLUG_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])")
#: Activity ids are made by the server (URL-safe, 12 characters).
ACTIVITY_ID_RE = re.compile(r"[A-Za-z0-9_-]{8,24}")
#: Board ids as the server makes them (server/tokens.py), with room.
BOARD_ID_RE = re.compile(r"[A-Za-z0-9_-]{6,40}")
#: Template ids (built-in names or saved templates' ids, server/library/).
TEMPLATE_RE = re.compile(r"[A-Za-z0-9_:-]{1,64}")
USERNAME_RE = re.compile(r"[a-z0-9][a-z0-9._@+-]{1,63}")  # as server/accounts/store.py

# Field lengths: what a page shows in one place and a calendar app accepts.
#: A hub's name is a heading ("Ruimte voor ondernemendheid Delft").
MAX_NAME = 80
#: A street address with its city, or a room ("Lokaal 2.14, 2e verdieping").
MAX_PLACE = 200
#: A few paragraphs on a public page; a calendar entry's body.
MAX_DESCRIPTION = 4000
#: A person or organisation ("Haagse Hogeschool, lectoraat …").
MAX_PERSON = 120
#: Partners and students are listed on the hub page: a hub has a handful
#: of partner companies and a team of students; 50 is a long page already.
MAX_PARTNERS = 30
MAX_STUDENTS = 50
#: Accounts that manage one hub besides coordinators and admins.
MAX_COORDINATORS = 20
#: A calendar title is one line; calendar apps cut past ~100 characters.
MAX_TITLE = 120
#: URLs and e-mail addresses: far above real ones, bounded for storage.
MAX_URL = 500
MAX_EMAIL = 254  # RFC 5321's path limit
#: A visit request's message: a paragraph about the group and its wishes.
MAX_MESSAGE = 2000
#: A visit request names up to three wished dates.
MAX_WISHES = 3
#: Capacity: a lecture hall is a few hundred; 10,000 is a typo guard.
MAX_CAPACITY = 10_000
#: An activity longer than a week is a project, not an agenda item; the
#: lifecycle task scans one such span back (``lifecycle.py``).
MAX_ACTIVITY_MS = 7 * 24 * 3600 * 1000
#: A requested visit is booked for this long until the coordinator says
#: otherwise on accepting it: a tour of the hub with a talk.
VISIT_DEFAULT_MS = 90 * 60 * 1000

_PHONE_RE = re.compile(r"\+?[0-9][0-9 ()./-]{4,30}")
_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

ActivityType = Literal[
    "co_creation",
    "training",
    "brainstorm",
    "assignment_talk",
    "walk_in",
    "meeting",
    "workgroup",
    "visit",
]
ACTIVITY_TYPES: tuple[ActivityType, ...] = get_args(ActivityType)
#: Labels per type: Dutch first (the hubs' language), English beside it.
TYPE_LABELS: dict[ActivityType, dict[str, str]] = {
    "co_creation": {"nl": "Co-creatiesessie", "en": "Co-creation session"},
    "training": {"nl": "Training", "en": "Training"},
    "brainstorm": {"nl": "Brainstorm", "en": "Brainstorm"},
    "assignment_talk": {"nl": "Opdrachtgesprek", "en": "Assignment talk"},
    "walk_in": {"nl": "Open inloop", "en": "Walk-in"},
    "meeting": {"nl": "Bijeenkomst", "en": "Meeting"},
    "workgroup": {"nl": "Werkgroep", "en": "Workgroup"},
    "visit": {"nl": "Bezoek of rondleiding", "en": "Visit or tour"},
}

Status = Literal["confirmed", "pending", "cancelled", "declined"]
STATUSES: tuple[Status, ...] = get_args(Status)
#: What the public sees: confirmed items, and cancelled ones (so calendars
#: that subscribed drop them). Pending and declined requests stay private.
PUBLIC_STATUSES: frozenset[str] = frozenset({"confirmed", "cancelled"})


class Invalid(ValueError):
    """A field that breaks a rule: ``field`` names it (``""`` for the whole
    body), the message says what to do."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message


# --- text ----------------------------------------------------------------------


def _has_control(text: str, *, multiline: bool) -> bool:
    for ch in text:
        if multiline and ch in "\n\t":
            continue
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co"):
            return True
    return False


def text(
    value: Any, name: str, limit: int, *, required: bool = False, multiline: bool = False
) -> str:
    """A trimmed string field: a string, at most ``limit`` characters, no
    control characters (line breaks and tabs only where ``multiline``; CR LF
    becomes LF). ``""`` for a missing optional field."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Invalid(name, "must be text")
    out: str = value.replace("\r\n", "\n").strip()
    if required and not out:
        raise Invalid(name, "is required")
    if len(out) > limit:
        raise Invalid(name, f"has at most {limit} characters (this has {len(out)})")
    if _has_control(out, multiline=multiline):
        what = "control characters" if multiline else "line breaks or control characters"
        raise Invalid(name, f"cannot hold {what}")
    return out


def web_url(value: Any, name: str) -> str:
    """An http(s) URL with a host, or ``""``."""
    url = text(value, name, MAX_URL)
    if not url:
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        raise Invalid(name, "is not a valid URL") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise Invalid(name, "must be an http:// or https:// address")
    if any(ch.isspace() for ch in url):
        raise Invalid(name, "cannot hold spaces")
    return url


def email(value: Any, name: str) -> str:
    address = text(value, name, MAX_EMAIL)
    if address and not _EMAIL_RE.fullmatch(address):
        raise Invalid(name, "is not an e-mail address")
    return address


def phone(value: Any, name: str) -> str:
    number = text(value, name, 32)
    if number and not _PHONE_RE.fullmatch(number):
        raise Invalid(name, "is not a phone number (digits, spaces, + ( ) - . /)")
    return number


def text_list(value: Any, name: str, count: int, limit: int) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise Invalid(name, "must be a list of text")
    if len(value) > count:
        raise Invalid(name, f"has at most {count} entries")
    items = [text(v, f"{name}[{i}]", limit) for i, v in enumerate(value)]
    return tuple(item for item in items if item)


# --- times -----------------------------------------------------------------------


def parse_time(value: Any, name: str, *, date_ok: bool = False) -> int:
    """ISO 8601 date-time → UTC ms. With an offset (``Z``, ``+01:00``) it is
    that instant; without one it is local time in Europe/Amsterdam, and a
    local time the clock skips (the spring DST gap) is refused. ``date_ok``:
    a date alone is its local midnight (agenda queries)."""
    if isinstance(value, bool) or not isinstance(value, str):
        raise Invalid(name, "must be a date and time like 2026-05-12T14:00 (ISO 8601)")
    raw = value.strip()
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise Invalid(name, "must be a date and time like 2026-05-12T14:00 (ISO 8601)") from None
    if "T" not in raw and " " not in raw and not date_ok:
        raise Invalid(name, "needs a time of day, not only a date")
    if moment.tzinfo is None:
        local = moment.replace(tzinfo=HUB_TZ)
        back = local.astimezone(UTC).astimezone(HUB_TZ).replace(tzinfo=None)
        if back != moment:
            raise Invalid(name, "does not exist in Europe/Amsterdam (the clocks skip it)")
        moment = local
    if not 2000 <= moment.astimezone(UTC).year <= 2200:
        raise Invalid(name, "is out of range (years 2000-2200)")
    return int(moment.timestamp() * 1000)


def iso_utc(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat().replace("+00:00", "Z")


def iso_local(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, HUB_TZ).isoformat()


def local(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, HUB_TZ)


# --- hubs --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Contact:
    email: str = ""
    phone: str = ""
    url: str = ""

    def public(self) -> dict[str, str]:
        return {"email": self.email, "phone": self.phone, "url": self.url}


@dataclass(frozen=True, slots=True)
class Hub:
    slug: str
    name: str
    place: str = ""
    description: str = ""
    supervisor: str = ""
    partners: tuple[str, ...] = ()
    students: tuple[str, ...] = ()
    contact: Contact = field(default_factory=Contact)
    coordinators: tuple[str, ...] = ()
    #: The screen link's generation: replacing the link bumps it.
    screen_gen: int = 0
    created: int = 0
    updated: int = 0

    def public(self) -> dict[str, Any]:
        """What anyone may read (no coordinators, no screen link)."""
        return {
            "slug": self.slug,
            "name": self.name,
            "place": self.place,
            "description": self.description,
            "supervisor": self.supervisor,
            "partners": list(self.partners),
            "students": list(self.students),
            "contact": self.contact.public(),
        }

    def full(self) -> dict[str, Any]:
        """What its managers read."""
        return {
            **self.public(),
            "coordinators": list(self.coordinators),
            "created": self.created,
            "updated": self.updated,
        }


HUB_FIELDS = frozenset(
    {
        "slug",
        "name",
        "place",
        "description",
        "supervisor",
        "partners",
        "students",
        "contact",
        "coordinators",
    }
)


def check_slug(value: Any, name: str = "slug") -> str:
    if not isinstance(value, str) or not SLUG_RE.fullmatch(value):
        raise Invalid(
            name,
            "2 to 40 characters: lower-case letters a-z, digits and hyphens "
            "(not at the start or end)",
        )
    return value


def _unknown(body: dict[str, Any], allowed: frozenset[str]) -> None:
    extra = sorted(set(body) - allowed)
    if extra:
        raise Invalid(extra[0], "is not a field here")


def _contact(value: Any) -> Contact:
    if value is None:
        return Contact()
    if not isinstance(value, dict):
        raise Invalid("contact", "must be an object with email, phone and url")
    _unknown(value, frozenset({"email", "phone", "url"}))
    return Contact(
        email=email(value.get("email"), "contact.email"),
        phone=phone(value.get("phone"), "contact.phone"),
        url=web_url(value.get("url"), "contact.url"),
    )


def _usernames(value: Any) -> tuple[str, ...]:
    names = text_list(value, "coordinators", MAX_COORDINATORS, 64)
    for i, name in enumerate(names):
        if not USERNAME_RE.fullmatch(name.lower()):
            raise Invalid(f"coordinators[{i}]", "is not a username")
    return tuple(dict.fromkeys(n.lower() for n in names))


def hub_from_body(body: dict[str, Any], now: int) -> Hub:
    """A new hub from a JSON body; raises Invalid."""
    _unknown(body, HUB_FIELDS)
    return Hub(
        slug=check_slug(body.get("slug")),
        name=text(body.get("name"), "name", MAX_NAME, required=True),
        created=now,
        updated=now,
        **_hub_details(body, None),
    )


def _hub_details(body: dict[str, Any], base: Hub | None) -> dict[str, Any]:
    """The optional fields present in ``body`` (all of them for a new hub)."""
    out: dict[str, Any] = {}
    checks: dict[str, Any] = {
        "place": lambda v: text(v, "place", MAX_PLACE),
        "description": lambda v: text(v, "description", MAX_DESCRIPTION, multiline=True),
        "supervisor": lambda v: text(v, "supervisor", MAX_PERSON),
        "partners": lambda v: text_list(v, "partners", MAX_PARTNERS, MAX_PERSON),
        "students": lambda v: text_list(v, "students", MAX_STUDENTS, MAX_PERSON),
        "contact": _contact,
        "coordinators": _usernames,
    }
    for name, check in checks.items():
        if base is None or name in body:
            out[name] = check(body.get(name))
    return out


def hub_changed(hub: Hub, body: dict[str, Any], now: int) -> Hub:
    """``hub`` with the fields in ``body`` changed (a PATCH); the slug stays."""
    _unknown(body, HUB_FIELDS - {"slug"})
    changes = _hub_details(body, hub)
    if "name" in body:
        changes["name"] = text(body["name"], "name", MAX_NAME, required=True)
    return replace(hub, updated=now, **changes)


# --- activities ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VisitRequest:
    """Who asked for a visit (private: the hub's managers only)."""

    group: str
    contact: str
    size: int
    wishes: tuple[int, ...]  # UTC ms
    message: str = ""

    def data(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "contact": self.contact,
            "size": self.size,
            "wishes": [iso_utc(w) for w in self.wishes],
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class Activity:
    id: str
    hub: str
    type: ActivityType
    title: str
    start: int  # UTC ms
    end: int  # UTC ms
    status: Status = "confirmed"
    place: str = ""
    online: str = ""
    description: str = ""
    host: str = ""
    capacity: int | None = None
    #: The activity's board, linked by a coordinator or made at its start.
    board: str = ""
    #: Make the board from this template when the activity starts.
    template: str = ""
    #: Lock the board and file it in the hub's library when it ends.
    freeze: bool = False
    request: VisitRequest | None = None
    #: iCalendar SEQUENCE: bumped by every change, so calendars update.
    seq: int = 0
    created: int = 0
    updated: int = 0

    @property
    def public(self) -> bool:
        return self.status in PUBLIC_STATUSES

    def data(self, *, private: bool = False) -> dict[str, Any]:
        """The activity as JSON; ``private`` adds the visit request."""
        out: dict[str, Any] = {
            "id": self.id,
            "hub": self.hub,
            "type": self.type,
            "type_label": TYPE_LABELS[self.type],
            "title": self.title,
            "start": iso_utc(self.start),
            "end": iso_utc(self.end),
            "start_local": iso_local(self.start),
            "end_local": iso_local(self.end),
            "status": self.status,
            "place": self.place,
            "online": self.online,
            "description": self.description,
            "host": self.host,
            "capacity": self.capacity,
            "board": self.board or None,
            "updated": self.updated,
        }
        if private:
            out["template"] = self.template or None
            out["freeze"] = self.freeze
            out["seq"] = self.seq
            out["created"] = self.created
            out["request"] = self.request.data() if self.request else None
        return out


ACTIVITY_FIELDS = frozenset(
    {
        "type",
        "title",
        "start",
        "end",
        "status",
        "place",
        "online",
        "description",
        "host",
        "capacity",
        "board",
        "template",
        "freeze",
    }
)


def _activity_type(value: Any) -> ActivityType:
    for kind in ACTIVITY_TYPES:
        if value == kind:
            return kind
    raise Invalid("type", f"is one of {', '.join(ACTIVITY_TYPES)}")


def _status(value: Any) -> Status:
    for status in STATUSES:
        if value == status:
            return status
    raise Invalid("status", f"is one of {', '.join(STATUSES)}")


def _capacity(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid("capacity", "must be a whole number")
    if not 1 <= value <= MAX_CAPACITY:
        raise Invalid("capacity", f"is between 1 and {MAX_CAPACITY}")
    return value


def _optional_id(value: Any, name: str, pattern: re.Pattern[str]) -> str:
    if value is None or value == "":
        return ""
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise Invalid(name, f"is not a {name} id")
    return value


def _bool(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise Invalid(name, "must be true or false")
    return value


def _checked_times(start: int, end: int) -> None:
    if end <= start:
        raise Invalid("end", "must be after the start")
    if end - start > MAX_ACTIVITY_MS:
        raise Invalid("end", "an activity lasts at most 7 days")


_ACTIVITY_CHECKS: dict[str, Any] = {
    "type": _activity_type,
    "title": lambda v: text(v, "title", MAX_TITLE, required=True),
    "start": lambda v: parse_time(v, "start"),
    "end": lambda v: parse_time(v, "end"),
    "status": _status,
    "place": lambda v: text(v, "place", MAX_PLACE),
    "online": lambda v: web_url(v, "online"),
    "description": lambda v: text(v, "description", MAX_DESCRIPTION, multiline=True),
    "host": lambda v: text(v, "host", MAX_PERSON),
    "capacity": _capacity,
    "board": lambda v: _optional_id(v, "board", BOARD_ID_RE),
    "template": lambda v: _optional_id(v, "template", TEMPLATE_RE),
    "freeze": lambda v: _bool(v, "freeze"),
}


def activity_from_body(body: dict[str, Any], *, hub: str, id: str, now: int) -> Activity:
    """A new activity from a JSON body; raises Invalid. ``type``, ``title``,
    ``start`` and ``end`` are required; status defaults to confirmed."""
    _unknown(body, ACTIVITY_FIELDS)
    for name in ("type", "title", "start", "end"):
        if body.get(name) in (None, ""):
            raise Invalid(name, "is required")
    values = {name: check(body[name]) for name, check in _ACTIVITY_CHECKS.items() if name in body}
    _checked_times(values["start"], values["end"])
    return Activity(id=id, hub=hub, created=now, updated=now, **values)


def activity_changed(activity: Activity, body: dict[str, Any], now: int) -> Activity:
    """``activity`` with the fields in ``body`` changed (a PATCH); raises
    Invalid. Every change bumps ``seq``."""
    _unknown(body, ACTIVITY_FIELDS)
    values = {name: check(body[name]) for name, check in _ACTIVITY_CHECKS.items() if name in body}
    changed = replace(activity, updated=now, seq=activity.seq + 1, **values)
    _checked_times(changed.start, changed.end)
    return changed


# --- visit requests -------------------------------------------------------------------

VISIT_FIELDS = frozenset({"group", "contact", "size", "wishes", "message", "website"})
#: The honeypot: a field people never see (hidden by CSS on the form) and
#: bots fill in. A request with it filled is answered as sent and dropped.
HONEYPOT = "website"


def visit_from_body(body: dict[str, Any], *, hub: str, id: str, now: int) -> Activity:
    """A public visit request → a pending agenda item of type visit, booked
    at the first wished time for ``VISIT_DEFAULT_MS``. Raises Invalid.
    Wished times must lie ahead of ``now``."""
    _unknown(body, VISIT_FIELDS)
    group = text(body.get("group"), "group", MAX_PERSON, required=True)
    contact = text(body.get("contact"), "contact", MAX_PERSON, required=True)
    if not (_EMAIL_RE.fullmatch(contact) or _PHONE_RE.fullmatch(contact)):
        raise Invalid("contact", "give an e-mail address or a phone number")
    size = body.get("size")
    if isinstance(size, str) and size.strip().isdigit():
        size = int(size.strip())
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_CAPACITY:
        raise Invalid("size", f"is the number of people, 1 to {MAX_CAPACITY}")
    raw_wishes = body.get("wishes")
    if isinstance(raw_wishes, str):
        raw_wishes = [raw_wishes]
    if not isinstance(raw_wishes, list):
        raise Invalid("wishes", "give one to three wished dates and times")
    raw_wishes = [w for w in raw_wishes if w not in (None, "")]
    if not 1 <= len(raw_wishes) <= MAX_WISHES:
        raise Invalid("wishes", "give one to three wished dates and times")
    wishes = tuple(parse_time(w, f"wishes[{i}]") for i, w in enumerate(raw_wishes))
    for i, wish in enumerate(wishes):
        if wish <= now:
            raise Invalid(f"wishes[{i}]", "must lie in the future")
    message = text(body.get("message"), "message", MAX_MESSAGE, multiline=True)
    request = VisitRequest(group=group, contact=contact, size=size, wishes=wishes, message=message)
    return Activity(
        id=id,
        hub=hub,
        type="visit",
        title=text(f"Bezoek: {group}", "group", MAX_TITLE + len("Bezoek: ")),
        start=wishes[0],
        end=wishes[0] + VISIT_DEFAULT_MS,
        status="pending",
        capacity=size,
        request=request,
        created=now,
        updated=now,
    )


def accepted(activity: Activity, body: dict[str, Any], now: int) -> Activity:
    """A pending request confirmed, optionally at another ``start``/``end``
    (one of the wishes, or a time agreed on the phone). Raises Invalid."""
    if activity.status != "pending":
        raise Invalid("status", "only a pending request can be accepted")
    _unknown(body, frozenset({"start", "end", "title", "place", "host"}))
    return activity_changed(activity, {**body, "status": "confirmed"}, now)


def declined(activity: Activity, now: int) -> Activity:
    if activity.status != "pending":
        raise Invalid("status", "only a pending request can be declined")
    return replace(activity, status="declined", updated=now, seq=activity.seq + 1)


# --- agenda -----------------------------------------------------------------------


def upcoming(activities: list[Activity], now: int) -> list[Activity]:
    """Public activities not yet over, soonest first."""
    found = [a for a in activities if a.public and a.end > now]
    return sorted(found, key=lambda a: (a.start, a.id))


def running(activities: list[Activity], now: int) -> list[Activity]:
    """Confirmed activities under way at ``now``, the latest start first."""
    found = [a for a in activities if a.status == "confirmed" and a.start <= now < a.end]
    return sorted(found, key=lambda a: (-a.start, a.id))


def day_bounds(now: int) -> tuple[int, int]:
    """The local (Europe/Amsterdam) day around ``now`` as UTC ms bounds."""
    day = local(now).replace(hour=0, minute=0, second=0, microsecond=0)
    start = day.replace(tzinfo=None)
    begin = start.replace(tzinfo=HUB_TZ)
    end = (start + timedelta(days=1)).replace(tzinfo=HUB_TZ)
    return int(begin.timestamp() * 1000), int(end.timestamp() * 1000)
