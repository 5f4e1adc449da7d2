"""``python -m bot.sandbox``: every outside service, emulated on 127.0.0.1, for trying the bot locally.

Starts the Discord, Spotify, Last.fm and Album of the Year emulators and a cover CDN, seeds each with
a person ("alice") who has a library, and prints the settings to point ``python -m bot`` at them.
"""

from __future__ import annotations

import argparse
import asyncio
import logging

from bot.sandbox.aoty import AotyEmulator
from bot.sandbox.cdn import CoverCdn
from bot.sandbox.discord import DiscordEmulator
from bot.sandbox.lastfm import LastfmEmulator
from bot.sandbox.spotify import SpotifyEmulator

SPOTIFY_CLIENT = ("sandbox-client-id", "sandbox-client-secret")


async def serve(discord_port: int, web_port: int, token: str) -> None:
    public = f"http://127.0.0.1:{web_port}"
    async with CoverCdn() as cdn, AotyEmulator() as aoty, SpotifyEmulator() as spotify, LastfmEmulator() as lastfm:
        discord = DiscordEmulator(token=token)
        guild = discord.add_guild("Sandbox Server")
        channel = discord.add_text_channel(guild, "general")
        alice = discord.add_user("alice")
        discord.add_member(guild, alice)
        await discord.start(port=discord_port)

        aoty.add_generated_user("alice", 150, seed=1)
        spotify.register_app(*SPOTIFY_CLIENT, [f"{public}/oauth/spotify/callback"])
        spotify.generate_library("alice", n_tracks=600, n_albums=40, seed=1)
        spotify.login_as("alice")
        lastfm.add_app(lastfm.api_key, lastfm.api_secret, f"{public}/oauth/lastfm/callback")
        lastfm.generate_top_albums("alice", 300, seed=1)
        lastfm.login_as("alice")
        base = f"http://127.0.0.1:{discord.port}"
        print(f"""AlbumDuel sandbox is running. Put these in .env (or export them), then run: python -m bot

DISCORD_TOKEN={token}
DISCORD_API_BASE_URL={discord.api_base}
DEV_GUILD_ID={guild.id}
PUBLIC_BASE_URL={public}
WEB_PORT={web_port}
SPOTIFY_CLIENT_ID={SPOTIFY_CLIENT[0]}
SPOTIFY_CLIENT_SECRET={SPOTIFY_CLIENT[1]}
SPOTIFY_API_BASE_URL={spotify.api_base_url}
SPOTIFY_ACCOUNTS_BASE_URL={spotify.accounts_base_url}
LASTFM_API_KEY={lastfm.api_key}
LASTFM_API_SECRET={lastfm.api_secret}
LASTFM_API_BASE_URL={lastfm.api_url}
LASTFM_AUTH_URL={lastfm.auth_url}
AOTY_BASE_URL={aoty.base_url}

Seeded: server "Sandbox Server" (#general {channel.id}) with member alice ({alice.id}); alice also exists on
AOTY (150 ratings), Spotify (600 saved tracks, 40 saved albums) and Last.fm (300 albums). Covers: {cdn.base_url}

Act as alice once the bot has connected:
  curl -s -X POST {base}/_sandbox/slash -d '{{"user": "alice", "command": "help"}}'
  curl -s -X POST {base}/_sandbox/slash -d '{{"user": "alice", "command": "import", "path": ["aoty"], "options": {{"username": "alice"}}}}'
  curl -s -X POST {base}/_sandbox/slash -d '{{"user": "alice", "command": "duel"}}'
  curl -s -X POST {base}/_sandbox/click -d '{{"user": "alice", "message_id": "ID", "custom_id": "CUSTOM_ID"}}'
  curl -s "{base}/_sandbox/messages?channel_id={channel.id}"
See {base}/_sandbox for the control API. Press Ctrl+C to stop.""", flush=True)
        try:
            await asyncio.Event().wait()
        finally:
            await discord.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--discord-port", type=int, default=0, help="Discord emulator port (default: any free port)")
    parser.add_argument("--web-port", type=int, default=8080, help="the port the bot's web server will use")
    parser.add_argument("--token", default="sandbox-token", help="the bot token the emulator accepts")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        asyncio.run(serve(args.discord_port, args.web_port, args.token))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
