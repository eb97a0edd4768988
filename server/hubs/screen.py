"""The hub screen: its link token, and what it shows at a given moment.

Each hub has one screen link, ``/hub/<slug>/screen#<token>``: viewer rights
only (it reads the running activity's board through a viewer link of that
board, and the day's public agenda). The token is signed with the server's
secret (never kept in Redis, as board links: server/tokens.py) and says
"screen of hub S, generation G"; replacing the link bumps the hub's
generation, so the old token stops working at once on every node.

:func:`showing` is pure: the screen's mode from the hub's activities and
``now``, so the switching is tested without waiting real time.
"""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer

from server.hubs.agenda import Activity, running
from server.hubs.fields import day_bounds

#: The screen asks again at the latest after this long, even when nothing
#: is due: an activity added or moved meanwhile shows within a minute.
MAX_RECHECK_MS = 60_000


class ScreenTokens:
    def __init__(self, secret: str) -> None:
        self._s = URLSafeSerializer(secret, salt="prikbord.hub-screen")

    def token(self, slug: str, gen: int) -> str:
        return self._s.dumps([slug, gen])

    def read(self, token: str) -> tuple[str, int] | None:
        """(slug, generation), or None for a forged or malformed token."""
        try:
            data = self._s.loads(token)
        except BadSignature:
            return None
        if (
            not isinstance(data, list)
            or len(data) != 2
            or not isinstance(data[0], str)
            or type(data[1]) is not int
        ):
            return None
        return data[0], data[1]


@dataclass(frozen=True, slots=True)
class Showing:
    """What the screen shows: the running activity with a board (``board``
    mode), or the day's public agenda (``agenda`` mode); ``recheck_ms``:
    when the picture may change next (a start or an end), capped."""

    activity: Activity | None
    today: list[Activity]
    recheck_ms: int


def showing(activities: list[Activity], now: int) -> Showing:
    """The newest-started confirmed activity under way that has a board
    wins; else today's public agenda (Europe/Amsterdam day)."""
    with_board = [a for a in running(activities, now) if a.board]
    begin, end = day_bounds(now)
    today = sorted(
        (a for a in activities if a.public and a.start < end and a.end > begin),
        key=lambda a: (a.start, a.id),
    )
    moments = [m for a in activities for m in (a.start, a.end) if m > now]
    recheck = min([*(m - now for m in moments), MAX_RECHECK_MS])
    return Showing(with_board[0] if with_board else None, today, max(recheck, 1000))
