"""A whole hub server through ``prikbord admin backup`` / ``restore``
(format 3), with real Valkeys, real server processes and the real CLI:
accounts (with their password hashes, never their sessions), hubs with
their agenda, a pending visit request and the screen link's generation,
a saved template, and a hub's board with a photo — restored into a fresh
Valkey and data directory, a coordinator logs in, the hub's page and feed
show the agenda, the template makes a board, the board serves its photo.
A format-2 file still restores its boards; a newer, cut-off or damaged
file restores nothing."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

import httpx
import msgpack
import redis

from server.accounts import keys as account_keys
from server.accounts.passwords import hash_password
from server.accounts.store import AccountRole, AccountStore
from server.engine.client import SyncClient, connect, connect_sync
from server.engine.keys import BOARDS_KEY, board_keys
from server.hubs import keys as hub_keys
from tests.integration.test_accounts import PASSWORD, Tab
from tests.integration.test_hubs_api import HUB, activity, iso
from tests.support import media
from tests.support.cluster import Nodes
from tests.support.servers import ROOT, ServerProcess, token_of
from tests.support.valkey import start_valkey
from tests.support.valkeycluster import ValkeyCluster
from tests.support.wire import Wire, card


def _cli(*args: str) -> tuple[int, str, str]:
    proc = subprocess.run(
        [sys.executable, "-m", "prikbord.cli", *args], cwd=ROOT, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    return proc.returncode, proc.stdout, proc.stderr


def _upload(node: ServerProcess, board: str, token: str, name: str, data: bytes) -> dict[str, str]:
    r = httpx.post(
        f"{node.http}/api/boards/{board}/files",
        headers={"Authorization": f"Bearer {token}"},
        files={"file": (name, data, "application/octet-stream")},
        timeout=30,
    )
    assert r.status_code == 201, r.text
    body: dict[str, str] = r.json()
    return body


def _hub_keys(r: SyncClient, slug: str) -> dict[str, Any]:
    """Everything the store keeps of a hub (the board→hub entries of its boards too)."""
    boards = cast(
        list[tuple[bytes, float]], r.zrange(hub_keys.boards(slug), 0, -1, withscores=True)
    )
    return {
        "hub": r.hget(hub_keys.HUBS, slug),
        "activities": r.hgetall(hub_keys.activities(slug)),
        "when": r.zrange(hub_keys.when(slug), 0, -1, withscores=True),
        "boards": boards,
        "public": r.smembers(hub_keys.public(slug)),
        "board_hub": {b: r.hget(hub_keys.BOARD_HUB, b) for b, _ in boards},
    }


def _accounts(r: SyncClient) -> dict[bytes, Any]:
    names = cast(set[bytes], r.smembers(account_keys.ACCOUNTS))
    return {n: r.hgetall(account_keys.account(n.decode())) for n in names}


async def _fill(node: ServerProcess, valkey_url: str) -> dict[str, Any]:
    """An admin and a coordinator; hubs delft (two activities, a pending
    visit request, a replaced screen link, a board from a saved template
    holding a photo) and leiden (one activity)."""
    await _add(valkey_url, "ada", "admin")
    await _add(valkey_url, "coco", "coordinator")
    coco = Tab(node)
    assert (await coco.login("coco")).status_code == 200
    out: dict[str, Any] = {"coco": coco}
    res = await coco.send("POST", "/api/hubs", HUB)
    assert res.status_code == 201, res.text
    out["old_screen"] = res.json()["screen_link"].split("#", 1)[1]
    res = await coco.send("POST", "/api/hubs", {**HUB, "slug": "leiden", "name": "Hub Leiden"})
    assert res.status_code == 201, res.text
    res = await coco.send("POST", "/api/hubs/delft/screen-link/replace", {})
    assert res.status_code == 200, res.text
    out["screen"] = res.json()["screen_link"].split("#", 1)[1]
    for slug, title in (("delft", "Brainstorm duurzaam bouwen"), ("delft", "Open inloop vrijdag"),
                        ("leiden", "Training pitchen")):  # fmt: skip
        res = await coco.send("POST", f"/api/hubs/{slug}/activities", activity(title=title))
        assert res.status_code == 201, res.text
    async with httpx.AsyncClient(base_url=node.http) as school:
        res = await school.post("/api/hubs/delft/visit", json={
            "group": "Klas 4B", "contact": "docent@example.org", "size": 24,
            "wishes": [iso(timedelta(days=10))], "message": "Graag een rondleiding.",
        })  # fmt: skip
        assert res.status_code == 202, res.text
    # A saved template of the hub, and a board made from it in the hub, with a photo.
    source = await coco.create("Template source")
    res = await coco.send("POST", f"/api/boards/{source['board']}/template",
                          {"name": "Sessie-opzet", "hub": "delft"})  # fmt: skip
    assert res.status_code == 201, res.text
    out["template"] = res.json()["id"]
    res = await coco.send("POST", f"/api/library/templates/{out['template']}/boards",
                          {"title": "Sessie 1", "hub": "delft"})  # fmt: skip
    assert res.status_code == 201, res.text
    made = res.json()
    out["board"], out["links"] = made["board"], made["links"]
    fac = token_of(made["links"]["facilitator"])
    out["photo"] = _upload(node, made["board"], fac, "wall.jpg", media.photo())
    w = await Wire.join(node.ws, made["board"], fac, "Coco")
    assert (await w.op("1", card("c1", "wall", files=[out["photo"]])))["t"] == "ack"
    await w.close()
    res = await coco.send("PUT", f"/api/hubs/delft/boards/{made['board']}", {"public": True})
    assert res.status_code == 200, res.text
    return out


async def _add(url: str, name: str, role: AccountRole) -> None:
    """``test_accounts.add_account``, on a server or a cluster."""
    client = connect(url)
    await AccountStore(client).create(
        name, name.title(), role, hash_password(PASSWORD), int(time.time() * 1000)
    )
    await client.aclose()


async def test_a_hub_server_restores_whole_into_a_fresh_valkey(
    nodes: Nodes, tmp_path: Path
) -> None:
    a = nodes.start()
    filled = await _fill(a, nodes.valkey.url)
    src = redis.Redis.from_url(nodes.valkey.url)
    hubs_before = {slug: _hub_keys(src, slug) for slug in ("delft", "leiden")}
    accounts_before = _accounts(src)
    assert any(src.scan_iter("prikbord:{acct}:s:*")), "coco has a login session"
    # A lifecycle step that ran (its claim keeps it from running again).
    ran = hub_keys.transition(next(iter(hubs_before["leiden"]["activities"])).decode(), "end")
    src.set(ran, "1", px=3_600_000)

    backup = tmp_path / "hub.pbk"
    rc, out, err = _cli(
        "admin", "backup", str(backup), "--redis-url", nodes.valkey.url, "--data", str(a.data_dir)
    )
    assert rc == 0, err
    assert "2 accounts" in out and "2 hubs" in out and "1 saved templates" in out, out
    assert backup.stat().st_mode & 0o777 == 0o600  # password hashes inside

    other = start_valkey(tmp_path / "other")
    try:
        data = tmp_path / "restored"
        rc, out, err = _cli(
            "admin", "restore", str(backup), "--redis-url", other.url, "--data", str(data)
        )
        assert rc == 0, err
        assert "restored 2 accounts" in out and "2 hubs with 4 agenda items" in out, out
        dst = redis.Redis.from_url(other.url)
        # The stores' keys are as they were; no session came along.
        assert {s: _hub_keys(dst, s) for s in hubs_before} == hubs_before
        assert _accounts(dst) == accounts_before
        assert not any(dst.scan_iter("prikbord:{acct}:s:*"))
        assert not any(dst.scan_iter("prikbord:{acct}:u:*:sessions"))
        assert 0 < int(dst.pttl(ran)) <= 3_600_000  # the claim, with the time it had left

        b = ServerProcess(other.url, data, env=dict(a.extra_env)).start()
        try:
            await _check_restored(b, filled)
        finally:
            b.stop()

        # Again: what exists is left alone, and said so …
        rc, out, err = _cli("admin", "restore", str(backup), "--redis-url", other.url, "--no-files")
        assert rc == 0 and "restored 0 accounts" in out and "hub delft" in out, err
        assert any(dst.scan_iter("prikbord:{acct}:s:*")), "coco logged in on the restored server"
        assert _hub_keys(dst, "delft") != hubs_before["delft"], "a board was made in the hub"
        # … unless --replace: the file's content wins, the replaced accounts' sessions end.
        rc, out, err = _cli(
            "admin", "restore", str(backup), "--redis-url", other.url, "--no-files", "--replace"
        )
        assert rc == 0 and "restored 2 accounts" in out and "2 hubs" in out, err
        assert "1 saved templates" in out, out
        assert {s: _hub_keys(dst, s) for s in hubs_before} == hubs_before
        assert _accounts(dst) == accounts_before
        assert not any(dst.scan_iter("prikbord:{acct}:s:*"))
    finally:
        await filled["coco"].close()
        other.stop()
    _check_format_2(backup, tmp_path, filled["board"])
    _check_refusals(backup, tmp_path)


async def _check_restored(b: ServerProcess, filled: dict[str, Any]) -> None:
    coco = Tab(b)
    try:
        assert (await coco.login("coco")).status_code == 200
        admin = Tab(b)
        assert (await admin.login("ada")).status_code == 200
        assert (await admin.me())["account"]["role"] == "admin"
        await admin.close()
        pending = (await coco.http.get("/api/hubs/delft/activities?status=pending")).json()
        [visit] = pending["activities"]
        assert visit["request"]["group"] == "Klas 4B"
        async with httpx.AsyncClient(base_url=b.http) as web:
            page = await web.get("/hubs/delft")
            assert page.status_code == 200 and "Brainstorm duurzaam bouwen" in page.text
            feed = await web.get("/hubs/delft/agenda.ics")
            assert "Open inloop vrijdag" in feed.text and "Brainstorm duurzaam" in feed.text
            assert "Klas 4B" not in feed.text  # pending stays private
            leiden = await web.get("/hubs/leiden/agenda.ics")
            assert "Training pitchen" in leiden.text
            # The screen link handed out before the backup works; the replaced one does not.
            auth = {"Authorization": f"Bearer {filled['screen']}"}
            now = await web.get("/api/hubs/delft/now", headers=auth)
            assert now.status_code == 200, now.text
            auth = {"Authorization": f"Bearer {filled['old_screen']}"}
            assert (await web.get("/api/hubs/delft/now", headers=auth)).status_code == 401
        boards = (await coco.http.get("/api/hubs/delft/boards")).json()
        assert filled["board"] in str(boards)
        res = await coco.send("POST", f"/api/library/templates/{filled['template']}/boards",
                              {"title": "Sessie 2", "hub": "delft"})  # fmt: skip
        assert res.status_code == 201, res.text
    finally:
        await coco.close()
    photo = filled["photo"]
    viewer = token_of(filled["links"]["viewer"])
    async with httpx.AsyncClient() as web:
        got = await web.get(
            f"{b.http}/api/boards/{filled['board']}/files/{photo['id']}",
            headers={"Authorization": f"Bearer {viewer}"}, timeout=10,
        )  # fmt: skip
    assert got.status_code == 200 and hashlib.sha256(got.content).hexdigest() == photo["id"]


def _records(path: Path) -> list[Any]:
    with path.open("rb") as f:
        return list(msgpack.Unpacker(f, raw=False, strict_map_key=False))


def _write(path: Path, records: list[Any]) -> Path:
    path.write_bytes(b"".join(msgpack.packb(r, use_bin_type=True) for r in records))
    return path


def _check_format_2(backup: Path, tmp_path: Path, board: str) -> None:
    """A format-2 file (boards and stored files, no end record) restores."""
    header, *rest = _records(backup)
    old = [{**header, "version": 2}] + [r for r in rest if "board" in r or "blob" in r]
    v2 = _write(tmp_path / "v2.pbk", old)
    fresh = start_valkey(tmp_path / "v2")
    try:
        rc, out, err = _cli("admin", "restore", str(v2), "--redis-url", fresh.url,
                            "--data", str(tmp_path / "v2data"))  # fmt: skip
        assert rc == 0 and "restored 2 boards" in out and "restored 1 stored files" in out, err
        r = redis.Redis.from_url(fresh.url)
        assert r.exists(board_keys(board).meta) and r.scard(account_keys.ACCOUNTS) == 0
    finally:
        fresh.stop()


def _check_refusals(backup: Path, tmp_path: Path) -> None:
    """Newer, cut off, or one damaged record anywhere: exit 4, nothing written."""
    header, *rest = _records(backup)
    good = backup.read_bytes()
    hub_at = next(i for i, r in enumerate(rest) if "hub" in r)
    bad_hub = {**rest[hub_at], "value": "{not json"}
    bad_role = {**rest[0], "fields": {**rest[0]["fields"], "role": "emperor"}}
    assert "account" in rest[0]
    cases = {
        "newer": (_write(tmp_path / "v9.pbk", [{**header, "version": 9}, *rest]), "newer"),
        "cut": (tmp_path / "cut.pbk", "ends early"),
        "hub": (
            _write(tmp_path / "hub.pbk", [header, *rest[:hub_at], bad_hub, *rest[hub_at + 1 :]]),
            "damaged",
        ),
        "role": (_write(tmp_path / "role.pbk", [header, bad_role, *rest[1:]]), "damaged"),
        "after_end": (_write(tmp_path / "after.pbk", [header, *rest, rest[0]]), "damaged"),
        "missing": (_write(tmp_path / "missing.pbk", [header, *rest[1:]]), "it lists"),
    }
    # Cut at a record boundary before the end: every record read is whole.
    whole = len(good) - len(msgpack.packb(rest[-1], use_bin_type=True))
    whole -= len(msgpack.packb(rest[-2], use_bin_type=True))
    cases["cut"][0].write_bytes(good[:whole])
    fresh = start_valkey(tmp_path / "refusals")
    try:
        r = redis.Redis.from_url(fresh.url)
        for name, (path, says) in cases.items():
            rc, _out, err = _cli("admin", "restore", str(path), "--redis-url", fresh.url,
                                 "--data", str(tmp_path / "refused"))  # fmt: skip
            assert rc == 4 and says in err, (name, err)
            assert r.dbsize() == 0, name
            assert not (tmp_path / "refused" / "files").exists() or not any(
                p.is_file() for p in (tmp_path / "refused" / "files").rglob("*")
            ), name
    finally:
        fresh.stop()


async def test_backup_and_restore_on_a_three_master_cluster(tmp_path: Path) -> None:
    """Accounts (``{acct}``), hubs (``{hubs}``), templates and boards live
    on different shards: a backup of the cluster restores into it again
    after every master was emptied."""
    with ValkeyCluster(tmp_path / "cluster", masters=3, replicas=0) as cluster:
        node = ServerProcess(cluster.url, tmp_path / "node").start()
        try:
            filled = await _fill(node, cluster.url)
            await filled["coco"].close()
            rc = connect_sync(cluster.url)
            hubs_before = {s: _hub_keys(rc, s) for s in ("delft", "leiden")}
            accounts_before = _accounts(rc)
            boards_before = cast(set[bytes], rc.smembers(BOARDS_KEY))
            path = tmp_path / "cluster.pbk"
            code, out, err = _cli("admin", "backup", str(path), "--redis-url", cluster.url,
                                  "--data", str(node.data_dir))  # fmt: skip
            assert code == 0, err
            rc.flushall(target_nodes=redis.RedisCluster.PRIMARIES)
            code, out, err = _cli("admin", "restore", str(path), "--redis-url", cluster.url,
                                  "--data", str(node.data_dir))  # fmt: skip
            assert code == 0 and "2 hubs with 4 agenda items" in out, err
            assert {s: _hub_keys(rc, s) for s in hubs_before} == hubs_before
            assert _accounts(rc) == accounts_before
            assert cast(set[bytes], rc.smembers(BOARDS_KEY)) == boards_before
            coco = Tab(node)
            try:
                assert (await coco.login("coco")).status_code == 200
                res = await coco.send("POST", f"/api/library/templates/{filled['template']}/boards",
                                      {"title": "Sessie 2", "hub": "delft"})  # fmt: skip
                assert res.status_code == 201, res.text
            finally:
                await coco.close()
            rc.close()
        finally:
            node.stop()
