"""The hubs' public pages and feeds from a real server process: HTML that
escapes what coordinators typed, the embeddable page alone allowed in
frames, the activity page's join link and QR code, the visit form without
JavaScript, and the feeds parsed back (vobject for iCal, the stdlib XML
parser for Atom)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import vobject  # type: ignore[import-untyped]

from server.embedded import EmbeddedValkey
from tests.integration.conftest import Nodes, nodes, valkey
from tests.integration.test_accounts import Tab, add_account
from tests.integration.test_hubs_api import HUB, activity

__all__ = ["nodes", "valkey"]


def iso(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).isoformat()


async def _setup(node: Any, valkey: EmbeddedValkey) -> tuple[Tab, dict[str, Any]]:
    await add_account(valkey, "coco", "coordinator")
    coco = Tab(node)
    await coco.login("coco")
    hub = {**HUB, "name": "Delft <script>alert(1)</script>"}
    assert (await coco.send("POST", "/api/hubs", hub)).status_code == 201
    board = await coco.create("Ideeënbord")
    res = await coco.send(
        "POST",
        "/api/hubs/delft/activities",
        activity(title="Brainstorm <b>vet</b>", board=board["board"]),
    )
    assert res.status_code == 201, res.text
    made: dict[str, Any] = res.json()
    made["board_links"] = board["links"]
    return coco, made


async def test_pages_render_escape_and_link_to_the_board(
    nodes: Nodes, valkey: EmbeddedValkey
) -> None:
    node = nodes.start()
    coco, made = await _setup(node, valkey)
    try:
        async with httpx.AsyncClient(base_url=node.http) as web:
            res = await web.get("/hubs")
            assert res.status_code == 200 and res.headers["content-type"].startswith("text/html")
            assert "Delft &lt;script&gt;" in res.text and "<script>alert" not in res.text
            assert "frame-ancestors 'none'" in res.headers["content-security-policy"]
            res = await web.get("/hubs/delft")
            assert res.status_code == 200
            assert "Brainstorm &lt;b&gt;vet&lt;/b&gt;" in res.text
            assert f"/hubs/delft/a/{made['id']}" in res.text
            assert 'href="http://127.0.0.1' in res.text and "/hubs/delft/agenda.ics" in res.text
            assert "&lt;prikbord-agenda hub=&#34;delft&#34;" in res.text  # the snippet, as text
            assert "frame-ancestors 'none'" in res.headers["content-security-policy"]
            # A public board of the hub is listed with its read-only link.
            assert f"/screen/{made['board']}" not in res.text
            res = await coco.send(
                "PUT", f"/api/hubs/delft/boards/{made['board']}", {"public": True}
            )
            assert res.status_code == 200
            res = await web.get("/hubs/delft")
            assert "Ideeënbord" in res.text and f"/screen/{made['board']}#t=" in res.text
            res = await web.get(f"/hubs/delft/a/{made['id']}")
            assert res.status_code == 200
            join = made["board_links"]["join"]
            assert f'href="{join}"' in res.text
            assert 'src="data:image/svg+xml' in res.text
            # schema.org Event data for search engines, its text escaped.
            data = res.text.split('<script type="application/ld+json">', 1)[1]
            event = json.loads(data.split("</script>", 1)[0])
            assert event["@type"] == "Event" and event["name"] == "Brainstorm <b>vet</b>"
            assert "<b>" not in data.split("</script>", 1)[0]
            res = await web.get("/hubs/delft/embed")
            assert res.status_code == 200 and "Brainstorm &lt;b&gt;vet" in res.text
            csp = res.headers["content-security-policy"]
            assert "frame-ancestors *" in csp and "script-src 'self'" in csp
            assert (await web.get("/hubs/nope")).status_code == 404
            assert (await web.get("/hubs/delft/a/nope")).status_code == 404
            res = await web.get("/embed/agenda.js")
            assert res.status_code == 200 and "customElements.define" in res.text
            assert res.headers["access-control-allow-origin"] == "*"
            # The feeds.
            res = await web.get("/hubs/delft/agenda.ics")
            assert res.headers["content-type"].startswith("text/calendar")
            [event] = vobject.readOne(res.text).vevent_list
            assert event.summary.value == "Brainstorm <b>vet</b>"
            assert event.url.value.endswith(f"/hubs/delft/a/{made['id']}")
            res = await web.get("/hubs/agenda.ics")
            assert len(vobject.readOne(res.text).vevent_list) == 1
            res = await web.get("/hubs/delft/agenda.atom")
            root = ET.fromstring(res.content)
            ns = {"a": "http://www.w3.org/2005/Atom"}
            titles = [e.findtext("a:title", namespaces=ns) for e in root.findall("a:entry", ns)]
            assert len(titles) == 1 and titles[0] and titles[0].startswith("Brainstorm <b>vet</b>")
    finally:
        await coco.close()


async def test_the_visit_form_works_without_javascript(
    nodes: Nodes, valkey: EmbeddedValkey
) -> None:
    node = nodes.start()
    coco, _made = await _setup(node, valkey)
    wish = (datetime.now(UTC) + timedelta(days=9)).strftime("%Y-%m-%dT10:00")
    form = {
        "group": "Groep 8, De Regenboog",
        "contact": "juf@example.org",
        "size": "28",
        "wish1": wish,
        "wish2": "",
        "wish3": "",
        "message": "Graag!",
        "website": "",
    }
    try:
        async with httpx.AsyncClient(base_url=node.http, headers={"Origin": node.http}) as web:
            res = await web.post("/hubs/delft/visit", data={**form, "size": "nul"})
            assert res.status_code == 422
            assert "Aantal personen" in res.text and 'value="Groep 8, De Regenboog"' in res.text
            res = await web.post("/hubs/delft/visit", data=form)
            assert res.status_code == 303
            assert res.headers["location"] == "/hubs/delft?visit=sent#visit"
            assert "aanvraag is verstuurd" in (await web.get(res.headers["location"])).text
        async with httpx.AsyncClient(base_url=node.http) as other:
            res = await other.post(
                "/hubs/delft/visit", data=form, headers={"Origin": "https://evil.example"}
            )
            assert res.status_code == 403
        pending = (await coco.http.get("/api/hubs/delft/activities?status=pending")).json()
        [request] = pending["activities"]
        assert request["request"]["group"] == "Groep 8, De Regenboog"
        assert request["start_local"].startswith(wish)
    finally:
        await coco.close()
