"""Structured logs (issue 12): with ``PRIKBORD_LOG_FORMAT=json`` every line
a node writes is one JSON object, and lines logged for a socket carry its
board and connection ids; the console format names them too."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from tests.support.cluster import Nodes
from tests.support.servers import ServerProcess, token_of
from tests.support.wire import Wire


def _json_lines(node: ServerProcess) -> list[dict[str, Any]]:
    lines = node.log_path.read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


async def _until_logged(node: ServerProcess, pred: Any) -> dict[str, Any]:
    async with asyncio.timeout(10):
        while True:
            found = [r for r in _json_lines(node) if pred(r)]
            if found:
                return found[0]
            await asyncio.sleep(0.1)


async def test_json_lines_carry_board_and_connection_ids(nodes: Nodes) -> None:
    node = nodes.start(PRIKBORD_LOG_FORMAT="json", PRIKBORD_LOG_LEVEL="info")
    board = node.create_board("Logs")
    bid, token = board["board"], token_of(board["links"]["participant"])
    wire = await Wire.join(node.ws, bid, token, "Ann")
    joined = await _until_logged(node, lambda r: r.get("event", "").startswith("joined"))
    assert joined["board"] == bid and joined["level"] == "info"
    assert joined["logger"] == "prikbord.ws" and joined["time"].endswith("Z")
    conn = joined["conn"]
    assert isinstance(conn, str) and conn
    await wire.close()
    left = await _until_logged(node, lambda r: r.get("event", "").startswith("left"))
    assert (left["board"], left["conn"]) == (bid, conn)
    # Every line is JSON, uvicorn's own and the start-up line included.
    records = _json_lines(node)
    assert any(r["logger"].startswith("uvicorn") for r in records)
    assert any("Prikbord on" in r["event"] for r in records)


async def test_the_console_format_names_the_ids(nodes: Nodes) -> None:
    node = nodes.start(PRIKBORD_LOG_LEVEL="info")
    board = node.create_board("Console")
    bid, token = board["board"], token_of(board["links"]["participant"])
    wire = await Wire.join(node.ws, bid, token, "Ann")
    async with asyncio.timeout(10):
        while f"board={bid}" not in node.log_path.read_text():
            await asyncio.sleep(0.1)
    line = next(x for x in node.log_path.read_text().splitlines() if f"board={bid}" in x)
    assert "INFO prikbord.ws: joined as participant" in line and "conn=" in line
    await wire.close()
