"""Encryption at rest for secrets (OAuth tokens, session keys, PKCE verifiers).

Fernet (AES-128-CBC with an HMAC-SHA256 tag) keyed from ``SECRET_KEY``. Any string works as a key: it
is stretched with SHA-256, so a generated Fernet key and a long passphrase are both fine.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from bot.errors import ConfigError

log = logging.getLogger(__name__)


class SecretBox:
    def __init__(self, secret_key: str) -> None:
        digest = hashlib.sha256(secret_key.encode("utf-8")).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

    def encrypt(self, plaintext: str) -> bytes:
        return self._fernet.encrypt(plaintext.encode("utf-8"))

    def decrypt(self, ciphertext: bytes) -> str:
        try:
            return self._fernet.decrypt(ciphertext).decode("utf-8")
        except InvalidToken:
            # Never include the ciphertext: it is still a secret for whoever holds the old key.
            raise ConfigError("SECRET_KEY", "cannot decrypt stored credentials: the key changed since they "
                              "were saved; restore the old key or ask people to link again") from None

    def encrypt_json(self, data: dict) -> bytes:
        return self.encrypt(json.dumps(data, separators=(",", ":")))

    def decrypt_json(self, ciphertext: bytes) -> dict:
        return json.loads(self.decrypt(ciphertext))

    def __repr__(self) -> str:  # never show key material
        return "SecretBox(<hidden>)"


def resolve_secret_key(configured: str | None, sqlite_path: Path | None) -> tuple[str, Path | None]:
    """Return the key to use, and the file it was just written to when one was generated.

    With SQLite and no ``SECRET_KEY`` a key is generated on first start and kept beside the database,
    readable by the owner only, so that a restart can still decrypt what was stored.
    """
    if configured:
        return configured, None
    if sqlite_path is None:
        raise ConfigError("SECRET_KEY", "is required unless the database is a SQLite file")
    key_file = sqlite_path.with_name(sqlite_path.name + ".secret.key")
    if key_file.exists():
        return key_file.read_text().strip(), None
    key = secrets.token_urlsafe(32)
    key_file.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key + "\n")
    return key, key_file
