"""A private Valkey per test, module or session, and free TCP ports.

Tests run the real server the way production runs it: an
:class:`~server.embedded.EmbeddedValkey` on a Unix socket in a temporary
directory. A test module that needs one declares a fixture in one line::

    valkey = valkey_fixture(scope="module")

    def test_something(valkey: EmbeddedValkey) -> None:
        client = redis.Redis.from_url(valkey.url)

or, without a fixture, ``with start_valkey(tmp_path) as valkey: ...``.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pytest

from server.embedded import EmbeddedValkey

__all__ = ["free_port", "start_valkey", "valkey_fixture"]

Scope = Literal["function", "class", "module", "package", "session"]


def start_valkey(tmp_path: Path, *, appendfsync: str = "always") -> EmbeddedValkey:
    """Start a private Valkey with its data in ``tmp_path``; the caller stops it.

    ``appendfsync`` defaults to production's ``always``; load-heavy tests may
    pass ``everysec``. The returned object is a context manager whose exit
    stops it.
    """
    valkey = EmbeddedValkey(tmp_path, appendfsync=appendfsync)
    valkey.start()
    return valkey


def valkey_fixture(scope: Scope = "function", *, appendfsync: str = "always") -> object:
    """Make a pytest fixture yielding a running :class:`EmbeddedValkey`.

    Assign the result to a module-level name; that name is the fixture's name.
    Each use gets its own data directory from ``tmp_path_factory``.
    """

    def _valkey(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedValkey]:
        valkey = start_valkey(tmp_path_factory.mktemp("valkey"), appendfsync=appendfsync)
        try:
            yield valkey
        finally:
            valkey.stop()

    return pytest.fixture(scope=scope)(_valkey)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago, for starting a server process.

    Another process may take it before the caller binds it; that race is
    accepted in tests, where nothing else picks ports at random.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port
