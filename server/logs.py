"""Log lines for people (``console``) or for a log collector (``json``: one
JSON object per line), with the board and connection ids of the code that
logged them.

Every logger stays a standard-library logger; structlog's
``ProcessorFormatter`` renders their records, merging the ids bound with
:func:`bind` into the current task's context (``contextvars``): a socket's
task binds its board and connection once, a hub's tasks their board, and
every line they log carries them — uvicorn's own lines too. The console
format is the one Prikbord always had, ids appended when bound.
"""

from __future__ import annotations

import contextvars
import logging
from typing import Any, Literal

import structlog

LogFormat = Literal["console", "json"]
FORMATS: tuple[LogFormat, ...] = ("console", "json")


class _ConsoleFormatter(logging.Formatter):
    """The plain format, with the bound ids appended as ``key=value``."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        bound = structlog.contextvars.get_contextvars()
        if bound:
            line += " " + " ".join(f"{k}={v}" for k, v in sorted(bound.items()))
        return line


def _drop_color(_logger: Any, _name: str, event: dict[str, Any]) -> dict[str, Any]:
    """uvicorn adds an ANSI-coloured copy of some messages: not for JSON."""
    event.pop("color_message", None)
    return event


def _json_formatter() -> logging.Formatter:
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True, key="time"),
        structlog.stdlib.ExtraAdder(),
        _drop_color,
    ]
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.dict_tracebacks,
            structlog.processors.JSONRenderer(),
        ],
    )


def setup(level: str, fmt: str) -> None:
    """Route every log record to stderr in ``fmt``; idempotent (each
    worker process calls it again). Raises ValueError for another format."""
    if fmt not in FORMATS:
        raise ValueError(f"log format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    handler = logging.StreamHandler()
    if fmt == "json":
        handler.setFormatter(_json_formatter())
    else:
        handler.setFormatter(_ConsoleFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


def bind(**ids: str) -> None:
    """Attach ids (``board``, ``conn``) to every line the current task and
    the tasks it starts from now on log."""
    structlog.contextvars.bind_contextvars(**ids)


def context_with(**ids: str) -> contextvars.Context:
    """A copy of the current context with ``ids`` bound, for a task that
    should log them (``loop.create_task(coro, context=...)``)."""
    ctx = contextvars.copy_context()
    ctx.run(structlog.contextvars.bind_contextvars, **ids)
    return ctx
