"""The Python client on moderated boards (issue 9), against real server
processes on two nodes: a participant's confirmed replica — fed raw events,
view patches and placeholders by the server — equals the projection of the
board for that participant (``protocol.visibility.project`` of a
facilitator's full replica) after every step; the server clock and the
timer; a removed participant ends with ``Removed``."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable

import pytest

from client.actions import Sent
from client.client import PrikbordClient
from client.errors import OpRejected, Removed
from protocol.errors import ErrorCode
from protocol.model import to_wire
from protocol.ops import CardAdd
from protocol.visibility import Viewer, project
from tests.support.cluster import Nodes

UNIT = float(os.environ.get("PRIKBORD_TEST_TIMEOUT_UNIT", "1.0"))


async def _settled(head: int, *clients: PrikbordClient) -> None:
    """Wait until every client has applied the board's log up to ``head``."""
    for c in clients:
        await asyncio.wait_for(c.wait_for_seq(head), 10 * UNIT)


def _check_projections(fac: PrikbordClient, *others: PrikbordClient) -> None:
    """Each client's confirmed state is the facilitator's state as that
    client may see it; nobody holds a pending op any more."""
    full = fac.confirmed
    assert full.settings.anonymous != "all"  # else fac's replica is a projection too
    for c in others:
        assert c.role is not None
        expected = project(full, Viewer(c.role, c.actor))
        assert to_wire(c.confirmed) == expected, (c.name, c.role)
        assert c.pending == []


async def test_each_replica_equals_its_projection_through_a_moderated_session(
    nodes: Nodes,
) -> None:
    a, b = nodes.start(), nodes.start()
    created = a.create_board("Moderated session")
    links = created["links"]
    on_b = {role: link.replace(a.http, b.http) for role, link in links.items()}
    async with (
        PrikbordClient(links["facilitator"], name="Fien") as fac,
        PrikbordClient(on_b["participant"], name="Ann") as ann,
        PrikbordClient(links["participant"], name="Bob") as bob,
        PrikbordClient(on_b["viewer"], name="Screen") as screen,
    ):
        everyone = (fac, ann, bob, screen)

        async def step(*sends: Awaitable[Sent]) -> list[Sent]:
            """Send in order, then check every replica against its projection."""
            done = [await send for send in sends]
            await _settled(max(s.seq for s in done), *everyone)
            _check_projections(fac, ann, bob, screen)
            return done

        await step(fac.set_board(approval=True))
        ann_card, bob_card = await step(ann.add_card("Ann's idea"), bob.add_card("Bob's idea"))
        # Pending: each author sees their own, the room nothing.
        assert ann.confirmed.cards[ann_card.id].status == "pending"
        assert bob_card.id not in ann.confirmed.cards
        assert ann_card.id not in screen.confirmed.cards

        await step(fac.approve_card(ann_card.id))
        assert bob.confirmed.cards[ann_card.id].body == "Ann's idea"
        (comment,) = await step(bob.comment(ann_card.id, "+1 from Bob"))
        assert bob.confirmed.comments[comment.id].status == "pending"  # its author sees it
        assert comment.id not in ann.confirmed.comments  # not even on her own card
        await step(fac.reject_comment(comment.id), fac.reject_card(bob_card.id))
        assert bob.confirmed.cards[bob_card.id].status == "rejected"

        # Hide until reveal, anonymous authors, a vote round.
        await step(fac.set_board(approval=False, hide_cards=True, anonymous="others"))
        (secret,) = await step(bob.add_card("Bob, hidden until the reveal"))
        assert secret.id not in ann.confirmed.cards and ann_card.id in ann.confirmed.cards
        assert screen.confirmed.cards == {}
        await step(fac.reveal(), fac.open_round())
        assert ann.confirmed.cards[secret.id].author_name == ""  # anonymous: not Bob
        assert ann.confirmed.cards[ann_card.id].author == ann.actor  # but her own, yes
        await step(ann.vote(ann_card.id), bob.vote(ann_card.id), bob.vote(secret.id))
        assert ann.confirmed.votes[ann_card.id] == {ann.actor: 1}  # only her own
        assert screen.confirmed.votes == {}
        await step(fac.spotlight_card(ann_card.id), fac.start_timer(120))
        await step(fac.close_round(), fac.hide_card(secret.id))
        assert ann.ranked_results()[0].card.id == ann_card.id
        assert [r.votes for r in ann.ranked_results()] == [2]  # the hidden card is out

        # The word filter holds a matching post even with approval off.
        await step(fac.set_board(anonymous="off", filter=True, words=["spam"]))
        (held,) = await step(ann.add_card("buy SPAM now"))
        assert ann.confirmed.cards[held.id].status == "pending"
        assert held.id not in bob.confirmed.cards
        assert ann.confirmed.settings.words == [] and fac.confirmed.settings.words == ["spam"]
        await step(fac.restore_card(secret.id), fac.spotlight_off(), fac.pause_timer())

        # Locked: the server refuses a participant's post; nothing changed.
        await step(fac.set_board(locked=True))
        with pytest.raises(OpRejected) as info:
            await bob.add_card("too late")
        assert info.value.code == ErrorCode.FORBIDDEN
        _check_projections(fac, ann, bob, screen)


