"""``prikbord hub list|add|set|remove|screen-link`` and
``prikbord hub agenda SLUG list|add|cancel``: hubs on the command line.

It works on the Redis/Valkey the servers use, found as ``prikbord user``
finds it (``--redis-url``, else the data directory's embedded Valkey), and
goes through the same rules as the REST API (server/hubs/model.py and
agenda.py): bad input is refused with the field and the rule, and changes
nothing.
``screen-link`` signs with the servers' secret (``PRIKBORD_SECRET``,
``PRIKBORD_SECRET_FILE``, or the data directory's ``secret``).

Exit codes: 0 done, 1 refused (no such hub, slug taken, bad input),
2 usage, 3 Redis/Valkey unreachable or no secret.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from typing import Any

import redis

from server.accounts.cli import EXIT_OK, EXIT_REFUSED, EXIT_STORAGE, EXIT_USAGE, _Fail, _redis_url
from server.accounts.cli import _where as where_options
from server.engine.client import connect
from server.hubs import agenda, fields, model
from server.hubs.agenda import ACTIVITY_TYPES
from server.hubs.fields import Invalid
from server.hubs.screen import ScreenTokens
from server.hubs.store import HubStore, new_activity_id
from server.secret import SecretError, read_secret


def _hub_options(parser: argparse.ArgumentParser, *, new: bool) -> None:
    parser.add_argument("slug")
    parser.add_argument("--name", required=new, help="the hub's name")
    parser.add_argument("--place", help="address")
    parser.add_argument("--description")
    parser.add_argument("--supervisor", help="the school's supervisor")
    parser.add_argument("--partner", action="append", help="a partner organisation (repeat)")
    parser.add_argument("--student", action="append", help="a student who runs it (repeat)")
    parser.add_argument("--email")
    parser.add_argument("--phone")
    parser.add_argument("--url", help="the hub's website")
    parser.add_argument("--coordinator", action="append", help="an account username (repeat)")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="prikbord hub", description="Manage hubs and their agenda.")
    where_options(p, defaults=True)
    sub = p.add_subparsers(dest="command", required=True)

    def command(name: str, help: str) -> argparse.ArgumentParser:
        parser = sub.add_parser(name, help=help)
        where_options(parser, defaults=False)
        return parser

    command("list", "list the hubs").add_argument("--json", action="store_true")
    _hub_options(command("add", "create a hub"), new=True)
    _hub_options(command("set", "change a hub's fields (lists are replaced)"), new=False)
    command("remove", "remove a hub and its agenda (its boards stay)").add_argument("slug")
    link = command("screen-link", "print the hub screen's link")
    link.add_argument("slug")
    link.add_argument("--replace", action="store_true", help="a new link; the old one stops")
    link.add_argument("--base", default=os.environ.get("PRIKBORD_PUBLIC_URL", ""),
                      help="the server's public URL (PRIKBORD_PUBLIC_URL)")  # fmt: skip
    agenda_command = command("agenda", "a hub's agenda: list, add, cancel")
    agenda_command.add_argument("slug")
    actions = agenda_command.add_subparsers(dest="action", required=True)

    def action(name: str, help: str) -> argparse.ArgumentParser:
        parser = actions.add_parser(name, help=help)
        where_options(parser, defaults=False)
        return parser

    listing = action("list", "the coming activities (--all: past ones too)")
    listing.add_argument("--all", action="store_true")
    listing.add_argument("--json", action="store_true")
    add = action("add", "add an activity (local times: Europe/Amsterdam)")
    add.add_argument("--type", required=True, choices=ACTIVITY_TYPES)
    add.add_argument("--title", required=True)
    add.add_argument("--start", required=True, help="e.g. 2026-05-12T14:00")
    add.add_argument("--end", required=True)
    add.add_argument("--place")
    add.add_argument("--online", help="an online meeting's URL")
    add.add_argument("--description")
    add.add_argument("--host")
    add.add_argument("--capacity", type=int)
    add.add_argument("--board", help="a board id to link")
    add.add_argument("--template", help="make the board from this template at the start")
    add.add_argument("--freeze", action="store_true", help="lock and file the board at the end")
    add.add_argument("--pending", action="store_true", help="not confirmed yet")
    action("cancel", "cancel an activity").add_argument("id")
    return p


def _hub_body(args: argparse.Namespace) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for name in ("name", "place", "description", "supervisor"):
        if getattr(args, name) is not None:
            body[name] = getattr(args, name)
    for option, name in (("partner", "partners"), ("student", "students")):
        if getattr(args, option) is not None:
            body[name] = getattr(args, option)
    if args.coordinator is not None:
        body["coordinators"] = args.coordinator
    contact = {k: getattr(args, k) for k in ("email", "phone", "url") if getattr(args, k)}
    if contact:
        body["contact"] = contact
    return body


def _now() -> int:
    return int(time.time() * 1000)


def _line(a: agenda.Activity) -> str:
    start, end = fields.local(a.start), fields.local(a.end)
    label = agenda.TYPE_LABELS[a.type]["nl"]
    return f"{a.id}\t{start:%Y-%m-%d %H:%M}-{end:%H:%M}\t{a.status}\t{label}\t{a.title}"


def _secret(args: argparse.Namespace) -> str:
    secret = os.environ.get("PRIKBORD_SECRET", "")
    secret_file = os.environ.get("PRIKBORD_SECRET_FILE", "")
    if not secret.strip() and not secret_file:
        secret_file = str(args.data.resolve() / "secret")
    try:
        return read_secret(secret, secret_file)
    except SecretError as exc:
        raise _Fail(EXIT_STORAGE, str(exc)) from None


def _store_of(args: argparse.Namespace) -> str:
    """Which store a command used, as ``prikbord user`` says it: without
    ``--data`` the embedded Valkey of ``./data`` is started, which is not the
    server's when it runs with another data directory."""
    return str(args.redis_url) if args.redis_url else f"data in {args.data.resolve()}"


