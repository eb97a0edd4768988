"""raw-starlette: a minimal Starlette WebSocket broadcaster over Redis pub/sub.

The same stack as Prikbord (uvicorn, uvloop, httptools, websockets-sansio,
deflate off, redis-py asyncio) with none of its features: no log, no
ordering checks, no queues, no auth. One listener task per process sends each
message to every local socket in turn (the classic broadcaster loop).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import redis.asyncio as redis
import uvicorn
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from bench.peers._common import CHANNEL, READY, UVICORN_OPTIONS, parse_args


def make_app(redis_url: str) -> Starlette:
    clients: set[WebSocket] = set()
    client = redis.from_url(redis_url)

    async def listen() -> None:
        pubsub = client.pubsub()
        await pubsub.subscribe(CHANNEL)
        async for message in pubsub.listen():
            if message["type"] != "message":
                continue
            data = message["data"]
            for ws in list(clients):
                try:
                    await ws.send_bytes(data)
                except Exception:
                    clients.discard(ws)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        task = asyncio.get_running_loop().create_task(listen())
        yield
        task.cancel()

    async def subscriber(ws: WebSocket) -> None:
        await ws.accept()
        clients.add(ws)
        await ws.send_bytes(READY)
        try:
            while True:
                await ws.receive_bytes()
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            clients.discard(ws)

    async def publisher(ws: WebSocket) -> None:
        await ws.accept()
        try:
            while True:
                data = await ws.receive_bytes()
                await client.publish(CHANNEL, data)
        except (WebSocketDisconnect, RuntimeError):
            pass

    routes = [WebSocketRoute("/ws", subscriber), WebSocketRoute("/pub", publisher)]
    return Starlette(routes=routes, lifespan=lifespan)


def main() -> None:
    args = parse_args("raw-starlette")
    uvicorn.run(make_app(args.redis_url), port=args.port, **UVICORN_OPTIONS)  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
