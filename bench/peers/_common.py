"""Shared bits of the peer servers: arguments and uvicorn options."""

from __future__ import annotations

import argparse

CHANNEL = "bench:fanout"
READY = b"ready"


def parse_args(prog: str) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog=prog)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--redis-url", required=True)
    return p.parse_args()


#: The options ``prikbord serve`` gives uvicorn (server/cli.py): the same
#: stack, so the comparison is about what runs on top of it.
UVICORN_OPTIONS = {
    "host": "127.0.0.1",
    "loop": "uvloop",
    "http": "httptools",
    "ws": "websockets-sansio",
    "ws_per_message_deflate": False,
    "log_level": "warning",
    "lifespan": "on",
}
