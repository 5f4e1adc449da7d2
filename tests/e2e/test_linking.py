"""Linking Spotify and Last.fm through the real client: a DM'd link, a redirect-following browser, the
callback page, the import reported in one DM; every bad state refused; kill and resume; unlink, forget."""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import func, select, text, update

from bot.db.models import Album, Duel, LinkedAccount, OAuthState, User, UserAlbum, Vote
from bot.sandbox.spotify import TRACKS_PATH
from bot.services.duels import DuelAction
from tests.support.harness import BotHarness
from tests.support.waits import wait_for_text

CLIENT_ID, CLIENT_SECRET = "albumduel-e2e-client", "albumduel-e2e-secret"


@pytest.fixture
async def env(world, database, tmp_path, spotify_emu, lastfm_emu):
    harness = BotHarness(
        world.emu, database, tmp_path, aoty_base_url="http://127.0.0.1:9",
        spotify_client_id=CLIENT_ID, spotify_client_secret=CLIENT_SECRET,
        spotify_api_base_url=spotify_emu.api_base_url, spotify_accounts_base_url=spotify_emu.accounts_base_url,
        lastfm_api_key=lastfm_emu.api_key, lastfm_api_secret=lastfm_emu.api_secret,
        lastfm_api_base_url=lastfm_emu.api_url, lastfm_auth_url=lastfm_emu.auth_url)
    await harness.start()
    spotify_emu.register_app(CLIENT_ID, CLIENT_SECRET, [f"{harness.bot.web.base_url}/oauth/spotify/callback"])
    async with httpx.AsyncClient(follow_redirects=True) as browser:
        yield SimpleNamespace(harness=harness, world=world, emu=world.emu, spotify=spotify_emu, lastfm=lastfm_emu,
                              browser=browser)
    await harness.stop()


# --- helpers -------------------------------------------------------------------------------------

async def request_link(env, user, provider: str) -> str:
    """Run /link <provider> and return the URL of the button in the DM."""
    before = len(env.emu.dms(user))
    run = await env.emu.slash(user, "link", provider, guild=env.world.guild)
    reply = await run.done()
    assert run.ephemeral and "sent you a DM" in reply.content
    dm = await env.emu.wait_for_dm(user, predicate=lambda m: m.buttons and len(env.emu.dms(user)) > before)
    return dm.buttons[0]["url"]


async def finished_dm(env, user, provider: str = "Spotify"):
    dm = await env.emu.wait_for_dm(user, predicate=lambda m: f"Linked {provider}" in (m.content or "")
                                   or f"Importing your albums from {provider}" in (m.content or ""))
    return await wait_for_text(env.emu, dm, "finished")


async def link_spotify(env, user, account: str) -> httpx.Response:
    """Link through the DM'd button; the page's ``history[0]`` is the Spotify URL the button held."""
    env.spotify.login_as(account)
    return await env.browser.get(await request_link(env, user, "spotify"))


def spotify_truth(env, account: str, min_tracks: int = 6) -> tuple[Counter, set[str]]:
    library = env.spotify.state.users[account]
    counts: Counter = Counter()
    for item in library.saved_tracks:
        album = item["track"]["album"]
        if album.get("id") and album["album_type"] == "album" and album["total_tracks"] >= min_tracks:
            counts[album["id"]] += 1
    return counts, {item["album"]["id"] for item in library.saved_albums}


async def stored_spotify(env, user_id: int) -> dict[str, tuple[int, bool]]:
    async with env.harness.runtime.sessions() as session:
        rows = (await session.execute(
            select(Album.spotify_id, UserAlbum.spotify_saved_tracks, UserAlbum.spotify_saved_album)
            .join(UserAlbum, UserAlbum.album_id == Album.id).where(UserAlbum.user_id == user_id))).all()
    return {r.spotify_id: (r.spotify_saved_tracks, r.spotify_saved_album) for r in rows}


async def assert_matches_library(env, user_id: int, account: str) -> None:
    counts, saved = spotify_truth(env, account)
    stored = await stored_spotify(env, user_id)
    assert set(stored) == set(counts) | saved
    assert {sid: stored[sid][0] for sid in stored} == {sid: counts.get(sid, 0) for sid in stored}
    assert {sid for sid, (_, flag) in stored.items() if flag} == saved


