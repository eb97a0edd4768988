"""``prikbord serve`` as an operator runs it: workers sharing one embedded
Valkey, and nothing left running when the server is SIGKILLed."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from tests.support.servers import ServerProcess, token_of
from tests.support.wire import Wire, card


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            state = (Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split())[0]
        except OSError:
            continue
        if state != "Z":
            alive.add(pid)
    return alive


async def test_workers_share_one_valkey_and_die_with_the_server(tmp_path: Path) -> None:
    server = ServerProcess("", tmp_path / "data", workers=2).start()
    try:
        board = server.create_board("Workers")
        bid, token = board["board"], token_of(board["links"]["participant"])
        clients = [await Wire.join(server.ws, bid, token, f"c{i}") for i in range(6)]
        ack = await clients[0].op("1", card("c1"))
        for c in clients:  # every worker (node) delivers the event
            await c.wait_seq(ack["seq"])
        assert server.proc is not None
        children = _children(server.proc.pid)
        assert len(children) >= 3  # valkey + 2 workers (+ resource tracker)
        for c in clients:
            await c.close()
    finally:
        server.kill()
    deadline = time.monotonic() + 10
    while _alive(children) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert not _alive(children), "a worker or the embedded Valkey outlived its server"
