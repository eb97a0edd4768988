"""The hubs' rules, pure: validation names the field and says the rule;
local times are Europe/Amsterdam (DST gap refused); visit requests become
pending visits; what the hub screen shows at a given moment."""

from __future__ import annotations

from typing import Any

import pytest

from server.hubs.agenda import (
    accepted,
    activity_changed,
    activity_from_body,
    declined,
    visit_from_body,
)
from server.hubs.fields import Invalid, day_bounds, iso_utc, parse_time
from server.hubs.model import hub_changed, hub_from_body
from server.hubs.screen import MAX_RECHECK_MS, ScreenTokens, showing

NOW = parse_time("2030-06-01T09:00", "now")
HOUR = 3600 * 1000


def _body(**over: Any) -> dict[str, Any]:
    return {
        "type": "training",
        "title": "Pitchtraining",
        "start": "2030-06-01T10:00",
        "end": "2030-06-01T12:00",
        **over,
    }


def test_local_times_are_amsterdam_and_offsets_are_kept() -> None:
    assert iso_utc(parse_time("2030-01-15T10:00", "x")) == "2030-01-15T09:00:00Z"  # CET
    assert iso_utc(parse_time("2030-06-15T10:00", "x")) == "2030-06-15T08:00:00Z"  # CEST
    assert iso_utc(parse_time("2030-06-15T10:00Z", "x")) == "2030-06-15T10:00:00Z"
    assert iso_utc(parse_time("2030-06-15T10:00-04:00", "x")) == "2030-06-15T14:00:00Z"
    assert iso_utc(parse_time("2030-06-15", "x", date_ok=True)) == "2030-06-14T22:00:00Z"
    with pytest.raises(Invalid, match="skip"):
        parse_time("2030-03-31T02:30", "start")  # the spring gap
    for bad in ("2030-06-15", "noon", "", 5, None, "1999-01-01T10:00"):
        with pytest.raises(Invalid) as caught:
            parse_time(bad, "start")
        assert caught.value.field == "start"


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"end": "2030-06-01T09:00"}, "end"),
        ({"end": "2030-06-09T10:00"}, "end"),  # longer than a week
        ({"type": "party"}, "type"),
        ({"title": ""}, "title"),
        ({"title": "x" * 121}, "title"),
        ({"title": "a\nb"}, "title"),
        ({"title": "a\u202eb"}, "title"),  # bidi override
        ({"description": "ok\u0007"}, "description"),
        ({"online": "javascript:alert(1)"}, "online"),
        ({"online": "https://"}, "online"),
        ({"capacity": 0}, "capacity"),
        ({"capacity": True}, "capacity"),
        ({"board": "../x"}, "board"),
        ({"freeze": "yes"}, "freeze"),
        ({"status": "maybe"}, "status"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_activities_name_the_field(over: dict[str, Any], field: str) -> None:
    with pytest.raises(Invalid) as caught:
        activity_from_body(_body(**over), hub="delft", id="abcdefgh", now=NOW)
    assert caught.value.field == field


def test_activities_change_with_a_sequence_and_keep_their_rules() -> None:
    made = activity_from_body(
        _body(description="Regel 1\r\nRegel 2", capacity=12), hub="delft", id="abcdefgh", now=NOW
    )
    assert made.description == "Regel 1\nRegel 2" and made.status == "confirmed"
    moved = activity_changed(made, {"start": "2030-06-01T11:00"}, NOW + 1)
    assert moved.seq == 1 and moved.start == made.start + HOUR and moved.updated == NOW + 1
    with pytest.raises(Invalid) as caught:  # the new start is after the old end
        activity_changed(made, {"start": "2030-06-01T13:00"}, NOW)
    assert caught.value.field == "end"


def test_hubs_validate_and_patch() -> None:
    hub = hub_from_body(
        {"slug": "delft", "name": "Delft", "partners": ["A", " ", "B"], "coordinators": ["Fien"]},
        NOW,
    )
    assert hub.partners == ("A", "B") and hub.coordinators == ("fien",)
    assert "coordinators" not in hub.public()
    changed = hub_changed(hub, {"contact": {"email": "a@b.nl", "phone": "+31 6 1234 5678"}}, NOW)
    assert changed.contact.email == "a@b.nl" and changed.slug == "delft"
    hub_cases: list[tuple[dict[str, Any], str]] = [
        ({"slug": "-x", "name": "X"}, "slug"),
        ({"slug": "x" * 41, "name": "X"}, "slug"),
        ({"slug": "ok", "name": "X", "partners": ["a"] * 31}, "partners"),
        ({"slug": "ok", "name": "X", "contact": {"email": "nope"}}, "contact.email"),
        ({"slug": "ok", "name": "X", "contact": {"phone": "call me"}}, "contact.phone"),
        ({"slug": "ok", "name": "X", "coordinators": ["a:b"]}, "coordinators[0]"),
    ]
    for body, field in hub_cases:
        with pytest.raises(Invalid) as caught:
            hub_from_body(body, NOW)
        assert caught.value.field == field
    with pytest.raises(Invalid) as caught:
        hub_changed(hub, {"slug": "other"}, NOW)
    assert caught.value.field == "slug"


def test_a_visit_request_is_a_pending_visit_until_accepted() -> None:
    body = {
        "group": "Klas 3",
        "contact": "+31 15 123 45 67",
        "size": "20",
        "wishes": ["2030-06-10T10:00", "2030-06-11T10:00"],
        "message": "Hoi",
    }
    visit = visit_from_body(body, hub="delft", id="abcdefgh", now=NOW)
    assert visit.status == "pending" and visit.type == "visit" and not visit.public
    assert visit.capacity == 20 and visit.end - visit.start == 90 * 60 * 1000
    assert visit.request is not None and len(visit.request.wishes) == 2
    confirmed = accepted(visit, {"start": "2030-06-11T10:00", "end": "2030-06-11T11:00"}, NOW)
    assert confirmed.status == "confirmed" and confirmed.public
    with pytest.raises(Invalid):
        accepted(confirmed, {}, NOW)
    assert declined(visit, NOW).status == "declined"
    visit_cases: list[tuple[dict[str, Any], str]] = [
        ({"wishes": []}, "wishes"),
        ({"wishes": ["2030-05-01T10:00"]}, "wishes[0]"),  # in the past
        ({"wishes": ["a", "b", "c", "d"]}, "wishes"),
        ({"contact": "tomorrow"}, "contact"),
        ({"size": 0}, "size"),
        ({"group": ""}, "group"),
    ]
    for over, field in visit_cases:
        with pytest.raises(Invalid) as caught:
            visit_from_body({**body, **over}, hub="delft", id="abcdefgh", now=NOW)
        assert caught.value.field == field


def test_the_screen_shows_the_running_board_then_the_agenda() -> None:
    morning = activity_from_body(
        _body(board="board123456"), hub="delft", id="morning1", now=NOW - HOUR
    )
    lunch = activity_from_body(
        _body(title="Lunch", start="2030-06-01T12:00", end="2030-06-01T13:00"),
        hub="delft",
        id="lunch001",
        now=NOW - HOUR,
    )
    items = [morning, lunch]
    before = showing(items, NOW)
    assert before.activity is None and [a.id for a in before.today] == ["morning1", "lunch001"]
    assert before.recheck_ms == MAX_RECHECK_MS  # the next start is an hour away: capped
    assert showing(items, morning.start - 30_000).recheck_ms == 30_000  # the start is due
    during = showing(items, morning.start + 1)
    assert during.activity == morning
    after = showing(items, morning.end)
    assert after.activity is None  # the lunch has no board
    assert showing(items, lunch.end + 5 * HOUR).recheck_ms == MAX_RECHECK_MS
    begin, end = day_bounds(NOW)
    assert iso_utc(begin) == "2030-05-31T22:00:00Z" and end - begin == 24 * HOUR


def test_screen_tokens_are_signed_and_per_generation() -> None:
    tokens = ScreenTokens("a-secret-of-sixteen-chars")
    token = tokens.token("delft", 3)
    assert tokens.read(token) == ("delft", 3)
    assert ScreenTokens("another-secret-entirely").read(token) is None
    assert tokens.read(token[:-2] + "xx") is None
    assert tokens.read("garbage") is None
