"""The OAuth callback routes on the embedded web server, answering small HTML pages.

``/oauth/spotify/callback`` and ``/oauth/lastfm/callback`` finish a link (``LinkingService``), then start
the import in the background (which DMs the person). Whatever goes wrong, the browser gets a page that
says what happened, and nothing is linked or imported. Query strings are never logged: they hold codes.
"""

from __future__ import annotations

import html
import logging
import secrets

from aiohttp import web

from bot.errors import UserError
from bot.linking.service import LinkingService, LinkResult
from bot.linking.states import PROVIDER_NAMES
from bot.services.import_runner import ImportRunner

log = logging.getLogger(__name__)

_STYLE = ("body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;"
          "line-height:1.5;color:#222}h1{font-size:1.4rem}")


def page(title: str, text: str, *, status: int = 200) -> web.Response:
    body = (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{html.escape(title)} · AlbumDuel"
            f"</title><meta name=viewport content='width=device-width'><style>{_STYLE}</style></head>"
            f"<body><h1>{html.escape(title)}</h1><p>{html.escape(text)}</p></body></html>")
    # No referrer: the callback URL carries the code and state, and must not leak to other sites.
    return web.Response(status=status, text=body, content_type="text/html",
                        headers={"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"})


def linked_intro(result: LinkResult) -> str:
    name = PROVIDER_NAMES[result.provider]
    return f"Linked {name} as **{result.display_name}**. Importing your albums now…"


def callback_routes(linking: LinkingService, runner: ImportRunner) -> list[web.RouteDef]:
    async def finish(provider: str, request: web.Request) -> web.Response:
        name = PROVIDER_NAMES[provider]
        complete = linking.complete_spotify if provider == "spotify" else linking.complete_lastfm
        try:
            result = await complete(request.query)
        except UserError as error:
            log.info("%s link refused: %s", name, type(error).__name__)
            return page(f"{name} was not linked", error.message, status=400)
        except Exception:
            reference = secrets.token_hex(3)
            log.exception("%s link failed [ref %s]", name, reference)
            return page(f"{name} was not linked", "Something went wrong on our side; nothing was linked. If it "
                        f"keeps happening, mention reference {reference} to the bot's operator.", status=500)
        runner.start(result.user_id, provider, intro=linked_intro(result))
        return page(f"Linked as {result.display_name}",
                    f"Your {name} account {result.display_name} is linked to AlbumDuel; you can close this tab. "
                    "Your albums are being imported: progress is in your Discord DMs.")

    async def spotify_callback(request: web.Request) -> web.Response:
        return await finish("spotify", request)

    async def lastfm_callback(request: web.Request) -> web.Response:
        return await finish("lastfm", request)

    return [web.get("/oauth/spotify/callback", spotify_callback), web.get("/oauth/lastfm/callback", lastfm_callback)]
