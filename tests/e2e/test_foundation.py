"""The real client, end to end through the Discord emulator: start, /help, errors, restart, health."""

import asyncio
import os
import sys
from pathlib import Path

import discord
import httpx
from discord import app_commands
from discord.ext import commands
from sqlalchemy import select

from bot.app import AlbumDuelBot
from bot.db.models import User
from tests.support.harness import BotHarness

ROOT = Path(__file__).resolve().parents[2]


async def test_the_bot_starts_and_syncs_every_command(harness, world):
    names = {c["name"] for c in world.emu.commands()}
    assert {"help", "duel", "rankings", "stats", "exclude", "restore", "excluded", "import"} <= names
    for command in world.emu.commands():
        assert command["description"], command["name"]


async def test_help_lists_every_command_ephemerally(harness, world):
    run = await world.emu.slash(world.alice, "help", guild=world.guild)
    reply = await run.done()
    assert run.ephemeral
    text = reply.embeds[0]["description"]
    for name in ("/help", "/duel", "/rankings", "/stats", "/exclude", "/import aoty"):
        assert name in text
    # not visible to the rest of the channel
    assert reply.id not in {m.id for m in world.emu.channel_messages(world.channel)}


class Boom(commands.Cog):
    @app_commands.command(name="boom", description="Always fails (test only).")
    async def boom(self, interaction: discord.Interaction) -> None:
        raise RuntimeError("kaboom")


class BoomBot(AlbumDuelBot):
    async def setup_hook(self) -> None:
        await self.add_cog(Boom())
        await super().setup_hook()


async def test_an_unexpected_error_gives_a_reference_and_is_logged(world, database, tmp_path, error_logs):
    harness = BotHarness(world.emu, database, tmp_path, bot_class=BoomBot)
    await harness.start()
    try:
        run = await world.emu.slash(world.bob, "boom", guild=world.guild)
        reply = await run.done()
        assert run.ephemeral and "reference" in reply.content
        reference = reply.content.split("`")[1]
        logged = error_logs.take(lambda r: reference in r.getMessage())
        assert len(logged) == 1 and logged[0].exc_info[1].args == ("kaboom",)
    finally:
        await harness.stop()


async def test_a_restart_keeps_the_data(harness, world):
    async with harness.runtime.sessions.begin() as session:
        session.add(User(id=world.alice.id, name="alice", privacy="anonymous"))
    await harness.restart()
    async with harness.runtime.sessions() as session:
        user = await session.get(User, world.alice.id)
    assert user is not None and user.privacy == "anonymous"
    run = await world.emu.slash(world.alice, "help")
    assert (await run.done()).embeds


async def test_healthz_reports_the_database(harness):
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{harness.bot.web.base_url}/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"]["status"] == "ok"
    assert body["database"]["backend"] == ("sqlite" if harness.database.backend == "sqlite" else "postgresql")


async def test_python_m_bot_against_the_emulator_answers_help(world, sqlite_only, tmp_path):
    """The real entry point, as a separate process, pointed at the emulator by settings alone."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE_", "SECRET_"))}
    env.update(DISCORD_TOKEN=world.emu.token, DISCORD_API_BASE_URL=world.emu.api_base, DATABASE_URL=sqlite_only.url,
               WEB_PORT="0", PYTHONPATH=str(ROOT), LOG_LEVEL="INFO")
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", cwd=tmp_path, env=env,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    try:
        await world.emu.wait_for_ready(timeout=30)
        await world.emu.wait_for_commands(timeout=30)
        run = await world.emu.slash(world.carol, "help", guild=world.guild)
        reply = await run.done()
        assert "/duel" in reply.embeds[0]["description"]
    finally:
        process.terminate()  # SIGTERM, as `docker stop` and systemd send
        output = (await asyncio.wait_for(process.communicate(), 30))[0].decode()
    assert "generated one and saved it" in output  # the SECRET_KEY note names where the key went
    assert world.emu.token not in output
    # A clean shutdown, not a kill: the gateway session was closed by the bot, and it exited 0.
    assert process.returncode == 0, output[-2000:]
    assert "Traceback" not in output


async def test_python_m_bot_stops_promptly_on_sigterm_while_discord_is_unreachable(sqlite_only, tmp_path):
    """In a gateway outage discord.py waits between reconnects, up to minutes once the outage is long;
    `docker stop` gives 10 s before killing. The bot must close and exit 0 without waiting for the next
    reconnect. (This checks the first seconds of an outage; a 60-100 s outage, too slow for the suite,
    was checked by hand: 0.3 s to exit, where waiting out the back-off took 6-56 s.)"""
    import signal

    from bot.sandbox.discord import DiscordEmulator

    emu = DiscordEmulator(token="outage-token")
    await emu.start()
    emu.add_text_channel(emu.add_guild("G"), "general")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE_", "SECRET_"))}
    env.update(DISCORD_TOKEN=emu.token, DISCORD_API_BASE_URL=emu.api_base, DATABASE_URL=sqlite_only.url,
               WEB_PORT="0", PYTHONPATH=str(ROOT), LOG_LEVEL="INFO")
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", cwd=tmp_path, env=env,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    try:
        await emu.wait_for_ready(timeout=30)
        await emu.wait_for_commands(timeout=30)
        reconnecting = emu.gateway.ready_count
        await emu.stop()  # Discord goes away: the bot starts its reconnect back-off
        assert reconnecting == 1
        process.send_signal(signal.SIGTERM)
        output = (await asyncio.wait_for(process.communicate(), 8))[0].decode()  # under docker's 10 s
    finally:
        if process.returncode is None:
            process.kill()
            await process.communicate()
    assert process.returncode == 0, output[-2000:]
