"""INTERACTION_CREATE payloads built the way Discord builds them, from what the bot synced.

The Discord client only lets a person send what a command declares, so anything else here is a test
error (``AssertionError``): an unknown command, option or choice, a missing required option.
"""

from __future__ import annotations

from typing import Any

from bot.sandbox.discord.models import Channel, Guild, Message, Role, User
from bot.sandbox.discord.payloads import (
    BOT_PERMISSIONS, DM_APP_PERMISSIONS, EVERYONE_PERMISSIONS, channel_json, member_json, role_json, user_json,
)
from bot.sandbox.discord.state import DiscordState

ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
ALL_PERMISSIONS = (1 << 51) - 1
SUBCOMMAND, GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER = 3, 4, 5, 6, 7, 8, 9, 10


def find_command(state: DiscordState, name: str, guild: Guild | None) -> dict[str, Any]:
    """The synced chat-input command a person could pick here (guild commands first, then global)."""
    candidates = list(state.guild_commands.get(guild.id, [])) if guild else []
    candidates += state.global_commands
    for command in candidates:
        if command["name"] == name and command["type"] == 1:
            if guild is None:
                contexts = command.get("contexts")
                if (contexts is not None and 1 not in contexts) or command.get("dm_permission") is False:
                    raise AssertionError(f"/{name} is not usable in DMs (contexts={contexts})")
            return command
    where = f"guild {guild.name!r}" if guild else "DMs"
    available = sorted(c["name"] for c in candidates)
    raise AssertionError(f"no command /{name} synced for {where}; synced: {available}")


