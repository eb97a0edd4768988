"""What a client tells its watchers, and the bounded queue that carries it.

``PrikbordClient.updates()`` yields these in the order they happened. A
watcher that stops reading is cut off with :class:`client.errors.Lagged`
once its queue is full, instead of growing the process without bound.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from client.errors import ClientClosed, ClientError, Lagged
from protocol.messages import Event, Member
from protocol.model import BoardState

#: Updates buffered per ``updates()`` iterator: a few seconds of the busiest
#: board; a consumer further behind should resubscribe and read ``state``.
UPDATES_QUEUE_MAX = 10_000


@dataclass(frozen=True, slots=True)
class Joined:
    """A (re)join finished. ``recovered`` False: ``state`` (a copy, as of the
    join) is a fresh snapshot that replaced everything before; True: missed
    events follow as Applied."""

    recovered: bool
    seq: int
    state: BoardState


@dataclass(frozen=True, slots=True)
class Applied:
    """One event applied to the confirmed state, in seq order."""

    event: Event


@dataclass(frozen=True, slots=True)
class PresenceChanged:
    """The full member list, and who joined or left since the last one."""

    members: tuple[Member, ...]
    joined: tuple[Member, ...]
    left: tuple[Member, ...]


@dataclass(frozen=True, slots=True)
class Disconnected:
    """The connection dropped; the client reconnects after ``delay`` seconds.
    ``code`` is the WebSocket close code, None when there was none."""

    code: int | None
    reason: str
    delay: float


Update = Joined | Applied | PresenceChanged | Disconnected


class Subscription:
    """One watcher's bounded queue of updates, and its async iterator.

    It is registered with the client when created (not when first iterated),
    so nothing between ``updates()`` and the first ``async for`` is missed.
    """

    def __init__(
        self,
        maxsize: int = UPDATES_QUEUE_MAX,
        on_close: Callable[[Subscription], None] | None = None,
    ) -> None:
        self._items: deque[Update] = deque()
        self._maxsize = maxsize
        self._wakeup = asyncio.Event()
        self._end: ClientError | None = None
        self._on_close = on_close

    def put(self, update: Update) -> None:
        if self._end is not None:
            return
        if len(self._items) >= self._maxsize:
            self.end(Lagged(f"watcher fell more than {self._maxsize} updates behind"))
            return
        self._items.append(update)
        self._wakeup.set()

    def end(self, exc: ClientError) -> None:
        """No more updates: queued ones are still delivered, then ``exc``
        (ClientClosed ends the iteration quietly)."""
        if self._end is None:
            self._end = exc
            self._wakeup.set()

    def close(self) -> None:
        """Stop receiving updates (the consumer is done)."""
        self.end(ClientClosed("subscription closed"))
        self._items.clear()
        if self._on_close is not None:
            self._on_close(self)

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Update:
        """The next update; StopAsyncIteration after a user close."""
        while not self._items:
            if self._end is not None:
                if self._on_close is not None:
                    self._on_close(self)
                if isinstance(self._end, ClientClosed):
                    raise StopAsyncIteration
                raise self._end
            self._wakeup.clear()
            await self._wakeup.wait()
        return self._items.popleft()
