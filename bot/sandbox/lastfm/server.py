"""A local Last.fm: the web-auth page and the ``/2.0/`` API, speaking the real wire formats.

Modelled behaviour, and the choices made where Last.fm's own is unknown or unobservable:

* ``GET /api/auth/?api_key=K&cb=URL`` stands for the consent page *and* the click on "Yes, allow
  access": the test picks who is logged in (``login_as``) and the page redirects (302) to ``cb`` with
  ``&token=T`` appended (``?token=T`` when ``cb`` has no query). Without ``cb`` the application's
  registered callback URL is used. With ``token=T`` (desktop flow) the token is approved in place.
* Denied consent (``deny_consent()``): Last.fm does not redirect anywhere, so the page answers 200
  "access not granted" and the callback is never reached. Nobody logged in: a 200 login page, no
  redirect. Unknown API key: a 400 error page.
* Tokens last 60 minutes (``advance`` moves the emulator's clock) and are single-use. auth.getSession
  answers 14 for a token nobody approved, 15 for an expired one and 4 for an unknown or used one.
* Signatures: md5 of the sorted ``name+value`` pairs (all parameters except ``api_sig``, ``format``
  and ``callback``) followed by the secret, compared case-insensitively; a mismatch is error 13.
* HTTP statuses of errors follow what clients report seeing (6 -> 404 for an unknown user, 17 -> 403,
  29 -> 429, 8 -> 500, 11/16 -> 503, auth and key errors -> 403); Last.fm is not consistent about
  them, so clients must read the body.
* A "private" user (hiding recent listening) gets error 17 for anonymous chart reads; a call signed
  with that user's own session key is allowed, as Last.fm does for a user reading their own data.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import secrets
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from aiohttp import web

from bot.sandbox.lastfm import render
from bot.sandbox.lastfm.data import (
    PERIODS, ApiApplication, EmulatedAlbum, EmulatedUser, IssuedSession, IssuedToken, generate_albums,
)

TOKEN_LIFETIME = 60 * 60
MAX_LIMIT = 1000

# code -> (message, HTTP status)
ERRORS: dict[int, tuple[str, int]] = {
    3: ("Invalid Method - No method with that name in this package", 400),
    4: ("Invalid authentication token supplied", 403),
    6: ("Invalid parameters - Your request is missing a required parameter", 400),
    8: ("Operation failed - Most likely the backend service failed. Please try again.", 500),
    9: ("Invalid session key - Please re-authenticate", 403),
    10: ("Invalid API key - You must be granted a valid key by last.fm", 403),
    11: ("Service Offline - This service is temporarily offline. Try again later.", 503),
    13: ("Invalid method signature supplied", 403),
    14: ("Unauthorized Token - This token has not been authorized", 403),
    15: ("This token has expired", 403),
    16: ("There was a temporary error processing your request. Please try again", 503),
    17: ("Login: User required to be logged in", 403),
    26: ("Suspended API key - Access for your account has been suspended, please contact Last.fm", 403),
    29: ("Rate Limit Exceeded - Your IP has made too many requests in a short period", 429),
}
_UNSIGNED_PARAMS = ("api_sig", "format", "callback")


class LastfmApiError(Exception):
    def __init__(self, code: int, message: str | None = None, status: int | None = None) -> None:
        default_message, default_status = ERRORS[code]
        super().__init__(message or default_message)
        self.code = code
        self.message = message or default_message
        self.status = status or default_status


def signature(params: dict[str, str], secret: str) -> str:
    """Last.fm's api_sig, computed independently of any client so the emulator really checks it."""
    text = "".join(f"{key}{params[key]}" for key in sorted(params) if key not in _UNSIGNED_PARAMS)
    return hashlib.md5((text + secret).encode("utf-8")).hexdigest()


@dataclass
class RecordedRequest:
    http_method: str
    api_method: str
    params: dict[str, str]


@dataclass
class _Fault:
    kind: str  # "code", "http", "malformed", "hang"
    remaining: int
    code: int = 0
    status: int = 0
    api_method: str | None = None


