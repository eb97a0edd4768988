"""Order inside a section: fractional index keys, ties broken by id."""

from __future__ import annotations

import random

import pytest
from fractional_indexing import generate_key_between, generate_n_keys_between
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol import codec, limits
from protocol.errors import ProtocolError
from protocol.model import Card
from protocol.ops import CardAdd
from tests.unit._support import ev, run


def _valid(pos: str) -> bool:
    """Does the CardAdd pos validator accept this key?"""
    wire = {"type": "card.add", "id": "c", "title": "t", "pos": pos}
    try:
        codec.decode_client(codec.pack({"t": "op", "id": "o", "op": wire}))
    except ProtocolError:
        return False
    return True


def _order(cards: list[Card]) -> list[str]:
    return [c.id for c in sorted(cards, key=lambda c: (c.pos, c.id))]


def test_generated_keys_validate() -> None:
    keys = generate_n_keys_between(None, None, 50)
    assert keys == sorted(keys)
    assert all(_valid(k) for k in keys)
    first = generate_key_between(None, None)
    assert CardAdd(type="card.add", id="c", title="t").pos == "a0" == first


def test_repeated_inserts_stay_valid_until_the_length_cap() -> None:
    rng = random.Random(7)
    keys = [generate_key_between(None, None)]
    for _ in range(400):
        i = rng.randrange(len(keys) + 1)
        before = keys[i - 1] if i > 0 else None
        after = keys[i] if i < len(keys) else None
        key = generate_key_between(before, after)
        keys.insert(i, key)
        assert keys == sorted(keys)
        assert _valid(key) == (len(key) <= limits.MAX_POS)


def test_always_inserting_in_front_of_the_first_grows_the_key_slowly() -> None:
    key = generate_key_between(None, None)
    lengths = []
    for _ in range(1000):
        key = generate_key_between(None, key)
        lengths.append(len(key))
        assert _valid(key)
    assert max(lengths) < 10


def test_bisecting_forever_hits_the_cap_and_is_refused() -> None:
    lo, hi = "a0", "a1"
    for _ in range(500):
        mid = generate_key_between(lo, hi)
        if not _valid(mid):
            assert len(mid) > limits.MAX_POS
            return
        lo = mid
    pytest.fail("keys never outgrew MAX_POS")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=40))
def test_keys_between_any_neighbours_validate_and_sort(picks: list[int]) -> None:
    keys: list[str] = []
    for p in picks:
        i = p % (len(keys) + 1)
        key = generate_key_between(keys[i - 1] if i else None, keys[i] if i < len(keys) else None)
        keys.insert(i, key)
        assert _valid(key)
    assert keys == sorted(keys)
    assert all(k.isascii() and k.isalnum() for k in keys)  # same order in JS and Python


def test_order_by_pos_then_id_after_moves() -> None:
    state = run([
        ev(1, {"type": "card.add", "id": "b", "title": "t", "pos": "a1"}),
        ev(2, {"type": "card.add", "id": "a", "title": "t", "pos": "a1"}),  # same pos: id decides
        ev(3, {"type": "card.add", "id": "c", "title": "t"}),
        ev(4, {"type": "card.add", "id": "d", "title": "t", "pos": "Zz"}),
        # two clients concurrently move cards into the same gap
        ev(5, {"type": "card.move", "id": "d", "pos": generate_key_between("a0", "a1")}),
        ev(6, {"type": "card.move", "id": "c", "pos": generate_key_between("a0", "a1")}),
    ])  # fmt: skip
    assert _order(list(state.cards.values())) == ["c", "d", "a", "b"]


def test_capital_heads_sort_before_lowercase() -> None:
    keys = ["a0", "Zz", "b00", "A" + "0" * 25 + "1", "a0V", "z" + "z" * 26]
    assert all(_valid(k) for k in keys)
    assert sorted(keys) == ["A" + "0" * 25 + "1", "Zz", "a0", "a0V", "b00", "z" + "z" * 26]


@pytest.mark.parametrize("pos", ["", "a", "b0", "a0 ", "a0\n", "aé", "a😀", "a-1", "A" + "0" * 26])
def test_malformed_keys_are_refused(pos: str) -> None:
    assert not _valid(pos)
