"""raw-websockets: the ``websockets`` library's own server plus Redis pub/sub,
the in-language floor. Fan-out is ``websockets.broadcast`` (synchronous
writes, no per-recipient coroutine), as the library's docs recommend."""

from __future__ import annotations

import asyncio

import redis.asyncio as redis
import uvloop
from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed

from bench.peers._common import CHANNEL, READY, parse_args


async def run(port: int, redis_url: str) -> None:
    clients: set[ServerConnection] = set()
    client = redis.from_url(redis_url)

    async def listen() -> None:
        pubsub = client.pubsub()
        await pubsub.subscribe(CHANNEL)
        async for message in pubsub.listen():
            if message["type"] == "message":
                broadcast(clients, message["data"])

    async def handler(ws: ServerConnection) -> None:
        path = ws.request.path if ws.request is not None else "/ws"
        try:
            if path.startswith("/pub"):
                async for data in ws:
                    await client.publish(CHANNEL, data)
            else:
                clients.add(ws)
                await ws.send(READY)
                async for _ in ws:
                    pass
        except ConnectionClosed:
            pass
        finally:
            clients.discard(ws)

    listener = asyncio.get_running_loop().create_task(listen())
    async with serve(handler, "127.0.0.1", port, compression=None, max_queue=None):
        await asyncio.Future()
    listener.cancel()


def main() -> None:
    args = parse_args("raw-websockets")
    uvloop.run(run(args.port, args.redis_url))


if __name__ == "__main__":
    main()
