"""The facilitator's session commands of the ``prikbord`` CLI.

Each joins the board with the link given, does one thing, prints one line
(or a short list) and leaves; the link's role decides what the server
allows (most of these need the facilitator link)::

    prikbord moderate LINK                        # list what waits for approval
    prikbord moderate LINK approve|reject|hide|restore ID   # a card or comment
    prikbord board set LINK --approval on --filter on --words "spam, scam"
    prikbord timer LINK start 5m | pause | resume | reset | show
    prikbord spotlight LINK card ID | section ID | off
    prikbord round LINK open [--reset] | close
    prikbord remove LINK ACTOR_OR_NAME            # and: prikbord restore …
    prikbord results LINK [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
from typing import Any, get_args

from client.actions import ranked
from client.client import PrikbordClient
from client.clock import format_ms
from client.command import EXIT_ERROR, EXIT_OK, EXIT_USAGE, Fail, on_board, out
from client.links import BoardLink
from protocol import limits
from protocol.model import Card, Comment
from protocol.ops import Anonymous, Layout, ModAction, Theme

#: How long ``remove``/``restore`` wait for the first presence list, which
#: names who is here (the server sends it right after the welcome).
PRESENCE_WAIT_S = 5.0

_ON_OFF = {"on": True, "off": False}
_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?$")


def parse_duration(text: str) -> int:
    """Seconds from ``300``, ``90s``, ``5m``, ``1m30s``, ``1h``, ``4:30`` or
    ``1:04:30``; within the timer's range (1 s to 24 h)."""
    text = text.strip().lower()
    seconds: int | None = None
    if re.fullmatch(r"\d+(:[0-5]\d){1,2}", text):
        for part in text.split(":"):
            seconds = (seconds or 0) * 60 + int(part)
    elif text and (m := _DURATION.match(text)):
        h, mnt, s = (int(g or 0) for g in m.groups())
        seconds = h * 3600 + mnt * 60 + s
    if seconds is None:
        raise Fail(EXIT_USAGE, f"not a duration: {text!r} (try 5m, 90s, 1m30s or 4:30)")
    if not 1 <= seconds <= limits.MAX_TIMER_SECONDS:
        raise Fail(
            EXIT_USAGE, f"a timer runs from 1 second to {limits.MAX_TIMER_SECONDS // 3600} h"
        )
    return seconds


# --- the parsers -------------------------------------------------------------


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("link", metavar="BOARD_LINK")


def _name(p: argparse.ArgumentParser) -> None:
    p.add_argument("--name", default="cli", help="display name")


def add_board_set(board: Any) -> None:
    """``prikbord board set``: under the ``board`` subcommands."""
    p = board.add_parser("set", help="change board settings (facilitator)")
    _common(p)
    p.add_argument("--title")
    p.add_argument("--layout", choices=get_args(Layout))
    p.add_argument("--theme", choices=get_args(Theme))
    p.add_argument("--vote-budget", type=int, metavar="N", help="dot votes per participant")
    p.add_argument("--approval", choices=_ON_OFF, help="posts of participants wait for approval")
    p.add_argument("--lock", choices=_ON_OFF, help="read-only for participants")
    p.add_argument("--hide-cards", choices=_ON_OFF, help="participants see only their own cards")
    p.add_argument("--reveal", action="store_true", help="same as --hide-cards off")
    p.add_argument("--anonymous", choices=get_args(Anonymous), help="hide authors")
    p.add_argument("--filter", choices=_ON_OFF, help="hold posts that match the word filter")
    p.add_argument("--words", help='the board\'s own filter words, comma-separated ("" clears)')
    _name(p)


def add_commands(sub: Any) -> None:
    """The session commands, as top-level ``prikbord`` subcommands."""
    p = sub.add_parser(
        "moderate", help="approve, reject, hide or restore a card or comment (facilitator)"
    )
    _common(p)
    p.add_argument("action", nargs="?", choices=get_args(ModAction),
                   help="without one: list the posts that wait or are hidden")  # fmt: skip
    p.add_argument("id", nargs="?", metavar="CARD_OR_COMMENT_ID")
    _name(p)

    p = sub.add_parser("timer", help="the board's countdown: start 5m, pause, resume, reset")
    _common(p)
    p.add_argument("action", nargs="?", default="show",
                   choices=("start", "pause", "resume", "reset", "show"))  # fmt: skip
    p.add_argument("duration", nargs="?", help="with start: 5m, 90s, 1m30s, 4:30, 300")
    _name(p)

    p = sub.add_parser("spotlight", help="show one card or section on every screen, or stop")
    _common(p)
    p.add_argument("target", choices=("card", "section", "off"))
    p.add_argument("id", nargs="?", metavar="ID")
    _name(p)

    p = sub.add_parser("round", help="open or close a vote round (facilitator)")
    _common(p)
    p.add_argument("action", choices=("open", "close"))
    p.add_argument("--reset", action="store_true", help="with open: take back every vote first")
    _name(p)

    for command, text in (("remove", "remove a participant from the board"),
                          ("restore", "let a removed participant back in")):  # fmt: skip
        p = sub.add_parser(command, help=f"{text} (facilitator)")
        _common(p)
        p.add_argument("who", metavar="ACTOR_OR_NAME", help="an actor id or a display name")
        _name(p)

    p = sub.add_parser("results", help="cards ranked by dot votes")
    _common(p)
    p.add_argument("--top", type=int, default=0, metavar="N", help="only the first N")
    p.add_argument("--json", action="store_true", help="one JSON array")
    _name(p)


