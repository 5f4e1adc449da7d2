"""The emulator's wire details that discord.py depends on, checked at the HTTP level, and the
control API a person uses with curl."""

from __future__ import annotations

import aiohttp
import discord
import pytest

from tests.integration.sandbox_discord.conftest import ErrorCollector, World
from tests.integration.sandbox_discord.sample_bot import SampleBot


@pytest.fixture
async def http():
    async with aiohttp.ClientSession() as session:
        yield session


async def test_json_content_type_is_exact_and_rate_limit_headers_are_present(world: World, http) -> None:
    headers = {"Authorization": f"Bot {world.emu.token}"}
    async with http.get(f"{world.emu.api_base}/users/@me", headers=headers) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "application/json"
        assert {"X-RateLimit-Remaining", "X-RateLimit-Reset-After", "X-RateLimit-Bucket"} <= set(response.headers)
    async with http.get(f"{world.emu.api_base}/users/@me") as response:
        assert response.status == 401 and (await response.json())["message"] == "401: Unauthorized"


async def test_injected_429_looks_like_discords(world: World, http) -> None:
    world.emu.inject_rate_limit("GET /users/@me", retry_after=1.5)
    headers = {"Authorization": f"Bot {world.emu.token}"}
    async with http.get(f"{world.emu.api_base}/users/@me", headers=headers) as response:
        assert response.status == 429
        assert response.headers["Retry-After"] == "2" and response.headers["Via"]
        assert (await response.json())["retry_after"] == 1.5
    async with http.get(f"{world.emu.api_base}/users/@me", headers=headers) as response:
        assert response.status == 200


async def test_unknown_route_is_a_404_and_logged_loudly(world: World, http, request,
                                                       fail_on_logged_errors: ErrorCollector) -> None:
    headers = {"Authorization": f"Bot {world.emu.token}"}
    async with http.get(f"{world.emu.api_base}/stickers/1", headers=headers) as response:
        assert response.status == 404 and (await response.json())["code"] == 0
    assert world.emu.unhandled_routes == ["GET /stickers/1"]
    assert "no route for GET /stickers/1" in fail_on_logged_errors.records[0].getMessage()
    # Expected here; anywhere else it fails the test (ours, and the suite-wide guard if there is one).
    fail_on_logged_errors.records.clear()
    if "error_logs" in request.fixturenames:
        request.getfixturevalue("error_logs").take(lambda r: "no route for" in r.getMessage())


async def test_ephemeral_replies_do_not_exist_for_channel_routes(world: World, bot: SampleBot) -> None:
    r = await world.emu.slash(world.alice, "ping", guild=world.guild)
    reply = await r.done()
    channel = bot.get_channel(world.channel.id)
    with pytest.raises(discord.NotFound) as caught:
        await channel.fetch_message(reply.id)
    assert caught.value.code == 10008
    assert world.emu.channel_messages(world.channel, include_ephemeral=True) == [reply]


async def test_discords_message_limits_are_enforced(world: World, bot: SampleBot) -> None:
    channel = bot.get_channel(world.channel.id)
    with pytest.raises(discord.HTTPException) as caught:
        await channel.send("x" * 2001)
    assert caught.value.code == 50035 and "2000 or fewer" in str(caught.value)
    with pytest.raises(discord.HTTPException) as caught:
        await channel.send(embeds=[discord.Embed(description="y" * 4000), discord.Embed(description="z" * 2001)])
    assert caught.value.code == 50035
    sent = await channel.send("fine")
    fetched = await channel.fetch_message(sent.id)
    assert fetched.content == "fine" and fetched.author.id == world.emu.bot_user.id


async def test_control_api_runs_a_command_for_curl_users(world: World, bot: SampleBot, http) -> None:
    base = world.emu.api_base.removesuffix("/api/v10")
    async with http.post(f"{base}/_sandbox/slash",
                         json={"user": "alice", "command": "echo", "options": {"text": "yo", "times": 2}}) as resp:
        body = await resp.json()
    assert resp.status == 200 and body["reply"]["content"] == "yo yo" and body["callback_type"] == 4
    async with http.post(f"{base}/_sandbox/slash", json={"command": "counter"}) as resp:
        message_id = (await resp.json())["reply"]["id"]
    async with http.post(f"{base}/_sandbox/click",
                         json={"user": "bob", "message_id": message_id, "custom_id": "counter:0"}) as resp:
        assert (await resp.json())["reply"]["content"] == "count=1"
    async with http.post(f"{base}/_sandbox/slash", json={"command": "nope"}) as resp:
        assert resp.status == 400 and "no command /nope" in (await resp.json())["error"]
    async with http.get(f"{base}/_sandbox/messages", params={"channel_id": str(world.channel.id)}) as resp:
        assert [m["content"] for m in await resp.json()] == ["yo yo", "count=1"]
