"""Board links → connection parts, and clear refusals of bad links."""

from __future__ import annotations

import pytest

from client import cli
from client.links import BoardLink, parse_link


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        (
            "http://127.0.0.1:8000/b/abc_DEF-1#t=tok.en-_x",
            BoardLink("http://127.0.0.1:8000", "ws://127.0.0.1:8000/ws", "abc_DEF-1", "tok.en-_x"),
        ),
        (
            "https://hub.example/screen/b1#t=T",
            BoardLink("https://hub.example", "wss://hub.example/ws", "b1", "T"),
        ),
        (
            "https://hub.example:8443/b/b1/#t=T",
            BoardLink("https://hub.example:8443", "wss://hub.example:8443/ws", "b1", "T"),
        ),
        (
            "  https://hub.example/prikbord/b/b1#x=1&t=a%2Bb  ",
            BoardLink("https://hub.example/prikbord", "wss://hub.example/prikbord/ws", "b1", "a+b"),
        ),
        (
            "http://[::1]:9000/b/b1#t=T",
            BoardLink("http://[::1]:9000", "ws://[::1]:9000/ws", "b1", "T"),
        ),
    ],
)
def test_parse_good_links(link: str, expected: BoardLink) -> None:
    assert parse_link(link) == expected


def test_plus_in_token_is_kept() -> None:
    assert parse_link("http://h/b/b1#t=a+b").token == "a+b"


@pytest.mark.parametrize(
    ("link", "message"),
    [
        ("", "empty"),
        ("ftp://h/b/b1#t=T", "http"),
        ("hub.example/b/b1#t=T", "http"),
        ("http:///b/b1#t=T", "no host"),
        ("http://h:99999/b/b1#t=T", "port"),
        ("http://h/board/b1#t=T", "path"),
        ("http://h/b/#t=T", "board id"),
        ("http://h/b/b1/extra#t=T", "path"),
        ("http://h/b/b%201#t=T", "board id"),
        ("http://h/b/" + "x" * 41 + "#t=T", "board id"),
        ("http://h/b/b1", "token"),
        ("http://h/b/b1#t=", "token"),
        ("http://h/b/b1#token=T", "token"),
        ("http://h/b/b1#t=" + "x" * 513, "longer"),
    ],
)
def test_bad_links_say_what_is_wrong(link: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_link(link)


def test_cli_bad_link_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["card", "add", "http://h/nope", "text"]) == 2
    err = capsys.readouterr().err
    assert "board link" in err and "Traceback" not in err
    assert cli.main(["watch", "not a link"]) == 2