def _walk(command: dict[str, Any], path: tuple[str, ...]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Follow subcommand groups/subcommands; returns (leaf option definitions, the nest to fill)."""
    definitions = command.get("options") or []
    top: list[dict[str, Any]] = []
    nest = top
    for name in path:
        match = next((o for o in definitions if o["name"] == name and o["type"] in (SUBCOMMAND, GROUP)), None)
        if match is None:
            raise AssertionError(f"/{command['name']} has no subcommand {name!r} at this level; "
                                 f"choose from {[o['name'] for o in definitions if o['type'] in (1, 2)]}")
        entry: dict[str, Any] = {"type": match["type"], "name": name, "options": []}
        nest.append(entry)
        nest = entry["options"]
        definitions = match.get("options") or []
    if any(o["type"] in (SUBCOMMAND, GROUP) for o in definitions):
        raise AssertionError(f"/{command['name']} {' '.join(path)} needs a subcommand: "
                             f"{[o['name'] for o in definitions]}")
    return definitions, top


def _check_value(definition: dict[str, Any], value: Any) -> None:
    name = definition["name"]
    choices = definition.get("choices")
    if choices and value not in [c["value"] for c in choices]:
        raise AssertionError(f"option {name}={value!r} is not one of its choices {[c['value'] for c in choices]}")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if definition.get("min_value") is not None and value < definition["min_value"]:
            raise AssertionError(f"option {name}={value} is below its minimum {definition['min_value']}")
        if definition.get("max_value") is not None and value > definition["max_value"]:
            raise AssertionError(f"option {name}={value} is above its maximum {definition['max_value']}")
    if isinstance(value, str):
        if definition.get("min_length") is not None and len(value) < definition["min_length"]:
            raise AssertionError(f"option {name} is shorter than {definition['min_length']}")
        if definition.get("max_length") is not None and len(value) > definition["max_length"]:
            raise AssertionError(f"option {name} is longer than {definition['max_length']}")


def _option_value(state: DiscordState, definition: dict[str, Any], value: Any, guild: Guild | None,
                  resolved: dict[str, dict[str, Any]]) -> Any:
    kind = definition["type"]
    name = definition["name"]
    if kind == STRING:
        return str(value)
    if kind == INTEGER:
        if isinstance(value, bool) or not isinstance(value, int):
            raise AssertionError(f"option {name} is an integer, got {value!r}")
        return value
    if kind == NUMBER:
        return float(value)
    if kind == BOOLEAN:
        return bool(value)
    if kind in (USER, MENTIONABLE) and isinstance(value, User):
        resolved.setdefault("users", {})[str(value.id)] = user_json(value)
        member = state.members.get((guild.id, value.id)) if guild else None
        if member is not None:
            resolved.setdefault("members", {})[str(value.id)] = member_json(
                state, member, with_user=False, permissions=EVERYONE_PERMISSIONS)
        return str(value.id)
    if kind in (ROLE, MENTIONABLE) and isinstance(value, Role):
        resolved.setdefault("roles", {})[str(value.id)] = role_json(value)
        return str(value.id)
    if kind == CHANNEL and isinstance(value, Channel):
        allowed = definition.get("channel_types")
        if allowed and value.type not in allowed:
            raise AssertionError(f"option {name} accepts channel types {allowed}, got {value.type}")
        resolved.setdefault("channels", {})[str(value.id)] = {
            **channel_json(state, value), "permissions": str(EVERYONE_PERMISSIONS)}
        return str(value.id)
    raise AssertionError(f"option {name} (type {kind}) cannot take {value!r}")


def command_data(state: DiscordState, command: dict[str, Any], path: tuple[str, ...], guild: Guild | None,
                 values: dict[str, Any], focused: str | None = None) -> dict[str, Any]:
    """The ``data`` of a type 2 (or, with ``focused``, type 4 autocomplete) interaction."""
    definitions, top = _walk(command, path)
    leaf = top
    while leaf and leaf[-1]["type"] in (SUBCOMMAND, GROUP):
        leaf = leaf[-1]["options"]
    resolved: dict[str, dict[str, Any]] = {}
    by_name = {d["name"]: d for d in definitions}
    for name in values:
        if name not in by_name:
            raise AssertionError(f"/{command['name']} {' '.join(path)} has no option {name!r}; "
                                 f"options: {list(by_name)}")
    for definition in definitions:  # Discord sends options in the declared order
        name = definition["name"]
        if name == focused:
            if not definition.get("autocomplete"):
                raise AssertionError(f"option {name} does not have autocomplete enabled")
            # While typing, the client sends the raw text whatever the option's type.
            leaf.append({"type": definition["type"], "name": name, "value": str(values[name]), "focused": True})
            continue
        if name not in values:
            if definition.get("required") and focused is None:
                raise AssertionError(f"/{command['name']} {' '.join(path)} requires option {name!r}")
            continue
        _check_value(definition, values[name])
        leaf.append({"type": definition["type"], "name": name,
                     "value": _option_value(state, definition, values[name], guild, resolved)})
    data: dict[str, Any] = {"id": command["id"], "name": command["name"], "type": 1}
    if top:
        data["options"] = top
    if resolved:
        data["resolved"] = resolved
    if command.get("guild_id"):
        data["guild_id"] = command["guild_id"]
    return data


def base_payload(state: DiscordState, *, interaction_id: int, token: str, type: int, user: User,
                 channel: Channel, data: dict[str, Any], locale: str = "en-US") -> dict[str, Any]:
    """The fields every interaction carries, in a guild (``member``) or a DM with the bot (``user``)."""
    payload: dict[str, Any] = {
        "id": str(interaction_id),
        "application_id": str(state.application_id),
        "type": type,
        "data": data,
        "channel_id": str(channel.id),
        "token": token,
        "version": 1,
        "locale": locale,
        "entitlements": [],
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
    }
    if channel.guild_id is not None:
        guild = state.guilds[channel.guild_id]
        member = state.members.get((guild.id, user.id))
        if member is None:
            raise AssertionError(f"{user.name} is not a member of {guild.name!r}")
        permissions = ALL_PERMISSIONS if guild.owner_id == user.id else EVERYONE_PERMISSIONS
        payload.update(
            guild_id=str(guild.id),
            guild={"id": str(guild.id), "locale": "en-US", "features": []},
            guild_locale="en-US",
            channel={**channel_json(state, channel), "permissions": str(permissions)},
            member=member_json(state, member, permissions=permissions),
            app_permissions=str(BOT_PERMISSIONS),
            authorizing_integration_owners={"0": str(guild.id)},
            context=0,
        )
    else:
        payload.update(
            channel=channel_json(state, channel),
            user=user_json(user),
            app_permissions=str(DM_APP_PERMISSIONS),
            authorizing_integration_owners={"0": "0"},
            context=1,
        )
    return payload


def component_data(message: Message, custom_id: str, values: list[str] | None) -> dict[str, Any]:
    component = message.find_component(custom_id)
    if component is None:
        ids = [c.get("custom_id") for c in message.buttons]
        raise AssertionError(f"message {message.id} has no component {custom_id!r}; buttons: {ids}")
    if component.get("disabled"):
        raise AssertionError(f"component {custom_id!r} on message {message.id} is disabled")
    data: dict[str, Any] = {"custom_id": custom_id, "component_type": component["type"]}
    if isinstance(component.get("id"), int):
        data["id"] = component["id"]
    if component["type"] in (3, 5, 6, 7, 8):
        data["values"] = list(values or [])
    elif values:
        raise AssertionError(f"component {custom_id!r} is a button: it takes no values")
    return data


def modal_submit_data(modal: dict[str, Any], values: dict[str, str]) -> dict[str, Any]:
    """What the client sends when a person fills and submits a modal the bot opened."""
    submitted: list[dict[str, Any]] = []
    known: set[str] = set()
    for row in modal.get("components") or []:
        inner = row.get("components") or ([row["component"]] if row.get("component") else [])
        fields = []
        for field in inner:
            if field.get("type") != 4:
                continue
            custom_id = field["custom_id"]
            known.add(custom_id)
            if field.get("required", True) and not values.get(custom_id):
                raise AssertionError(f"modal field {custom_id!r} is required")
            fields.append({"type": 4, "custom_id": custom_id, "value": values.get(custom_id, ""),
                           **({"id": field["id"]} if "id" in field else {})})
        if not fields:
            continue
        if row.get("type") == 18:  # a label wraps exactly one component
            submitted.append({"type": 18, "id": row.get("id"), "component": fields[0]})
        else:
            submitted.append({"type": 1, "components": fields})
    unknown_fields = set(values) - known
    if unknown_fields:
        raise AssertionError(f"modal {modal.get('custom_id')!r} has no fields {sorted(unknown_fields)}")
    return {"custom_id": modal["custom_id"], "components": submitted}
