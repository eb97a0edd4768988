"""The Origin check compares scheme, host and port (server/origin.py)."""

from __future__ import annotations

from server.origin import origin_matches, parse_origin


def test_parse_fills_the_default_port_and_lowers_case() -> None:
    assert parse_origin("https://Hub.Example") == ("https", "hub.example", 443)
    assert parse_origin("http://hub.example:8000") == ("http", "hub.example", 8000)
    assert parse_origin("http://[::1]:8000") == ("http", "::1", 8000)
    for bad in ("null", "", "ftp://hub.example", "https://", "https://h:99999", "https://h/x"):
        assert parse_origin(bad) is None, bad


def test_own_origin_needs_the_same_scheme_host_and_port() -> None:
    assert origin_matches("http://127.0.0.1:8000", "ws", "127.0.0.1:8000")
    assert origin_matches("https://hub.example", "wss", "hub.example")
    assert origin_matches("https://hub.example:443", "wss", "hub.example")
    # The host alone is not enough: another scheme or port is another origin.
    assert not origin_matches("https://127.0.0.1:8000", "ws", "127.0.0.1:8000")
    assert not origin_matches("http://hub.example", "wss", "hub.example")
    assert not origin_matches("http://127.0.0.1:9000", "ws", "127.0.0.1:8000")
    assert not origin_matches("http://evil.example", "ws", "127.0.0.1:8000")
    assert not origin_matches("null", "ws", "127.0.0.1:8000")


def test_configured_origins_and_the_public_url_are_allowed() -> None:
    allowed = ("https://hub.example", "https://board.example/prikbord", "")
    assert origin_matches("https://hub.example", "ws", "10.0.0.5:8000", allowed)
    assert origin_matches("https://board.example", "ws", "10.0.0.5:8000", allowed)
    assert not origin_matches("http://hub.example", "ws", "10.0.0.5:8000", allowed)
    assert not origin_matches("https://hub.example:8443", "ws", "10.0.0.5:8000", allowed)
