import pytest

from tests.integration.server.scenario import Member
from tests.support.services import open_services


@pytest.fixture
async def services(database):
    # Background loops stay off (nothing calls start): tests call refresh_once / close_due themselves.
    async with open_services(database, aoty_base_url="http://127.0.0.1:9") as opened:
        yield opened


@pytest.fixture
def members():
    return [Member(1000 + i, name) for i, name in enumerate(["ana", "ben", "cleo", "dev", "eli"])]


GUILD = 777


@pytest.fixture
async def server(services, members):
    """Five members of one server with known votes (see scenario.py)."""
    from tests.integration.server.scenario import build_server

    await build_server(services, GUILD, members)
    for member in members:
        await services.memberships.note(GUILD, "Vinyl Club", member.id, member.name)
    await services.leaderboards.refresh_once()
    return GUILD