async def test_timer_counts_down_on_the_server_clock(nodes: Nodes) -> None:
    node = nodes.start()
    links = node.create_board("Timer")["links"]
    async with (
        PrikbordClient(links["facilitator"], name="Fien") as fac,
        PrikbordClient(links["viewer"], name="Screen") as screen,
    ):
        assert screen.clock.known  # from the welcome's `now`
        # One machine, one clock: the estimate is that clock, within its error.
        assert abs(screen.server_now() - time.time() * 1000) <= screen.clock.error_ms + 50
        assert screen.timer().state == "idle"
        started = await fac.start_timer(300)
        await screen.wait_for_seq(started.seq)
        timer = screen.timer()
        assert timer.state == "running" and timer.duration_ms == 300_000
        assert 0 < timer.remaining_ms <= 300_000
        paused = await fac.pause_timer()
        await screen.wait_for_seq(paused.seq)
        left = screen.timer()
        assert left.state == "paused" and left.remaining_ms == screen.state.session.timer_remaining
        with pytest.raises(OpRejected) as info:
            await fac.pause_timer()  # not running
        assert info.value.code == ErrorCode.INVALID
        resumed = await fac.resume_timer()
        await screen.wait_for_seq(resumed.seq)
        assert screen.timer().state == "running"
        assert screen.timer().remaining_ms <= left.remaining_ms
        reset = await fac.reset_timer()
        await screen.wait_for_seq(reset.seq)
        assert screen.timer().state == "idle"


async def test_a_removed_participant_ends_with_removed(nodes: Nodes) -> None:
    node = nodes.start()
    links = node.create_board("Removal")["links"]
    async with PrikbordClient(links["facilitator"], name="Fien") as fac:
        troll = PrikbordClient(links["participant"], name="Troll")
        await troll.connect()
        try:
            await troll.add_card("first post")
            identity = troll.identity
            await fac.remove_participant(troll.actor)
            with pytest.raises(Removed) as info:
                await asyncio.wait_for(troll.wait_closed(), 10 * UNIT)
            assert info.value.code == 4105
            assert "removed from this board by a facilitator" in str(info.value)
            with pytest.raises(Removed):
                troll.submit(CardAdd(type="card.add", id="after1", title="after"))
        finally:
            await troll.close()
        # The same device (identity) is refused at the door; a new one is not.
        with pytest.raises(Removed):
            async with PrikbordClient(links["participant"], name="Troll", identity=identity):
                pass
        async with PrikbordClient(links["participant"], name="Troll again") as fresh:
            assert fresh.actor != troll.actor  # why the guide says: replace the link
        await fac.restore_participant(troll.actor)
        async with PrikbordClient(links["participant"], name="Troll", identity=identity) as back:
            await back.add_card("back again")
