"""The SIGTERM seam: the node drains (sockets told 4000) before the signal
reaches the server's own handler, which would close them with 1012."""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType

import pytest

from server.shutdown import drain_on_signals


@pytest.fixture
def server_handler() -> Iterator[list[str]]:
    """Stands in for uvicorn's handler; the original is put back after."""
    calls: list[str] = []
    original = signal.getsignal(signal.SIGTERM)

    def handle_exit(sig: int, frame: FrameType | None) -> None:
        calls.append(f"server saw {signal.Signals(sig).name}")

    signal.signal(signal.SIGTERM, handle_exit)
    try:
        yield calls
    finally:
        signal.signal(signal.SIGTERM, original)


async def _until(pred: Callable[[], bool], timeout: float = 2.0) -> None:
    async with asyncio.timeout(timeout):
        while not pred():
            await asyncio.sleep(0.005)


async def test_the_node_drains_before_the_server_sees_the_signal(
    server_handler: list[str],
) -> None:
    calls = server_handler

    async def drain() -> None:
        calls.append("drain started")
        await asyncio.sleep(0.05)
        calls.append("drain done")

    restore = drain_on_signals(drain)
    signal.raise_signal(signal.SIGTERM)
    await _until(lambda: len(calls) == 3)
    assert calls == ["drain started", "drain done", "server saw SIGTERM"]
    restore()
    assert signal.getsignal(signal.SIGTERM).__name__ == "handle_exit"  # type: ignore[union-attr]


async def test_a_second_signal_goes_straight_through(server_handler: list[str]) -> None:
    calls = server_handler
    release = asyncio.Event()

    async def drain() -> None:
        calls.append("drain started")
        await release.wait()

    restore = drain_on_signals(drain)
    signal.raise_signal(signal.SIGTERM)
    await _until(lambda: calls == ["drain started"])
    signal.raise_signal(signal.SIGTERM)
    await _until(lambda: len(calls) == 2)
    assert calls == ["drain started", "server saw SIGTERM"]
    release.set()
    await _until(lambda: len(calls) == 3)
    restore()


async def test_a_failing_or_hanging_drain_does_not_stop_the_shutdown(
    server_handler: list[str],
) -> None:
    calls = server_handler

    async def broken() -> None:
        raise OSError("redis gone")

    restore = drain_on_signals(broken)
    signal.raise_signal(signal.SIGTERM)
    await _until(lambda: calls == ["server saw SIGTERM"])
    restore()

    async def hanging() -> None:
        await asyncio.Event().wait()

    restore = drain_on_signals(hanging, timeout_s=0.05)
    signal.raise_signal(signal.SIGTERM)
    await _until(lambda: calls == ["server saw SIGTERM"] * 2)
    restore()


def test_outside_the_main_thread_nothing_is_installed(server_handler: list[str]) -> None:
    before = signal.getsignal(signal.SIGTERM)
    results: list[object] = []

    async def nothing() -> None:
        pass

    def run() -> None:
        async def install() -> None:
            results.append(drain_on_signals(nothing))

        asyncio.run(install())

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert len(results) == 1 and signal.getsignal(signal.SIGTERM) is before
