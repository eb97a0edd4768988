"""Invalid UTF-8 from clients: counted, one quiet line per interval."""

from __future__ import annotations

import logging
import sys

import pytest

from server.logfilter import UVICORN_LOGGER, InvalidUtf8Filter


def _uvicorn_record() -> logging.LogRecord:
    """What uvicorn logs: ``logger.exception`` inside ``except``."""
    try:
        b"\xff".decode()
    except UnicodeDecodeError:
        exc_info = sys.exc_info()
    return logging.LogRecord(
        UVICORN_LOGGER, logging.ERROR, __file__, 1,
        "Invalid UTF-8 sequence received from client.", None, exc_info,
    )  # fmt: skip


def test_one_warning_per_interval_without_traceback() -> None:
    now = [100.0]
    f = InvalidUtf8Filter(every_s=60, clock=lambda: now[0])
    first = _uvicorn_record()
    assert f.filter(first)
    assert first.levelno == logging.WARNING and first.exc_info is None
    assert "invalid UTF-8" in first.getMessage() and "1 so far" in first.getMessage()
    assert not any(f.filter(_uvicorn_record()) for _ in range(50))
    now[0] += 61
    later = _uvicorn_record()
    assert f.filter(later) and "52 so far" in later.getMessage()
    assert f.count == 52


def test_other_records_pass_untouched() -> None:
    f = InvalidUtf8Filter()
    record = logging.LogRecord(UVICORN_LOGGER, logging.ERROR, __file__, 1, "boom", None, None)
    assert f.filter(record) and record.levelno == logging.ERROR and f.count == 0


def test_installed_on_uvicorns_logger(caplog: pytest.LogCaptureFixture) -> None:
    f = InvalidUtf8Filter()
    remove = f.install()
    try:
        logger = logging.getLogger(UVICORN_LOGGER)
        with caplog.at_level(logging.INFO, UVICORN_LOGGER):
            for _ in range(3):
                try:
                    b"\xff".decode()
                except UnicodeDecodeError:
                    logger.exception("Invalid UTF-8 sequence received from client.")
        assert [r.levelname for r in caplog.records] == ["WARNING"]
        assert "Traceback" not in caplog.text and f.count == 3
    finally:
        remove()
    assert f not in logging.getLogger(UVICORN_LOGGER).filters
