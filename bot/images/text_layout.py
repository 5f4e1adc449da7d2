"""Fonts and fitting text into boxes: wrapping by words, ellipsising what does not fit.

The font is DejaVu Sans, shipped with the package (``fonts/``, Bitstream Vera licence), so rendering
never depends on fonts installed on the host: Latin with every accent ("Björk", "Sigur Rós", "Motörhead"),
Greek and Cyrillic draw as written. ``display_text`` folds what it still cannot draw to the nearest thing
it can (via Unicode decomposition and a few explicit folds); scripts with no such fold (CJK, emoji)
render as the font's boxes.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ELLIPSIS = "…"
FONT_FILE = Path(__file__).with_name("fonts") / "DejaVuSans.ttf"

# A FreeType face may only be used by one thread at a time (FreeType's own rule), and compose functions
# run in worker threads, so each thread keeps its own faces.
_local = threading.local()
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]+")
_SPACES = re.compile(r"\s+")


def font(size: int) -> ImageFont.FreeTypeFont:
    """The bundled font at ``size`` pixels, cached per thread."""
    cache: dict[int, ImageFont.FreeTypeFont] | None = getattr(_local, "fonts", None)
    if cache is None:
        cache = _local.fonts = {}
    face = cache.get(size)
    if face is None:
        try:
            face = cache[size] = ImageFont.truetype(str(FONT_FILE), size)
        except ImportError as error:  # Pillow built without FreeType
            raise RuntimeError("Pillow needs FreeType support to render album text") from error
    return face


def clean(text: str | None) -> str:
    """One line of printable text: control and zero-width characters become spaces, runs collapse."""
    if not text:
        return ""
    return _SPACES.sub(" ", _CONTROL.sub(" ", text)).strip()


def display_text(text: str | None) -> str:
    """``clean`` text with every character the bundled font lacks folded to one it has, if possible."""
    return "".join(_fold(ch) for ch in clean(text))


# Letters and marks that Unicode decomposition does not reduce to ASCII.
_FOLDS = {
    "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ß": "ss", "ł": "l", "Ł": "L",
    "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "Th", "ı": "i", "–": "-", "—": "-",
    "‐": "-", "‑": "-", "−": "-", "•": "·", "×": "x", "′": "'", "″": '"', "„": '"', "‚": ",",
}


@lru_cache(maxsize=8192)
def _fold(ch: str) -> str:
    if " " <= ch <= "~" or _has_glyph(ch):
        return ch
    folded = _FOLDS.get(ch)
    if folded is None:
        decomposed = unicodedata.normalize("NFKD", ch)
        folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    if folded and all(" " <= c <= "~" or _has_glyph(c) for c in folded):
        return folded
    return ch  # nothing drawable to fold to: the font's box at least shows a character is there


@lru_cache(maxsize=8192)
def _has_glyph(ch: str) -> bool:
    # Pillow exposes no "has glyph" query; a missing glyph renders as the font's .notdef box.
    return _render(ch) != _render("\U0010fffd")


def _render(ch: str) -> bytes:
    canvas = Image.new("L", (32, 32))
    ImageDraw.Draw(canvas).text((4, 4), ch, font=font(16), fill=255)
    return canvas.tobytes()


def ellipsise(text: str, face: ImageFont.FreeTypeFont, max_width: float) -> str:
    """``text`` if it fits in ``max_width`` pixels, else its longest prefix that fits followed by '…'."""
    if face.getlength(text) <= max_width:
        return text
    low, high = 0, len(text)
    while low < high:  # longest prefix whose ellipsised form fits
        mid = (low + high + 1) // 2
        if face.getlength(text[:mid].rstrip() + ELLIPSIS) <= max_width:
            low = mid
        else:
            high = mid - 1
    return text[:low].rstrip() + ELLIPSIS


def wrap(text: str, face: ImageFont.FreeTypeFont, max_width: float, max_lines: int) -> list[str]:
    """Greedy word wrap into at most ``max_lines`` lines; overlong words break between characters and
    the last line is ellipsised when text remains."""
    words = clean(text).split(" ")
    lines: list[str] = []
    current = ""
    pending = [w for w in words if w]
    while pending:
        word = pending.pop(0)
        candidate = f"{current} {word}" if current else word
        if face.getlength(candidate) <= max_width:
            current = candidate
            continue
        if not current:  # a single word wider than the box: split it where it stops fitting
            cut = _fitting_prefix_length(word, face, max_width)
            current, rest = word[:cut], word[cut:]
            pending.insert(0, rest)
        else:
            pending.insert(0, word)
        lines.append(current)
        current = ""
        if len(lines) == max_lines:
            remainder = " ".join(pending)
            if remainder:
                lines[-1] = ellipsise(f"{lines[-1]} {remainder}", face, max_width)
            return lines
    if current:
        lines.append(current)
    return lines


def _fitting_prefix_length(word: str, face: ImageFont.FreeTypeFont, max_width: float) -> int:
    low, high = 1, len(word)  # at least one character, so wrapping always progresses
    while low < high:
        mid = (low + high + 1) // 2
        if face.getlength(word[:mid]) <= max_width:
            low = mid
        else:
            high = mid - 1
    return low
