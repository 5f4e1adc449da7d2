"""What every REST answer shares: exact JSON content type, rate-limit headers, auth, errors, 429 injection."""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from typing import Any, Awaitable, Callable

from aiohttp import web

from bot.sandbox.discord.models import ApiErrorRecord
from bot.sandbox.discord.state import DiscordState, Upload
from bot.sandbox.discord.validation import ApiError

log = logging.getLogger("bot.sandbox.discord")

API_PREFIX = "/api/v10"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # discord.py only parses a body whose content type is exactly "application/json" (no charset).
    return web.Response(body=json.dumps(data).encode(), status=status,
                        headers={"Content-Type": "application/json", **(headers or {})})


def no_content() -> web.Response:
    return web.Response(status=204)


def _bucket_headers(method: str, path: str) -> dict[str, str]:
    # Plenty of room in every bucket: discord.py never pre-emptively waits; tests inject 429s instead.
    bucket = hashlib.sha1(f"{method} {path}".encode()).hexdigest()[:16]
    return {
        "X-RateLimit-Bucket": bucket,
        "X-RateLimit-Limit": "50",
        "X-RateLimit-Remaining": "49",
        "X-RateLimit-Reset": f"{time.time() + 1:.3f}",
        "X-RateLimit-Reset-After": "1.000",
        "Via": "1.1 google",
    }


def _needs_auth(path: str) -> bool:
    # Interaction callbacks and webhook-token routes authenticate by the token in the URL.
    parts = path.split("/")
    if path.startswith("/interactions/"):
        return False
    return not (path.startswith("/webhooks/") and len(parts) >= 4)


async def read_body(request: web.Request) -> tuple[Any, list[Upload]]:
    """The JSON body, or a multipart body's ``payload_json`` and ``files[n]`` parts."""
    if request.content_type.startswith("multipart/"):
        payload: Any = {}
        uploads: list[Upload] = []
        reader = await request.multipart()
        async for part in reader:
            if part.name == "payload_json":
                payload = json.loads(await part.text())
            elif part.name and part.name.startswith("files["):
                uploads.append(Upload(field=part.name, filename=part.filename or "file",
                                      data=bytes(await part.read())))
        return payload, uploads
    if not request.can_read_body:
        return {}, []
    text = await request.text()
    if not text:
        return {}, []
    try:
        return json.loads(text), []
    except ValueError:
        raise ApiError(400, 50109, "The request body contains invalid JSON.") from None


def make_middleware(state: DiscordState) -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
    @web.middleware
    async def discord_api(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith(API_PREFIX + "/"):
            return await handler(request)
        path = request.path[len(API_PREFIX):]
        headers = _bucket_headers(request.method, path)
        for injection in state.rate_limits:
            if injection.matches(request.method, path):
                injection.hits += 1
                body = {"message": "You are being rate limited.", "retry_after": injection.retry_after,
                        "global": injection.is_global}
                limited = {**headers, "Retry-After": str(math.ceil(injection.retry_after)),
                           "X-RateLimit-Remaining": "0",
                           "X-RateLimit-Scope": "global" if injection.is_global else "user"}
                if injection.is_global:
                    limited["X-RateLimit-Global"] = "true"
                return json_response(body, 429, limited)
        auth = request.headers.get("Authorization", "")
        if _needs_auth(path) and auth != f"Bot {state.token}":
            return json_response({"message": "401: Unauthorized", "code": 0}, 401, headers)
        try:
            response = await handler(request)
        except ApiError as error:
            record = ApiErrorRecord(request.method, path, error.status, error.code, error.message)
            state.api_errors.append(record)
            run = _run_for(state, request)
            if run is not None:
                run.errors.append(record)
            log.info("Discord emulator answered %s %s with %s %s", request.method, _redact(request, path),
                     error.status, error.code)
            await state.notify()
            response = json_response(error.body(), error.status)
        except web.HTTPNotFound:
            state.unhandled_routes.append(f"{request.method} {path}")
            log.error("Discord emulator has no route for %s %s: add it to bot/sandbox/discord", request.method,
                      _redact(request, path))
            response = json_response({"message": "404: Not Found", "code": 0}, 404)
        except web.HTTPMethodNotAllowed:
            state.unhandled_routes.append(f"{request.method} {path}")
            log.error("Discord emulator has no method %s for %s", request.method, path)
            response = json_response({"message": "405: Method Not Allowed", "code": 0}, 405)
        for key, value in headers.items():
            response.headers.setdefault(key, value)
        return response

    return discord_api


def _redact(request: web.Request, path: str) -> str:
    """Interaction and webhook tokens are secrets: never log them."""
    token = request.match_info.get("token")
    if token:
        return path.replace(token, "<token>")
    parts = path.split("/")
    if len(parts) > 3 and parts[1] in ("interactions", "webhooks"):
        parts[3] = "<token>"
    return "/".join(parts)


def _run_for(state: DiscordState, request: web.Request):
    token = request.match_info.get("token")
    if token is None:
        return None
    return state.by_token.get(token)
