"""A bare protocol client for tests: speaks the SPEC directly, with no
reconnect logic and no replica, so tests see exactly what the server sends."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection

from protocol import codec, limits
from protocol.version import SUBPROTOCOL


class Wire:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.frames: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        #: Every event received, duplicates included, in arrival order.
        self.events: list[dict[str, Any]] = []
        self.welcome: dict[str, Any] = {}
        self.close_code: int | None = None
        self._reader = asyncio.get_running_loop().create_task(self._read())

    @classmethod
    async def connect(cls, url: str, **kwargs: Any) -> Wire:
        ws = await websockets.connect(
            url,
            subprotocols=[SUBPROTOCOL],  # type: ignore[list-item]
            compression=None,
            max_size=limits.MAX_SERVER_FRAME,
            **kwargs,
        )
        return cls(ws)

    @classmethod
    async def join(
        cls,
        url: str,
        board: str,
        token: str,
        name: str = "tester",
        *,
        identity: str | None = None,
        resume: tuple[str, int] | None = None,
        **kwargs: Any,
    ) -> Wire:
        wire = await cls.connect(url, **kwargs)
        hello: dict[str, Any] = {"t": "hello", "v": 1, "board": board, "token": token, "name": name}
        if identity:
            hello["identity"] = identity
        if resume:
            hello["resume"] = {"epoch": resume[0], "seq": resume[1]}
        await wire.send(hello)
        wire.welcome = await wire.expect("welcome")
        return wire

    async def _read(self) -> None:
        try:
            async for data in self.ws:
                assert isinstance(data, bytes)
                frame = codec.unpack(data)
                if frame.get("t") == "events":
                    self.events.extend(frame["ev"])
                await self.frames.put(frame)
        except websockets.ConnectionClosed:
            pass
        finally:
            self.close_code = self.ws.close_code

    async def send(self, obj: Any) -> None:
        await self.ws.send(codec.pack(obj))

    async def send_raw(self, data: bytes | str) -> None:
        await self.ws.send(data)

    async def recv(self, timeout: float = 5.0) -> dict[str, Any]:
        return await asyncio.wait_for(self.frames.get(), timeout)

    async def expect(self, t: str, timeout: float = 5.0) -> dict[str, Any]:
        """The next frame of type ``t``, skipping events/presence/others."""
        return await self.until(lambda f: f.get("t") == t, timeout)

    async def until(
        self, pred: Callable[[dict[str, Any]], bool], timeout: float = 5.0
    ) -> dict[str, Any]:
        async with asyncio.timeout(timeout):
            while True:
                frame = await self.frames.get()
                if pred(frame):
                    return frame

    async def op(self, op_id: str, op: dict[str, Any], timeout: float = 5.0) -> dict[str, Any]:
        """Send an op and return its ack or error frame."""
        await self.send({"t": "op", "id": op_id, "op": op})
        return await self.until(
            lambda f: f.get("t") in ("ack", "error") and f.get("id") == op_id, timeout
        )

    async def wait_seq(self, seq: int, timeout: float = 10.0) -> None:
        async with asyncio.timeout(timeout):
            while self.last_seq < seq:
                await asyncio.sleep(0.01)

    @property
    def last_seq(self) -> int:
        base = int(self.welcome.get("seq", 0))
        return max([base, *(int(e["seq"]) for e in self.events)])

    async def wait_closed(self, timeout: float = 10.0) -> int | None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await asyncio.shield(self._reader)
        return self.close_code

    async def close(self) -> None:
        await self.ws.close()
        with contextlib.suppress(Exception):
            await self._reader


def card(card_id: str, title: str = "", **fields: Any) -> dict[str, Any]:
    return {"type": "card.add", "id": card_id, "title": title or f"card {card_id}", **fields}
