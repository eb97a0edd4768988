"""A Redis error no route answers itself is a 503 "retry", never a 500 —
including redis-py's cluster errors, which are not ``RedisError``s
(server/app.py ``storage_unavailable``)."""

from __future__ import annotations

import httpx
import pytest
from redis.exceptions import ConnectionError, SlotNotCoveredError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from server.app import create_app
from server.config import Settings


@pytest.mark.parametrize(
    "error",
    [SlotNotCoveredError("slot 16300 is not covered"), ConnectionError("connection reset")],
)
async def test_an_unanswered_storage_error_is_a_503_to_retry(error: Exception) -> None:
    app = create_app(Settings())

    async def boom(request: Request) -> Response:
        raise error

    app.add_route("/boom", boom)
    res = await _get(app, "/boom")
    assert res.status_code == 503
    assert res.json() == {"error": "unavailable", "message": "storage unavailable: retry"}
    assert res.headers["retry-after"] == "1"


async def test_other_errors_stay_500() -> None:
    app = create_app(Settings())

    async def boom(request: Request) -> Response:
        raise RuntimeError("a bug")

    app.add_route("/boom", boom)
    assert (await _get(app, "/boom")).status_code == 500


async def _get(app: Starlette, path: str) -> httpx.Response:
    """One request through the whole app, without its lifespan (no node, no Redis)."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.get(path)
