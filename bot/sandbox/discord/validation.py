"""Discord's error answers and the message limits it enforces (so the bot trips them here, not in production)."""

from __future__ import annotations

from typing import Any

from bot.sandbox.discord.models import iter_components

COMPONENTS_V2 = 1 << 15


class ApiError(Exception):
    """An error response in Discord's shape: ``{"message": ..., "code": ..., "errors": ...}``."""

    def __init__(self, status: int, code: int, message: str, errors: dict[str, Any] | None = None) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            body["errors"] = self.errors
        return body


def unknown(kind: str) -> ApiError:
    codes = {"channel": 10003, "guild": 10004, "member": 10007, "message": 10008, "user": 10013,
             "webhook": 10015, "application": 10002, "command": 10063, "interaction": 10062}
    return ApiError(404, codes[kind], f"Unknown {kind.capitalize()}")


def invalid_form(field: str, code: str, message: str) -> ApiError:
    """400 50035 with the nested ``errors`` object Discord gives (discord.py flattens it into its message)."""
    errors: dict[str, Any] = {"_errors": [{"code": code, "message": message}]}
    for part in reversed(field.split(".")):
        errors = {part: errors}
    return ApiError(400, 50035, "Invalid Form Body", errors)


def _embed_length(embed: dict[str, Any]) -> int:
    total = len(embed.get("title") or "") + len(embed.get("description") or "")
    total += len((embed.get("footer") or {}).get("text") or "")
    total += len((embed.get("author") or {}).get("name") or "")
    for f in embed.get("fields") or []:
        total += len(f.get("name") or "") + len(f.get("value") or "")
    return total


def validate_message(body: dict[str, Any], *, new_files: int, existing_attachments: int = 0,
                     creating: bool) -> None:
    """Raise the ``ApiError`` Discord would answer for this message body."""
    content = body.get("content")
    embeds = body.get("embeds") or []
    components = body.get("components") or []
    flags = int(body.get("flags") or 0)
    if content is not None and len(content) > 2000:
        raise invalid_form("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
    if len(embeds) > 10:
        raise invalid_form("embeds", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
    total = 0
    for i, embed in enumerate(embeds):
        if len(embed.get("fields") or []) > 25:
            raise invalid_form(f"embeds.{i}.fields", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        if len(embed.get("title") or "") > 256:
            raise invalid_form(f"embeds.{i}.title", "BASE_TYPE_MAX_LENGTH", "Must be 256 or fewer in length.")
        if len(embed.get("description") or "") > 4096:
            raise invalid_form(f"embeds.{i}.description", "BASE_TYPE_MAX_LENGTH",
                               "Must be 4096 or fewer in length.")
        total += _embed_length(embed)
    if total > 6000:
        raise invalid_form("embeds", "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")
    if flags & COMPONENTS_V2:
        if content or embeds:
            raise invalid_form("content", "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
                               "The 'content' and 'embeds' fields cannot be used when using components v2")
    elif len(components) > 5:
        raise invalid_form("components", "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")
    for i, row in enumerate(components):
        if row.get("type") == 1 and len(row.get("components") or []) > 5:
            raise invalid_form(f"components.{i}.components", "BASE_TYPE_BAD_LENGTH",
                               "Must be between 1 and 5 in length.")
    seen: set[str] = set()
    for component in iter_components(components):
        custom_id = component.get("custom_id")
        if custom_id is None:
            if component.get("type") == 2 and component.get("style") not in (5, 6):
                raise invalid_form("components", "BASE_TYPE_REQUIRED", "custom_id: This field is required")
            continue
        if not 1 <= len(custom_id) <= 100:
            raise invalid_form("components", "BASE_TYPE_BAD_LENGTH",
                               "custom_id: Must be between 1 and 100 in length.")
        if custom_id in seen:
            raise invalid_form("components", "COMPONENT_CUSTOM_ID_DUPLICATED",
                               "Component custom id cannot be duplicated")
        seen.add(custom_id)
    if creating and not (content or embeds or components or new_files or existing_attachments
                         or body.get("poll") or body.get("sticker_ids")):
        raise ApiError(400, 50006, "Cannot send an empty message")


def validate_choices(choices: list[dict[str, Any]]) -> None:
    if len(choices) > 25:
        raise invalid_form("data.choices", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    for i, choice in enumerate(choices):
        if not 1 <= len(str(choice.get("name", ""))) <= 100:
            raise invalid_form(f"data.choices.{i}.name", "BASE_TYPE_BAD_LENGTH",
                               "Must be between 1 and 100 in length.")
