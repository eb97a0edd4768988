"""HTTP helpers for the account routes: refusals as exceptions with a
stable error code, and JSON-only request bodies.

A body that is not ``application/json`` is refused with 415 before it is
read: an HTML form (``text/plain``, ``application/x-www-form-urlencoded``,
``multipart/form-data``) on another site can post to any address, but never
with a JSON content type without a CORS preflight.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

#: Account requests carry a username, a password and a display name: a few
#: hundred bytes; 4 KiB leaves room and bounds what one request costs.
MAX_BODY = 4096


class ApiError(Exception):
    """A refusal: HTTP status, a stable ``error`` code, a message for people,
    and extra headers (``Retry-After``)."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        return JSONResponse(
            {"error": self.code, "message": self.message},
            status_code=self.status,
            headers=self.headers,
        )


def too_many(retry_after: float, what: str) -> ApiError:
    seconds = max(1, int(retry_after))
    return ApiError(
        429,
        "rate_limited",
        f"too many {what}: try again in {seconds} s",
        {"Retry-After": str(seconds)},
    )


def require_json(request: Request) -> None:
    """Raise 415 unless the request says its body is JSON."""
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind != "application/json":
        raise ApiError(415, "unsupported_media_type", "the request body must be application/json")


async def read_json(request: Request, cap: int = MAX_BODY) -> dict[str, Any]:
    """The JSON object in the body: 415 unless JSON, 413 past ``cap`` bytes,
    422 when it is not a JSON object."""
    require_json(request)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise ApiError(413, "too_large", f"a request body is at most {cap} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            raise ApiError(413, "too_large", f"a request body is at most {cap} bytes")
        chunks.append(chunk)
    try:
        body = json.loads(b"".join(chunks) or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise ApiError(422, "invalid", "the body is not valid JSON") from None
    except RecursionError:  # "[[[[…" past the parser's depth: was a 500
        raise ApiError(422, "invalid", "the body's JSON is nested too deep") from None
    if not isinstance(body, dict):
        raise ApiError(422, "invalid", "the body must be a JSON object")
    return body


def text_field(body: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    """A string field of the body (422 when missing or of another type)."""
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise ApiError(422, "invalid", f"{name}: a string is required")
    return value
