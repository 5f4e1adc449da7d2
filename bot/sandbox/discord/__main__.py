"""``python -m bot.sandbox.discord``: run the emulator alone so a person can try the bot without Discord."""

from __future__ import annotations

import argparse
import asyncio
import logging

from bot.sandbox.discord.emulator import DiscordEmulator


async def serve(port: int, token: str, callback_window: float) -> None:
    emu = DiscordEmulator(token=token, callback_window=callback_window)
    guild = emu.add_guild("Sandbox Server")
    channel = emu.add_text_channel(guild, "general")
    alice = emu.add_user("alice")
    emu.add_member(guild, alice)
    await emu.start(port=port)
    base = f"http://127.0.0.1:{emu.port}"
    print(f"""Discord emulator listening on {base}

Point the bot at it:
  DISCORD_API_BASE_URL={emu.api_base}
  DISCORD_TOKEN={token}
  DEV_GUILD_ID={guild.id}

Guild {guild.id} "Sandbox Server", channel #general {channel.id}, user alice {alice.id}.

Try a command once the bot is connected (see {base}/_sandbox):
  curl -s -X POST {base}/_sandbox/slash -d '{{"user": "alice", "command": "help"}}'
  curl -s -X POST {base}/_sandbox/slash -d '{{"command": "help", "dm": true}}'
  curl -s -X POST {base}/_sandbox/click -d '{{"user": "alice", "message_id": "ID", "custom_id": "CUSTOM_ID"}}'
  curl -s "{base}/_sandbox/messages?channel_id={channel.id}"
Press Ctrl+C to stop.""", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await emu.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: any free port)")
    parser.add_argument("--token", default="sandbox-token", help="the bot token the emulator accepts")
    parser.add_argument("--callback-window", type=float, default=3.0,
                        help="seconds the bot has to answer an interaction (Discord: 3)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        asyncio.run(serve(args.port, args.token, args.callback_window))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
