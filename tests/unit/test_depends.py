"""Which of a connection's earlier ops an op waits for (protocol/depends.py)."""

from __future__ import annotations

from typing import Any

from protocol.codec import op_from_wire
from protocol.depends import BARRIER, Pending, focus_touch, touches
from protocol.ops import CardAdd


def t(**op: Any) -> Any:
    return touches(op_from_wire(op))


def test_ops_name_what_they_read_and_write() -> None:
    add = t(type="card.add", id="k1", title="x", section="s1")
    assert add.writes == {"card:k1"} and add.reads == {"section:s1"}
    assert t(type="card.move", id="k1", x=3).writes == frozenset()
    assert t(type="comment.add", id="m1", card="k1", body="b").reads == {"card:k1"}
    assert t(type="vote.cast", card="k1").writes == {"votes"}
    assert t(type="board.set", locked=True).reads == {BARRIER}
    assert t(type="timer.set", action="reset").writes == {BARRIER}


def test_an_op_waits_only_for_the_ops_it_depends_on() -> None:
    p = Pending()
    p.acked(t(type="card.add", id="k1", title="x"), seq=10, applied=5)
    p.acked(t(type="card.add", id="k2", title="y"), seq=11, applied=5)
    assert p.wait_for(t(type="card.move", id="k1", x=1)) == 10
    assert p.wait_for(t(type="comment.add", id="m", card="k2", body="b")) == 11
    assert p.wait_for(t(type="card.move", id="k3", x=1)) == 0  # someone else's card
    assert p.wait_for(t(type="card.add", id="k4", title="z")) == 0
    p.acked(t(type="card.move", id="k1", x=1), seq=12, applied=5)
    assert p.wait_for(t(type="card.set", id="k1", title="t")) == 10  # moves change nothing checked
    # A barrier waits for everything; everything after it waits for it.
    assert p.wait_for(t(type="board.set", locked=True)) == 12
    p.acked(t(type="board.set", locked=True), seq=13, applied=5)
    assert p.wait_for(t(type="card.add", id="k5", title="z")) == 13


def test_votes_wait_for_votes() -> None:
    p = Pending()
    p.acked(t(type="vote.cast", card="k1"), seq=3, applied=0)
    assert p.wait_for(t(type="vote.cast", card="k2")) == 3
    assert p.wait_for(t(type="vote.retract", card="k9")) == 3


def test_applied_entries_are_dropped_past_the_bound() -> None:
    p = Pending(keep=4)
    for i in range(10):
        p.acked(t(type="card.add", id=f"k{i}", title="x"), seq=i + 1, applied=8)
    assert len(p._seq) <= 4
    assert p.wait_for(t(type="card.move", id="k9", x=0)) == 10


def test_a_focus_reads_the_card_it_names_directly_or_through_its_notes() -> None:
    pending = Pending()
    pending.acked(touches(CardAdd(type="card.add", id="c1", title="x")), 7, 3)
    assert pending.wait_for(focus_touch("c1", None)) == 7
    assert pending.wait_for(focus_touch(None, "card:c1")) == 7
    assert pending.wait_for(focus_touch("c2", "board")) == 0
    assert pending.wait_for(focus_touch(None, None)) == 0
