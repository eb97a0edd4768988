"""The agenda: activities and visit requests, and their rules, pure.

No Redis, no clock: ``now`` comes in as an argument, so every rule is
testable in microseconds. Field rules are in ``fields.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Literal, get_args

from server.hubs.fields import (
    EMAIL_RE,
    MAX_DESCRIPTION,
    MAX_PERSON,
    MAX_PLACE,
    PHONE_RE,
    Invalid,
    iso_local,
    iso_utc,
    parse_time,
    text,
    unknown_fields,
    web_url,
)

#: Activity ids are made by the server (URL-safe, 12 characters).
ACTIVITY_ID_RE = re.compile(r"[A-Za-z0-9_-]{8,24}")
#: Board ids as the server makes them (server/tokens.py), with room.
BOARD_ID_RE = re.compile(r"[A-Za-z0-9_-]{6,40}")
#: Template ids (built-in names or saved templates' ids, server/library/).
TEMPLATE_RE = re.compile(r"[A-Za-z0-9_:-]{1,64}")
#: A calendar title is one line; calendar apps cut past ~100 characters.
MAX_TITLE = 120
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
    unknown_fields(body, ACTIVITY_FIELDS)
    for name in ("type", "title", "start", "end"):
        if body.get(name) in (None, ""):
            raise Invalid(name, "is required")
    values = {name: check(body[name]) for name, check in _ACTIVITY_CHECKS.items() if name in body}
    _checked_times(values["start"], values["end"])
    return Activity(id=id, hub=hub, created=now, updated=now, **values)


def activity_changed(activity: Activity, body: dict[str, Any], now: int) -> Activity:
    """``activity`` with the fields in ``body`` changed (a PATCH); raises
    Invalid. Every change bumps ``seq``."""
    unknown_fields(body, ACTIVITY_FIELDS)
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
    unknown_fields(body, VISIT_FIELDS)
    group = text(body.get("group"), "group", MAX_PERSON, required=True)
    contact = text(body.get("contact"), "contact", MAX_PERSON, required=True)
    if not (EMAIL_RE.fullmatch(contact) or PHONE_RE.fullmatch(contact)):
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
    unknown_fields(body, frozenset({"start", "end", "title", "place", "host"}))
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
