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
