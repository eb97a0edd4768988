"""The Python client of Prikbord: bots, scripts, tests and the CLI.

``PrikbordClient`` keeps a live optimistic replica of one board over a
WebSocket and reconnects by itself; ``Replica`` is its pure core; ``cli``
is the ``prikbord`` command line (boards, cards, watching, and the
facilitator's session tools). ``client.web`` (the
browser app) is a separate TypeScript project. Nothing here imports
``server``: the two meet only on the wire (``protocol``).
"""

from client.actions import Ranked, Sent, ranked
from client.backoff import Backoff
from client.client import PrikbordClient
from client.clock import ServerClock, Timer, timer_at
from client.errors import (
    AccessCodeRefused,
    ClientClosed,
    ClientError,
    ConnectFailed,
    Lagged,
    OpRejected,
    Removed,
    TerminalClose,
)
from client.links import BoardLink, parse_link
from client.replica import ApplyResult, PendingOp, Replica
from client.updates import Applied, Disconnected, Joined, PresenceChanged, Subscription, Update

__all__ = [
    "AccessCodeRefused",
    "Applied",
    "ApplyResult",
    "Backoff",
    "BoardLink",
    "ClientClosed",
    "ClientError",
    "ConnectFailed",
    "Disconnected",
    "Joined",
    "Lagged",
    "OpRejected",
    "PendingOp",
    "PresenceChanged",
    "PrikbordClient",
    "Ranked",
    "Removed",
    "Replica",
    "Sent",
    "ServerClock",
    "Subscription",
    "TerminalClose",
    "Timer",
    "Update",
    "parse_link",
    "ranked",
    "timer_at",
]
