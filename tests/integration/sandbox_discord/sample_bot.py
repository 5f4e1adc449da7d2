"""A small real discord.py bot that exercises what AlbumDuel's bot will use, for the emulator's tests."""

from __future__ import annotations

import asyncio
import io
import re
import struct
import zlib
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

ALBUMS = ["Abbey Road", "Abraxas", "Aja", "Blue", "Blonde", "Kid A"]


def tiny_png(width: int = 2, height: int = 1) -> bytes:
    """A valid PNG without Pillow, so the test knows the exact bytes it expects back."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


class CounterButton(discord.ui.DynamicItem[discord.ui.Button], template=r"counter:(?P<count>\d+)"):
    """State lives in the custom_id, so the button works after a restart."""

    def __init__(self, count: int) -> None:
        super().__init__(discord.ui.Button(label=f"Count {count}", custom_id=f"counter:{count}",
                                           style=discord.ButtonStyle.primary))
        self.count = count

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button,
                             match: re.Match[str]) -> CounterButton:
        return cls(int(match["count"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        view = discord.ui.View(timeout=None)
        view.add_item(CounterButton(self.count + 1))
        await interaction.response.edit_message(content=f"count={self.count + 1}", view=view)


class ResetButton(discord.ui.DynamicItem[discord.ui.Button], template=r"reset:(?P<owner>\d+)"):
    """Acknowledges with a deferred update (type 6), then edits the message through the channel route."""

    def __init__(self, owner: int) -> None:
        super().__init__(discord.ui.Button(label="Reset", custom_id=f"reset:{owner}"))
        self.owner = owner

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button,
                             match: re.Match[str]) -> ResetButton:
        return cls(int(match["owner"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer()
        if interaction.user.id != self.owner:
            await interaction.followup.send("Only the owner can reset", ephemeral=True)
            return
        view = discord.ui.View(timeout=None)
        view.add_item(CounterButton(0))
        await interaction.message.edit(content="count=0 (reset)", view=view)  # type: ignore[union-attr]


class FeedbackModal(discord.ui.Modal, title="Feedback"):
    text = discord.ui.TextInput(label="What do you think?", custom_id="feedback:text")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"thanks for: {self.text.value}", ephemeral=True)


class SampleBot(commands.Bot):
    def __init__(self, guild_id: int, **options: Any) -> None:
        intents = discord.Intents.default()
        intents.members = True
        super().__init__(command_prefix=commands.when_mentioned, intents=intents, guild_ready_timeout=0.05, **options)
        self.test_guild = discord.Object(guild_id)
        self.seen: dict[str, Any] = {}  # what the callbacks observed, for the tests
        self.events: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()

    async def setup_hook(self) -> None:
        self.add_dynamic_items(CounterButton, ResetButton)
        for command in build_commands(self):
            self.tree.add_command(command)
        for command in build_guild_commands():
            self.tree.add_command(command, guild=self.test_guild)
        await self.tree.sync()
        await self.tree.sync(guild=self.test_guild)

    async def on_member_join(self, member: discord.Member) -> None:
        self.events.put_nowait(("join", member.id))

    async def on_member_remove(self, member: discord.Member) -> None:
        self.events.put_nowait(("leave", member.id))

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        self.events.put_nowait(("guild_remove", guild.id))

    async def on_guild_join(self, guild: discord.Guild) -> None:
        self.events.put_nowait(("guild_join", guild.id))

    async def on_resumed(self) -> None:
        self.events.put_nowait(("resumed", None))


def build_guild_commands() -> list[app_commands.Command]:
    @app_commands.command(name="echo", description="Repeat a text")
    @app_commands.describe(text="what to say", times="how often")
    async def echo(interaction: discord.Interaction, text: str, times: app_commands.Range[int, 1, 5] = 1,
                   loud: bool = False) -> None:
        said = " ".join([text.upper() if loud else text] * times)
        await interaction.response.send_message(said)

    return [echo]


def build_commands(bot: SampleBot) -> list[app_commands.Command | app_commands.Group]:
    @app_commands.command(name="ping", description="Check the bot answers")
    async def ping(interaction: discord.Interaction) -> None:
        where = "dm" if interaction.guild_id is None else "guild"
        await interaction.response.send_message(f"pong from {where}", ephemeral=True)

    album = app_commands.Group(name="album", description="Albums")

    @album.command(name="rate", description="Rate an album")
    async def rate(interaction: discord.Interaction, title: str, stars: app_commands.Range[int, 1, 5],
                   friend: discord.User | None = None) -> None:
        bot.seen["rate_friend"] = friend
        suffix = f" with {friend.mention}" if friend else ""
        await interaction.response.send_message(f"{title}: {'*' * stars}{suffix}", ephemeral=True)

    @rate.autocomplete("title")
    async def rate_title(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=a, value=a) for a in ALBUMS if a.lower().startswith(current.lower())]

    @app_commands.command(name="slow", description="Defer, then answer")
    async def slow(interaction: discord.Interaction, private: bool = False) -> None:
        await interaction.response.defer(ephemeral=private, thinking=True)
        await interaction.followup.send("done thinking")
        await interaction.followup.send("and one more")

    @app_commands.command(name="edit", description="Answer, then edit the answer")
    async def edit(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("first")
        await interaction.edit_original_response(content="second")

    @app_commands.command(name="counter", description="A counter button")
    async def counter(interaction: discord.Interaction) -> None:
        view = discord.ui.View(timeout=None)
        view.add_item(CounterButton(0))
        view.add_item(ResetButton(interaction.user.id))
        await interaction.response.send_message("count=0", view=view)

    @app_commands.command(name="cover", description="Upload an image")
    async def cover(interaction: discord.Interaction) -> None:
        embed = discord.Embed(title="Cover").set_image(url="attachment://cover.png")
        await interaction.response.send_message(embed=embed, file=discord.File(io.BytesIO(tiny_png()),
                                                                               filename="cover.png"))

    @app_commands.command(name="dm", description="Send me a DM")
    async def dm(interaction: discord.Interaction) -> None:
        try:
            await interaction.user.send("hello in private")
        except discord.Forbidden as error:
            bot.seen["dm_error"] = error
            await interaction.response.send_message("Open your DMs", ephemeral=True)
        else:
            await interaction.response.send_message("Check your DMs", ephemeral=True)

    @app_commands.command(name="ghost", description="Fetch a message that does not exist")
    async def ghost(interaction: discord.Interaction) -> None:
        try:
            await interaction.channel.fetch_message(1234)  # type: ignore[union-attr]
        except discord.NotFound as error:
            bot.seen["ghost_error"] = error
        await interaction.response.send_message("no ghost", ephemeral=True)

    @app_commands.command(name="say", description="Post in the channel")
    async def say(interaction: discord.Interaction, text: str) -> None:
        await interaction.channel.send(text)  # type: ignore[union-attr]
        await interaction.response.send_message("posted", ephemeral=True)

    @app_commands.command(name="twice", description="Answer one interaction twice")
    async def twice(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("once")
        interaction.response._response_type = None  # force a second HTTP callback, as a buggy bot might
        try:
            await interaction.response.send_message("twice")
        except discord.HTTPException as error:
            bot.seen["twice_error"] = error
            bot.events.put_nowait(("twice", error.code))

    @app_commands.command(name="late", description="Answer after the window")
    async def late(interaction: discord.Interaction) -> None:
        try:
            await interaction.response.send_message("too late")
        except discord.NotFound as error:
            bot.seen["late_error"] = error
            bot.events.put_nowait(("late", error.code))

    @app_commands.command(name="pick", description="A select menu")
    async def pick(interaction: discord.Interaction) -> None:
        select = discord.ui.Select(custom_id=f"pick:{interaction.id}", options=[
            discord.SelectOption(label=a, value=a) for a in ALBUMS[:3]], max_values=2)

        async def chosen(choice: discord.Interaction) -> None:
            await choice.response.edit_message(content=f"picked {', '.join(select.values)}", view=None)

        select.callback = chosen
        view = discord.ui.View(timeout=60)
        view.add_item(select)
        await interaction.response.send_message("pick albums", view=view)

    @app_commands.command(name="feedback", description="Open a modal")
    async def feedback(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(FeedbackModal())

    return [ping, album, slow, edit, counter, cover, dm, ghost, say, twice, late, pick, feedback]