async def snapshot(env) -> tuple:
    async with env.harness.runtime.sessions() as session:
        links = (await session.execute(select(LinkedAccount.user_id, LinkedAccount.provider, LinkedAccount.external_id,
                                              LinkedAccount.status).order_by(LinkedAccount.id))).all()
        albums = await session.scalar(select(func.count()).select_from(UserAlbum))
    return tuple(links), albums


def secrets_in(env) -> set[str]:
    s = env.spotify.state
    values = set(s.access_tokens) | set(s.refresh_tokens) | set(s.codes)
    values |= set(env.lastfm.sessions) | set(env.lastfm.tokens)
    return values


# --- tests ---------------------------------------------------------------------------------------

async def test_spotify_link_imports_the_library_with_tokens_encrypted_and_out_of_logs(env, caplog):
    caplog.set_level(logging.DEBUG)
    env.spotify.generate_library("alice-sp", n_tracks=420, n_albums=24, seed=3)
    page = await link_spotify(env, env.world.alice, "alice-sp")
    assert page.status_code == 200 and "Linked as alice-sp" in page.text and "close this tab" in page.text
    dm = await finished_dm(env, env.world.alice)
    assert "Linked Spotify as **alice-sp**" in dm.edits[0]["content"]
    assert "Spotify import finished for **alice-sp**" in dm.content and "420 saved tracks" in dm.content
    await assert_matches_library(env, env.world.alice.id, "alice-sp")

    # raw rows: credentials are ciphertext, the state is stored only as its hash
    state = parse_qs(urlsplit(str(page.history[0].url)).query)["state"][0]
    async with env.harness.runtime.engine.connect() as connection:
        raw = [tuple(row) for row in (await connection.execute(text("SELECT * FROM linked_accounts"))).all()]
        raw += [tuple(row) for row in (await connection.execute(text("SELECT * FROM oauth_states"))).all()]
    dump = repr(raw)
    secrets = secrets_in(env)
    assert secrets and not [s for s in secrets if s in dump]
    assert state not in dump and hashlib.sha256(state.encode()).hexdigest() in dump

    # The test's browser logs the redirects it follows (the code rides in one): those lines are not ours.
    browser_lines = [r for r in caplog.records if r.name.split(".")[0] in ("httpx", "httpcore", "aiohttp")
                     and any(p in r.getMessage() for p in ("/oauth/", "/authorize", "/api/auth/"))]
    logged = "\n".join(r.getMessage() for r in caplog.records if r not in browser_lines)
    assert not [s for s in secrets if s in logged]

    links = await (await env.emu.slash(env.world.alice, "links")).done()
    assert "**Spotify**: alice-sp" in links.content and "last import" in links.content


async def test_lastfm_link_imports_the_chart(env, caplog):
    caplog.set_level(logging.DEBUG)
    chart = env.lastfm.generate_top_albums("Alice_FM", 60, seed=5, top_playcount=200)
    env.lastfm.login_as("Alice_FM")
    page = await env.browser.get(await request_link(env, env.world.alice, "lastfm"))
    assert page.status_code == 200 and "Linked as Alice_FM" in page.text
    dm = await finished_dm(env, env.world.alice, "Last.fm")
    wanted = {(a.artist, a.name) for a in chart if a.playcount >= 3}
    assert f"{len(wanted)} chart albums" in dm.content
    async with env.harness.runtime.sessions() as session:
        rows = (await session.execute(select(Album.title, Album.artists, UserAlbum.lastfm_playcount)
                                      .join(UserAlbum, UserAlbum.album_id == Album.id)
                                      .where(UserAlbum.user_id == env.world.alice.id))).all()
        sealed = await session.scalar(select(LinkedAccount.credentials))
    assert {(r.artists[0], r.title) for r in rows} == wanted
    assert all(r.lastfm_playcount >= 3 for r in rows)
    keys = set(env.lastfm.sessions)
    assert keys and not [k for k in keys if k.encode() in sealed]
    assert not [k for k in keys if k in caplog.text]


