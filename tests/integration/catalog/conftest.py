import pytest

from tests.support.services import open_services


@pytest.fixture
async def spotify():
    from bot.sandbox.spotify import SpotifyEmulator

    async with SpotifyEmulator() as emulator:
        emulator.register_app("catalog-client", "catalog-secret", ["http://127.0.0.1/cb"])
        yield emulator


@pytest.fixture
async def services(database, spotify):
    async with open_services(database, spotify_client_id="catalog-client", spotify_client_secret="catalog-secret",
                             spotify_api_base_url=spotify.api_base_url,
                             spotify_accounts_base_url=spotify.accounts_base_url) as opened:
        yield opened
