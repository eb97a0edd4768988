"""Field rules shared by hubs and their agenda, pure: text, URLs, contact
details and times. Every refusal is an :class:`Invalid` naming the field and
saying what is wrong in words a coordinator can act on; routes turn it into
``422 {error: "invalid", field, message}``.

Times are stored as UTC milliseconds. The hubs are in Europe/Amsterdam: a
time given without an offset is read as local time there, and pages render
in it (``HUB_TZ``).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

#: The hubs' time zone: local times are read and shown in it.
HUB_TZ = ZoneInfo("Europe/Amsterdam")

# Field lengths: what a page shows in one place and a calendar app accepts.
#: A street address with its city, or a room ("Lokaal 2.14, 2e verdieping").
MAX_PLACE = 200
#: A few paragraphs on a public page; a calendar entry's body.
MAX_DESCRIPTION = 4000
#: A person or organisation ("Haagse Hogeschool, lectoraat …").
MAX_PERSON = 120
#: URLs and e-mail addresses: far above real ones, bounded for storage.
MAX_URL = 500
MAX_EMAIL = 254  # RFC 5321's path limit

PHONE_RE = re.compile(r"\+?[0-9][0-9 ()./-]{4,30}")
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class Invalid(ValueError):
    """A field that breaks a rule: ``field`` names it (``""`` for the whole
    body), the message says what to do."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message


# --- text ----------------------------------------------------------------------


def _noncharacter(ch: str) -> bool:
    """Unicode's noncharacters (U+FDD0-U+FDEF, U+FFFE/U+FFFF of every
    plane): never text. U+FFFE/U+FFFF are not XML either — a title holding
    one made the hub's Atom feed a 500 for everyone."""
    code = ord(ch)
    return 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE


def _has_control(text: str, *, multiline: bool) -> bool:
    for ch in text:
        if multiline and ch in "\n\t":
            continue
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co") or _noncharacter(ch):
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
    if address and not EMAIL_RE.fullmatch(address):
        raise Invalid(name, "is not an e-mail address")
    return address


def phone(value: Any, name: str) -> str:
    number = text(value, name, 32)
    if number and not PHONE_RE.fullmatch(number):
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
    # The range first, on the naive date: at the calendar's edges (year 1 or
    # 9999) the conversion to UTC leaves datetime's range (OverflowError).
    if not 2000 <= moment.year <= 2200:
        raise Invalid(name, "is out of range (years 2000-2200)")
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


def day_bounds(now: int) -> tuple[int, int]:
    """The local (Europe/Amsterdam) day around ``now`` as UTC ms bounds."""
    day = local(now).replace(hour=0, minute=0, second=0, microsecond=0)
    start = day.replace(tzinfo=None)
    begin = start.replace(tzinfo=HUB_TZ)
    end = (start + timedelta(days=1)).replace(tzinfo=HUB_TZ)
    return int(begin.timestamp() * 1000), int(end.timestamp() * 1000)


def unknown_fields(body: dict[str, Any], allowed: frozenset[str]) -> None:
    """Refuse a body with a field that is not among ``allowed``."""
    extra = sorted(set(body) - allowed)
    if extra:
        raise Invalid(extra[0], "is not a field here")
