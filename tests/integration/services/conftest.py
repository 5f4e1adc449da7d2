import pytest

from tests.support.services import open_services


@pytest.fixture
async def services(database):
    async with open_services(database, aoty_base_url="http://127.0.0.1:9") as opened:
        yield opened
