"""Shared embed pieces: album lines, progress bars, colours."""

from __future__ import annotations

import discord

from bot.services.cards import AlbumCard

BRAND = discord.Colour.from_rgb(88, 101, 242)


def album_line(album: AlbumCard) -> str:
    year = f" ({album.year})" if album.year else ""
    return f"**{discord.utils.escape_markdown(album.title)}** — {discord.utils.escape_markdown(album.artist)}{year}"


def progress_bar(fraction: float, width: int = 12) -> str:
    fraction = min(max(fraction, 0.0), 1.0)
    filled = round(fraction * width)
    return "█" * filled + "░" * (width - filled)


def settled_text(votes: int, settled: float) -> str:
    return f"{votes:,} duel{'s' if votes != 1 else ''} · {settled * 100:.0f}% settled"
