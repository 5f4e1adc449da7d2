"""Interaction callbacks and the interaction webhook (follow-ups, @original), with Discord's rules:
one callback per interaction within the window, the first follow-up after a deferral resolves the
"thinking" message and keeps its ephemerality, tokens last 15 minutes.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from bot.sandbox.discord.http_support import API_PREFIX, json_response, no_content, read_body
from bot.sandbox.discord.models import EPHEMERAL, InteractionRun, Message
from bot.sandbox.discord.state import DiscordState
from bot.sandbox.discord.validation import ApiError, invalid_form, unknown, validate_choices

TOKEN_LIFETIME = 15 * 60.0
# Which callback types each interaction type accepts (2 command, 3 component, 4 autocomplete, 5 modal submit).
ALLOWED_CALLBACKS = {2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}, 5: {4, 5, 6, 7}}


class InteractionApi:
    def __init__(self, state: DiscordState) -> None:
        self.state = state

    def routes(self) -> list[web.RouteDef]:
        p = API_PREFIX
        return [
            web.post(p + "/interactions/{interaction_id}/{token}/callback", self.callback),
            web.post(p + "/webhooks/{app_id}/{token}", self.followup),
            web.get(p + "/webhooks/{app_id}/{token}/messages/{message_id}", self.get_message),
            web.patch(p + "/webhooks/{app_id}/{token}/messages/{message_id}", self.edit_message),
            web.delete(p + "/webhooks/{app_id}/{token}/messages/{message_id}", self.delete_message),
        ]

    async def callback(self, request: web.Request) -> web.Response:
        run = self.state.by_token.get(request.match_info["token"])
        if run is None or str(run.id) != request.match_info["interaction_id"]:
            raise ApiError(404, 10062, "Unknown interaction")
        if run.acknowledged:
            raise ApiError(400, 40060, "Interaction has already been acknowledged.")
        if asyncio.get_running_loop().time() > run.deadline:
            raise ApiError(404, 10062, "Unknown interaction")
        body, uploads = await read_body(request)
        cb_type = int(body.get("type", 0))
        data: dict[str, Any] = body.get("data") or {}
        if cb_type not in ALLOWED_CALLBACKS.get(run.type, set()):
            raise invalid_form("type", "INTERACTION_CALLBACK_TYPE_INVALID",
                               f"Callback type {cb_type} is not valid for interaction type {run.type}")
        state = self.state
        message: Message | None = None
        if cb_type == 4:
            message = state.create_message(run.channel, data, uploads, run=run,
                                           ephemeral=bool(int(data.get("flags") or 0) & EPHEMERAL),
                                           msg_type=20 if run.type == 2 else 0)
            run.original_id = message.id
            run.mark_final(message)
        elif cb_type == 5:
            run.deferred_ephemeral = bool(int(data.get("flags") or 0) & EPHEMERAL)
            message = state.create_message(run.channel, {}, [], run=run, ephemeral=run.deferred_ephemeral,
                                           loading=True, msg_type=20 if run.type == 2 else 0)
            run.original_id = message.id
        elif cb_type in (6, 7):
            source = run.source_message
            if source is None or source.deleted:
                raise unknown("message")
            run.original_id = source.id
            if cb_type == 7:
                message = state.edit_message(source, data, uploads)
                run.mark_final(message)
        elif cb_type == 8:
            choices = data.get("choices") or []
            validate_choices(choices)
            run.choices = choices
            run.mark_final(None)
        elif cb_type == 9:
            if not data.get("custom_id") or not data.get("title") or not data.get("components"):
                raise invalid_form("data", "BASE_TYPE_REQUIRED", "custom_id, title and components are required")
            run.modal = data
            run.mark_final(None)
        run.callback_type = cb_type
        run.callback_data = data
        await state.notify()
        if request.query.get("with_response", "").lower() not in ("1", "true"):
            return no_content()
        interaction: dict[str, Any] = {"id": str(run.id), "type": run.type}
        if cb_type in (4, 5):
            interaction.update(response_message_id=str(run.original_id), response_message_loading=cb_type == 5,
                               response_message_ephemeral=bool(message and message.ephemeral))
        resource: dict[str, Any] = {"type": cb_type}
        if cb_type in (4, 7) and message is not None:
            resource["message"] = message.data
        return json_response({"interaction": interaction, "resource": resource})

    def _run(self, request: web.Request) -> InteractionRun:
        run = self.state.by_token.get(request.match_info["token"])
        if run is None or request.match_info["app_id"] != str(self.state.application_id) or not run.acknowledged:
            raise unknown("webhook")
        if asyncio.get_running_loop().time() > run.created + TOKEN_LIFETIME:
            raise ApiError(401, 50027, "Invalid Webhook Token")
        return run

    def _message(self, run: InteractionRun, message_id: str) -> Message:
        mid = run.original_id if message_id == "@original" else int(message_id) if message_id.isdigit() else None
        msg = self.state.messages.get(mid) if mid is not None else None
        owned = msg is not None and (msg.id == run.original_id or msg in run.followups)
        if msg is None or not owned or msg.deleted:
            raise unknown("message")
        return msg

    async def followup(self, request: web.Request) -> web.Response:
        run = self._run(request)
        body, uploads = await read_body(request)
        original = self.state.messages.get(run.original_id) if run.original_id else None
        if original is not None and original.loading and not original.deleted:
            # The first follow-up after a deferral resolves the loading message instead of posting anew.
            message = self.state.edit_message(original, body, uploads)
            run.mark_final(message)
        else:
            message = self.state.create_message(
                run.channel, body, uploads, run=run,
                ephemeral=bool(int(body.get("flags") or 0) & EPHEMERAL), msg_type=20 if run.type == 2 else 0)
            run.followups.append(message)
            run.mark_final(message)
        await self.state.notify()
        return json_response(message.data)

    async def get_message(self, request: web.Request) -> web.Response:
        run = self._run(request)
        return json_response(self._message(run, request.match_info["message_id"]).data)

    async def edit_message(self, request: web.Request) -> web.Response:
        run = self._run(request)
        msg = self._message(run, request.match_info["message_id"])
        body, uploads = await read_body(request)
        self.state.edit_message(msg, body, uploads)  # also resolves a deferred run waiting on this message
        await self.state.notify()
        return json_response(msg.data)

    async def delete_message(self, request: web.Request) -> web.Response:
        run = self._run(request)
        msg = self._message(run, request.match_info["message_id"])
        self.state.delete_message(msg)
        await self.state.notify()
        return no_content()
