"""server/metrics.py: counters by label set, in Prometheus text."""

from __future__ import annotations

import pytest

from server.metrics import HELP, Metrics


def test_counters_render_by_label_and_start_at_zero() -> None:
    m = Metrics()
    m.inc("prikbord_errors_sent_total", code=311)
    m.inc("prikbord_errors_sent_total", 2, code=311)
    m.inc("prikbord_send_queue_dropped_total", 5)
    lines = m.lines()
    assert 'prikbord_errors_sent_total{code="311"} 3' in lines
    assert "prikbord_send_queue_dropped_total 5" in lines
    assert "prikbord_appends_total 0" in lines  # never counted: still listed
    assert sum(line.startswith("# TYPE ") for line in lines) == len(HELP)
    assert m.value("prikbord_errors_sent_total", code="311") == 3


def test_an_unknown_name_is_a_bug() -> None:
    with pytest.raises(KeyError):
        Metrics().inc("prikbord_typo_total")
