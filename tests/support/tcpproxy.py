"""A TCP proxy that a test can freeze: a Wi-Fi drop as the browser sees it.

A real network drop sends nothing: no FIN, no RST, no close frame; the
socket just goes quiet. Killing a server cannot show that (the kernel
resets its sockets at once). :meth:`CuttableProxy.freeze` stops moving
bytes both ways and holds new connections unanswered, without closing
anything; :meth:`thaw` lets everything flow again.

It runs its own asyncio loop in a daemon thread, so sync tests (Playwright's
sync API) can use it; stop() ends it and closes every socket it holds.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Self

from tests.support.valkey import free_port

#: Bytes read per step; small enough that a freeze takes effect promptly.
_CHUNK = 64 * 1024


class CuttableProxy:
    """``127.0.0.1:<port>`` → ``target_host:target_port``."""

    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._flowing: asyncio.Event | None = None
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Self:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self

    async def _start(self) -> None:
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

    def freeze(self) -> None:
        """Stop every byte, both ways, and leave every socket open."""
        self._loop.call_soon_threadsafe(self._set_flowing, False)

    def thaw(self) -> None:
        self._loop.call_soon_threadsafe(self._set_flowing, True)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def _set_flowing(self, on: bool) -> None:
        assert self._flowing is not None
        if on:
            self._flowing.set()
        else:
            self._flowing.clear()

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for w in list(self._writers):
            w.close()
        self._writers.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        assert self._flowing is not None
        self._writers.add(writer)
        try:
            await self._flowing.wait()  # while frozen, a new connection hangs
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            self._writers.discard(writer)
            return
        self._writers.add(up_writer)
        async with asyncio.TaskGroup() as tg:
            tg.create_task(self._pump(reader, up_writer))
            tg.create_task(self._pump(up_reader, writer))

    async def _pump(self, src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
        assert self._flowing is not None
        try:
            while data := await src.read(_CHUNK):
                await self._flowing.wait()  # frozen: hold the bytes, close nothing
                dst.write(data)
                await dst.drain()
            await self._flowing.wait()  # an end of stream is news too: hold it
        except (ConnectionError, OSError):
            pass
        finally:
            dst.close()
            self._writers.discard(dst)