def run(args: argparse.Namespace, link: BoardLink) -> int:
    """Run the session command ``args.command`` on ``link``."""
    commands = {
        "board": _board_set, "moderate": _moderate, "timer": _timer, "spotlight": _spotlight,
        "round": _round, "remove": _remove, "restore": _remove, "results": _results,
    }  # fmt: skip
    command = commands[args.command]
    for line in asyncio.run(on_board(link, args.name, lambda c: command(c, args))):
        out(line)
    return EXIT_OK


# --- the commands (each returns the lines to print) -----------------------------


async def _board_set(client: PrikbordClient, args: argparse.Namespace) -> list[str]:
    def flag(value: str | None) -> bool | None:
        return None if value is None else _ON_OFF[value]

    hide = False if args.reveal else flag(args.hide_cards)
    words = None
    if args.words is not None:
        words = [w.strip() for w in args.words.split(",") if w.strip()]
    fields: dict[str, Any] = {
        "title": args.title, "layout": args.layout, "theme": args.theme,
        "vote_budget": args.vote_budget, "approval": flag(args.approval),
        "locked": flag(args.lock), "hide_cards": hide, "anonymous": args.anonymous,
        "filter": flag(args.filter), "words": words,
    }  # fmt: skip
    given = {k: v for k, v in fields.items() if v is not None}
    if not given:
        raise Fail(EXIT_USAGE, "nothing to set: give at least one setting (see --help)")
    sent = await client.set_board(**given)
    shown = ", ".join(f"{k}={_show(v)}" for k, v in given.items())
    return [f"board {sent.id} set: {shown} (seq {sent.seq})"]


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, list):
        return ",".join(value) or '""'
    return str(value)


async def _moderate(client: PrikbordClient, args: argparse.Namespace) -> list[str]:
    state = client.state
    if args.action is None:
        posts: list[tuple[str, Card | Comment]] = [
            *(("card", c) for c in state.cards.values()),
            *(("comment", m) for m in state.comments.values()),
        ]
        lines = [_post_line(kind, post) for kind, post in posts
                 if post.status != "visible" and not post.deleted]  # fmt: skip
        return lines or ["nothing waits for approval and nothing is hidden"]
    if args.id is None:
        raise Fail(EXIT_USAGE, f"moderate {args.action} needs the id of a card or comment")
    if (card := state.cards.get(args.id)) is not None and not card.deleted:
        sent = await client.moderate_card(args.id, args.action)
        kind = "card"
    elif (comment := state.comments.get(args.id)) is not None and not comment.deleted:
        sent = await client.moderate_comment(args.id, args.action)
        kind = "comment"
    else:
        raise Fail(EXIT_ERROR, f"no card or comment {args.id!r} on this board (that you can see)")
    done = {"approve": "approved", "reject": "rejected", "hide": "hidden", "restore": "restored"}
    return [f"{kind} {sent.id} {done[args.action]} (seq {sent.seq})"]


def _post_line(kind: str, post: Card | Comment) -> str:
    if isinstance(post, Card):
        text, where = post.title or post.body or post.url, ""
    else:
        text, where = post.body, f" on card {post.card}"
    by = post.author_name or post.author or "someone"
    return f"{post.status} {kind} {post.id}{where} by {by}: {' '.join(text.split())[:60]!r}"


async def _timer(client: PrikbordClient, args: argparse.Namespace) -> list[str]:
    action = args.action
    if action != "start" and args.duration is not None:
        raise Fail(EXIT_USAGE, f"timer {action} takes no duration")
    if action == "start":
        if args.duration is None:
            raise Fail(EXIT_USAGE, "timer start needs a duration, e.g. 5m")
        sent = await client.start_timer(parse_duration(args.duration))
    elif action == "pause":
        sent = await client.pause_timer()
    elif action == "resume":
        sent = await client.resume_timer()
    elif action == "reset":
        sent = await client.reset_timer()
    else:
        sent = None
    if sent is not None:
        await client.wait_for_seq(sent.seq)  # the ack may come before the event
    timer = client.timer()
    total = format_ms(timer.duration_ms)
    line = {
        "idle": "timer idle",
        "running": f"timer running: {format_ms(timer.remaining_ms)} left of {total}",
        "paused": f"timer paused: {format_ms(timer.remaining_ms)} left of {total}",
        "done": f"timer done ({total})",
    }[timer.state]
    return [line if sent is None else f"{line} (seq {sent.seq})"]


