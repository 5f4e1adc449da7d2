import pytest

from bot.config import load_settings
from bot.runtime import Runtime
from bot.services.registry import Services
from tests.integration.server.scenario import Member


@pytest.fixture
async def services(database):
    settings = load_settings(_env_file=None, discord_token="unused", database_url=database.url,
                             secret_key="server-tests", aoty_base_url="http://127.0.0.1:9")
    runtime = Runtime(settings, db_schema=database.schema)
    await runtime.open()
    built = Services.build(runtime)  # background loops stay off: tests call refresh_once / close_due
    try:
        yield built
    finally:
        await built.close()
        await runtime.close()


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