async def test_closed_dms_put_the_link_in_the_ephemeral_reply(env):
    env.emu.close_dms(env.world.bob)
    env.spotify.generate_library("bob-sp", n_tracks=60, n_albums=3, seed=4)
    env.spotify.login_as("bob-sp")
    run = await env.emu.slash(env.world.bob, "link", "spotify", guild=env.world.guild)
    reply = await run.done()
    assert run.ephemeral and "couldn't DM you" in reply.content and "DMs are closed" in reply.content
    page = await env.browser.get(reply.buttons[0]["url"])
    assert "Linked as bob-sp" in page.text
    await env.harness.bot.services.import_runner.wait(env.world.bob.id, "spotify")
    await assert_matches_library(env, env.world.bob.id, "bob-sp")
    assert env.emu.dms(env.world.bob) == []


async def test_every_bad_callback_is_refused_and_changes_nothing(env):
    env.spotify.generate_library("alice-sp", n_tracks=50, n_albums=2, seed=6)
    env.spotify.add_user("carol-sp")
    callback = f"{env.harness.bot.web.base_url}/oauth/spotify/callback"
    await link_spotify(env, env.world.alice, "alice-sp")
    await finished_dm(env, env.world.alice)
    before = await snapshot(env)

    async def refused(response: httpx.Response, words: str) -> None:
        assert response.status_code == 400 and "was not linked" in response.text, response.text
        assert words in response.text, response.text
        assert await snapshot(env) == before

    await refused(await env.browser.get(callback, params={"code": "x"}), "without its security check")
    await refused(await env.browser.get(callback, params={"code": "x", "state": "made-up"}), "not one AlbumDuel handed out")

    # reused: replay the redirect alice's browser already followed
    url = await request_link(env, env.world.carol, "spotify")
    env.spotify.login_as("carol-sp")
    first = await env.browser.get(url)
    assert "Linked as carol-sp" in first.text
    await finished_dm(env, env.world.carol)
    before = await snapshot(env)
    await refused(await env.browser.get(str(first.url)), "already used")

    # expired
    url = await request_link(env, env.world.bob, "spotify")
    async with env.harness.runtime.sessions.begin() as session:
        await session.execute(update(OAuthState).where(OAuthState.used_at.is_(None))
                              .values(expires_at=datetime.now(timezone.utc) - timedelta(seconds=1)))
    env.spotify.login_as("carol-sp")
    await refused(await env.browser.get(url), "expired")

    # a Last.fm state at the Spotify callback
    lastfm_url = await request_link(env, env.world.bob, "lastfm")
    cb = parse_qs(urlsplit(lastfm_url).query)["cb"][0]
    state = parse_qs(urlsplit(cb).query)["state"][0]
    await refused(await env.browser.get(callback, params={"state": state, "code": "x"}), "made for Last.fm")

    # consent denied
    url = await request_link(env, env.world.bob, "spotify")
    env.spotify.add_user("bob-sp")
    env.spotify.login_as("bob-sp")
    env.spotify.deny_consent("bob-sp")
    await refused(await env.browser.get(url), "chose not to allow access")

    # a code Spotify refuses (the state is good)
    state = parse_qs(urlsplit(url).query)["state"][0]
    await refused(await env.browser.get(callback, params={"state": state, "code": "forged"}), "did not accept")

    # alice's Spotify account, approved by bob's browser: not taken from alice
    url = await request_link(env, env.world.bob, "spotify")
    env.spotify.login_as("alice-sp")
    await refused(await env.browser.get(url), "already linked to another Discord user")


