"""A page's <head> to preview fields (server/previews/parse.py)."""

from __future__ import annotations

from server.previews.parse import HeadReader, clean, parse_head

PAGE = b"""<!doctype html><html><head>
<meta charset="utf-8"><title>Plain  title</title>
<meta property="og:title" content="The &amp; OG title">
<meta property="og:description" content="What the page is
about.">
<meta property="og:site_name" content="Example">
<meta property="og:image" content="/img/card.jpg">
<meta name="description" content="meta description">
</head><body><meta property="og:title" content="after the head"></body></html>"""


def test_open_graph_wins() -> None:
    info = parse_head(PAGE, "https://example.org/a/b")
    assert info.title == "The & OG title"
    assert info.description == "What the page is about."
    assert info.site == "Example"
    assert info.image == "https://example.org/img/card.jpg"


def test_fallbacks_twitter_title_description_host() -> None:
    page = (
        b"<html><head><title>T\xc3\xa9st</title><meta name=twitter:image content=//cdn.x/i.png>"
        b"<meta name=Description content=desc></head>"
    )
    info = parse_head(page, "http://www.example.org/")
    assert (info.title, info.description, info.site) == ("T\u00e9st", "desc", "www.example.org")
    assert info.image == "http://cdn.x/i.png"


def test_image_must_be_http() -> None:
    for image in [b"javascript:alert(1)", b"data:image/png;base64,AAAA", b"ftp://x/i.png"]:
        page = b'<head><meta property="og:image" content="' + image + b'"></head>'
        assert parse_head(page, "https://example.org/").image == ""


def test_fed_in_pieces_and_stops_at_body() -> None:
    reader = HeadReader("utf-8")
    data = "<head><title>Caf\u00e9 \u2615</title></head><body>".encode()
    for i in range(len(data)):  # split inside the multi-byte characters too
        reader.feed(data[i : i + 1])
    assert reader.done
    assert reader.result("https://x.org/").title == "Caf\u00e9 \u2615"


def test_text_is_cleaned_and_capped() -> None:
    assert clean("a\x00b\u202e c\n\t d", 100) == "ab c d"
    long = clean("word " * 500, 300)
    assert len(long) == 300 and long.endswith("\u2026")
    page = b"<head><title>" + b"x" * 5000 + b"</title></head>"
    assert len(parse_head(page, "https://x.org/").title) == 300


def test_broken_markup_and_other_charsets() -> None:
    info = parse_head(b"<head><title>caf\xe9</title><meta property=og:title", "https://x.org/",
                      "iso-8859-1")  # fmt: skip
    assert info.title == "caf\u00e9"
    assert parse_head(b"\xff\xfe<<<>>", "https://x.org/", "no-such-charset").title == ""
