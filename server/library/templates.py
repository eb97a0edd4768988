"""Built-in board templates, and turning a board into a template; pure.

A template is a board state without people in it: settings, sections and a
few starter cards (and a board that is saved as one may bring its session
notes). The five built-ins come in Dutch and English, like the web app's
catalogues; an id is ``<name>`` (Dutch, the hubs' language) or
``<name>:<lang>``.

Starter cards are by "Prikbord" (actor ``system``), so no participant is
shown as their author, and carry the time the board is made (passed in:
pure code takes no clock).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Literal

from protocol.model import BoardState, Card, Section, Settings

Lang = Literal["nl", "en"]
LANGS: tuple[Lang, ...] = ("nl", "en")
#: The author of a template's starter cards.
SYSTEM_ACTOR = "system"
SYSTEM_NAME = "Prikbord"


class UnknownTemplate(Exception):
    """No built-in or saved template has this id."""


@dataclass(frozen=True, slots=True)
class _Card:
    title: dict[Lang, str]
    body: dict[Lang, str]
    section: int  # index into the template's sections; -1: none
    kind: str = "note"
    color: str = "yellow"


@dataclass(frozen=True, slots=True)
class Builtin:
    name: str
    label: dict[Lang, str]
    description: dict[Lang, str]
    layout: str
    sections: tuple[dict[Lang, str], ...]
    cards: tuple[_Card, ...]
    vote_budget: int = 5
    approval: bool = False
    hide_cards: bool = False
    anonymous: str = "off"


def _t(nl: str, en: str) -> dict[Lang, str]:
    return {"nl": nl, "en": en}


BUILTINS: dict[str, Builtin] = {
    b.name: b
    for b in (
        Builtin(
            name="brainstorm",
            label=_t("Brainstorm", "Brainstorm"),
            description=_t(
                "Eerst ideeën verzamelen (verborgen tot de onthulling), dan clusteren en stemmen.",
                "Collect ideas first (hidden until the reveal), then cluster and vote.",
            ),
            layout="columns",
            sections=(_t("Ideeën", "Ideas"), _t("Clusters", "Clusters"), _t("Top 3", "Top 3")),
            cards=(
                _Card(
                    _t("Wat is de vraag?", "What is the question?"),
                    _t("Schrijf hier de brainstormvraag.", "Write the brainstorm question here."),
                    -1,
                    # A note, not kind="question": that is vraag en aanbod
                    # (a state, the hub's wall, matching).
                    color="blue",
                ),
                _Card(
                    _t("Eén idee per kaart", "One idea per card"),
                    _t("Kort en concreet; reageer op elkaar.", "Short, concrete; build on others."),
                    0,
                ),
            ),
            vote_budget=3,
            hide_cards=True,
        ),
        Builtin(
            name="cocreation",
            label=_t("Co-creatiesessie", "Co-creation session"),
            description=_t(
                "Van vraag naar prototype: opdracht, inzichten, ideeën, uitwerking, vervolg.",
                "From question to prototype: brief, insights, ideas, development, next steps.",
            ),
            layout="columns",
            sections=(
                _t("Opdracht", "Brief"),
                _t("Inzichten", "Insights"),
                _t("Ideeën", "Ideas"),
                _t("Uitwerking", "Development"),
                _t("Vervolgstappen", "Next steps"),
            ),
            cards=(
                _Card(
                    _t("De opdrachtgever", "The client"),
                    _t("Wie vraagt wat, en waarom?", "Who asks what, and why?"),
                    0,
                    color="blue",
                ),
                _Card(
                    _t("Wie doet wat?", "Who does what?"),
                    _t("Actiepunten met naam en datum.", "Action items with a name and date."),
                    4,
                    color="green",
                ),
            ),
            vote_budget=5,
        ),
        Builtin(
            name="vraag-aanbod",
            label=_t("Vraag en aanbod", "Questions and offers"),
            description=_t(
                "Wat zoek je, wat bied je? Vragen en aanbod van studenten, bedrijven en school.",
                "What do you need, what can you offer? From students, companies and school.",
            ),
            layout="columns",
            sections=(_t("Vraag", "Questions"), _t("Aanbod", "Offers"), _t("Gematcht", "Matched")),
            cards=(
                _Card(
                    _t("Voorbeeld: ik zoek…", "Example: I am looking for…"),
                    _t(
                        "Een vraag: wat, voor wanneer, hoe je bereikbaar bent.",
                        "A question: what, by when, how to reach you.",
                    ),
                    0,
                    kind="question",
                    color="pink",
                ),
                _Card(
                    _t("Voorbeeld: ik bied…", "Example: I can offer…"),
                    _t(
                        "Een aanbod: kennis, ruimte, materiaal of tijd.",
                        "An offer: knowledge, space, material or time.",
                    ),
                    1,
                    kind="offer",
                    color="green",
                ),
            ),
            vote_budget=0,
            approval=True,
        ),
        Builtin(
            name="retrospective",
            label=_t("Terugblik", "Retrospective"),
            description=_t(
                "Wat ging goed, wat kan beter, wat gaan we doen? Anoniem voor deelnemers.",
                "What went well, what could be better, what will we do? Anonymous to participants.",
            ),
            layout="columns",
            sections=(
                _t("Ging goed", "Went well"),
                _t("Kan beter", "Could be better"),
                _t("Acties", "Actions"),
            ),
            cards=(
                _Card(
                    _t("Spelregel", "Ground rule"),
                    _t(
                        "Over de aanpak, niet over personen.",
                        "About the approach, not about people.",
                    ),
                    -1,
                    color="white",
                ),
            ),
            vote_budget=3,
            anonymous="others",
        ),
        Builtin(
            name="showcase",
            label=_t("Projectpresentatie", "Project showcase"),
            description=_t(
                "Projecten op een raster, met links en reacties van bezoekers.",
                "Projects on a grid, with links and visitors' reactions.",
            ),
            layout="grid",
            sections=(_t("Projecten", "Projects"), _t("Reacties", "Feedback")),
            cards=(
                _Card(
                    _t("Projectnaam", "Project name"),
                    _t(
                        "Wie, wat, voor wie; voeg een link of foto toe.",
                        "Who, what, for whom; add a link or a photo.",
                    ),
                    0,
                ),
            ),
            vote_budget=0,
        ),
    )
}


def parse_id(template_id: str) -> tuple[str, Lang] | None:
    """``name`` or ``name:lang`` of a built-in, else None."""
    name, _, lang = template_id.partition(":")
    if name not in BUILTINS:
        return None
    if not lang:
        return name, "nl"
    return (name, lang) if lang in LANGS else None


def builtin_state(template_id: str, *, now: int) -> BoardState | None:
    """The board a built-in template makes (board id "template"; the
    creator gives it its own). None: no such built-in."""
    parsed = parse_id(template_id)
    if parsed is None:
        return None
    name, lang = parsed
    b = BUILTINS[name]
    state = BoardState(
        "template",
        settings=Settings(
            title=b.label[lang],
            layout=b.layout,
            vote_budget=b.vote_budget,
            approval=b.approval,
            hide_cards=b.hide_cards,
            anonymous=b.anonymous,
        ),
    )
    section_ids = [f"s{i + 1}" for i in range(len(b.sections))]
    for i, (sid, title) in enumerate(zip(section_ids, b.sections, strict=True)):
        state.sections[sid] = Section(sid, title=title[lang], pos=f"a{i}")
    for i, c in enumerate(b.cards):
        cid = f"c{i + 1}"
        state.cards[cid] = Card(
            cid,
            kind=c.kind,
            title=c.title[lang],
            body=c.body[lang],
            color=c.color,
            section=section_ids[c.section] if c.section >= 0 else "",
            pos=f"a{i}",
            x=40 + 260 * i,
            y=40,
            author=SYSTEM_ACTOR,
            author_name=SYSTEM_NAME,
            created_at=now,
            updated_at=now,
        )
    return state


def catalogue(lang: Lang) -> list[dict[str, str]]:
    """The built-ins as a list to choose from, in ``lang``."""
    return [
        {"id": f"{b.name}:{lang}", "name": b.label[lang], "description": b.description[lang]}
        for b in BUILTINS.values()
    ]


def from_board(state: BoardState, *, now: int) -> BoardState:
    """What "save this board as a template" keeps: settings (unlocked, not
    hidden), live sections, the live visible cards as starter cards (by
    Prikbord, dated ``now``) and the board's own notes. Comments, reactions,
    votes, removed people, the running session, tombstones and pending or
    hidden posts stay behind: they are the session's, not the format's."""
    out = BoardState("template", settings=copy.deepcopy(state.settings))
    out.settings.locked = False
    out.settings.hide_cards = False
    for sid, s in state.sections.items():
        if not s.deleted:
            out.sections[sid] = copy.deepcopy(s)
    for cid, c in state.cards.items():
        if c.deleted or c.status != "visible":
            continue
        card = copy.deepcopy(c)
        if card.section and card.section not in out.sections:
            card.section = ""
        # Files stay with their board: a template is the format, and its
        # boards would show files they do not hold (a card of files only
        # is left out).
        if hasattr(card, "files"):
            card.files = []
            card.preview = None
        if not (card.title.strip() or card.body.strip() or card.url):
            continue
        card.author, card.author_name = SYSTEM_ACTOR, SYSTEM_NAME
        card.created_at = card.updated_at = now
        out.cards[cid] = card
    if "board" in state.notes:
        out.notes["board"] = copy.deepcopy(state.notes["board"])
    return out


def remix(state: BoardState, *, keep_votes: bool, keep_comments: bool) -> BoardState:
    """A duplicate of a board: everything, or without its votes and/or its
    comments (a remix starts the conversation afresh). Never the removed
    people's list or a running timer/spotlight: a copy is a new session."""
    out = copy.deepcopy(state)
    out.removed = set()
    out.session = type(state.session)()
    if not keep_votes:
        out.votes = {}
    if not keep_comments:
        out.comments = {}
        out.held = sum(c.status != "visible" for c in out.cards.values())
    return out
