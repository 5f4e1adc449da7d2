"""`python -m bot`: read the settings, build the Discord client, run until stopped.

A missing or malformed setting prints one line naming it and exits with status 2.
"""

from __future__ import annotations

import asyncio
import gc
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

    async def freeze_start_up_objects(bot: AlbumDuelBot) -> None:
        # Everything made while starting (modules, mappers, compiled statements, discord.py's state) lives
        # as long as the process. Left to the collector, each full collection scanned it all and stopped
        # the event loop for 100-200 ms, the slowest clicks under load (docs/performance.md).
        await bot.wait_until_ready()
        gc.collect()
        gc.freeze()

    async def run() -> None:
        bot = AlbumDuelBot(settings)
        async with bot:
            freezing = asyncio.create_task(freeze_start_up_objects(bot))
            try:
                await bot.start(settings.discord_token)
            finally:
                freezing.cancel()

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
