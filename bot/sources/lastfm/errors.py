"""What each Last.fm error code means for us, and the sentences people see."""

from __future__ import annotations

from bot.errors import (
    ConfigError, LinkBroken, LinkFailed, PrivateProfile, RateLimited, SourceError, SourceUnavailable,
    UnknownAccount,
)

SERVICE = "lastfm"
TRANSIENT_CODES = frozenset({8, 11, 16})
RATE_LIMIT_CODE = 29
PRIVACY_SETTINGS_URL = "https://www.last.fm/settings/privacy"
RELINK = "Run /link lastfm to connect your account again."


def unavailable(detail: str = "Last.fm is having trouble right now") -> SourceUnavailable:
    return SourceUnavailable(f"{detail}; please try again in a few minutes.", service=SERVICE)


def rate_limited(retry_after: float | None = None) -> RateLimited:
    return RateLimited("Last.fm is limiting how fast we can ask; please try again in a few minutes.",
                       service=SERVICE, retry_after=retry_after)


def error_for_code(code: int, message: str, *, step: str, user: str | None = None,
                   with_session: bool = False) -> Exception:
    """The exception for a non-retryable (or no longer retried) Last.fm error ``code``.

    ``step`` names what we were doing ("token exchange", "album import"), ``with_session`` says the call
    was signed with the person's stored session key (so auth errors mean the link itself is broken).
    """
    if code in TRANSIENT_CODES:
        return unavailable()
    if code == RATE_LIMIT_CODE:
        return rate_limited()
    if code == 10:
        return ConfigError("LASTFM_API_KEY", f"Last.fm rejected the API key ({message})")
    if code == 26:
        return ConfigError("LASTFM_API_KEY", f"Last.fm suspended this API key ({message})")
    if code == 13:
        return ConfigError("LASTFM_API_SECRET", "Last.fm rejected our request signature; check the secret")
    if with_session and code in (4, 9):
        return LinkBroken(f"Your Last.fm link no longer works (Last.fm refused the stored session). {RELINK}",
                          service=SERVICE)
    if step == "token exchange":
        sentences = {
            4: "That Last.fm sign-in was already used or is not valid.",
            14: "Last.fm says the access was not approved.",
            15: "That Last.fm sign-in expired (they last 60 minutes).",
            6: "Last.fm did not receive a sign-in token.",
        }
        sentence = sentences.get(code, f"Last.fm refused the sign-in (error {code}: {message}).")
        return LinkFailed(f"Linking Last.fm failed at the {step}: {sentence} {RELINK}",
                          service=SERVICE, step=step)
    if code == 6:
        who = f"called “{user}”" if user else "with that name"
        return UnknownAccount(f"Last.fm has no user {who}.", service=SERVICE)
    if code == 17:
        who = f"{user}'s" if user else "This account's"
        return PrivateProfile(
            f"{who} Last.fm listening is hidden, so we cannot read the album chart. Turn off “Hide recent "
            f"listening information” at {PRIVACY_SETTINGS_URL}, then run /import lastfm again.",
            service=SERVICE)
    if code in (4, 9, 14, 15):
        return LinkBroken(f"Last.fm refused our authorisation (error {code}). {RELINK}", service=SERVICE)
    return SourceError(f"Last.fm refused the {step} (error {code}: {message}).", service=SERVICE)
