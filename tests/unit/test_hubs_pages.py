"""The hubs' public agenda markup (server/hubs/templates/_agenda.html),
rendered without a server."""

from __future__ import annotations

import re
from typing import Any

from server.hubs.pages import _env


def _muted(**item: Any) -> str:
    """The line under an activity's title on the all-hubs agenda."""
    base = {"status": "confirmed", "day": "di 1 dec", "time": "13:00-17:00",
            "type_nl": "Open inloop", "url": "/hubs/delft/a/x", "title": "Open inloop",
            "hub_name": "RvO Delft", "place": "", "online": False}  # fmt: skip
    page = _env.from_string('{% from "_agenda.html" import agenda %}{{ agenda(items) }}')
    html = page.render(items=[{**base, **item}])
    found = re.search(r'<div class="muted">(.*?)</div>', html, re.S)
    assert found is not None
    return found.group(1).strip()


def test_the_line_under_a_title_has_no_dangling_separator() -> None:
    assert _muted() == "RvO Delft"  # no room, not online: not "RvO Delft ·"
    assert _muted(place="Grote zaal") == "RvO Delft · Grote zaal"
    assert _muted(online=True) == "RvO Delft · online"
    assert _muted(place="Grote zaal", online=True) == "RvO Delft · Grote zaal · online"


def _who(**hub: Any) -> str:
    from types import SimpleNamespace

    contact = SimpleNamespace(**{"email": "", "phone": "", "url": "", **hub.pop("contact", {})})
    fields = {"supervisor": "", "partners": (), "students": (), **hub, "contact": contact}
    page = _env.from_string('{% from "_who.html" import who %}{{ who(hub) }}')
    return " ".join(page.render(hub=SimpleNamespace(**fields)).split())


def test_who_runs_the_hub_is_left_out_when_it_names_nobody_and_joins_contacts_cleanly() -> None:
    assert _who() == ""  # no empty "Wie" panel on a new hub's page
    html = _who(contact={"phone": "015 123", "url": "https://hub.example"})
    assert '<strong>Contact:</strong> <a href="tel:015123">015 123</a> · <a' in html
    assert "</strong> ·" not in html  # no separator before the first way
    html = _who(partners=("Gemeente Delft",), contact={"email": "a@b.nl"})
    assert "Partners:</strong> Gemeente Delft" in html and 'href="mailto:a@b.nl"' in html
