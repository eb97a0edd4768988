"""The hubs' feeds, read back by independent parsers: the iCalendar feed by
``vobject`` (not the library that wrote it), the Atom feed by the standard
library's XML parser. An iCal injection in a title or description stays one
property's value; private items never appear."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace

import vobject  # type: ignore[import-untyped]

from server.hubs.agenda import Activity
from server.hubs.feeds import atom, ical
from server.hubs.fields import parse_time
from server.hubs.model import Hub

BASE = "https://prikbord.example.org"
HUB = Hub(slug="delft", name="RvO Delft & co <b>", place="Markt 1, Delft")
INJECTION = "Borrel\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:pwned\r\nUID:x"


def _activity(id: str, title: str, **over: object) -> Activity:
    start = parse_time("2030-06-01T14:00", "start")
    base = Activity(
        id=id,
        hub="delft",
        type="co_creation",
        title=title,
        start=start,
        end=start + 2 * 3600 * 1000,
        place="Zaal 1",
        host="Sanne",
        description="Lijn een;\nlijn twee, met \\ en ,",
        created=1_900_000_000_000,
        updated=1_900_000_100_000,
    )
    return replace(base, **over)  # type: ignore[arg-type]


ACTIVITIES = [
    _activity("act00001", INJECTION, description=INJECTION),
    _activity("act00002", "Geannuleerde training", status="cancelled", seq=3),
    _activity("act00003", "Aanvraag", status="pending"),
    _activity("act00004", "Afgewezen", status="declined"),
]


def test_ical_parses_back_with_an_independent_parser() -> None:
    raw = ical(ACTIVITIES, {"delft": HUB}, BASE, "Agenda RvO Delft")
    lines = raw.split(b"\r\n")
    assert lines.count(b"BEGIN:VEVENT") == 2  # the injection added none
    assert not any(line.startswith(b"SUMMARY:pwned") for line in lines)
    assert all(len(line) <= 75 for line in lines)  # folded
    cal = vobject.readOne(raw.decode())
    events = sorted(cal.vevent_list, key=lambda e: e.uid.value)
    assert [e.uid.value for e in events] == [
        "act00001@prikbord.example.org",
        "act00002@prikbord.example.org",
    ]
    first, cancelled = events
    assert first.summary.value == INJECTION.replace("\r\n", "\n")
    assert first.description.value.endswith(INJECTION.replace("\r\n", "\n"))
    assert first.dtstart.value.isoformat() == "2030-06-01T12:00:00+00:00"
    assert first.dtend.value.isoformat() == "2030-06-01T14:00:00+00:00"
    assert first.location.value == "Zaal 1, RvO Delft & co <b>, Markt 1, Delft"
    assert first.url.value == f"{BASE}/hubs/delft/a/act00001"
    assert first.status.value == "CONFIRMED"
    assert cancelled.status.value == "CANCELLED"
    assert cancelled.sequence.value == "3"
    assert cancelled.summary.value == "Geannuleerde training"
    assert cal.prodid.value and cal.version.value == "2.0"


def test_ical_is_stable_for_the_same_data() -> None:
    one = ical(ACTIVITIES, {"delft": HUB}, BASE, "Agenda")
    assert one == ical(ACTIVITIES, {"delft": HUB}, BASE, "Agenda")


def test_atom_is_well_formed_and_holds_the_public_activities() -> None:
    raw = atom(ACTIVITIES, HUB, BASE, now=1_950_000_000_000)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    root = ET.fromstring(raw)
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    assert root.findtext("a:title", namespaces=ns) == "Agenda: RvO Delft & co <b>"
    entries = root.findall("a:entry", ns)
    titles = [e.findtext("a:title", namespaces=ns) for e in entries]
    assert titles == [
        f"{INJECTION} (01-06-2030 14:00)",
        "GEANNULEERD: Geannuleerde training (01-06-2030 14:00)",
    ]
    links = [e.find("a:link", ns) for e in entries]
    assert [link.get("href") for link in links if link is not None] == [
        f"{BASE}/hubs/delft/a/act00001",
        f"{BASE}/hubs/delft/a/act00002",
    ]
