import stat

import pytest

from bot.crypto import SecretBox, resolve_secret_key
from bot.errors import ConfigError


def test_round_trip_and_ciphertext_hides_plaintext():
    box = SecretBox("k1")
    secret = "BQD-access-token-value"
    sealed = box.encrypt(secret)
    assert secret.encode() not in sealed
    assert box.decrypt(sealed) == secret
    assert box.decrypt_json(box.encrypt_json({"a": secret})) == {"a": secret}


def test_wrong_key_is_a_config_error_without_the_ciphertext():
    sealed = SecretBox("k1").encrypt("x")
    with pytest.raises(ConfigError) as caught:
        SecretBox("k2").decrypt(sealed)
    assert caught.value.setting == "SECRET_KEY"
    assert sealed.decode() not in str(caught.value)


def test_generated_key_is_kept_beside_the_database_owner_only(tmp_path):
    database = tmp_path / "albumduel.db"
    key, created = resolve_secret_key(None, database)
    assert created is not None and created.parent == tmp_path
    assert stat.S_IMODE(created.stat().st_mode) == 0o600
    again, created_again = resolve_secret_key(None, database)
    assert again == key and created_again is None


def test_configured_key_wins_and_postgres_needs_one(tmp_path):
    assert resolve_secret_key("mine", tmp_path / "x.db") == ("mine", None)
    with pytest.raises(ConfigError):
        resolve_secret_key(None, None)
