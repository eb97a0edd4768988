"""Hubs: the places, their people and contact, and their rules, pure.

No Redis, no clock: ``now`` comes in as an argument. The field rules are in
``fields.py``; the agenda (activities, visit requests) in ``agenda.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from server.hubs.fields import (
    MAX_DESCRIPTION,
    MAX_PERSON,
    MAX_PLACE,
    Invalid,
    email,
    phone,
    text,
    text_list,
    unknown_fields,
    web_url,
)

#: A slug is a URL path segment: lower-case letters, digits and inner
#: hyphens, 2-40 characters ("delft-centrum"); nothing to escape, nothing
#: that could split a Redis key.
SLUG_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])")
USERNAME_RE = re.compile(r"[a-z0-9][a-z0-9._@+-]{1,63}")  # as server/accounts/store.py
#: A hub's name is a heading ("Ruimte voor ondernemendheid Delft").
MAX_NAME = 80
#: Partners and students are listed on the hub page: a hub has a handful
#: of partner companies and a team of students; 50 is a long page already.
MAX_PARTNERS = 30
MAX_STUDENTS = 50
#: Accounts that manage one hub besides coordinators and admins.
MAX_COORDINATORS = 20


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


def _contact(value: Any) -> Contact:
    if value is None:
        return Contact()
    if not isinstance(value, dict):
        raise Invalid("contact", "must be an object with email, phone and url")
    unknown_fields(value, frozenset({"email", "phone", "url"}))
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
    unknown_fields(body, HUB_FIELDS)
    return Hub(
        slug=check_slug(body.get("slug")),
        name=text(body.get("name"), "name", MAX_NAME, required=True),
        # A screen token says (slug, generation): a hub made again under a
        # deleted one's slug must not start at the old one's generation, or
        # the old hub's screen links would show the new hub's boards.
        screen_gen=now,
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
    unknown_fields(body, HUB_FIELDS - {"slug"})
    changes = _hub_details(body, hub)
    if "name" in body:
        changes["name"] = text(body["name"], "name", MAX_NAME, required=True)
    return replace(hub, updated=now, **changes)
