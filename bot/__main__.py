"""`python -m bot`: read the settings, build the Discord client, run until stopped.

A missing or malformed setting prints one line naming it and exits with status 2.
"""

from __future__ import annotations

import asyncio
import gc
import signal
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
        closing: list[asyncio.Task] = []

        def stop() -> None:
            # Ctrl-C, `docker stop`, `systemctl stop`: close from a task of its own, so the gateway keeps
            # being read while running commands finish and new ones are told the bot is restarting.
            # (Left to asyncio.run, SIGINT would cancel the task reading the gateway; SIGTERM would kill.)
            if not closing:
                closing.append(asyncio.create_task(bot.close(), name="albumduel-shutdown"))

        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop)
        async with bot:
            freezing = asyncio.create_task(freeze_start_up_objects(bot))
            try:
                await bot.start(settings.discord_token)
            finally:
                freezing.cancel()
                if closing:
                    await closing[0]

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
