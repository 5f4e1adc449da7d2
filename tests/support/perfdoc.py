"""Benchmarks write their results into docs/performance.md, each only between its own markers."""

from __future__ import annotations

from pathlib import Path

PERFORMANCE = Path(__file__).resolve().parents[2] / "docs" / "performance.md"


def replace_section(name: str, heading: str, body: str, path: Path = PERFORMANCE) -> None:
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    text = path.read_text() if path.exists() else "# Performance\n"
    block = f"{begin}\n{body.rstrip()}\n{end}"
    if begin in text and end in text:
        text = text[:text.index(begin)] + block + text[text.index(end) + len(end):]
    else:
        text = text.rstrip() + f"\n\n{heading}\n\n{block}\n"
    path.write_text(text)
