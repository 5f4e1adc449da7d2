"""Waiting on what a person would see change, never on the clock."""

from __future__ import annotations


async def wait_for_text(emu, message, text: str, timeout: float = 30.0):
    """Wait until ``message`` (by id, latest edit) contains ``text`` in its content or an embed."""
    def shown() -> bool:
        current = emu.message(message.id)
        parts = [current.content or ""] + [str(e) for e in current.embeds]
        return any(text in part for part in parts)

    await emu.state.wait_until(shown, timeout, f"message {message.id} to show {text!r}")
    return emu.message(message.id)
