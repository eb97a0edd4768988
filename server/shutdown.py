"""Graceful shutdown: on SIGTERM (or SIGINT) our sockets close with 4000
GOING_AWAY before the server closes them its own way.

uvicorn, on a signal, leaves its main loop, closes every open WebSocket with
1012 (service restart) and only *then* runs the lifespan shutdown, where the
node would say 4000: by that time the sockets are gone. So the lifespan wraps
the handlers uvicorn installed: the first signal drains the node (every
socket told 4000, the node marked as stopping, so presence is kept and
``/readyz`` turns false) and then hands the signal on, unchanged, to the
handler it wrapped. A second signal is handed on at once (a second Ctrl-C
still forces the exit).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import Awaitable, Callable
from types import FrameType

log = logging.getLogger("prikbord.shutdown")

#: The signals uvicorn treats as "shut down".
SIGNALS = (signal.SIGTERM, signal.SIGINT)
#: A drain that takes longer (Redis hanging) must not hold up the shutdown:
#: the orchestrator's grace period (often 10-30 s) is for the whole exit.
DRAIN_TIMEOUT_S = 3.0


def drain_on_signals(
    drain: Callable[[], Awaitable[None]], *, timeout_s: float = DRAIN_TIMEOUT_S
) -> Callable[[], None]:
    """Wrap the current SIGTERM/SIGINT handlers so that the first of these
    signals runs ``drain()`` on the running loop before it reaches them.

    Returns a function that puts the wrapped handlers back. Signal handlers
    belong to the main thread: elsewhere (an app served in a test thread)
    this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    loop = asyncio.get_running_loop()
    previous = {sig: signal.getsignal(sig) for sig in SIGNALS}
    tasks: set[asyncio.Task[None]] = set()
    draining = False

    def forward(sig: int, frame: FrameType | None) -> None:
        handler = previous[signal.Signals(sig)]
        if callable(handler):
            handler(sig, frame)
        elif handler == signal.SIG_DFL:
            restore()
            signal.raise_signal(sig)

    async def drain_then_forward(sig: int) -> None:
        try:
            await asyncio.wait_for(drain(), timeout_s)
        except Exception as exc:  # shutting down regardless
            log.warning("drain before shutdown failed: %s", exc or type(exc).__name__)
        finally:
            forward(sig, None)

    def start_drain(sig: int) -> None:
        task = loop.create_task(drain_then_forward(sig), name="drain")
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    def on_signal(sig: int, frame: FrameType | None) -> None:
        nonlocal draining
        if draining:
            forward(sig, frame)
            return
        draining = True
        # A signal handler may run in the middle of the loop's own code:
        # only the thread-safe call may touch the loop from here.
        loop.call_soon_threadsafe(start_drain, sig)

    def restore() -> None:
        for sig, handler in previous.items():
            if signal.getsignal(sig) is on_signal:
                signal.signal(sig, handler)

    for sig in SIGNALS:
        signal.signal(sig, on_signal)
    return restore
