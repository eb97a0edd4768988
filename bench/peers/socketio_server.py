"""python-socketio: an ASGI Socket.IO server with AsyncRedisManager on uvicorn,
what a Python team would pick off the shelf. Subscribers connect with auth
``{"sub": 1}`` and join the room ``board``; a publisher's ``pub`` event is
emitted to that room through Redis (JSON, the library's default)."""

from __future__ import annotations

from typing import Any

import socketio
import uvicorn

from bench.peers._common import UVICORN_OPTIONS, parse_args

ROOM = "board"


def make_app(redis_url: str) -> Any:
    manager = socketio.AsyncRedisManager(redis_url)
    sio = socketio.AsyncServer(
        async_mode="asgi", client_manager=manager, transports=["websocket"],
        cors_allowed_origins="*", http_compression=False, max_http_buffer_size=1_000_000,
    )  # fmt: skip

    @sio.event  # type: ignore[untyped-decorator]
    async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        if isinstance(auth, dict) and auth.get("sub"):
            await sio.enter_room(sid, ROOM)

    @sio.event  # type: ignore[untyped-decorator]
    async def pub(sid: str, data: Any) -> None:
        await sio.emit("card", data, room=ROOM)

    return socketio.ASGIApp(sio)


def main() -> None:
    args = parse_args("python-socketio")
    uvicorn.run(make_app(args.redis_url), port=args.port, **UVICORN_OPTIONS)


if __name__ == "__main__":
    main()
