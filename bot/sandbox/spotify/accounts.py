"""The accounts service: ``GET /authorize`` (the consent page) and ``POST /api/token``.

Errors follow Spotify: a bad ``client_id`` or ``redirect_uri`` is shown on the accounts page itself
(never redirected to an unverified URI); other problems redirect back with ``error=...&state=...``;
the token endpoint answers 400 with ``{"error": ..., "error_description": ...}``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from typing import TYPE_CHECKING
from urllib.parse import urlencode, urlsplit, urlunsplit

from aiohttp import web

from bot.sandbox.spotify.state import AccessToken, AuthCode, RefreshToken, new_secret

if TYPE_CHECKING:
    from bot.sandbox.spotify.server import SpotifyEmulator

LOGIN_COOKIE = "sp_emu_user"
CODE_LIFETIME = 600.0


def _redirect(redirect_uri: str, params: dict[str, str]) -> web.HTTPFound:
    separator = "&" if "?" in redirect_uri else "?"
    return web.HTTPFound(redirect_uri + separator + urlencode(params))


def _page(status: int, text: str) -> web.Response:
    body = f"<!doctype html><title>Spotify</title><p>{text}</p>"
    return web.Response(status=status, text=body, content_type="text/html")


def _token_error(error: str, description: str, status: int = 400) -> web.Response:
    return web.json_response({"error": error, "error_description": description}, status=status)


def redirect_allowed(redirect_uri: str, registered: set[str]) -> bool:
    """Exact match, except that a loopback IP literal registered without a port accepts any port."""
    if redirect_uri in registered:
        return True
    parts = urlsplit(redirect_uri)
    if parts.scheme != "http" or parts.hostname not in ("127.0.0.1", "::1") or parts.port is None:
        return False
    host = "[::1]" if parts.hostname == "::1" else parts.hostname
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment)) in registered


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class AccountsRoutes:
    def __init__(self, emu: SpotifyEmulator) -> None:
        self.emu = emu

    def add_to(self, app: web.Application, prefix: str) -> None:
        app.router.add_get(f"{prefix}/authorize", self.authorize)
        app.router.add_post(f"{prefix}/api/token", self.token)

    async def authorize(self, request: web.Request) -> web.Response:
        state = self.emu.state
        q = request.query
        app = state.apps.get(q.get("client_id", ""))
        if app is None:
            return _page(400, "INVALID_CLIENT: Invalid client")
        redirect_uri = q.get("redirect_uri", "")
        if not redirect_allowed(redirect_uri, app.redirect_uris):
            return _page(400, "INVALID_CLIENT: Invalid redirect URI")
        echo = {"state": q["state"]} if "state" in q else {}
        if q.get("response_type") != "code":
            raise _redirect(redirect_uri, {"error": "unsupported_response_type", **echo})
        challenge = q.get("code_challenge")
        if challenge is not None and q.get("code_challenge_method") != "S256":
            raise _redirect(redirect_uri, {"error": "invalid_request", **echo})
        account_id = request.cookies.get(LOGIN_COOKIE) or state.logged_in
        user = state.users.get(account_id or "")
        if user is None:
            # A real browser would see the login form here; nothing is redirected.
            return _page(200, "Log in to Spotify to continue.")
        if user.denies_consent:
            raise _redirect(redirect_uri, {"error": "access_denied", **echo})
        code = new_secret("code-")
        state.codes[code] = AuthCode(
            code=code, client_id=app.client_id, redirect_uri=redirect_uri, code_challenge=challenge,
            scope=q.get("scope", ""), account_id=user.account_id,
            expires_at=self.emu.now() + CODE_LIFETIME,
        )
        raise _redirect(redirect_uri, {"code": code, **echo})

    def _client(self, request: web.Request, form: dict[str, str]) -> tuple[str | None, bool, web.Response | None]:
        """(client_id, authenticated_with_secret, error response)."""
        header = request.headers.get("Authorization", "")
        if header.startswith("Basic "):
            try:
                client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return None, False, _token_error("invalid_client", "Invalid client")
            app = self.emu.state.apps.get(client_id)
            if app is None:
                return None, False, _token_error("invalid_client", "Invalid client")
            if not hmac.compare_digest(app.client_secret, secret):
                return None, False, _token_error("invalid_client", "Invalid client secret")
            return client_id, True, None
        client_id = form.get("client_id", "")
        if client_id not in self.emu.state.apps:
            return None, False, _token_error("invalid_client", "Invalid client")
        return client_id, False, None

    async def token(self, request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        self.emu.state.token_requests.append(
            {k: v for k, v in form.items() if k in ("grant_type", "redirect_uri", "client_id")}
        )
        client_id, with_secret, error = self._client(request, form)
        if error is not None:
            return error
        grant = form.get("grant_type")
        if grant == "authorization_code":
            return self._exchange_code(form, client_id, with_secret)
        if grant == "refresh_token":
            return self._refresh(form, client_id)
        if grant == "client_credentials":
            return self._client_credentials(client_id, with_secret)
        if not grant:
            return _token_error("unsupported_grant_type", "grant_type parameter is missing")
        return _token_error(
            "unsupported_grant_type", "grant_type must be client_credentials, authorization_code or refresh_token",
        )

    def _client_credentials(self, client_id: str, with_secret: bool) -> web.Response:
        """An app token (no user): it reads the public catalogue, never a library."""
        if not with_secret:
            return _token_error("invalid_client", "Invalid client secret")
        token = AccessToken(new_secret("app-"), "", client_id, "", self.emu.now() + self.emu.token_lifetime)
        self.emu.state.access_tokens[token.token] = token
        return web.json_response({"access_token": token.token, "token_type": "Bearer",
                                  "expires_in": int(self.emu.token_lifetime)})

    def _exchange_code(self, form: dict[str, str], client_id: str, with_secret: bool) -> web.Response:
        code = self.emu.state.codes.get(form.get("code", ""))
        if code is None or code.used or code.client_id != client_id:
            return _token_error("invalid_grant", "Invalid authorization code")
        # Spend the code on any attempt, so a wrong verifier cannot be retried against it.
        code.used = True
        if code.expires_at < self.emu.now():
            return _token_error("invalid_grant", "Authorization code expired")
        if form.get("redirect_uri") != code.redirect_uri:
            return _token_error("invalid_grant", "Invalid redirect URI")
        if code.code_challenge is not None:
            verifier = form.get("code_verifier")
            if not verifier:
                return _token_error("invalid_request", "code_verifier required")
            if not hmac.compare_digest(s256(verifier), code.code_challenge):
                return _token_error("invalid_grant", "code_verifier was incorrect")
        elif not with_secret:
            return _token_error("invalid_client", "Invalid client")
        return self._issue(code.account_id, client_id, code.scope)

    def _refresh(self, form: dict[str, str], client_id: str) -> web.Response:
        old = self.emu.state.refresh_tokens.get(form.get("refresh_token", ""))
        if old is None or old.client_id != client_id:
            return _token_error("invalid_grant", "Invalid refresh token")
        if old.revoked:
            return _token_error("invalid_grant", "Refresh token revoked")
        if not old.valid:
            return _token_error("invalid_grant", "Invalid refresh token")
        old.valid = False  # rotation: the old refresh token dies with this answer
        return self._issue(old.account_id, client_id, old.scope)

    def _issue(self, account_id: str, client_id: str, scope: str) -> web.Response:
        state = self.emu.state
        access = AccessToken(
            token=new_secret("at-"), account_id=account_id, client_id=client_id, scope=scope,
            expires_at=self.emu.now() + self.emu.token_lifetime,
        )
        refresh = RefreshToken(token=new_secret("rt-"), account_id=account_id, client_id=client_id, scope=scope)
        state.access_tokens[access.token] = access
        state.refresh_tokens[refresh.token] = refresh
        return web.json_response({
            "access_token": access.token,
            "token_type": "Bearer",
            "scope": scope,
            "expires_in": int(self.emu.token_lifetime),
            "refresh_token": refresh.token,
        })
