import pytest

from bot.config import load_settings
from bot.runtime import Runtime
from bot.services.registry import Services


@pytest.fixture
async def services(database):
    settings = load_settings(_env_file=None, discord_token="unused", database_url=database.url,
                             secret_key="service-tests", aoty_base_url="http://127.0.0.1:9")
    runtime = Runtime(settings, db_schema=database.schema)
    await runtime.open()
    built = Services.build(runtime)
    try:
        yield built
    finally:
        await built.close()
        await runtime.close()
