"""Provider imports through the service: batches, resumable cursor, every failure's handling."""

from sqlalchemy import func, select

from bot.db.models import Album, LinkedAccount, UserAlbum
from bot.errors import LinkBroken
from bot.linking import DatabaseTokenStore
from bot.sandbox.spotify import ALBUMS_PATH, TRACKS_PATH, Fault
from bot.sources.spotify import SpotifyTokens
from tests.integration.linking.conftest import link

ALICE = 101


async def account(env, provider):
    async with env.sessions() as session:
        return await session.scalar(select(LinkedAccount).where(LinkedAccount.provider == provider))


async def saved_track_sums(env, user_id=ALICE) -> dict[str, int]:
    async with env.sessions() as session:
        rows = (await session.execute(select(Album.spotify_id, UserAlbum.spotify_saved_tracks)
                                      .join(UserAlbum, UserAlbum.album_id == Album.id)
                                      .where(UserAlbum.user_id == user_id))).all()
    return dict(rows)


def truth(env, account_id) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in env.spotify.state.users[account_id].saved_tracks:
        album = item["track"]["album"]
        if album["album_type"] == "album" and album["total_tracks"] >= 6:
            counts[album["id"]] = counts.get(album["id"], 0) + 1
    for item in env.spotify.state.users[account_id].saved_albums:
        counts.setdefault(item["album"]["id"], 0)
    return counts


async def test_a_failure_midway_keeps_whole_batches_and_the_rerun_finishes_once(linkenv):
    env = linkenv
    env.services.provider_imports.pages_per_batch = 2
    env.spotify.generate_library("alice-sp", n_tracks=500, n_albums=10, seed=21)
    # saved tracks go through in batches; saved albums answer 503 until the retries give up
    env.spotify.inject(ALBUMS_PATH, *[Fault(status=503)] * 4)
    await link(env, ALICE, "spotify", "alice-sp")
    assert "stopped" in env.notifier.latest(ALICE) and "/import spotify" in env.notifier.latest(ALICE)
    state = (await account(env, "spotify")).import_state
    assert state["phase"] == "saved_albums" and not state["finished"]
    tracks_requests = env.spotify.request_count(TRACKS_PATH)

    assert env.services.import_runner.start(ALICE, "spotify")
    await env.services.import_runner.wait(ALICE, "spotify")
    assert "finished" in env.notifier.latest(ALICE) and "(resumed)" in env.notifier.latest(ALICE)
    assert env.spotify.request_count(TRACKS_PATH) == tracks_requests  # saved tracks were not read again
    assert await saved_track_sums(env) == truth(env, "alice-sp")


async def test_a_fresh_reimport_counts_saved_tracks_from_zero(linkenv):
    env = linkenv
    env.spotify.generate_library("alice-sp", n_tracks=130, n_albums=3, seed=22)
    await link(env, ALICE, "spotify", "alice-sp")
    assert env.services.import_runner.start(ALICE, "spotify")
    await env.services.import_runner.wait(ALICE, "spotify")
    assert await saved_track_sums(env) == truth(env, "alice-sp")


async def test_quota_exceeded_is_not_retried_and_keeps_the_link(linkenv):
    env = linkenv
    env.spotify.generate_library("alice-sp", n_tracks=60, n_albums=2, seed=23)
    env.spotify.inject(TRACKS_PATH, Fault(status=429, reason="QUOTA_EXCEEDED"))
    await link(env, ALICE, "spotify", "alice-sp")
    assert "quota" in env.notifier.latest(ALICE)
    assert env.spotify.request_count(TRACKS_PATH) == 1
    assert (await account(env, "spotify")).status == "active"


async def test_token_store_saves_rotations_encrypted_and_refuses_after_unlink(linkenv):
    env = linkenv
    env.spotify.generate_library("alice-sp", n_tracks=10, n_albums=1, seed=24)
    await link(env, ALICE, "spotify", "alice-sp")
    linked = await account(env, "spotify")
    store = DatabaseTokenStore(env.sessions, env.runtime.secrets, linked.id)
    fresh = SpotifyTokens("at-new-secret", "rt-new-secret", 123.0, "user-library-read")
    await store.save(fresh)
    assert (await store.load()).refresh_token == "rt-new-secret"
    assert b"rt-new-secret" not in (await account(env, "spotify")).credentials
    await env.services.accounts.unlink(ALICE, "spotify")
    for attempt in (store.load(), store.save(fresh)):
        try:
            await attempt
        except LinkBroken as error:
            assert "/link spotify" in error.message
        else:
            raise AssertionError("a token store outlived its link")


async def test_lastfm_private_unknown_and_revoked(linkenv):
    env = linkenv
    env.lastfm.generate_top_albums("Hidden", 20, seed=1)
    await link(env, ALICE, "lastfm", "Hidden")
    assert "finished" in env.notifier.latest(ALICE)

    env.lastfm.users["hidden"].private = True  # signed with the person's own session: still readable
    assert env.services.import_runner.start(ALICE, "lastfm")
    await env.services.import_runner.wait(ALICE, "lastfm")
    assert "finished" in env.notifier.latest(ALICE)

    env.lastfm.inject_error(17, method="user.getTopAlbums")
    assert env.services.import_runner.start(ALICE, "lastfm")
    await env.services.import_runner.wait(ALICE, "lastfm")
    assert "hidden" in env.notifier.latest(ALICE) and "privacy" in env.notifier.latest(ALICE)

    env.lastfm.inject_error(6, method="user.getTopAlbums")
    assert env.services.import_runner.start(ALICE, "lastfm")
    await env.services.import_runner.wait(ALICE, "lastfm")
    assert "Last.fm has no user" in env.notifier.latest(ALICE)

    env.lastfm.inject_error(8, times=2, method="user.getTopAlbums")  # retried, then fine
    assert env.services.import_runner.start(ALICE, "lastfm")
    await env.services.import_runner.wait(ALICE, "lastfm")
    assert "finished" in env.notifier.latest(ALICE)

    env.lastfm.revoke("Hidden")
    assert env.services.import_runner.start(ALICE, "lastfm")
    await env.services.import_runner.wait(ALICE, "lastfm")
    assert "/link lastfm" in env.notifier.latest(ALICE)
    assert (await account(env, "lastfm")).status == "broken"
    async with env.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(UserAlbum)) == sum(
            1 for a in env.lastfm.users["hidden"].top_albums if a.playcount >= 3)
