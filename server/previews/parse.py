"""A page's <head> to preview fields: Open Graph, then Twitter cards, then
<title> and <meta name=description>.

The parser is the standard library's ``html.parser``: it is incremental (we
feed it the bytes as they arrive and stop at ``</head>`` or ``<body>``), it
never fetches or executes anything, it survives broken markup without
exceptions, and it is maintained with Python itself, so the one piece of
code that reads hostile HTML adds no dependency. We only need the attributes
of a few ``<meta>`` tags and the text of ``<title>``; no tree is built.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from protocol import limits

_SPACE = re.compile(r"\s+")
#: Control characters other than whitespace: never in a preview's text.
_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]"
)


@dataclass(frozen=True, slots=True)
class PageInfo:
    """What a page says about itself; ``image`` is an absolute http(s) URL
    or ""."""

    title: str = ""
    description: str = ""
    site: str = ""
    image: str = ""


class _HeadParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title: list[str] = []
        self.in_title = False
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.done:
            return
        if tag == "body":
            self.done = True
        elif tag == "title":
            self.in_title = True
        elif tag == "meta":
            a = {k.lower(): (v or "") for k, v in attrs}
            name = (a.get("property") or a.get("name") or "").strip().lower()
            if name and "content" in a and name not in self.meta:  # the first one wins
                self.meta[name] = a["content"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        elif tag == "head":
            self.done = True

    def handle_data(self, data: str) -> None:
        if self.in_title and not self.done and sum(map(len, self.title)) < 4096:
            self.title.append(data)


class HeadReader:
    """Feed a page's bytes as they come; :attr:`done` once the head ended."""

    def __init__(self, charset: str = "utf-8") -> None:
        self._parser = _HeadParser()
        # Incremental: a character split between two reads decodes whole.
        self._decoder = codecs.getincrementaldecoder(_known(charset))(errors="replace")

    @property
    def done(self) -> bool:
        return self._parser.done

    def feed(self, data: bytes) -> None:
        if not self._parser.done:
            self._parser.feed(self._decoder.decode(data))

    def result(self, page_url: str) -> PageInfo:
        """The preview fields, cleaned and cut to the protocol's limits;
        relative image URLs resolved against ``page_url`` (the final one,
        after redirects)."""
        p = self._parser
        m = p.meta

        def first(*names: str) -> str:
            for name in names:
                if m.get(name, "").strip():
                    return m[name]
            return ""

        title = first("og:title", "twitter:title") or "".join(p.title)
        description = first("og:description", "twitter:description", "description")
        site = first("og:site_name", "application-name") or (urlsplit(page_url).hostname or "")
        image = first("og:image:secure_url", "og:image", "og:image:url", "twitter:image",
                      "twitter:image:src")  # fmt: skip
        return PageInfo(
            title=clean(title, limits.MAX_PREVIEW_TITLE),
            description=clean(description, limits.MAX_PREVIEW_DESCRIPTION),
            site=clean(site, limits.MAX_PREVIEW_SITE),
            image=_absolute(image.strip(), page_url),
        )


def clean(text: str, cap: int) -> str:
    """One line of plain text: controls gone, runs of space as one, cut to
    ``cap`` characters (with an ellipsis when cut)."""
    text = _SPACE.sub(" ", _CONTROL.sub("", text)).strip()
    if len(text) > cap:
        text = text[: cap - 1].rstrip() + "…"
    return text


def _absolute(url: str, base: str) -> str:
    if not url:
        return ""
    try:
        full = urljoin(base, url)
        parts = urlsplit(full)
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""  # data:, javascript:, ftp:, ...
    return full if len(full) <= limits.MAX_URL else ""


def _known(charset: str) -> str:
    try:
        return codecs.lookup(charset).name
    except LookupError:
        return "utf-8"


def parse_head(html: bytes, page_url: str, charset: str = "utf-8") -> PageInfo:
    """The preview fields of a whole page (tests and one-shot callers)."""
    reader = HeadReader(charset)
    reader.feed(html)
    return reader.result(page_url)
