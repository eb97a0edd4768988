"""Matching suggestions for vraag en aanbod: which open offer answers which
open question. Pure and deterministic (``now`` is passed in), so the unit
and property tests pin it down exactly.

A pair is suggested when an *open, unexpired* offer shares at least one tag
with an *open, unexpired* question (tags are already normalised by the
protocol, SPEC §4 *Card fields*, so equal tags are equal strings). Pairs
with more shared tags come first; among equals the more recent pair (its
newer card) first, then a fixed order by ids so every node answers alike.
A card never pairs with itself and a question never with a question.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

#: The two card kinds of vraag en aanbod.
QUESTION = "question"
OFFER = "offer"
KINDS = (QUESTION, OFFER)


@dataclass(frozen=True, slots=True)
class Item:
    """One question or offer card as the wall knows it."""

    board: str
    card: str
    kind: str  # "question" | "offer"
    tags: tuple[str, ...]
    state: str = "open"  # "open" | "matched" | "resolved"
    expires: int = 0  # ms since the epoch; 0 = never
    created_at: int = 0

    @property
    def key(self) -> tuple[str, str]:
        """Board and card: a card id is unique on its board only."""
        return (self.board, self.card)


@dataclass(frozen=True, slots=True)
class Match:
    """A suggested pair and the tags its question and offer share (in the
    question's tag order)."""

    question: Item
    offer: Item
    shared: tuple[str, ...]

    @property
    def newest(self) -> int:
        return max(self.question.created_at, self.offer.created_at)


def expired(item: Item, now: int) -> bool:
    """An expiry in the past (or exactly now) ends a question or offer."""
    return item.expires != 0 and item.expires <= now


def is_open(item: Item, now: int) -> bool:
    """On the open lists: state ``open`` and not expired."""
    return item.state == "open" and not expired(item, now)


def suggest(items: Iterable[Item], now: int, *, limit: int) -> list[Match]:
    """The best ``limit`` pairs (question, offer) of open, unexpired cards
    sharing a tag, best first (see the module docstring for the order).

    Cost: offers are indexed by tag, so only pairs that share a tag are
    looked at — not every question against every offer."""
    questions: list[Item] = []
    by_tag: dict[str, list[Item]] = {}
    for item in items:
        if item.kind not in KINDS or not item.tags or not is_open(item, now):
            continue
        if item.kind == QUESTION:
            questions.append(item)
        else:
            for tag in dict.fromkeys(item.tags):
                by_tag.setdefault(tag, []).append(item)
    found: list[Match] = []
    for q in questions:
        candidates: dict[tuple[str, str], Item] = {}
        for tag in q.tags:
            for offer in by_tag.get(tag, ()):
                candidates.setdefault(offer.key, offer)
        for key, offer in candidates.items():
            if key == q.key:
                continue  # one card is never both sides
            offered = set(offer.tags)
            shared = tuple(dict.fromkeys(t for t in q.tags if t in offered))
            found.append(Match(q, offer, shared))
    found.sort(
        key=lambda m: (-len(m.shared), -m.newest, m.question.key, m.offer.key),
    )
    return found[: max(limit, 0)]