async def _spotlight(client: PrikbordClient, args: argparse.Namespace) -> list[str]:
    if args.target == "off":
        if args.id is not None:
            raise Fail(EXIT_USAGE, "spotlight off takes no id")
        sent = await client.spotlight_off()
        return [f"spotlight off (seq {sent.seq})"]
    if args.id is None:
        raise Fail(EXIT_USAGE, f"spotlight {args.target} needs the {args.target}'s id")
    if args.target == "card":
        sent = await client.spotlight_card(args.id)
    else:
        sent = await client.spotlight_section(args.id)
    return [f"spotlight on {args.target} {sent.id} (seq {sent.seq})"]


async def _round(client: PrikbordClient, args: argparse.Namespace) -> list[str]:
    if args.action == "open":
        sent = await client.open_round(reset=args.reset)
        await client.wait_for_seq(sent.seq)
        reset = ", every vote taken back" if args.reset else ""
        return [f"vote round {client.state.session.round} open{reset} (seq {sent.seq})"]
    if args.reset:
        raise Fail(EXIT_USAGE, "--reset goes with round open")
    sent = await client.close_round()
    await client.wait_for_seq(sent.seq)
    head = f"vote round {client.state.session.round} closed (seq {sent.seq})"
    return [head, *_result_lines(client, top=10)]


async def _remove(client: PrikbordClient, args: argparse.Namespace) -> list[str]:
    actor, label = await _resolve(client, args.who, removed=args.command == "restore")
    if args.command == "restore":
        sent = await client.restore_participant(actor)
        return [f"restored {label}: they may join and post again (seq {sent.seq})"]
    sent = await client.remove_participant(actor)
    return [
        f"removed {label} (seq {sent.seq})",
        "note: the participant link still works on a new device (a new actor); "
        "to keep them out, replace the participant link too",
    ]


async def _resolve(client: PrikbordClient, who: str, *, removed: bool) -> tuple[str, str]:
    """``who`` as (actor, label): an actor id the board knows, or the one
    person with that display name (here now, or an author of posts)."""
    if not removed:
        updates = client.updates()  # before looking: no presence frame slips by
        try:  # our own entry shows that the first presence list has arrived
            async with asyncio.timeout(PRESENCE_WAIT_S):
                while not any(m.actor == client.actor for m in client.presence):
                    await anext(updates)
        except TimeoutError:
            pass  # then by authors only
        finally:
            updates.close()
    state = client.state
    names: dict[str, set[str]] = {}  # actor → names seen
    for m in client.presence:
        names.setdefault(m.actor, set()).add(m.name)
    posts: list[Card | Comment] = [*state.cards.values(), *state.comments.values()]
    for post in posts:
        if post.author and post.author_name:
            names.setdefault(post.author, set()).add(post.author_name)
    for actor in state.removed:
        names.setdefault(actor, set())
    names.pop(client.actor, None)  # never ourselves
    if removed:
        names = {a: n for a, n in names.items() if a in state.removed}
    if who in names or (removed and who in state.removed):
        return who, _label(who, names.get(who, set()))
    matches = [a for a, n in names.items() if who.casefold() in {x.casefold() for x in n}]
    if len(matches) == 1:
        return matches[0], _label(matches[0], names[matches[0]])
    if matches:
        listed = ", ".join(sorted(matches))
        raise Fail(EXIT_USAGE, f"{len(matches)} people are called {who!r} (actors {listed}): "
                               "give the actor id")  # fmt: skip
    where = "among the removed" if removed else "here or among the authors"
    raise Fail(EXIT_ERROR, f"no one called {who!r} {where}")


def _label(actor: str, names: set[str]) -> str:
    return f"{', '.join(sorted(names))} ({actor})" if names else actor


async def _results(client: PrikbordClient, args: argparse.Namespace) -> list[str]:
    if args.json:
        rows = ranked(client.state)[: args.top or None]
        return [json.dumps([{"rank": r.rank, "card": r.card.id, "votes": r.votes,
                             "title": r.card.title, "body": r.card.body} for r in rows],
                           ensure_ascii=False)]  # fmt: skip
    return _result_lines(client, top=args.top)


def _result_lines(client: PrikbordClient, *, top: int = 0) -> list[str]:
    rows = ranked(client.state)[: top or None]
    session = client.state.session
    lines = []
    if session.round_open and client.role != "facilitator":
        lines.append(f"(vote round {session.round} is open: you see only your own votes)")
    for r in rows:
        text = " ".join((r.card.title or r.card.body or r.card.url).split())[:60]
        votes = "1 vote " if r.votes == 1 else f"{r.votes} votes"
        lines.append(f"{r.rank:>3}. {votes:>9}  {r.card.id}  {text!r}")
    return lines or ["no cards yet"]
