"""A tiny run of the notes benchmark (bench/notes.py): simulated typists
converge, nothing is refused, and the snapshot holds the text, not the
keystrokes. Never asserts a timing."""

from __future__ import annotations

from bench.notes import run


def test_notes_bench_converges_and_the_snapshot_stays_small() -> None:
    result = run(typists=3, minutes=0.5)
    assert result["converged"] and result["refused"] == 0
    assert result["events"] > 0 and result["keystrokes"] > result["events"]  # batched
    assert result["snapshot_bytes"] < result["log_bytes_without_snapshots"]
