"""Settings, read from the environment and ``.env``, validated once at start-up.

Every setting is listed in ``.env.example`` with a one-line comment; ``docs/configuration.md`` explains
each. ``load_settings`` turns pydantic's validation errors into one ``ConfigError`` naming the setting,
so ``python -m bot`` can print a single clear line instead of a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.errors import ConfigError

DISCORD_API = "https://discord.com/api/v10"


def _check_http_url(name: str, value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"must be an http(s) URL, got {value!r}")
    return value.rstrip("/")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore",
                                      env_ignore_empty=True)  # "KEY=" in .env means "not set"

    discord_token: str = ""
    database_url: str = "sqlite+aiosqlite:///albumduel.db"
    secret_key: str | None = None
    dev_guild_id: int | None = None
    public_base_url: str = "http://localhost:8080"
    web_host: str = "127.0.0.1"
    web_port: Annotated[int, Field(ge=0, le=65535)] = 8080
    discord_api_base_url: str = DISCORD_API
    log_level: str = "INFO"

    spotify_client_id: str | None = None
    spotify_client_secret: str | None = None
    spotify_api_base_url: str = "https://api.spotify.com/v1"
    spotify_accounts_base_url: str = "https://accounts.spotify.com"
    spotify_min_album_tracks: Annotated[int, Field(ge=1, le=100)] = 6

    lastfm_api_key: str | None = None
    lastfm_api_secret: str | None = None
    lastfm_api_base_url: str = "https://ws.audioscrobbler.com/2.0/"
    lastfm_auth_url: str = "https://www.last.fm/api/auth/"
    lastfm_min_plays: Annotated[int, Field(ge=1)] = 3

    image_workers: Annotated[int, Field(ge=0, le=16)] = 1
    cover_tile_dir: Path | None = None
    cover_tile_mb: Annotated[int, Field(ge=0)] = 1000

    aoty_base_url: str = "https://www.albumoftheyear.org"
    aoty_min_interval: Annotated[float, Field(ge=0)] = 1.0

    server_min_raters: Annotated[int, Field(ge=1)] = 3
    server_refresh_seconds: Annotated[float, Field(gt=0, le=3600)] = 10.0
    server_duel_minutes: Annotated[float, Field(gt=0, le=10080)] = 60.0

    @field_validator(
        "public_base_url", "discord_api_base_url", "spotify_api_base_url", "spotify_accounts_base_url",
        "lastfm_api_base_url", "lastfm_auth_url", "aoty_base_url",
    )
    @classmethod
    def _urls(cls, value: str, info) -> str:  # noqa: ANN001 - pydantic's ValidationInfo
        checked = _check_http_url(info.field_name, value)
        # Last.fm's endpoints are directories: their trailing slash matters to the API and to pylast.
        return checked + "/" if info.field_name.startswith("lastfm_") else checked

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if value.startswith("sqlite+aiosqlite://") or value.startswith("postgresql+asyncpg://"):
            return value
        raise ValueError(
            "must start with sqlite+aiosqlite:// or postgresql+asyncpg://, got "
            f"{value.split('://', 1)[0] + '://...' if '://' in value else repr(value)}"
        )

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError(f"must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, got {value!r}")
        return level

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def sqlite_path(self) -> Path | None:
        """The database file, or None for PostgreSQL and in-memory SQLite."""
        if not self.is_sqlite:
            return None
        path = self.database_url.split(":///", 1)[-1]
        if not path or path == ":memory:":
            return None
        return Path(path)

    @property
    def tile_directory(self) -> Path | None:
        """Where prepared cover tiles are kept: ``COVER_TILE_DIR``, else beside the SQLite database
        (``albumduel.db`` -> ``albumduel.tiles/``), else ``cover-tiles/``; None when ``COVER_TILE_MB`` is 0."""
        if self.cover_tile_mb == 0:
            return None
        if self.cover_tile_dir is not None:
            return self.cover_tile_dir
        database = self.sqlite_path
        return database.with_suffix(".tiles") if database is not None else Path("cover-tiles")

    @property
    def discord_is_real(self) -> bool:
        return self.discord_api_base_url == DISCORD_API


_ENV_NAMES = {name: name.upper() for name in Settings.model_fields}


def load_settings(require_token: bool = True, **overrides: object) -> Settings:
    """Read and validate the settings; raise ``ConfigError`` naming the first bad one."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else "settings"
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] in ("int_parsing", "int_from_float"):
            message = f"must be a whole number, got {error.get('input')!r}"
        raise ConfigError(_ENV_NAMES.get(field, field.upper()), message) from None
    if require_token and not settings.discord_token:
        raise ConfigError("DISCORD_TOKEN", "is not set; put your bot token in .env (see .env.example)")
    if not settings.is_sqlite and not settings.secret_key:
        raise ConfigError("SECRET_KEY", "is required with PostgreSQL; generate one with "
                          "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'")
    return settings
