"""`python -m bot`: read the settings, build the Discord client, run until stopped.

A missing or malformed setting prints one line naming it and exits with status 2.
"""

from __future__ import annotations

import asyncio
import sys

from bot.errors import ConfigError


def main() -> int:
    from bot.config import load_settings

    try:
        settings = load_settings()
    except ConfigError as error:
        print(f"albumduel: configuration error: {error}", file=sys.stderr)
        return 2

    from bot.logs import configure_logging

    configure_logging(settings.log_level)

    import discord

    from bot.app import AlbumDuelBot

    async def run() -> None:
        bot = AlbumDuelBot(settings)
        async with bot:
            await bot.start(settings.discord_token)

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        return 0
    except discord.LoginFailure:
        print("albumduel: configuration error: DISCORD_TOKEN: Discord rejected the token", file=sys.stderr)
        return 2
    except ConfigError as error:
        print(f"albumduel: configuration error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
