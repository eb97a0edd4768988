"""The facilitator's CLI commands as subprocesses against a real server
(issue 9): moderation, settings, timer, spotlight, rounds, results, removing
and restoring someone, and ``watch`` describing session events readably for
a facilitator (raw events) and a participant (view patches, placeholders)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

import pytest

from client.client import PrikbordClient
from client.errors import Removed
from tests.support.cluster import Nodes
from tests.support.servers import ROOT

UNIT = float(os.environ.get("PRIKBORD_TEST_TIMEOUT_UNIT", "1.0"))


class _Cli:
    def __init__(self, tmp_path: Path) -> None:
        # Its own identity file: the CLI is one actor across its runs.
        self.env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "cli-config")}

    async def __call__(self, *args: str) -> tuple[int, str, str]:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "prikbord.cli", *args, cwd=ROOT, env=self.env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        async with asyncio.timeout(30 * UNIT):
            out, err = await proc.communicate()
        assert proc.returncode is not None
        assert "Traceback" not in err.decode(), err.decode()
        return proc.returncode, out.decode(), err.decode()

    async def ok(self, *args: str) -> list[str]:
        rc, out, err = await self(*args)
        assert rc == 0, (args, out, err)
        return out.splitlines()

    async def fails(self, code: int, *args: str) -> str:
        rc, out, err = await self(*args)
        assert rc == code, (args, out, err)
        assert len(err.splitlines()) == 1, err
        return err


async def test_a_session_run_from_the_command_line(nodes: Nodes, tmp_path: Path) -> None:
    node = nodes.start()
    links = node.create_board("CLI session")["links"]
    fac, part = links["facilitator"], links["participant"]
    cli = _Cli(tmp_path)

    (line,) = await cli.ok("board", "set", fac, "--approval", "on", "--filter", "on",
                           "--words", "spam, scam")  # fmt: skip
    assert "set: approval=on, filter=on, words=spam,scam (seq" in line, line
    async with (
        PrikbordClient(part, name="Ann") as ann,
        PrikbordClient(part, name="Bob") as bob,
    ):
        idea = await ann.add_card("A shared tool shed")
        (line,) = await cli.ok("card", "add", part, "from the CLI", "--name", "Cleo")
        assert line.endswith("(waiting for approval)"), line
        mine = line.split()[1]
        lines = await cli.ok("moderate", fac)
        assert lines == [f"pending card {idea.id} by Ann: 'A shared tool shed'",
                         f"pending card {mine} by Cleo: 'from the CLI'"]  # fmt: skip
        (line,) = await cli.ok("moderate", fac, "reject", mine)
        assert line.startswith(f"card {mine} rejected")
        err = await cli.fails(1, "moderate", part, "approve", idea.id)
        assert "no card or comment" in err  # a participant cannot even see it
        (line,) = await cli.ok("moderate", fac, "approve", idea.id)
        assert line.startswith(f"card {idea.id} approved (seq ")
        (line,) = await cli.ok("moderate", fac)
        assert line == f"rejected card {mine} by Cleo: 'from the CLI'"
        err = await cli.fails(1, "moderate", fac, "approve", idea.id)
        assert "cannot approve a visible card (302)" in err

        (line,) = await cli.ok("timer", fac, "start", "5m")
        assert line.startswith("timer running: ") and " of 5:00 (seq " in line, line
        (line,) = await cli.ok("timer", part)  # anyone may look
        assert line.startswith("timer running: ") and line.endswith(" of 5:00"), line
        err = await cli.fails(1, "timer", part, "reset")
        assert "only a facilitator may do this (310)" in err
        await cli.fails(2, "timer", fac, "start", "0")
        await cli.fails(2, "timer", fac, "start")
        (line,) = await cli.ok("timer", fac, "pause")
        assert line.startswith("timer paused: "), line

        (line,) = await cli.ok("spotlight", fac, "card", idea.id)
        assert line.startswith(f"spotlight on card {idea.id} (seq ")
        other = await bob.add_card("Repair café")  # pending: not spotlightable
        err = await cli.fails(1, "spotlight", fac, "card", other.id)
        assert "not visible to all" in err
        await cli.ok("moderate", fac, "approve", other.id)
        (line,) = await cli.ok("spotlight", fac, "off")
        assert line.startswith("spotlight off")

        (line,) = await cli.ok("round", fac, "open")
        assert line.startswith("vote round 1 open (seq ")
        await ann.vote(idea.id)
        await bob.vote(idea.id)
        voted = await bob.vote(other.id)
        await ann.wait_for_seq(voted.seq)
        lines = await cli.ok("results", part)
        assert lines[0] == "(vote round 1 is open: you see only your own votes)"
        closed = await cli.ok("round", fac, "close")
        assert closed[0].startswith("vote round 1 closed (seq ")
        assert closed[1:] == [f"  1.   2 votes  {idea.id}  'A shared tool shed'",
                              f"  2.   1 vote   {other.id}  'Repair café'"]  # fmt: skip
        (line,) = await cli.ok("results", part, "--json")
        assert [(r["card"], r["votes"], r["rank"]) for r in json.loads(line)] == [
            (idea.id, 2, 1), (other.id, 1, 2),
        ]  # fmt: skip

        # Remove Bob by name; his client ends with Removed; restore him.
        removed = await cli.ok("remove", fac, "bob")
        assert removed[0].startswith(f"removed Bob ({bob.actor}) (seq ")
        assert "replace the participant link" in removed[1]
        with pytest.raises(Removed):
            await asyncio.wait_for(bob.wait_closed(), 10 * UNIT)
        await cli.fails(1, "remove", fac, "Nobody")
        (line,) = await cli.ok("restore", fac, "Bob")
        assert line.startswith(f"restored Bob ({bob.actor})")
        (line,) = await cli.ok("board", "set", fac, "--approval", "off", "--reveal")
        assert "approval=off, hide_cards=off" in line
        await cli.fails(2, "board", "set", fac)  # nothing to set


async def test_watch_describes_session_events_for_each_role(nodes: Nodes, tmp_path: Path) -> None:
    node = nodes.start()
    links = node.create_board("Watched session")["links"]
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path)}

    async def watch(link: str, name: str) -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "prikbord.cli", "watch", link, "--name", name,
            cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip

    async def line_with(proc: asyncio.subprocess.Process, text: str) -> str:
        assert proc.stdout is not None
        async with asyncio.timeout(15 * UNIT):
            while True:
                line = (await proc.stdout.readline()).decode()
                assert line, f"watch ended early, waiting for {text!r}"
                if text in line:
                    return line.rstrip("\n")

    async with (
        PrikbordClient(links["facilitator"], name="Fien") as fien,
        PrikbordClient(links["participant"], name="Ann") as ann,
    ):
        await fien.set_board(approval=True)
        room = await watch(links["participant"], "Wim")
        chair = await watch(links["facilitator"], "Chair")
        try:
            assert "approval on" in await line_with(room, "as Wim (participant)")
            await line_with(chair, "as Chair (facilitator)")
            idea = await ann.add_card("Idea for the hub")
            line = await line_with(room, f"#{idea.seq} ")
            assert "may not see" in line and "Idea" not in line and "Ann" not in line
            assert "(waiting for approval)" in await line_with(chair, f"#{idea.seq} Ann added")
            await fien.approve_card(idea.id)
            line = await line_with(room, f"card {idea.id} now shows")
            assert line.endswith("'Idea for the hub'")
            await line_with(chair, f"Fien approved card {idea.id}")
            await fien.start_timer(300)
            for proc in (room, chair):
                await line_with(proc, "Fien started the timer: 5:00")
            await fien.spotlight_card(idea.id)
            for proc in (room, chair):
                await line_with(proc, f"Fien spotlighted card {idea.id}: 'Idea for the hub'")
            await fien.open_round()
            # Opening a round makes votes private: from here the room gets
            # view patches, which say what changed, not who did it.
            line = await line_with(room, "now: ")
            assert "vote round 1 open" in line and f"spotlight on card {idea.id}" in line
            await line_with(chair, "Fien opened vote round 1")
            await ann.vote(idea.id)  # private in the round: a placeholder for Wim
            await fien.close_round()
            line = await line_with(room, f"votes on {idea.id}: 1")
            assert "Fien" not in line  # a patch names no one but its own actor
            await fien.remove_participant(ann.actor)
            await line_with(chair, f"Fien removed Ann ({ann.actor}) from the board")
        finally:
            for proc in (room, chair):
                if proc.returncode is None:
                    proc.send_signal(signal.SIGINT)
                    async with asyncio.timeout(10 * UNIT):
                        await proc.communicate()
                    assert proc.returncode == 0
