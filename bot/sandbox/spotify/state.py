"""What the emulated Spotify remembers: apps, users, codes, tokens and the faults a test asked for."""

from __future__ import annotations

import secrets
from collections import Counter, deque
from dataclasses import dataclass, field


@dataclass
class EmulatedApp:
    """An app registered in the developer dashboard."""

    client_id: str
    client_secret: str
    redirect_uris: set[str]


@dataclass
class EmulatedUser:
    account_id: str
    user_id: str
    display_name: str
    saved_tracks: list[dict] = field(default_factory=list)
    saved_albums: list[dict] = field(default_factory=list)
    denies_consent: bool = False
    # Development-mode apps answer 403 for users the owner has not added in the dashboard.
    registered: bool = True
    product: str = "premium"


@dataclass
class AuthCode:
    code: str
    client_id: str
    redirect_uri: str
    code_challenge: str | None
    scope: str
    account_id: str
    expires_at: float
    used: bool = False


@dataclass
class AccessToken:
    token: str
    account_id: str
    client_id: str
    scope: str
    expires_at: float


@dataclass
class RefreshToken:
    token: str
    account_id: str
    client_id: str
    scope: str
    valid: bool = True
    revoked: bool = False


@dataclass(frozen=True)
class Fault:
    """One scripted answer that replaces the next normal response on a path.

    ``status`` with a Spotify error body; ``retry_after`` adds the header; ``reason`` goes in the error
    object (``QUOTA_EXCEEDED``); ``raw_body`` replaces the body (malformed JSON); ``stall`` holds the
    request open until the emulator closes, which a client sees as a timeout.
    """

    status: int = 503
    retry_after: int | None = None
    reason: str | None = None
    raw_body: str | None = None
    stall: bool = False


def new_secret(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(24)


@dataclass
class EmulatorState:
    apps: dict[str, EmulatedApp] = field(default_factory=dict)
    users: dict[str, EmulatedUser] = field(default_factory=dict)
    codes: dict[str, AuthCode] = field(default_factory=dict)
    access_tokens: dict[str, AccessToken] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshToken] = field(default_factory=dict)
    faults: dict[str, deque[Fault]] = field(default_factory=dict)
    request_counts: Counter[str] = field(default_factory=Counter)
    # Request times inside the rolling rate-limit window, for /v1 paths.
    recent_api_requests: deque[float] = field(default_factory=deque)
    logged_in: str | None = None
    token_requests: list[dict[str, str]] = field(default_factory=list)
