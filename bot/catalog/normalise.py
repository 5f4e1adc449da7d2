"""Text normalisation for album identity: fold spellings that differ between Spotify, Last.fm and AOTY
into one form, while keeping words that make two albums different (live, volume numbers, soundtrack).

Everything here is pure and runs on every imported album, so the patterns are compiled once and the
common all-ASCII case skips Unicode work. The vocabulary of edition words lives in ``editions``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.catalog.editions import (
    KEEP_WORDS,
    NUMBER_WORDS,
    ORDINAL_WORDS,
    SEQUENCE_WORDS,
    STRONG_EDITION_WORDS,
    VARIOUS_ARTISTS,
    WEAK_EDITION_WORDS,
    is_edition_word,
    is_weak_edition_word,
)

VARIOUS_TOKEN = "~various"  # cannot collide with a real artist: "~" never survives normalisation

# Marks are dropped only after a Latin letter: "é" -> "e", but a kana's dakuten or a Cyrillic breve
# changes the letter, so those stay.
_LATIN_MARKS = re.compile(r"(?<=[A-Za-z])[\u0300-\u036f]+")
_SPECIAL_LETTERS = str.maketrans({
    "ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i",
    "’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'", "′": "'",
    "–": "-", "—": "-", "‐": "-", "‑": "-", "‒": "-", "―": "-", "−": "-",
})
_AMPERSAND = re.compile(r"\s*&\s*|\s\+\s")
# Punctuation and symbols by block, not by "not a word character": \w would also eat the vowel signs of
# Indic scripts. Fullwidth forms are already ASCII after NFKD.
_PUNCT = re.compile(
    "[\x00-\x1f\x7f!-/:-@\\[-`{-~\u00a1-\u00bf\u00d7\u00f7\u02b0-\u02ff\u2000-\u206f\u20a0-\u20cf\u2100-\u214f"
    "\u2190-\u2bff\u2e00-\u2e7f\u3000-\u303f\u30fb\ufe10-\ufe1f\ufe30-\ufe4f\uff01-\uff0f\uff1a-\uff20"
    "\uff3b-\uff40\uff5b-\uff65\U0001f000-\U0001faff]"
)

_PUNCT_ASCII = re.compile(r"[^a-z0-9\s]")  # the same for folded ASCII text, and cheaper

_MEDIA = r"(?:motion\s+picture|film|movie|(?:tv\s+|television\s+|limited\s+event\s+)?series|television|tv|video\s+game|game|musical)"
_SOUNDTRACK_PHRASES = (
    re.compile(r"\bmusic\s+(?:from\s+(?:and\s+inspired\s+by\s+)?|inspired\s+by\s+)(?:the\s+)?(?:original\s+)?"
               r"(?:(?:hbo|netflix|amazon|disney|apple)\s+)?(?:original\s+)?" + _MEDIA + r"(?:\s+(?:soundtrack|score))?\b"),
    # "score" alone is a word ("The Score"); only qualified scores are soundtracks.
    re.compile(r"\b(?:original\s+(?:" + _MEDIA + r"\s+)?|(?:motion\s+picture|film|movie)\s+)score\b"
               r"(?:\s+from\s+the\s+(?:original\s+)?" + _MEDIA + r")?"),
    re.compile(r"(?:\bthe\s+)?(?:\boriginal\s+)?(?:\b" + _MEDIA + r"\s+)?\b(?:soundtrack|sound\s+track|o\.s\.t\.?)"
               r"(?:\s+album)?\b(?:\s+(?:from|to|of)\s+(?:and\s+inspired\s+by\s+)?(?:the\s+)?(?:original\s+)?"
               + _MEDIA + r"\b)?"),
)
_CAST_RECORDING = re.compile(
    r"\b(?:original\s+)?(?:(?:new\s+)?(?:broadway|london|west\s+end|off\s+broadway|studio|motion\s+picture)\s+)?"
    r"cast\s+(?:recording|album)\b")

_FEAT_BRACKET = re.compile(r"[(\[]\s*(?:feat\.?|ft\.|featuring|with)\s[^)\]]*[)\]]")
_FEAT_TAIL = re.compile(r"\s(?:feat\.?|ft\.|featuring)\s[^(\[]*")
_EDITION_WORDS = STRONG_EDITION_WORDS | WEAK_EDITION_WORDS | ORDINAL_WORDS
_TITLE_MARKUP = re.compile(r"[&+(\[{:\-]|sound|score|music |o\.s\.t|cast |feat|ft\.|with")
_BRACKET = re.compile(r"[(\[{]([^()\[\]{}]*)[)\]}]")
_TAIL_SPLIT = re.compile(r"\s-\s|:\s|\s-$")

_ROMAN = re.compile(r"x{0,3}(?:ix|iv|v?i{0,3})")
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10}
_GLUED_SEQUENCE = re.compile(r"(vol|volume|pt|part|chapter|act|book)(\d+)")
_SEQUENCE_CANONICAL = frozenset(SEQUENCE_WORDS.values())
_ROMAN_TOKENS = frozenset(("x" * tens) + unit for tens in range(4)
                          for unit in ("", "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix")) - {""}
# Most titles have no numeral or volume word: a set test lets them skip the per-token pass.
_SEQUENCE_TRIGGERS = _ROMAN_TOKENS | frozenset(SEQUENCE_WORDS)

# Collaboration separators. "feat"/"with" go first so "Lil Nas X feat. ..." is not split at the "X".
_ARTIST_FEAT = re.compile(r"\s*[(\[]?\s*\b(?:feat\.?|ft\.?|featuring|with)\s.*$")
_MAY_SEPARATE = re.compile(r"[,;&、×+/]| and | vs| x ")
_ARTIST_SEPARATOR = re.compile(r"\s*(?:,|;|&|、|×|\s\+\s|\s/\s|\sand\s|\svs\.?\s|\sx\s(?=\w))\s*")


@dataclass(frozen=True, slots=True)
class TitleForm:
    """A normalised title and what normalisation learnt on the way."""

    key: str
    live: bool  # a live marker survived: "Live at Leeds", "(Live)"
    soundtrack: bool  # a soundtrack or cast recording
    edition: bool  # an edition suffix was removed ("(Remastered 2011)", "- Deluxe")


def fold(text: str) -> str:
    """Lower case, Latin diacritics removed, compatibility forms (fullwidth, ², ligatures) unfolded."""
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKD", text)
    text = _LATIN_MARKS.sub("", text)
    text = unicodedata.normalize("NFC", text)
    return text.casefold().translate(_SPECIAL_LETTERS)


def _tokens(text: str) -> list[str]:
    punct = _PUNCT_ASCII if text.isascii() else _PUNCT
    return punct.sub(" ", text.replace("'", "")).split()


def _expand_n(tokens: list[str]) -> list[str]:
    """"Rock 'n' Roll", "Guns N' Roses": a lone "n" between words is "and"; in "N.W.A." it is a letter."""
    if "n" not in tokens:
        return tokens
    out = list(tokens)
    for index in range(1, len(tokens) - 1):
        if tokens[index] == "n" and len(tokens[index - 1]) > 1 and len(tokens[index + 1]) > 1:
            out[index] = "and"
    return out


def _roman_value(token: str) -> int | None:
    if not token or token.strip("ivx") or _ROMAN.fullmatch(token) is None:
        return None
    total = 0
    for here, after in zip(token, token[1:] + " "):
        value = _ROMAN_VALUES[here]
        total += -value if after != " " and _ROMAN_VALUES[after] > value else value
    return total


def _number(token: str) -> str | None:
    """The arabic form of a volume or part number: "2", "02", "II", "two" all give "2"."""
    if token.isdigit():
        return str(int(token))
    if token in NUMBER_WORDS:
        return NUMBER_WORDS[token]
    value = _roman_value(token)
    return str(value) if value else None


def _filter_segment(text: str) -> tuple[list[str], bool]:
    """Tokens of a bracketed part or a " - " tail, without edition words. Returns (tokens, stripped)."""
    tokens = _tokens(text)
    if not tokens:
        return tokens, False
    keep = any(t in KEEP_WORDS for t in tokens)
    if tokens[-1] in ("edition", "edicion", "edicao", "edizione") and not keep:
        return [], True  # a named edition ("3am Edition", "Platinum Edition") is still the album
    if any(t in STRONG_EDITION_WORDS for t in tokens):
        return [t for t in tokens if not is_edition_word(t)], True
    if not keep and all(is_weak_edition_word(t) for t in tokens) and not all(t.isdigit() for t in tokens):
        return [], True  # "(Mono)", "(Explicit)", " - EP"; a bare "(1971-1975)" stays
    return tokens, False


def _replace_phrases(text: str) -> str:
    # The substring tests skip the costly patterns for the great majority of titles.
    if "sound" in text or "score" in text or "music " in text or "o.s.t" in text:
        for pattern in _SOUNDTRACK_PHRASES:
            text = pattern.sub(" soundtrack ", text)
    if "cast " in text:
        text = _CAST_RECORDING.sub(" castrecording ", text)
    return text


def _bracket_segments(text: str, stripped: list[bool]) -> str:
    def bracket(match: re.Match[str]) -> str:
        kept, cut = _filter_segment(match.group(1))
        if cut:
            stripped.append(True)
        return " " + " ".join(kept) + " "

    return _BRACKET.sub(bracket, text)


def _sequence_numbers(tokens: list[str]) -> list[str]:
    out: list[str] = []
    count = len(tokens)
    for index, token in enumerate(tokens):
        glued = token[-1].isdigit() and not token[0].isdigit() and _GLUED_SEQUENCE.fullmatch(token)
        if glued:
            out += [SEQUENCE_WORDS[glued.group(1)], str(int(glued.group(2)))]
            continue
        if out and out[-1] in _SEQUENCE_CANONICAL and (number := _number(token)):
            out.append(number)
        elif count > 1 and (len(token) > 1 or index == count - 1) and (value := _roman_value(token)):
            # "Led Zeppelin III", "Man on the Moon II": numerals inside a title, never a title alone
            out.append(str(value))
        else:
            out.append(SEQUENCE_WORDS.get(token, token))
    return out


def _strip_trailing_edition(tokens: list[str]) -> tuple[list[str], bool]:
    """"Meteora 20th Anniversary Edition" -> "Meteora"; a title made only of such words stays."""
    end = len(tokens)
    if not end or (tokens[-1] not in _EDITION_WORDS and not tokens[-1][0].isdigit()):
        return tokens, False
    while end and is_edition_word(tokens[end - 1]):
        end -= 1
    if 0 < end < len(tokens) and any(t in STRONG_EDITION_WORDS for t in tokens[end:]):
        return tokens[:end], True
    return tokens, False


def _fallback(text: str) -> str:
    """For titles that are all symbols ("÷", "+", "( )"): the folded text itself, spaces removed. The key
    separator "|" becomes a broken bar, so a title that is only bars still has a key of its own."""
    return "".join(fold(text).split()).replace("|", "\u00a6")


def title_form(title: str) -> TitleForm:
    key, live, soundtrack, edition = _title_parts(title)
    return TitleForm(key=key, live=live, soundtrack=soundtrack, edition=edition)


def _title_parts(title: str) -> tuple[str, bool, bool, bool]:
    """(key, live, soundtrack, edition): a tuple, because this runs for every imported album."""
    text = main = fold(title)
    cuts: list[bool] = []
    if _TITLE_MARKUP.search(text):  # most titles are plain words and skip all of this
        if "&" in text or "+" in text:
            text = _AMPERSAND.sub(" and ", text)
        text = _replace_phrases(text)
        if "feat" in text or "ft." in text or "with" in text:
            text = _FEAT_TAIL.sub(" ", _FEAT_BRACKET.sub(" ", text))
        if "(" in text or "[" in text or "{" in text:
            text = _bracket_segments(text, cuts)
        main, *tails = _TAIL_SPLIT.split(text) if "-" in text or ":" in text else (text,)
        tokens = _tokens(main)
        for tail in tails:
            kept, cut = _filter_segment(tail)
            tokens += kept
            cuts.append(cut)
    else:
        tokens = _tokens(text)
    tokens, cut = _strip_trailing_edition(tokens)
    stripped = cut or any(cuts)
    if "ost" in tokens:
        tokens = ["soundtrack" if t == "ost" else t for t in tokens]
    tokens = _expand_n(tokens)
    if not _SEQUENCE_TRIGGERS.isdisjoint(tokens) or (
            any(c.isdigit() for c in text) and any(_GLUED_SEQUENCE.fullmatch(t) for t in tokens)):
        tokens = _sequence_numbers(tokens)
    soundtrack = "soundtrack" in tokens
    if soundtrack:
        tokens = [t for i, t in enumerate(tokens) if not (t == "soundtrack" and i and tokens[i - 1] == t)]
    if len(tokens) > 1 and tokens[0] == "the":
        tokens = tokens[1:]
    key = "".join(tokens) or _fallback(main) or _fallback(title)
    return key, "live" in tokens, soundtrack or "castrecording" in tokens, stripped


def normalise_title(title: str) -> str:
    """The comparable form of an album title: "The Dark Side of the Moon (2011 Remaster)" -> "darksideofthemoon"."""
    return _title_parts(title)[0]


def _artist_from_folded(folded: str) -> str:
    tokens = _tokens(_AMPERSAND.sub(" and ", folded) if "&" in folded or "+" in folded else folded)
    if len(tokens) > 1 and tokens[0] == "the":
        tokens = tokens[1:]
    key = "".join(_expand_n(tokens))
    return VARIOUS_TOKEN if key in VARIOUS_ARTISTS else key


def normalise_artist(name: str) -> str:
    """One artist name, whole: "The Beatles" -> "beatles", "Sigur Rós" -> "sigurros", "VA" -> "~various"."""
    folded = fold(name)
    return _artist_from_folded(folded) or _fallback(name)


def primary_artist(artists: list[str] | tuple[str, ...] | str) -> str:
    """The first credited artist, normalised, the same whether the credit is a list or one string.

    "JAY-Z & Kanye West" and ["JAY-Z", "Kanye West"] both give "jayz". Names that contain a separator are
    split the same way in both forms ("Simon & Garfunkel" -> "simon"), so they still match themselves.
    """
    for name in (artists,) if isinstance(artists, str) else artists:
        if not name or name.isspace():
            continue
        folded = fold(name)
        first = folded
        if "feat" in first or "ft" in first or "with" in first:
            first = _ARTIST_FEAT.sub("", first)
        if _MAY_SEPARATE.search(first):
            first = _ARTIST_SEPARATOR.split(first, maxsplit=1)[0]
        # "Various Artists" holds no separator, so its first part is itself.
        return _artist_from_folded(first) or _artist_from_folded(folded) or _fallback(name)
    return ""


def full_artists(artists: list[str] | tuple[str, ...] | str) -> str:
    """Every credited name, normalised whole and joined with "+" (kept for audit, not for matching)."""
    names = [artists] if isinstance(artists, str) else list(artists)
    return "+".join(n for n in (normalise_artist(name) for name in names if name and name.strip()) if n)
