"""The client's estimate of the server clock, and the board timer on it
(client/clock.py): pure, local times passed in."""

from __future__ import annotations

from client.clock import ServerClock, format_ms, timer_at
from protocol.model import Session


def test_a_sample_is_the_midpoint_of_its_round_trip() -> None:
    clock = ServerClock()
    assert not clock.known and clock.offset_ms == 0.0
    # Sent at local 1000, answered at local 1100; the server said 50_000.
    clock.sample(50_000, 1000.0, 1100.0)
    assert clock.known
    assert clock.offset_ms == 50_000 - 1050
    assert clock.error_ms == 50
    assert clock.server_now(2050.0) == 51_000


def test_the_shortest_round_trip_wins_and_reset_forgets() -> None:
    clock = ServerClock()
    clock.sample(10_000, 0.0, 400.0)  # slow: ± 200 ms
    clock.sample(10_500, 500.0, 510.0)  # fast: ± 5 ms
    clock.sample(11_000, 600.0, 1000.0)  # slow again
    assert clock.offset_ms == 10_500 - 505 and clock.error_ms == 5
    clock.reset()
    assert not clock.known and clock.error_ms == float("inf")


def test_old_samples_leave_the_window() -> None:
    clock = ServerClock()
    clock.sample(1000, 0.0, 2.0)  # the best, but old
    for i in range(8):
        clock.sample(5000, 100.0 + i, 150.0 + i)
    assert clock.error_ms == 25


def test_timer_states_on_server_time() -> None:
    assert timer_at(Session(), 0).state == "idle"
    running = Session(timer_duration=300_000, timer_ends_at=1_000_300_000)
    at = timer_at(running, 1_000_100_000)
    assert (at.state, at.remaining_ms, at.duration_ms) == ("running", 200_000, 300_000)
    assert at.remaining_s == 200.0
    assert timer_at(running, 1_000_400_000)[:2] == ("done", 0)
    paused = Session(timer_duration=300_000, timer_remaining=42_000)
    assert timer_at(paused, 5)[:2] == ("paused", 42_000)


def test_format_rounds_up_to_whole_seconds() -> None:
    assert format_ms(0) == "0:00"
    assert format_ms(1) == "0:01"
    assert format_ms(299_001) == "5:00"
    assert format_ms(3_600_000) == "1:00:00"
    assert format_ms(3_725_000) == "1:02:05"
