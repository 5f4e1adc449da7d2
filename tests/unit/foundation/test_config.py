import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.errors import ConfigError

ROOT = Path(__file__).resolve().parents[3]


def run_bot(env_overrides: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE_", "SECRET_", "DEV_GUILD"))}
    env.update(env_overrides)
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "bot"], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


def test_missing_token_prints_one_line_and_exits_2(tmp_path):
    result = run_bot({}, tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "DISCORD_TOKEN" in lines[0] and "not set" in lines[0]
    assert "Traceback" not in result.stderr


def test_bad_database_url_prints_one_line_and_exits_2(tmp_path):
    result = run_bot({"DISCORD_TOKEN": "abc", "DATABASE_URL": "mysql://root@localhost/x"}, tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("setting", "value", "words"), [
    ("dev_guild_id", "my-server", "whole number"),
    ("public_base_url", "localhost:8080", "URL"),
    ("web_port", "99999", "65535"),
    ("log_level", "LOUD", "DEBUG"),
])
def test_malformed_values_name_the_setting(setting, value, words):
    with pytest.raises(ConfigError) as caught:
        load_settings(_env_file=None, discord_token="t", **{setting: value})
    assert caught.value.setting == setting.upper()
    assert words in caught.value.problem


def test_postgres_requires_a_secret_key():
    with pytest.raises(ConfigError) as caught:
        load_settings(_env_file=None, discord_token="t", database_url="postgresql+asyncpg://u@h/db")
    assert caught.value.setting == "SECRET_KEY"


def test_env_file_blank_values_mean_unset(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("DISCORD_TOKEN=abc\nDEV_GUILD_ID=\nSECRET_KEY=\n")
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.discord_token == "abc" and settings.dev_guild_id is None and settings.secret_key is None


def test_env_example_lists_every_setting():
    from bot.config import Settings

    example = (ROOT / ".env.example").read_text()
    declared = {line.split("=", 1)[0] for line in example.splitlines() if line and not line.startswith("#")}
    assert declared == {name.upper() for name in Settings.model_fields}
    # every setting sits under a comment (settings that belong together may share one, e.g. WEB_HOST/WEB_PORT)
    lines = example.splitlines()
    for index, line in enumerate(lines):
        if line and not line.startswith("#"):
            above = index - 1
            while above >= 0 and lines[above] and not lines[above].startswith("#"):
                above -= 1
            assert above >= 0 and lines[above].startswith("#"), f"{line} has no comment above it"
