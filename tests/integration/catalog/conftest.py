import pytest

from bot.config import load_settings
from bot.runtime import Runtime
from bot.services.registry import Services


@pytest.fixture
async def spotify():
    from bot.sandbox.spotify import SpotifyEmulator

    async with SpotifyEmulator() as emulator:
        emulator.register_app("catalog-client", "catalog-secret", ["http://127.0.0.1/cb"])
        yield emulator


@pytest.fixture
async def services(database, spotify):
    settings = load_settings(_env_file=None, discord_token="unused", database_url=database.url,
                             secret_key="catalog-tests", spotify_client_id="catalog-client",
                             spotify_client_secret="catalog-secret", spotify_api_base_url=spotify.api_base_url,
                             spotify_accounts_base_url=spotify.accounts_base_url)
    runtime = Runtime(settings, db_schema=database.schema)
    await runtime.open()
    built = Services.build(runtime)
    try:
        yield built
    finally:
        await built.close()
        await runtime.close()
