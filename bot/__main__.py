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
        stopping: list[asyncio.Task] = []

        async with bot:
            starting = asyncio.create_task(bot.start(settings.discord_token), name="albumduel-gateway")
            freezing = asyncio.create_task(freeze_start_up_objects(bot))

            async def drain_and_close() -> None:
                await bot.close()
                # Waiting out a reconnect back-off (up to minutes in an outage) would outlast any stop
                # timeout: once closed, stop waiting for the gateway.
                if not starting.done():
                    starting.cancel()

            def stop() -> None:
                # Ctrl-C, `docker stop`, `systemctl stop`. Once serving, close from a task of its own so
                # the gateway keeps being read while running commands finish and new ones are told the
                # bot is restarting (left to asyncio.run, SIGINT would cancel the task reading the
                # gateway; SIGTERM would kill). Still starting (login, migrations, command sync): nobody
                # is being served yet, so stop starting; ``async with`` then closes what was opened.
                if stopping or starting.done():
                    return
                if bot.is_ready():
                    stopping.append(asyncio.create_task(drain_and_close(), name="albumduel-shutdown"))
                else:
                    stopping.append(starting)
                    starting.cancel()

            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, stop)
            try:
                await starting
            except asyncio.CancelledError:
                current = asyncio.current_task()
                if not stopping or (current is not None and current.cancelling()):
                    raise  # not our stop: someone is cancelling run() itself
            finally:
                freezing.cancel()
                if stopping and stopping[0] is not starting:
                    await stopping[0]

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