async def _command(args: argparse.Namespace, store: HubStore) -> int:
    now = _now()
    if args.command == "list":
        hubs = await store.all()
        if args.json:
            print(json.dumps([h.full() for h in hubs], ensure_ascii=False))
        else:
            for h in hubs:
                print(f"{h.slug}\t{h.name}\t{h.place}")
            if not hubs:
                print(f"no hubs yet ({_store_of(args)}): prikbord hub add SLUG --name NAME")
        return EXIT_OK
    if args.command == "add":
        hub = model.hub_from_body({"slug": args.slug, **_hub_body(args)}, now)
        if not await store.create(hub):
            raise _Fail(EXIT_REFUSED, f"a hub {hub.slug} exists already; nothing changed")
        print(f"created hub {hub.slug} ({hub.name}; {_store_of(args)})")
        return EXIT_OK
    hub_or_none = await store.get(args.slug)
    if hub_or_none is None:
        raise _Fail(EXIT_REFUSED, f"no hub {args.slug}")
    hub = hub_or_none
    if args.command == "set":
        after = model.hub_changed(hub, _hub_body(args), now)
        if not await store.put(hub, after):
            raise _Fail(EXIT_REFUSED, "the hub changed meanwhile; nothing changed: try again")
        print(f"changed hub {hub.slug}")
        return EXIT_OK
    if args.command == "remove":
        await store.delete(hub.slug)
        print(f"removed hub {hub.slug} and its agenda")
        return EXIT_OK
    if args.command == "screen-link":
        tokens = ScreenTokens(_secret(args))
        if args.replace:
            replaced = await store.next_screen_gen(hub.slug)
            if replaced is None:
                raise _Fail(EXIT_REFUSED, f"no hub {args.slug}")
            hub = replaced
        base = args.base.rstrip("/")
        print(f"{base}/hub/{hub.slug}/screen#{tokens.token(hub.slug, hub.screen_gen)}")
        return EXIT_OK
    return await _agenda(args, store, hub.slug, now)


async def _agenda(args: argparse.Namespace, store: HubStore, slug: str, now: int) -> int:
    if args.action == "list":
        found = await store.activities(slug, None if args.all else now, None)
        if args.json:
            print(json.dumps([a.data(private=True) for a in found], ensure_ascii=False))
        else:
            for a in found:
                print(_line(a))
            if not found:
                print("nothing planned")
        return EXIT_OK
    if args.action == "add":
        body: dict[str, Any] = {
            "type": args.type,
            "title": args.title,
            "start": args.start,
            "end": args.end,
            "freeze": args.freeze,
        }
        if args.pending:
            body["status"] = "pending"
        for name in ("place", "online", "description", "host", "capacity", "board", "template"):
            if getattr(args, name) is not None:
                body[name] = getattr(args, name)
        activity = agenda.activity_from_body(body, hub=slug, id=new_activity_id(), now=now)
        await store.add_activity(activity)
        print(_line(activity))
        return EXIT_OK
    if not agenda.ACTIVITY_ID_RE.fullmatch(args.id):
        raise _Fail(EXIT_REFUSED, f"no activity {args.id} in {slug}")
    changed = await store.update_activity(
        slug, args.id, lambda a: agenda.activity_changed(a, {"status": "cancelled"}, now)
    )
    if changed is None:
        raise _Fail(EXIT_REFUSED, f"no activity {args.id} in {slug}")
    print(_line(changed[1]))
    return EXIT_OK


async def _run(args: argparse.Namespace, url: str) -> int:
    client = connect(url, socket_connect_timeout=5, socket_timeout=10)
    try:
        return await _command(args, HubStore(client))
    finally:
        await client.aclose()


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    try:
        if getattr(args, "slug", None) is not None and args.command != "add":
            model.check_slug(args.slug)
        with _redis_url(args) as url:
            return asyncio.run(_run(args, url))
    except Invalid as exc:
        print(f"prikbord hub: {exc}; nothing changed", file=sys.stderr)
        return EXIT_REFUSED if exc.field != "slug" else EXIT_USAGE
    except _Fail as exc:
        print(f"prikbord hub: {exc}", file=sys.stderr)
        return exc.code
    except (redis.RedisError, OSError) as exc:
        print(f"prikbord hub: cannot reach Redis/Valkey: {exc}", file=sys.stderr)
        return EXIT_STORAGE
