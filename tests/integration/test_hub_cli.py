"""``prikbord hub …`` as an operator runs it (subprocesses) against a real
Valkey and a running server: hubs added, changed, listed and removed; an
agenda added, listed and cancelled; bad input refused with the field and
nothing changed; the screen link works on the server (and stops when
replaced)."""

from __future__ import annotations

import asyncio
import json
import os
import sys

import httpx

from server.embedded import EmbeddedValkey
from tests.integration.conftest import Nodes, nodes, valkey
from tests.support.servers import ROOT, TEST_SECRET

__all__ = ["nodes", "valkey"]


async def hub_cli(valkey: EmbeddedValkey, *args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "prikbord.cli", "hub", *args,
        cwd=ROOT,
        env={**os.environ, "PRIKBORD_REDIS_URL": valkey.url, "PRIKBORD_SECRET": TEST_SECRET},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    async with asyncio.timeout(60):
        out, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_hubs_and_their_agenda_on_the_command_line(
    nodes: Nodes, valkey: EmbeddedValkey
) -> None:
    node = nodes.start()
    rc, out, err = await hub_cli(
        valkey, "add", "rotterdam", "--name", "RvO Rotterdam", "--place", "Coolsingel 1",
        "--partner", "Havenbedrijf", "--partner", "Gemeente", "--student", "Mo",
        "--email", "hub@example.org",
    )  # fmt: skip
    assert rc == 0, err
    assert "created hub rotterdam" in out
    assert valkey.url in out  # which store: the server's, or ./data's by mistake
    rc, _out, err = await hub_cli(valkey, "add", "rotterdam", "--name", "Again")
    assert rc == 1 and "exists" in err
    rc, _out, err = await hub_cli(valkey, "add", "Bad_Slug", "--name", "X")
    assert rc == 2 and "slug" in err
    rc, _out, err = await hub_cli(valkey, "add", "ok-slug", "--name", "X", "--url", "ftp://x")
    assert rc == 1 and "contact.url" in err
    rc, out, _ = await hub_cli(valkey, "set", "rotterdam", "--supervisor", "Hogeschool Rotterdam")
    assert rc == 0
    rc, out, _ = await hub_cli(valkey, "list", "--json")
    [hub] = json.loads(out)
    assert hub["slug"] == "rotterdam" and hub["supervisor"] == "Hogeschool Rotterdam"
    assert hub["partners"] == ["Havenbedrijf", "Gemeente"] and hub["students"] == ["Mo"]

    rc, out, err = await hub_cli(
        valkey, "agenda", "rotterdam", "add", "--type", "walk_in", "--title", "Open inloop",
        "--start", "2031-02-03T13:00", "--end", "2031-02-03T17:00", "--place", "Begane grond",
    )  # fmt: skip
    assert rc == 0, err
    activity_id = out.split("\t", 1)[0]
    assert "2031-02-03 13:00-17:00\tconfirmed\tOpen inloop\tOpen inloop" in out
    rc, _out, err = await hub_cli(
        valkey, "agenda", "rotterdam", "add", "--type", "walk_in", "--title", "Wrong way",
        "--start", "2031-02-03T13:00", "--end", "2031-02-03T12:00",
    )  # fmt: skip
    assert rc == 1 and "end: must be after the start" in err
    rc, out, _ = await hub_cli(valkey, "agenda", "rotterdam", "list", "--json")
    [listed] = json.loads(out)
    assert listed["id"] == activity_id and listed["start"] == "2031-02-03T12:00:00Z"
    rc, out, _ = await hub_cli(valkey, "agenda", "rotterdam", "cancel", activity_id)
    assert rc == 0 and "cancelled" in out
    rc, _out, err = await hub_cli(valkey, "agenda", "rotterdam", "cancel", "nosuchid1")
    assert rc == 1 and "no activity" in err

    rc, out, _ = await hub_cli(valkey, "screen-link", "rotterdam", "--base", node.http)
    assert rc == 0
    link = out.strip()
    assert link.startswith(f"{node.http}/hub/rotterdam/screen#")
    token = link.split("#", 1)[1]
    now_url = f"{node.http}/api/hubs/rotterdam/now"
    auth = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient() as http:
        assert (await http.get(now_url, headers=auth)).json()["mode"] == "agenda"
    rc, out, _ = await hub_cli(valkey, "screen-link", "rotterdam", "--replace", "--base", "")
    assert rc == 0 and out.startswith("/hub/rotterdam/screen#")
    async with httpx.AsyncClient() as http:
        assert (await http.get(now_url, headers=auth)).status_code == 401

    rc, out, _ = await hub_cli(valkey, "remove", "rotterdam")
    assert rc == 0
    rc, out, _ = await hub_cli(valkey, "list")
    assert "no hubs yet" in out
    rc, _out, err = await hub_cli(valkey, "agenda", "rotterdam", "list")
    assert rc == 1 and "no hub rotterdam" in err