async def test_refresh_on_401_rotates_stored_tokens_and_invalid_grant_breaks_the_link(env):
    env.spotify.generate_library("alice-sp", n_tracks=120, n_albums=4, seed=7)
    await link_spotify(env, env.world.alice, "alice-sp")
    await finished_dm(env, env.world.alice)
    first_refresh = env.spotify.valid_refresh_tokens("alice-sp")

    env.spotify.expire_access_tokens("alice-sp")
    run = await env.emu.slash(env.world.alice, "import", "spotify", guild=env.world.guild)
    assert "Started your Spotify import" in (await run.done()).content
    dm = await env.emu.wait_for_dm(env.world.alice, predicate=lambda m: "Importing your albums from Spotify" in
                                   (m.edits[0]["content"] if m.edits else m.content))
    await wait_for_text(env.emu, dm, "finished")
    async with env.harness.runtime.sessions() as session:
        sealed = await session.scalar(select(LinkedAccount.credentials))
    stored = env.harness.runtime.secrets.decrypt_json(sealed)
    assert stored["refresh_token"] in env.spotify.valid_refresh_tokens("alice-sp")
    assert stored["refresh_token"] not in first_refresh  # rotated, and the rotation was saved

    env.spotify.revoke_refresh_tokens("alice-sp")
    env.spotify.expire_access_tokens("alice-sp")
    count = len(env.emu.dms(env.world.alice))
    await (await env.emu.slash(env.world.alice, "import", "spotify")).done()
    dm = await env.emu.wait_for_dm(env.world.alice, predicate=lambda m: len(env.emu.dms(env.world.alice)) > count)
    dm = await wait_for_text(env.emu, dm, "/link spotify again")
    async with env.harness.runtime.sessions() as session:
        assert await session.scalar(select(LinkedAccount.status)) == "broken"
    links = await (await env.emu.slash(env.world.alice, "links")).done()
    assert "link broken" in links.content
    refused = await (await env.emu.slash(env.world.alice, "import", "spotify")).done()
    assert "/link spotify again" in refused.content


async def test_rate_limits_and_server_errors_are_waited_out_and_shown(env):
    env.spotify.generate_library("alice-sp", n_tracks=150, n_albums=3, seed=8)
    env.spotify.fail_next(TRACKS_PATH, 503)
    env.spotify.rate_limit_next(TRACKS_PATH, retry_after=1)
    await link_spotify(env, env.world.alice, "alice-sp")
    dm = await finished_dm(env, env.world.alice)
    assert any("Spotify asked us to wait 1 s" in (edit.get("content") or "") for edit in dm.edits)
    await assert_matches_library(env, env.world.alice.id, "alice-sp")


async def test_an_import_cut_off_by_a_restart_carries_on_by_itself_without_duplicates(env):
    env.spotify.generate_library("alice-sp", n_tracks=400, n_albums=30, seed=9)
    # /me (while linking) and the first page pass; then Spotify asks for a 30 s pause, and we stop the bot.
    env.spotify.rate_limit = (2, 30.0)
    await link_spotify(env, env.world.alice, "alice-sp")
    dm = await env.emu.wait_for_dm(env.world.alice, predicate=lambda m: "Linked Spotify" in (m.content or ""))
    await wait_for_text(env.emu, dm, "asked us to wait")
    async with env.harness.runtime.sessions() as session:
        state = await session.scalar(select(LinkedAccount.import_state))
    assert state["phase"] == "saved_tracks" and state["offset"] == 50 and not state["finished"] and state["running"]
    await env.harness.stop()
    await wait_for_text(env.emu, dm, "will continue where it stopped")  # the progress DM says what happens

    env.spotify.rate_limit = None
    env.spotify.reset_counts()
    await env.harness.start()  # nobody runs /import: the bot picks the import up by itself
    resumed = await env.emu.wait_for_dm(env.world.alice, predicate=lambda m: "picking up where it stopped" in
                                        (m.edits[0]["content"] if m.edits else m.content))
    resumed = await wait_for_text(env.emu, resumed, "finished")
    assert "(resumed)" in resumed.content
    assert env.spotify.request_count(TRACKS_PATH) == 7  # offsets 50..350: the first page was not read again
    await assert_matches_library(env, env.world.alice.id, "alice-sp")
    async with env.harness.runtime.sessions() as session:
        state = await session.scalar(select(LinkedAccount.import_state))
    assert state["finished"] and not state["running"]


