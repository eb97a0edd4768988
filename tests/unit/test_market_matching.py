"""Matching for vraag en aanbod (server/market/matching.py): the right pairs
on worked examples, and for random walls the same pairs as a brute-force
reading of the rule (open, unexpired, a shared tag, a question with an offer, never
a card with itself), in the stated order."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from server.market.matching import Item, Match, expired, is_open, suggest

NOW = 1_800_000_000_000


def item(card: str, kind: str, *tags: str, board: str = "b1", **over: object) -> Item:
    fields: dict[str, object] = {"state": "open", "expires": 0, "created_at": 1, **over}
    return Item(board, card, kind, tuple(tags), **fields)  # type: ignore[arg-type]


def pairs(found: list[Match]) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(m.question.card, m.offer.card, m.shared) for m in found]


def test_an_offer_meeting_a_question_is_suggested_with_the_shared_tags() -> None:
    wall = [
        item("q1", "question", "hout", "3d-print", "design"),
        item("o1", "offer", "design", "hout"),
        item("o2", "offer", "fietsen"),
        item("n1", "note", "hout"),
    ]
    assert pairs(suggest(wall, NOW, limit=10)) == [("q1", "o1", ("hout", "design"))]


def test_more_shared_tags_first_then_the_more_recent_pair() -> None:
    wall = [
        item("q1", "question", "a", "b", created_at=10),
        item("o1", "offer", "a", created_at=50),
        item("o2", "offer", "a", "b", created_at=5),
        item("o3", "offer", "b", created_at=90),
    ]
    assert pairs(suggest(wall, NOW, limit=10)) == [
        ("q1", "o2", ("a", "b")),
        ("q1", "o3", ("b",)),
        ("q1", "o1", ("a",)),
    ]
    assert pairs(suggest(wall, NOW, limit=1)) == [("q1", "o2", ("a", "b"))]


def test_matched_resolved_and_expired_cards_are_not_suggested() -> None:
    wall = [
        item("q1", "question", "a"),
        item("q2", "question", "a", state="matched"),
        item("q3", "question", "a", expires=NOW - 1),
        item("q4", "question", "a", expires=NOW),  # expires now: gone
        item("o1", "offer", "a", expires=NOW + 1),
        item("o2", "offer", "a", state="resolved"),
        item("o3", "offer", "a", expires=NOW - 60_000),
    ]
    assert pairs(suggest(wall, NOW, limit=10)) == [("q1", "o1", ("a",))]
    assert expired(wall[3], NOW) and not is_open(wall[3], NOW)
    assert not expired(item("x", "offer", expires=0), NOW)


def test_never_two_questions_two_offers_or_a_card_with_itself() -> None:
    wall = [
        item("q1", "question", "a"),
        item("q2", "question", "a"),
        item("o1", "offer", "a", board="b2"),
        item("o2", "offer", "a", board="b2"),
        # Same card id on another board is another card, and pairs.
        item("q1", "offer", "a", board="b3"),
    ]
    found = suggest(wall, NOW, limit=50)
    assert all(m.question.kind == "question" and m.offer.kind == "offer" for m in found)
    assert len(found) == 6
    # One card (same board and id) listed as both kinds never pairs with itself.
    odd = [item("c1", "question", "a"), item("c1", "offer", "a")]
    assert suggest(odd, NOW, limit=5) == []


_tags = st.lists(st.sampled_from(["a", "b", "c", "d", "e"]), max_size=4, unique=True)
_items = st.lists(
    st.builds(
        Item,
        board=st.sampled_from(["b1", "b2"]),
        card=st.sampled_from([f"c{i}" for i in range(8)]),
        kind=st.sampled_from(["question", "offer", "note", "link"]),
        tags=_tags.map(tuple),
        state=st.sampled_from(["open", "open", "matched", "resolved"]),
        expires=st.sampled_from([0, 0, NOW - 1, NOW, NOW + 1]),
        created_at=st.integers(0, 20),
    ),
    max_size=14,
).map(lambda xs: list({x.key: x for x in xs}.values()))  # one card per (board, id)


@settings(max_examples=300, deadline=None)
@given(_items, st.integers(0, 60))
def test_random_walls_match_the_rule(wall: list[Item], limit: int) -> None:
    found = suggest(wall, NOW, limit=limit)
    expected = []
    for q in wall:
        for o in wall:
            open_ = q.state == o.state == "open" and not expired(q, NOW) and not expired(o, NOW)
            shared = tuple(t for t in q.tags if t in o.tags)
            if q.kind == "question" and o.kind == "offer" and open_ and shared:
                expected.append((q, o, shared))
    expected.sort(
        key=lambda p: (-len(p[2]), -max(p[0].created_at, p[1].created_at), p[0].key, p[1].key)
    )
    assert [(m.question, m.offer, m.shared) for m in found] == expected[:limit]
