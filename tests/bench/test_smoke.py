"""A tiny run of the benchmark: it runs end to end and loses nothing.

Never asserts a timing (the machine is shared and noisy); only that every
system under test delivered every message exactly once (Prikbord also on a
moderated board, where events go out as per-class variants), and that the
other scenarios complete with zero loss.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_quick_runs_and_loses_nothing(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--moderated", "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads(out.read_text())
    rows = report["results"]
    fan = [r for r in rows if r["scenario"] == "fanout"]
    assert {r["system"] for r in fan} == {
        "prikbord", "prikbord-moderated", "raw-starlette", "raw-websockets", "python-socketio",
        "node-socketio",
    }  # fmt: skip
    for r in fan:
        assert r["connect_failed"] == 0, r
        assert r["deliveries"] == r["offered"] > 0, r
        assert (r["lost"], r["doubled"]) == (0, 0), r
    others = {r["scenario"]: r for r in rows if r["scenario"] != "fanout"}
    assert set(others) >= {"many_boards", "join", "storm", "memory", "ops"}
    for name in ("many_boards", "storm", "ops"):
        assert (others[name]["lost"], others[name]["doubled"]) == (0, 0), others[name]
    assert others["many_boards"]["deliveries"] > 0
    assert others["storm"]["not_recovered"] == 0, others["storm"]
    assert others["join"]["resume_recovered"] is True
    assert others["ops"]["acked"] > 0
    assert "cores" in report["machine"]


def test_bench_on_a_cluster_runs_and_loses_nothing(tmp_path: Path) -> None:
    """``--valkey cluster``: the same scenarios on 3 masters; boards spread
    over the shards and nothing is lost (CPU is read per shard)."""
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--only", "many_boards,ops",
         "--valkey", "cluster", "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    rows = {r["scenario"]: r for r in json.loads(out.read_text())["results"]}
    assert set(rows) == {"many_boards", "ops"}
    for r in rows.values():
        assert r["valkey"] == "cluster-3", r
        assert len(r["valkey_cpu_pct_per_shard"]) == 3, r
        assert (r["lost"], r["doubled"]) == (0, 0), r
    assert rows["many_boards"]["acked"] == rows["many_boards"]["published"] > 0
    assert rows["ops"]["acked"] > 0
