"""The hubs' public pages in real Chromium: the hub page shows its agenda
under the CSP with no error and is axe-clean, on a laptop and a phone; a
school sends the visit form; and another site (another origin) shows the
agenda both ways it can be embedded — the iframe page and the
``<prikbord-agenda>`` web component."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ROOT, Browsers, Server, shot
from tests.e2e.test_a11y import Axe, _page
from tests.e2e.test_csp import _clean, _watched
from tests.support.valkey import free_port

pytestmark = pytest.mark.e2e


def hub_cli(server: Server, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "prikbord.cli", "hub", *args, "--data", str(server.data_dir)],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def _local(days: int, hour: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).strftime(f"%Y-%m-%dT{hour:02d}:00")


@pytest.fixture
def hub(server: Server) -> Server:
    hub_cli(server, "add", "delft", "--name", "RvO Delft", "--place", "Markt 1, Delft",
            "--partner", "Gemeente Delft", "--student", "Sanne",
            "--email", "hub@example.org")  # fmt: skip
    board = server.create_board("Binnenstad")["board"]
    hub_cli(server, "agenda", "delft", "add", "--type", "co_creation",
            "--title", "Co-creatie binnenstad", "--start", _local(3, 14), "--end", _local(3, 16),
            "--place", "Zaal 1", "--host", "Sanne", "--board", board)  # fmt: skip
    hub_cli(server, "agenda", "delft", "add", "--type", "walk_in", "--title", "Open inloop",
            "--start", _local(4, 10), "--end", _local(4, 12))  # fmt: skip
    return server


class _Site(BaseHTTPRequestHandler):
    """Another site: one page embedding the hub's agenda (both ways)."""

    page = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(self.page)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def other_site(hub: Server) -> Iterator[str]:
    _Site.page = f"""<!doctype html><html lang="en"><head><title>Another site</title></head>
<body><h1>Our school</h1>
<iframe id="frame" src="{hub.url}/hubs/delft/embed" title="Agenda"
 style="width:100%;height:20rem;border:0"></iframe>
<script type="module" src="{hub.url}/embed/agenda.js"></script>
<prikbord-agenda id="component" hub="delft" server="{hub.url}" lang="en"></prikbord-agenda>
</body></html>""".encode()
    port = free_port()
    site = ThreadingHTTPServer(("127.0.0.1", port), _Site)
    thread = threading.Thread(target=site.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{port}"  # another origin than 127.0.0.1:<hub port>
    finally:
        site.shutdown()
        site.server_close()


def test_the_hub_page_shows_its_agenda_and_takes_a_visit_request(
    hub: Server, people: Browsers, tmp_path: Path
) -> None:
    page = _watched(people)
    page.goto(hub.url + "/hubs")
    page.get_by_role("link", name="RvO Delft").click()
    expect(page.get_by_role("heading", name="RvO Delft", level=1)).to_be_visible()
    agenda = page.locator("section.panel")
    expect(agenda.get_by_role("link", name="Co-creatie binnenstad")).to_be_visible()
    expect(agenda.get_by_text("Co-creatiesessie")).to_be_visible()
    expect(agenda.get_by_role("link", name="Open inloop")).to_be_visible()
    expect(page.get_by_text("Gemeente Delft")).to_be_visible()
    shot(page, "hubs-page")
    _clean(page, "hub page")
    # The visit form, without any script.
    page.get_by_label("School of groep").fill("Groep 8, De Regenboog")
    page.get_by_label("E-mail of telefoon").fill("juf@example.org")
    page.get_by_label("Aantal personen").fill("26")
    page.get_by_label("Gewenste datum en tijd").fill(_local(20, 10))
    page.get_by_role("button", name="Aanvraag versturen").click()
    expect(page.get_by_role("status")).to_contain_text("aanvraag is verstuurd")
    _clean(page, "hub page after the visit form")
    listed = hub_cli(hub, "agenda", "delft", "list")
    assert "pending\tBezoek of rondleiding\tBezoek: Groep 8, De Regenboog" in listed
    # The activity page.
    page.get_by_role("link", name="Co-creatie binnenstad").click()
    expect(page.get_by_role("heading", name="Co-creatie binnenstad")).to_be_visible()
    expect(page.get_by_text("Zaal 1, RvO Delft")).to_be_visible()
    expect(page.get_by_role("img", name="QR-code")).to_be_visible()
    shot(page, "hubs-activity")
    _clean(page, "activity page")
    # The join link takes a visitor onto the board.
    page.get_by_role("link", name="Meedoen").click()
    expect(page.get_by_test_id("join-name")).to_be_visible()


def test_the_hub_pages_are_axe_clean_on_a_laptop_and_a_phone(hub: Server, people: Browsers) -> None:
    axe = Axe()
    for width, height, mobile in ((1366, 800, False), (390, 844, True)):
        page = _page(people, width, height, mobile=mobile)
        for path in ("/hubs", "/hubs/delft", "/hubs/delft/embed"):
            page.goto(hub.url + path)
            axe.check(page, f"{path} at {width}px")
            overflow = page.evaluate(
                "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{path} scrolls sideways at {width}px"
        page.goto(hub.url + "/hubs/delft")
        href = page.locator("section.panel").get_by_role("link", name="Co-creatie binnenstad")
        page.goto(str(href.get_attribute("href")))
        axe.check(page, f"an activity page at {width}px")
        if mobile:
            page.goto(hub.url + "/hubs/delft")
            shot(page, "hubs-page-phone")
    assert axe.report == [], "\n".join(axe.report)


def test_another_site_embeds_the_agenda_as_iframe_and_web_component(
    other_site: str, people: Browsers
) -> None:
    page = people.page()
    page.goto(other_site)
    frame = page.frame_locator("#frame")
    expect(frame.get_by_role("link", name="Co-creatie binnenstad")).to_be_visible()
    component = page.locator("#component")
    expect(component.get_by_role("link", name="Co-creatie binnenstad")).to_be_visible()
    expect(component.get_by_text("Co-creation session")).to_be_visible()
    expect(component.get_by_role("link", name="Subscribe (iCal)")).to_be_visible()
    shot(page, "hubs-embedded")
    assert page.errors == []  # type: ignore[attr-defined]
