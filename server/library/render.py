"""A board as CSV, Markdown and a printable HTML page; pure.

Each renderer takes a state that is already what the reader may see (the
routes project it for the caller's role first: protocol/visibility.py), and
leaves out deleted objects. Authors follow the board's anonymous mode
(``author_shown``). The order is the board's own: sections by position,
then cards by position within them, cards without a section last.

CSV: one row per card, quoted by the csv module (commas, quotes and line
breaks inside a cell survive), and every text cell that a spreadsheet would
take for a formula (starting with ``= + - @``, a tab or a carriage return)
is prefixed with ``'`` — CSV injection (OWASP), since exports are opened in
Excel and LibreOffice. Markdown: user text is escaped so a card cannot
inject links, HTML or headings. HTML: every text is escaped; the page has
no script and takes its only stylesheet from our own origin (the CSP's
``style-src 'self'``), with print rules so the browser's print makes the PDF.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime

from protocol.model import BoardState, Card, Comment

#: Characters a spreadsheet reads as the start of a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = (
    "section", "title", "body", "kind", "color", "url", "author", "created", "votes",
    "reactions", "comments", "status", "tags", "contact", "expires", "state", "files",
)  # fmt: skip


def author_shown(state: BoardState, author_name: str, *, facilitator: bool) -> str:
    """The author's name as this export may show it: none in anonymous mode
    "all", none for non-facilitators in "others"."""
    mode = state.settings.anonymous
    if mode == "all" or (mode == "others" and not facilitator):
        return ""
    return author_name


def ordered_cards(state: BoardState) -> Iterator[tuple[str, Card]]:
    """(section title, card) for every live card, in the board's order."""
    sections = sorted(
        (s for s in state.sections.values() if not s.deleted), key=lambda s: (s.pos, s.id)
    )
    live = [c for c in state.cards.values() if not c.deleted]
    placed = {s.id for s in sections}
    for s in sections:
        for c in sorted((c for c in live if c.section == s.id), key=lambda c: (c.pos, c.id)):
            yield s.title, c
    rest = [c for c in live if c.section not in placed]
    for c in sorted(rest, key=lambda c: (c.pos, c.y, c.x, c.id)):
        yield "", c


def comments_of(state: BoardState, card_id: str) -> list[Comment]:
    found = [m for m in state.comments.values() if m.card == card_id and not m.deleted]
    return sorted(found, key=lambda m: (m.created_at, m.id))


def reactions_text(state: BoardState, card_id: str) -> str:
    per = state.reactions.get(card_id, {})
    return " ".join(f"{emoji} {len(actors)}" for emoji, actors in per.items() if actors)


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M") if ms else ""