async def test_an_import_stopped_by_an_error_waits_for_the_person(env):
    env.spotify.generate_library("alice-sp", n_tracks=120, n_albums=3, seed=12)
    env.spotify.fail_next(TRACKS_PATH, 500, times=4)  # Spotify keeps failing: every retry is used up
    await link_spotify(env, env.world.alice, "alice-sp")
    dm = await env.emu.wait_for_dm(env.world.alice, predicate=lambda m: "Linked Spotify" in (m.content or ""))
    await env.emu.state.wait_until(lambda: any(text in (env.emu.message(dm.id).content or "")
                                               for text in ("import stopped", "failed on our side")),
                                   30, "the import to end on the error")
    services = env.harness.bot.services
    assert await services.provider_imports.interrupted() == []  # marked stopped, not cut off
    await env.harness.stop()
    env.spotify.reset_counts()
    await env.harness.start()
    links = await (await env.emu.slash(env.world.alice, "links")).done()
    assert "stopped midway" in links.content  # still waiting for the person's /import
    assert env.spotify.request_count(TRACKS_PATH) == 0
    run = await env.emu.slash(env.world.alice, "import", "spotify")
    assert "Continuing" in (await run.done()).content
    dm = await env.emu.wait_for_dm(env.world.alice, predicate=lambda m: "Importing your albums from Spotify" in
                                   (m.edits[0]["content"] if m.edits else m.content))
    dm = await wait_for_text(env.emu, dm, "finished")
    assert "(resumed)" in dm.content
    await assert_matches_library(env, env.world.alice.id, "alice-sp")


async def test_unlink_and_forget_me_remove_what_they_promise(env):
    env.spotify.generate_library("alice-sp", n_tracks=200, n_albums=6, seed=10)
    env.spotify.generate_library("bob-sp", n_tracks=100, n_albums=4, seed=11)
    await link_spotify(env, env.world.alice, "alice-sp")
    await finished_dm(env, env.world.alice)
    await link_spotify(env, env.world.bob, "bob-sp")
    await finished_dm(env, env.world.bob)
    services = env.harness.bot.services
    alice = env.world.alice.id
    for _ in range(3):
        card = await services.duels.open_duel(alice, "alice", guild_id=env.world.guild.id,
                                              channel_id=env.world.channel.id, private=False)
        await services.duels.answer(card.duel_id, alice, DuelAction.A)

    async def count(model, user_id=alice) -> int:
        async with env.harness.runtime.sessions() as session:
            return await session.scalar(select(func.count()).select_from(model).where(model.user_id == user_id))

    albums_before = await count(UserAlbum)
    reply = await (await env.emu.slash(env.world.alice, "unlink", "spotify")).done()
    assert "albums and votes stay" in reply.content
    assert await count(LinkedAccount) == 0 and await count(UserAlbum) == albums_before and await count(Vote) == 3

    await link_spotify(env, env.world.alice, "alice-sp")
    await finished_dm(env, env.world.alice)
    reply = await (await env.emu.slash(env.world.alice, "unlink", "spotify", remove_albums=True)).done()
    assert f"Removed {albums_before}" in reply.content and "3 votes" in reply.content
    assert await count(UserAlbum) == 0 and await count(Vote) == 0 and await count(Duel) == 0

    async with env.harness.runtime.sessions() as session:
        catalogue = await session.scalar(select(func.count()).select_from(Album))
    bob_albums = await count(UserAlbum, env.world.bob.id)
    run = await env.emu.slash(env.world.alice, "forget-me", guild=env.world.guild)
    confirm = await run.done()
    assert run.ephemeral and "Are you sure" in confirm.content
    await env.harness.restart()  # the confirmation button survives a restart
    done = await (await env.emu.click(env.world.alice, confirm, confirm.buttons[0]["custom_id"])).done()
    assert "Done. I deleted" in done.content
    async with env.harness.runtime.sessions() as session:
        assert await session.get(User, alice) is None
        assert await session.scalar(select(func.count()).select_from(Album)) == catalogue
    for model in (UserAlbum, Vote, Duel, LinkedAccount, OAuthState):
        assert await count(model) == 0
    assert await count(UserAlbum, env.world.bob.id) == bob_albums


async def test_link_without_keys_names_the_missing_settings(harness, world):
    run = await world.emu.slash(world.alice, "link", "spotify", guild=world.guild)
    reply = await run.done()
    assert run.ephemeral and "hasn't set up Spotify" in reply.content and "SPOTIFY_CLIENT_ID" in reply.content
    run = await world.emu.slash(world.alice, "link", "lastfm", guild=world.guild)
    assert "LASTFM_API_KEY" in (await run.done()).content
