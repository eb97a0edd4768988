"""Counters of what a node did, for ``/metrics`` (Prometheus text format).

One registry per process: each worker process is one node, and the code
that counts (a socket's send queue, an append, a refusal) runs in it. The
counters only grow; ``/metrics`` adds the gauges it reads from the node.
"""

from __future__ import annotations

from collections import Counter

#: name → help text; a counter not listed here is a bug (``inc`` refuses it).
HELP = {
    "prikbord_appends_total": "ops appended to a board's log (result: new or duplicate)",
    "prikbord_closes_total": "sockets this node closed, by close code (4001: slow consumer)",
    "prikbord_send_queue_dropped_total": "frames dropped from send queues of closed sockets",
    "prikbord_errors_sent_total": "error frames sent to clients, by error code (SPEC §9)",
    "prikbord_redis_errors_total": "Redis/Valkey errors met, by where (append, join, pump, ...)",
    "prikbord_previews_total": "link previews by result (fetched, cached, refused by the "
    "address guard, failed, stale, dropped, error)",
    "prikbord_uploads_total": "file uploads by result (stored, or the refusal's code: "
    "too_large, unsupported_type, invalid, forbidden, rate_limited, unavailable, ...)",
    "prikbord_upload_bytes_total": "bytes of uploaded files as stored (after re-encoding)",
}

Labels = tuple[tuple[str, str], ...]


class Metrics:
    def __init__(self) -> None:
        self._counts: Counter[tuple[str, Labels]] = Counter()

    def inc(self, name: str, n: int = 1, **labels: str | int) -> None:
        if name not in HELP:
            raise KeyError(f"unknown metric {name}")
        self._counts[(name, tuple(sorted((k, str(v)) for k, v in labels.items())))] += n

    def value(self, name: str, **labels: str | int) -> int:
        return self._counts[(name, tuple(sorted((k, str(v)) for k, v in labels.items())))]

    def lines(self) -> list[str]:
        """Every counter, each name once with its HELP and TYPE, values by
        label set; names never counted yet show 0 so dashboards find them."""
        out: list[str] = []
        for name, text in HELP.items():
            out += [f"# HELP {name} {text}", f"# TYPE {name} counter"]
            series = sorted((labels, n) for (k, labels), n in self._counts.items() if k == name)
            if not series:
                out.append(f"{name} 0")
            for labels, n in series:
                inner = ",".join(f'{k}="{v}"' for k, v in labels)
                out.append(f"{name}{{{inner}}} {n}" if inner else f"{name} {n}")
        return out


METRICS = Metrics()
