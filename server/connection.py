"""One client's WebSocket as the node sees it: a bounded send queue drained
by a writer task that exists only while something waits to be sent, with an
eager fast path.

Fan-out calls ``send_event`` synchronously for every local connection: no
task or coroutine per recipient per event. When nothing is queued or in
flight, the frame goes out *eagerly*, here:

* with a :class:`~server.framewriter.FrameWriter` (uvicorn's
  websockets-sansio, no deflate) the event's WebSocket frame, built once by
  the hub for every socket, is written to the transport directly — no
  coroutine at all. When the transport is paused (backpressure) the frame
  queues instead and the writer sends it through the ASGI path, which
  waits; when the socket is closing nothing is written
  (server/framewriter.py);
* otherwise the ASGI send coroutine is stepped right here, and since a
  WebSocket send only suspends when the transport is paused, it almost
  always completes in that one step. If it does suspend, the writer takes
  the half-done coroutine over and everything after it queues behind it, in
  order.

The writer sends whatever has queued up; several queued events go out as one
``events`` frame (a burst costs one frame, not N), and it ends when the
queue is empty, so an idle connection holds no task, no event and no queue
(BENCHMARKS.md: memory per connection). A connection whose queue passes
``queue_max`` is a slow consumer: it is closed with 4001 and resumes from
its last seq, instead of holding server memory hostage (websockets'
broadcast advice).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from protocol import codec
from protocol.errors import CloseCode, close_reason
from protocol.messages import Role
from server.framewriter import CLOSED, WROTE, FrameWriter, binary_frame
from server.metrics import METRICS

log = logging.getLogger("prikbord.connection")

SendBytes = Callable[[bytes], Awaitable[None]]
_Inflight = tuple[Coroutine[Any, Any, None], "asyncio.Future[Any] | None"]
Close = Callable[[int, str], Awaitable[None]]

#: Largest number of events merged into one frame; keeps a frame well under
#: a megabyte even for large cards.
MAX_BATCH = 256


class Connection:
    __slots__ = (
        "_close",
        "_closing",
        "_direct",
        "_inflight",
        "_queue",
        "_send",
        "_task",
        "actor",
        "board",
        "close_code",
        "id",
        "link_gen",
        "name",
        "queue_max",
        "role",
        "sent_frames",
    )

    def __init__(
        self,
        conn_id: str,
        send: SendBytes,
        close: Close,
        *,
        queue_max: int,
        board: str = "",
        actor: str = "",
        name: str = "",
        role: Role = "viewer",
        link_gen: int | None = None,
        direct: FrameWriter | None = None,
    ) -> None:
        self.id = conn_id
        self.board = board
        self.actor = actor
        self.name = name
        self.role = role
        #: The generation of the link this connection joined with (None: not
        #: by link); server/access.py closes it when the link is replaced.
        self.link_gen = link_gen
        self.queue_max = queue_max
        self._send = send
        self._close = close
        #: Writes prebuilt frames to the transport (None: the ASGI path only).
        self._direct = direct
        # Items: (raw event bytes, single-event frame) or (None, frame);
        # made when first needed (an empty deque is ~600 bytes).
        self._queue: deque[tuple[bytes | None, bytes]] | None = None
        self._closing = False
        # The writer, while anything is queued or in flight; None: idle, so a
        # frame may go out eagerly (anything queued or in flight goes first).
        self._task: asyncio.Task[None] | None = None
        # An eager send that suspended: (its coroutine, what it waits on).
        self._inflight: _Inflight | None = None
        self.close_code: int | None = None
        self.sent_frames = 0

    @property
    def is_open(self) -> bool:
        return not self._closing

    def send_event(self, raw: bytes, frame: bytes, wire: bytes | None = None) -> None:
        """Queue one event (its bytes and its pre-built single-event frame;
        ``wire``: that frame as a WebSocket frame, built once for all)."""
        self._push((raw, frame), wire)

    def send_frame(self, frame: bytes, wire: bytes | None = None) -> None:
        self._push((None, frame), wire)

    def _push(self, item: tuple[bytes | None, bytes], wire: bytes | None = None) -> None:
        if self._closing:
            return
        if self._task is None:  # idle: nothing queued, nothing in flight
            direct = self._direct
            if direct is None:
                self._send_eagerly(item[1])
                return
            done = direct.write(wire if wire is not None else binary_frame(item[1]))
            if done == WROTE:
                self.sent_frames += 1
                return
            if done == CLOSED:
                self._send_failed(ConnectionError("socket closing"))
                return
            # PAUSED: queue it below; the writer sends it when the transport drains.
        queue = self._queue
        if queue is None:
            queue = self._queue = deque()
        if len(queue) >= self.queue_max:
            METRICS.inc("prikbord_send_queue_dropped_total")  # this frame; abort counts the rest
            self.abort(CloseCode.SLOW_CONSUMER, "too slow: reconnect and resume")
            return
        queue.append(item)
        if self._task is None:
            self._start_writer()

    def _send_eagerly(self, frame: bytes) -> None:
        """Step the send coroutine once, here; hand it to a writer if it
        suspends (then the connection is no longer idle: later frames queue)."""
        awaitable = self._send(frame)
        coro = awaitable if isinstance(awaitable, Coroutine) else _awaiting(awaitable)
        try:
            waiting_on = coro.send(None)
        except StopIteration:
            self.sent_frames += 1
            return
        except Exception as exc:  # the peer is gone: the read loop ends it
            self._send_failed(exc)
            return
        self._inflight = (coro, waiting_on)
        self._start_writer()

    def _send_failed(self, exc: Exception) -> None:
        log.debug("send to %s failed: %s", self.id, exc)
        self._closing = True
        self._queue = None

    def abort(self, code: int, reason: str) -> None:
        """Stop sending and close the socket with ``code`` (from any task)."""
        if self._closing:
            return
        self._closing = True
        self.close_code = code
        METRICS.inc("prikbord_closes_total", code=code)
        if self._queue:
            METRICS.inc("prikbord_send_queue_dropped_total", len(self._queue))
        self._queue = None
        log.info("closing connection %s: %s (%d)", self.id, reason, code)
        asyncio.get_running_loop().create_task(self._close_quietly(code, reason))

    async def _close_quietly(self, code: int, reason: str) -> None:
        with contextlib.suppress(Exception):
            await self._close(code, close_reason(reason))

    def stop(self) -> None:
        """Stop any send in flight (the socket's handler calls this in its
        ``finally``); nothing is sent after it."""
        self._closing = True
        self._queue = None
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
        elif self._inflight is not None:
            self._inflight[0].close()
            self._inflight = None

    def _start_writer(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._write())

    async def _write(self) -> None:
        """Send what is in flight and queued, in order, then end: the
        connection is idle again (no await between the last look at the
        queue and the end, so nothing can slip in between)."""
        try:
            while not self._closing:
                if self._inflight is not None:
                    inflight, self._inflight = self._inflight, None
                    await _finish(*inflight)
                elif self._queue:
                    await self._send(self._next_frame(self._queue))
                else:
                    break
                self.sent_frames += 1
        except Exception as exc:  # the peer is gone: the read loop ends it
            self._send_failed(exc)
        finally:
            if self._task is asyncio.current_task():
                self._task = None
            if self._inflight is not None:
                self._inflight[0].close()
                self._inflight = None

    @staticmethod
    def _next_frame(queue: deque[tuple[bytes | None, bytes]]) -> bytes:
        raw, frame = queue.popleft()
        if raw is None or not queue or queue[0][0] is None:
            return frame
        batch = [raw]
        while queue and queue[0][0] is not None and len(batch) < MAX_BATCH:
            batch.append(queue.popleft()[0])  # type: ignore[arg-type]
        return codec.events_frame(batch)


async def _awaiting(awaitable: Awaitable[None]) -> None:
    await awaitable


async def _finish(coro: Coroutine[Any, Any, None], waiting_on: asyncio.Future[Any] | None) -> None:
    """Run a coroutine that was stepped by hand and suspended on
    ``waiting_on`` to its end, the way a task would: wait for what it waits
    on, then resume it (it reads the outcome itself, as ``await`` does)."""
    try:
        while True:
            if waiting_on is None:
                await asyncio.sleep(0)  # a bare yield
            else:
                await asyncio.wait([waiting_on])  # never raises the future's error
            waiting_on = coro.send(None)
    except StopIteration:
        return
    finally:
        coro.close()
