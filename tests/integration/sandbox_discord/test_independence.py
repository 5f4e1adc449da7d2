"""The emulator speaks the wire protocol: it must not lean on discord.py to do so."""

from __future__ import annotations

import ast
from pathlib import Path

import bot.sandbox.discord as package


def test_the_emulator_never_imports_discord() -> None:
    for path in Path(package.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not any(n == "discord" or n.startswith("discord.") for n in names), f"{path.name} imports {names}"
