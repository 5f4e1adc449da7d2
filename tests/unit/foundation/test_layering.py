"""Only bot/__main__.py, bot/app.py and cogs/ may import discord: the domain stays testable without it."""

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parents[3] / "bot"
ALLOWED = {BOT / "__main__.py", BOT / "app.py"}


def imports_discord(path: Path) -> bool:
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "discord" for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "discord" and node.level == 0:
            return True
    return False


def test_nothing_under_bot_but_main_and_app_imports_discord():
    offenders = [str(p.relative_to(BOT.parent)) for p in BOT.rglob("*.py") if p not in ALLOWED and imports_discord(p)]
    assert offenders == []


def test_the_check_itself_sees_an_import(tmp_path):
    sample = tmp_path / "x.py"
    sample.write_text("def f():\n    from discord import ui\n")
    assert imports_discord(sample)