@dataclass
class _Faults:
    queue: list[_Fault] = field(default_factory=list)

    def add(self, fault: _Fault) -> None:
        fault.api_method = fault.api_method.lower() if fault.api_method else None
        self.queue.append(fault)

    def take(self, api_method: str) -> _Fault | None:
        for fault in self.queue:
            if fault.api_method in (None, api_method):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self.queue.remove(fault)
                return fault
        return None


class LastfmEmulator:
    """Start with ``async with LastfmEmulator() as emu:``; ``emu.api_url`` and ``emu.auth_url`` are the
    values for ``LASTFM_API_BASE_URL`` and ``LASTFM_AUTH_URL``."""

    def __init__(self, *, api_key: str = "emulated-api-key", api_secret: str = "emulated-api-secret",
                 callback_url: str | None = None, clock: Callable[[], float] = time.time) -> None:
        self.apps: dict[str, ApiApplication] = {}
        self.users: dict[str, EmulatedUser] = {}
        self.tokens: dict[str, IssuedToken] = {}
        self.sessions: dict[str, IssuedSession] = {}
        self.requests: list[RecordedRequest] = []
        self.latency = 0.0
        # Optional sliding-window limiter (requests, seconds) answering error 29 beyond it.
        self.rate_limit: tuple[int, float] | None = None
        self.single_item_as_object = False
        self._clock = clock
        self._offset = 0.0
        self._recent: list[float] = []
        self._logged_in: str | None = None
        self._consent = True
        self._faults = _Faults()
        self._release = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.base_url = ""
        self.add_app(api_key, api_secret, callback_url)
        self.api_key, self.api_secret = api_key, api_secret

    # --- lifecycle ----------------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/api/auth/", self._auth_page)
        app.router.add_route("*", "/2.0/", self._api)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"

    async def close(self) -> None:
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> LastfmEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/2.0/"

    @property
    def auth_url(self) -> str:
        return f"{self.base_url}/api/auth/"

    # --- test controls ------------------------------------------------------------------------------
    def add_app(self, api_key: str, secret: str, callback_url: str | None = None) -> ApiApplication:
        self.apps[api_key] = ApiApplication(api_key, secret, callback_url)
        return self.apps[api_key]

    def add_user(self, name: str, top_albums: list[EmulatedAlbum] | None = None, *,
                 private: bool = False, **fields: object) -> EmulatedUser:
        user = EmulatedUser(name=name, top_albums=list(top_albums or []), private=private, **fields)  # type: ignore[arg-type]
        self.users[name.lower()] = user
        return user

    def generate_top_albums(self, name: str, n: int, seed: int = 0, **kwargs: object) -> list[EmulatedAlbum]:
        """Give ``name`` (created if needed) a generated chart of ``n`` albums; returns it."""
        albums = generate_albums(n, seed, **kwargs)  # type: ignore[arg-type]
        user = self.users.get(name.lower()) or self.add_user(name)
        user.top_albums = albums
        return albums

    def login_as(self, name: str | None) -> None:
        """Who the auth page sees as logged in (``None``: nobody)."""
        self._logged_in = name
        self._consent = True

    def deny_consent(self, deny: bool = True) -> None:
        self._consent = not deny

    def advance(self, seconds: float) -> None:
        self._offset += seconds

    def now(self) -> float:
        return self._clock() + self._offset

    def revoke(self, user: str) -> None:
        """The user removes the app from their connected applications: their session keys stop working."""
        for session in self.sessions.values():
            if session.user.lower() == user.lower():
                session.revoked = True

    def inject_error(self, code: int, times: int = 1, *, method: str | None = None) -> None:
        """The next ``times`` API requests (of ``method``, if given) fail with Last.fm error ``code``."""
        self._faults.add(_Fault("code", times, code=code, api_method=method))

    def inject_http_error(self, status: int = 503, times: int = 1, *, method: str | None = None) -> None:
        """The next requests get a bare HTTP error page, as from a load balancer in front of the API."""
        self._faults.add(_Fault("http", times, status=status, api_method=method))

    def inject_malformed(self, times: int = 1, *, method: str | None = None) -> None:
        self._faults.add(_Fault("malformed", times, api_method=method))

    def inject_hang(self, times: int = 1, *, method: str | None = None) -> None:
        """The next requests never answer (until the emulator closes): for client timeouts."""
        self._faults.add(_Fault("hang", times, api_method=method))

    def request_count(self, api_method: str | None = None) -> int:
        wanted = api_method.lower() if api_method else None
        return sum(1 for r in self.requests if wanted in (None, r.api_method.lower()))

    def method_counts(self) -> Counter[str]:
        return Counter(r.api_method for r in self.requests)

    # --- web auth -----------------------------------------------------------------------------------
    async def _auth_page(self, request: web.Request) -> web.Response:
        app = self.apps.get(request.query.get("api_key", ""))
        if app is None:
            return _page("Invalid API key", "This application is not known to Last.fm.", status=400)
        if self._logged_in is None or self._logged_in.lower() not in self.users:
            return _page("Log in", "Log in to Last.fm to connect this application.")
        user = self.users[self._logged_in.lower()]
        if not self._consent:
            return _page("Access not granted", "You did not allow this application to use your account.")
        desktop_token = request.query.get("token")
        if desktop_token:
            issued = self.tokens.get(desktop_token)
            if issued is None or issued.api_key != app.api_key:
                return _page("Invalid token", "This authorisation request is not valid.", status=400)
            issued.user = user.name
            return _page("Application authorised", "You can return to the application.")
        cb = request.query.get("cb") or app.callback_url
        if not cb or urlsplit(cb).scheme not in ("http", "https"):
            return _page("No callback", "This application has no callback URL.", status=400)
        token = secrets.token_hex(16)
        self.tokens[token] = IssuedToken(token, app.api_key, self.now(), user=user.name)
        separator = "&" if urlsplit(cb).query else ("" if cb.endswith("?") else "?")
        raise web.HTTPFound(f"{cb}{separator}token={token}")

    # --- API ----------------------------------------------------------------------------------------
    async def _api(self, request: web.Request) -> web.StreamResponse:
        params = dict(request.query)
        if request.method == "POST":
            params.update({k: v for k, v in (await request.post()).items() if isinstance(v, str)})
        api_method = params.get("method", "")
        fmt = "json" if params.get("format", "").lower() == "json" else "xml"
        self.requests.append(RecordedRequest(request.method, api_method, _redacted(params)))
        if self.latency:
            await asyncio.sleep(self.latency)
        fault = self._faults.take(api_method.lower())
        if fault is not None:
            if fault.kind == "hang":
                await self._release.wait()
                return web.Response(status=504)
            if fault.kind == "http":
                body = f"<html><body><h1>{fault.status}</h1>Upstream error</body></html>"
                return web.Response(status=fault.status, text=body, content_type="text/html")
            if fault.kind == "malformed":
                text = '{"topalbums": {"album": [' if fmt == "json" else "<lfm status=\"ok\"><topalbums"
                return web.Response(text=text, content_type="application/json" if fmt == "json" else "text/xml")
            error = LastfmApiError(fault.code)
            return render.error_response(error.code, error.message, error.status, fmt)
        try:
            self._check_rate_limit()
            payload = self._dispatch(api_method.lower(), params)
        except LastfmApiError as error:
            return render.error_response(error.code, error.message, error.status, fmt)
        return render.ok_response(payload, fmt)

    def _check_rate_limit(self) -> None:
        if self.rate_limit is None:
            return
        count, window = self.rate_limit
        now = self.now()
        self._recent = [t for t in self._recent if now - t < window]
        if len(self._recent) >= count:
            raise LastfmApiError(29)
        self._recent.append(now)

    def _dispatch(self, api_method: str, params: dict[str, str]) -> dict:
        app = self.apps.get(params.get("api_key", ""))
        if app is None:
            raise LastfmApiError(10)
        if app.suspended:
            raise LastfmApiError(26)
        handlers = {
            "auth.gettoken": self._get_token, "auth.getsession": self._get_session,
            "user.gettopalbums": self._top_albums, "user.getinfo": self._user_info,
        }
        handler = handlers.get(api_method)
        if handler is None:
            raise LastfmApiError(3)
        signed = "api_sig" in params
        if signed and params["api_sig"].lower() != signature(params, app.secret):
            raise LastfmApiError(13)
        if api_method.startswith("auth.") and not signed:
            raise LastfmApiError(6, "Invalid parameters - api_sig is required")
        viewer = self._session_user(app, params) if "sk" in params else None
        return handler(app, params, viewer)

    def _session_user(self, app: ApiApplication, params: dict[str, str]) -> str:
        if "api_sig" not in params:
            raise LastfmApiError(13)
        session = self.sessions.get(params["sk"])
        if session is None or session.api_key != app.api_key:
            raise LastfmApiError(9)
        if session.revoked:
            raise LastfmApiError(4, "Authentication Failed - You do not have permissions to access the service")
        return session.user

    def _get_token(self, app: ApiApplication, params: dict[str, str], viewer: str | None) -> dict:
        token = secrets.token_hex(16)
        self.tokens[token] = IssuedToken(token, app.api_key, self.now())
        return {"token": token}

    def _get_session(self, app: ApiApplication, params: dict[str, str], viewer: str | None) -> dict:
        issued = self.tokens.get(params.get("token", ""))
        if issued is None or issued.used or issued.api_key != app.api_key:
            raise LastfmApiError(4)
        if self.now() - issued.issued_at > TOKEN_LIFETIME:
            raise LastfmApiError(15)
        if issued.user is None:
            raise LastfmApiError(14)
        issued.used = True
        # Last.fm hands back the same key while the user keeps the app connected.
        for session in self.sessions.values():
            if session.user == issued.user and session.api_key == app.api_key and not session.revoked:
                break
        else:
            session = IssuedSession(secrets.token_hex(16), app.api_key, issued.user)
            self.sessions[session.key] = session
        return {"session": {"name": session.user, "key": session.key, "subscriber": 0}}

    def _user(self, params: dict[str, str]) -> EmulatedUser:
        name = params.get("user", "")
        if not name:
            raise LastfmApiError(6)
        user = self.users.get(name.lower())
        if user is None:
            raise LastfmApiError(6, "User not found", 404)
        return user

    def _top_albums(self, app: ApiApplication, params: dict[str, str], viewer: str | None) -> dict:
        user = self._user(params)
        if user.private and (viewer or "").lower() != user.name.lower():
            raise LastfmApiError(17)
        period = params.get("period", "overall")
        if period not in PERIODS:
            raise LastfmApiError(6, "Invalid period")
        try:
            limit = int(params.get("limit", "50"))
            page = int(params.get("page", "1"))
        except ValueError:
            raise LastfmApiError(6) from None
        if not 1 <= limit <= MAX_LIMIT or page < 1:
            raise LastfmApiError(6, f"Invalid parameters - limit must be 1..{MAX_LIMIT}, page >= 1")
        return render.top_albums_payload(
            user, user.chart(period), page, limit, single_as_object=self.single_item_as_object)

    def _user_info(self, app: ApiApplication, params: dict[str, str], viewer: str | None) -> dict:
        if "user" not in params and viewer is not None:
            params = {**params, "user": viewer}
        return render.user_info_payload(self._user(params))


def _redacted(params: dict[str, str]) -> dict[str, str]:
    return {k: ("<redacted>" if k in ("sk", "api_sig", "token") else v) for k, v in params.items()}


def _page(title: str, text: str, *, status: int = 200) -> web.Response:
    body = (f"<!doctype html><html><head><title>{html.escape(title)} | Last.fm</title></head>"
            f"<body><h1>{html.escape(title)}</h1><p>{html.escape(text)}</p></body></html>")
    return web.Response(status=status, text=body, content_type="text/html")