def safe_cell(value: str) -> str:
    """A CSV cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _extras(card: Card) -> tuple[str, str, str, str, str]:
    """Vraag-en-aanbod and file fields (issue 13/14), empty where absent."""
    tags = " ".join(getattr(card, "tags", []) or [])
    contact = str(getattr(card, "contact", "") or "")
    expires = int(getattr(card, "expires", 0) or 0)
    progress = str(getattr(card, "state", "") or "")
    files = getattr(card, "files", []) or []
    names = " ".join(str(getattr(f, "name", "")) for f in files)
    return tags, contact, _iso(expires), progress, names


def to_csv(state: BoardState, *, facilitator: bool) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for section, c in ordered_cards(state):
        tags, contact, expires, progress, files = _extras(c)
        row = [
            section, c.title, c.body, c.kind, c.color, c.url,
            author_shown(state, c.author_name, facilitator=facilitator), _iso(c.created_at),
            str(state.vote_total(c.id)), reactions_text(state, c.id),
            str(len(comments_of(state, c.id))), c.status, tags, contact, expires, progress, files,
        ]  # fmt: skip
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue()


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~])")


def md_escape(text: str) -> str:
    """Plain text that Markdown shows as itself: no links, HTML, emphasis,
    and no line that starts a heading, list or quote."""
    escaped = _MD_SPECIAL.sub(r"\\\1", text)
    return re.sub(r"(?m)^(\s*)([-=>]|\d+\.)", r"\1\\\2", escaped)


def md_url(url: str) -> str:
    """A URL fit for a Markdown autolink ``<url>``: a URL may hold ``<`` and
    ``>`` (it has no spaces, but nothing else is ruled out), which would end
    the link and put raw HTML — a script — in the file."""
    return url.replace("<", "%3C").replace(">", "%3E")


def _md_line(text: str) -> str:
    return md_escape(" ".join(text.split()))


def to_markdown(state: BoardState, *, facilitator: bool) -> str:
    lines = [f"# {_md_line(state.settings.title)}", ""]
    current: str | None = None
    for section, c in ordered_cards(state):
        if section != current:
            current = section
            lines += [f"## {_md_line(section) if section else '—'}", ""]
        lines.append(f"### {_md_line(c.title) or '(' + c.kind + ')'}")
        if c.body:
            lines += ["", *(md_escape(line) for line in c.body.splitlines())]
        if c.url:
            lines += ["", f"<{md_url(c.url)}>"]
        facts = [
            author_shown(state, c.author_name, facilitator=facilitator),
            f"{state.vote_total(c.id)} votes" if state.vote_total(c.id) else "",
            reactions_text(state, c.id),
            "" if c.status == "visible" else c.status,
        ]
        tags, contact, expires, progress, files = _extras(c)
        shown = "" if progress in ("", "open") else progress
        facts += [tags and f"tags: {tags}", contact, expires and f"until {expires}", shown, files]
        if any(facts):
            lines += ["", "*" + md_escape(" · ".join(f for f in facts if f)) + "*"]
        for m in comments_of(state, c.id):
            who = author_shown(state, m.author_name, facilitator=facilitator)
            lines.append(f"- {_md_line(m.body)}" + (f" — {md_escape(who)}" if who else ""))
        lines.append("")
    notes = state.notes.get("board")
    if notes is not None and notes.text().strip():
        lines += ["## Notes", "", *(md_escape(line) for line in notes.text().splitlines()), ""]
    return "\n".join(lines)


def to_print_html(state: BoardState, *, facilitator: bool, stylesheet: str) -> str:
    """The printable page: the browser's print (or ``page.pdf()``) makes
    the PDF. ``stylesheet``: the URL of :data:`PRINT_CSS` on our origin."""
    e = html.escape
    title = e(state.settings.title)
    parts = [
        "<!doctype html>",
        f'<html lang="nl"><head><meta charset="utf-8"><title>{title}</title>',
        f'<link rel="stylesheet" href="{e(stylesheet)}"></head><body>',
        f"<h1>{title}</h1>",
    ]
    current: str | None = None
    for section, c in ordered_cards(state):
        if section != current:
            if current is not None:
                parts.append("</section>")
            current = section
            parts.append(f"<section><h2>{e(section) or '—'}</h2>")
        parts.append(f'<article class="card {e(c.color)}">')
        if c.title:
            parts.append(f"<h3>{e(c.title)}</h3>")
        if c.body:
            parts.append(f"<p>{e(c.body)}</p>")
        if c.url:
            parts.append(f'<p class="url">{e(c.url)}</p>')
        who = author_shown(state, c.author_name, facilitator=facilitator)
        votes = state.vote_total(c.id)
        facts = [who, f"{votes} ●" if votes else "", reactions_text(state, c.id)]
        if any(facts):
            parts.append(f'<p class="facts">{e(" · ".join(f for f in facts if f))}</p>')
        comments = comments_of(state, c.id)
        if comments:
            parts.append("<ul>")
            for m in comments:
                by = author_shown(state, m.author_name, facilitator=facilitator)
                parts.append(f"<li>{e(m.body)}" + (f" <i>— {e(by)}</i>" if by else "") + "</li>")
            parts.append("</ul>")
        parts.append("</article>")
    if current is not None:
        parts.append("</section>")
    notes = state.notes.get("board")
    if notes is not None and notes.text().strip():
        parts.append(f'<section class="notes"><h2>Notes</h2><p>{e(notes.text())}</p></section>')
    parts.append("</body></html>")
    return "\n".join(parts)


#: The print page's stylesheet (served from our origin, see to_print_html):
#: cards flow in columns on screen and on A4, never split across pages.
PRINT_CSS = """
body { font: 11pt/1.4 system-ui, sans-serif; margin: 1.5rem; color: #111; }
h1 { font-size: 18pt; margin: 0 0 1rem; }
section { columns: 3 16rem; column-gap: 1rem; margin-bottom: 1.5rem; }
section h2 { column-span: all; font-size: 13pt; border-bottom: 1px solid #999; }
.card { break-inside: avoid; border: 1px solid #bbb; border-radius: 6px;
  padding: .5rem .7rem; margin: 0 0 .8rem; white-space: pre-wrap; }
.card h3 { font-size: 11pt; margin: 0 0 .3rem; }
.card p { margin: .2rem 0; }
.facts, .url { color: #555; font-size: 9pt; overflow-wrap: anywhere; }
.card ul { margin: .3rem 0 0; padding-left: 1rem; font-size: 9.5pt; }
.yellow { background: #fff8c5; } .pink { background: #ffe0ec; } .blue { background: #ddefff; }
.green { background: #dcf5dc; } .orange { background: #ffe6cc; } .purple { background: #eee2ff; }
.notes p { white-space: pre-wrap; }
@page { size: A4; margin: 14mm; }
@media print { body { margin: 0; } .card { background: none; } }
"""
