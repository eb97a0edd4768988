"""``python -m bench.browser``: how hard the web app works on a big board.

Measures, in real Chromium (Playwright), the main thread of the hub screen
(1920 x 1080) and of a phone (390 x 844, touch) on a board of 1,000 cards while
a driver posts updates at 5 and 20 per second, and the load time of a board
of 5,000 cards:

* **busy %**: the share of wall time the page's main thread ran tasks, from
  the DevTools ``Performance.getMetrics`` counter ``TaskDuration`` (CDP)
  over the measuring window;
* **longest task** and the number of **long tasks** (> 50 ms, the
  browser's own definition), from a ``PerformanceObserver`` on ``longtask``
  entries;
* **load**: navigation start to the first card on screen (and to all of the
  board's cards in the replica), plus the longest task while loading.

One page runs at a time (the machine has two cores; two pages would measure
each other). The updates are a realistic mix on existing cards — comments,
reactions, edits, moves — and new cards, sent by one facilitator connection
of a server whose op rate limits are lifted (tests/support/seed.py).

    python -m bench.browser                          # this checkout
    python -m bench.browser --root /tmp/before       # another checkout (its server and dist)
    python -m bench.browser --quick                  # 300 cards, short windows (a smoke run)

``--root`` must hold a built web app (``client/web/dist``). Results go to
stdout as a table and to ``--out`` as JSON; BENCHMARKS.md has the numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from fractional_indexing import generate_key_between
from playwright.sync_api import Browser, CDPSession, Page, sync_playwright

from tests.support.seed import FAST_OPS_ENV, Seeder, card_ops, keys, section_ops, seed_sync

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("PRIKBORD_CHROMIUM", "/usr/bin/chromium")
SECTIONS = ["Questions", "Offers", "Ideas", "Help wanted", "Done"]

#: Collects long tasks from the start of the page (buffered entries too).
LONGTASKS_JS = """
window.__longtasks = [];
try {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__longtasks.push([e.startTime, e.duration]);
  }).observe({ type: "longtask", buffered: true });
} catch (e) {}
localStorage.setItem("prikbord:name", "Bench phone");
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``prikbord serve`` of the checkout at ``root`` (its Python code and
    its built web app), embedded Valkey, op limits lifted."""

    def __init__(self, root: Path, data: Path) -> None:
        self.root, self.data, self.port = root, data, free_port()
        self.http = f"http://127.0.0.1:{self.port}"
        self.ws = f"ws://127.0.0.1:{self.port}/ws"
        env = {
            **os.environ,
            **FAST_OPS_ENV,
            "PYTHONPATH": str(root),
            "PRIKBORD_LOG_LEVEL": "warning",
            "PRIKBORD_OPEN_BOARD_CREATION": "1",
            "PRIKBORD_CREATE_BOARDS_PER_IP": "1000000",
        }
        args = [sys.executable, "-m", "prikbord.cli", "serve", "--port", str(self.port)]
        args += ["--data", str(data)]
        self.log = (data.parent / "server.log").open("ab")
        self.proc = subprocess.Popen(args, cwd=root, env=env, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.http + "/readyz", timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def create_board(self, title: str, layout: str) -> dict[str, Any]:
        req = urllib.request.Request(
            self.http + "/api/boards",
            data=json.dumps({"title": title, "layout": layout}).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            body: dict[str, Any] = json.load(resp)
            return body

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def token_of(link: str) -> str:
    return link.split("#t=", 1)[1].split("&", 1)[0]


def big_board(srv: Server, n: int, layout: str = "columns") -> dict[str, Any]:
    created = srv.create_board(f"Hub Noord · {n} cards", layout)
    fac = token_of(created["links"]["facilitator"])
    ops = [*section_ops(SECTIONS), *card_ops(n, sections=[f"s{i}" for i in range(len(SECTIONS))])]
    t0 = time.perf_counter()
    seed_sync(srv.ws, created["board"], fac, ops)
    created["seed_s"] = round(time.perf_counter() - t0, 1)
    created["cards"] = n
    return created


class Driver:
    """Posts updates at ``rate`` per second from a thread of its own: a mix
    of comments, reactions, edits and moves on the board's cards, and new
    cards (one in ten)."""

    def __init__(self, srv: Server, board: dict[str, Any], rate: float) -> None:
        self.srv, self.board, self.rate = srv, board, rate
        self.sent = 0
        self.keys = keys(int(board["cards"]))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    def __enter__(self) -> Driver:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(30)

    def _op(self, rng: random.Random, k: int) -> dict[str, Any]:
        n = int(self.board["cards"])
        cid = f"c{rng.randrange(n):05d}"
        r = rng.random()
        if r < 0.3:
            return {"type": "comment.add", "id": f"bm{k}", "card": cid, "body": f"Comment {k}"}
        if r < 0.6:
            emoji = rng.choice(("👍", "❤️", "💡", "🎉"))
            return {"type": "reaction.set", "card": cid, "emoji": emoji, "on": rng.random() < 0.7}
        if r < 0.8:
            return {"type": "card.set", "id": cid, "body": f"Edited {k}: more words here."}
        if r < 0.9:
            j = rng.randrange(n - 1)
            return {
                "type": "card.move",
                "id": cid,
                "pos": generate_key_between(self.keys[j], self.keys[j + 1]),
            }
        s = f"s{k % len(SECTIONS)}"
        pos = generate_key_between(self.keys[-1], None) + f"{k}V"
        return {"type": "card.add", "id": f"bn{k}", "title": f"New {k}", "body": "Just posted.",
                "section": s, "pos": pos, "x": 40, "y": 40}  # fmt: skip

    async def _run(self) -> None:
        fac = token_of(self.board["links"]["facilitator"])
        s = await Seeder.join(self.srv.ws, self.board["board"], fac, "Driver")
        rng = random.Random(7)
        k = int(time.time() * 1000) % 1_000_000
        t0 = time.perf_counter()
        try:
            while not self._stop.is_set():
                due = t0 + self.sent / self.rate
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                await s.send([self._op(rng, k + self.sent)])
                self.sent += 1
        finally:
            await s.close()


_CDP: dict[int, CDPSession] = {}


def metrics(page: Page) -> dict[str, float]:
    """The DevTools performance counters (cumulative since the page opened:
    the session enabling them is made in :func:`open_page`)."""
    cdp = _CDP[id(page)]
    return {m["name"]: float(m["value"]) for m in cdp.send("Performance.getMetrics")["metrics"]}


def open_page(browser: Browser, kind: str, board: dict[str, Any]) -> Page:
    if kind == "screen":
        ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
        link = board["links"]["viewer"]
    else:
        ctx = browser.new_context(
            viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
        )
        link = board["links"]["participant"]
    ctx.add_init_script(LONGTASKS_JS)
    page = ctx.new_page()
    cdp = ctx.new_cdp_session(page)
    cdp.send("Performance.enable")
    _CDP[id(page)] = cdp
    page.goto(link)
    page.wait_for_selector("[data-testid=conn][data-state=connected]", timeout=120_000)
    page.wait_for_selector("[data-testid=card]", timeout=120_000)
    return page


def measure(browser: Browser, srv: Server, board: dict[str, Any], kind: str, rate: float,
            warm_s: float, window_s: float) -> dict[str, Any]:  # fmt: skip
    page = open_page(browser, kind, board)
    try:
        with Driver(srv, board, rate) as drv:
            page.wait_for_timeout(warm_s * 1000)
            before = metrics(page)
            t_before = page.evaluate("performance.now()")
            sent0 = drv.sent
            page.wait_for_timeout(window_s * 1000)
            after = metrics(page)
            tasks = page.evaluate(f"window.__longtasks.filter(([s]) => s >= {t_before})")
            sent = drv.sent - sent0
        wall = after["Timestamp"] - before["Timestamp"]

        def share(name: str) -> float:
            return round(100 * (after[name] - before[name]) / wall, 1)

        longest = max((d for _, d in tasks), default=0.0)
        return {
            "page": kind, "rate": rate, "cards": board["cards"], "window_s": round(wall, 1),
            "updates": sent, "busy_pct": share("TaskDuration"),
            "script_pct": share("ScriptDuration"),
            "layout_pct": share("LayoutDuration"), "style_pct": share("RecalcStyleDuration"),
            "long_tasks": len(tasks), "longest_task_ms": round(longest),
            "dom_nodes": int(after["Nodes"]),
        }  # fmt: skip
    finally:
        page.context.close()


def load_time(browser: Browser, board: dict[str, Any], kind: str) -> dict[str, Any]:
    page = open_page(browser, kind, board)
    try:
        first = page.evaluate("performance.now()")
        n = int(board["cards"])
        page.wait_for_function(
            f"() => window.prikbord && window.prikbord.replica.view().cards.size >= {n}",
            timeout=120_000,
        )
        tasks = page.evaluate("window.__longtasks")
        m = metrics(page)
        return {
            "page": kind, "cards": n, "first_card_ms": round(first),
            "longest_task_ms": round(max((d for _, d in tasks), default=0.0)),
            "busy_s": round(m["TaskDuration"], 2), "dom_nodes": int(m["Nodes"]),
        }  # fmt: skip
    finally:
        page.context.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.browser", description=__doc__.split("\n")[0])
    ap.add_argument("--root", type=Path, default=ROOT, help="checkout to serve (built dist)")
    ap.add_argument("--cards", type=int, default=1000)
    ap.add_argument("--load-cards", type=int, default=5000)
    ap.add_argument("--rates", default="5,20")
    ap.add_argument("--pages", default="screen,phone")
    ap.add_argument("--warm", type=float, default=4.0)
    ap.add_argument("--window", type=float, default=15.0)
    ap.add_argument("--quick", action="store_true", help="300 cards, 1,000 to load, short windows")
    ap.add_argument("--label", default="")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--merge", action="store_true", help="add to the results already in --out")
    a = ap.parse_args(argv)
    if a.quick:
        a.cards, a.load_cards, a.warm, a.window = 300, 1000, 2.0, 5.0
    root = a.root.resolve()
    if not (root / "client/web/dist/index.html").exists():
        print(f"no built web app in {root}/client/web/dist", file=sys.stderr)
        return 2
    rates = [float(r) for r in a.rates.split(",") if r]
    pages = [p for p in a.pages.split(",") if p]
    runs: list[dict[str, Any]] = []
    loads: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="prikbord-bench-") as tmp:
        srv = Server(root, Path(tmp) / "data")
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
                )
                board = big_board(srv, a.cards) if rates else {}
                if rates:
                    print(f"seeded {a.cards} cards in {board['seed_s']} s", file=sys.stderr)
                for kind in pages if rates else []:
                    for rate in rates:
                        r = measure(browser, srv, board, kind, rate, a.warm, a.window)
                        print(json.dumps(r), file=sys.stderr)
                        runs.append(r)
                if a.load_cards:
                    big = big_board(srv, a.load_cards)
                    print(f"seeded {a.load_cards} cards in {big['seed_s']} s", file=sys.stderr)
                    for kind in pages:
                        r = load_time(browser, big, kind)
                        print(json.dumps(r), file=sys.stderr)
                        loads.append(r)
                browser.close()
        finally:
            srv.stop()
    print(f"{'page':8} {'cards':>6} {'upd/s':>6} {'busy %':>7} {'script':>7} {'layout':>7} "
          f"{'style':>6} {'long':>5} {'max ms':>7} {'nodes':>7}")  # fmt: skip
    for r in runs:
        print(f"{r['page']:8} {r['cards']:>6} {r['rate']:>6g} {r['busy_pct']:>7} "
              f"{r['script_pct']:>7} {r['layout_pct']:>7} {r['style_pct']:>6} "
              f"{r['long_tasks']:>5} {r['longest_task_ms']:>7} {r['dom_nodes']:>7}")  # fmt: skip
    for r in loads:
        print(f"load {r['page']:8} {r['cards']} cards: first card {r['first_card_ms']} ms, "
              f"longest task {r['longest_task_ms']} ms, busy {r['busy_s']} s, "
              f"{r['dom_nodes']} nodes")  # fmt: skip
    if a.out:
        if a.merge and a.out.exists():
            old = json.loads(a.out.read_text())
            runs, loads = old["runs"] + runs, old["loads"] + loads
        result = {"label": a.label, "root": str(root), "runs": runs, "loads": loads,
                  "cpus": os.cpu_count(), "at": time.strftime("%Y-%m-%d %H:%M")}  # fmt: skip
        a.out.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
