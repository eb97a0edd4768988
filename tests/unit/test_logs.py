"""server/logs.py: formats, and ids bound per task."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from server import logs


@pytest.fixture(autouse=True)
def _restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        structlog.contextvars.clear_contextvars()


def _capture(fmt: str) -> io.StringIO:
    logs.setup("info", fmt)
    out = io.StringIO()
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(out)
    return out


def test_json_lines_carry_the_ids_bound_in_their_task() -> None:
    out = _capture("json")

    async def socket(board: str, conn: str) -> None:
        logs.bind(board=board, conn=conn)
        await asyncio.sleep(0)
        logging.getLogger("prikbord.ws").info("joined as %s", "participant")

    async def main() -> None:
        await asyncio.gather(socket("b1", "c1"), socket("b2", "c2"))
        logging.getLogger("prikbord.node").warning("no ids here")

    asyncio.run(main())
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert {(r["board"], r["conn"]) for r in records[:2]} == {("b1", "c1"), ("b2", "c2")}
    assert records[0]["event"] == "joined as participant" and records[0]["level"] == "info"
    assert "board" not in records[2] and records[2]["level"] == "warning"


def test_console_lines_append_the_ids() -> None:
    out = _capture("console")
    structlog.contextvars.clear_contextvars()
    ctx = logs.context_with(board="b9")
    ctx.run(logging.getLogger("prikbord.hub").warning, "reloading")
    assert out.getvalue().rstrip().endswith("WARNING prikbord.hub: reloading board=b9")


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="console, json"):
        logs.setup("info", "xml")
