"""The error hierarchy shared by every layer.

A ``UserError`` carries the sentence the person sees; the cogs' error handler shows it ephemerally and
logs nothing alarming. Anything that is not a ``UserError`` is a bug or an outage: it is logged with its
traceback and a short reference id, and the person gets an apology with that id.
"""

from __future__ import annotations


class AlbumDuelError(Exception):
    """Base class of every error the application raises on purpose."""


class UserError(AlbumDuelError):
    """Something the person can act on. ``str(error)`` is the message shown to them."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(UserError):
    """A thing the person named does not exist (an album, a duel, a user)."""


class NotAllowed(UserError):
    """The person may not do this (another member's duel, a private ranking)."""


class NotEnoughAlbums(UserError):
    """Fewer than two albums are available to duel."""


class ConfigError(AlbumDuelError):
    """A setting is missing or malformed. ``setting`` names it; the message says what is wrong."""

    def __init__(self, setting: str, problem: str) -> None:
        super().__init__(f"{setting}: {problem}")
        self.setting = setting
        self.problem = problem


# --- outside services -------------------------------------------------------------------------------

class SourceError(UserError):
    """An outside service (Spotify, Last.fm, AOTY) failed in a way the person should hear about.

    ``retryable`` says whether trying the same call again later may succeed.
    """

    retryable: bool = False

    def __init__(self, message: str, *, service: str = "", retryable: bool | None = None) -> None:
        super().__init__(message)
        self.service = service
        if retryable is not None:
            self.retryable = retryable


class SourceUnavailable(SourceError):
    """Timeouts, 5xx, 'service offline': retried, then reported."""

    retryable = True


class SourceBlocked(SourceError):
    """The service refuses automated access (e.g. a Cloudflare challenge page)."""

    retryable = True


class RateLimited(SourceError):
    """HTTP 429 or an equivalent code. ``retry_after`` is in seconds when the service said so."""

    retryable = True

    def __init__(self, message: str, *, service: str = "", retry_after: float | None = None) -> None:
        super().__init__(message, service=service)
        self.retry_after = retry_after


class QuotaExceeded(SourceError):
    """The app's quota is spent: retrying will not help until the quota resets."""


class UnknownAccount(SourceError):
    """The named user does not exist on the service."""


class PrivateProfile(SourceError):
    """The user exists but their data is not public."""


class NothingToImport(SourceError):
    """The account exists and is readable but holds nothing to import (e.g. an AOTY user with no ratings)."""


class LinkBroken(SourceError):
    """Stored credentials no longer work (e.g. ``invalid_grant``): the person must link again."""


class LinkFailed(SourceError):
    """Linking did not complete (a refused, expired or reused authorisation). ``step`` names the step
    that failed; the person should start the link again."""

    def __init__(self, message: str, *, service: str = "", step: str = "") -> None:
        super().__init__(message, service=service)
        self.step = step


class MalformedResponse(SourceError):
    """The service answered with something we cannot parse."""

    retryable = True


class ProviderNotConfigured(UserError):
    """The bot's operator has not set up a source (its keys are missing). ``settings`` names them."""

    def __init__(self, message: str, *, settings: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.settings = settings


class AccountAlreadyLinked(LinkFailed):
    """The outside account is already linked to another Discord user; it is not taken from them."""
