"""The words that name an edition of an album rather than a different album, and their neighbours.

A bracketed part or " - " tail is dropped when it names an edition: it holds a strong word ("Deluxe",
"Remastered", "Anniversary", "Edition", "Version"...) or only weak ones ("Mono", "Explicit", "EP"). Weak
words alone are not enough inside a title ("Super Mono" stays), and words in ``KEEP_WORDS`` mark a
recording that really differs ("Live", "Acoustic", "Instrumental", "Remixes"), so they always stay.
"""

from __future__ import annotations

import re

STRONG_EDITION_WORDS = frozenset({
    "deluxe", "remaster", "remastered", "remasters", "remastering", "remasterd", "remasterizado",
    "remasterizada", "remasterise", "remasterisee", "remasterizzato", "remasterizzata", "remasterisiert",
    "expanded", "anniversary", "edition", "editions", "edicion", "edicao", "edizione", "reissue", "reissued",
    "version", "versions", "bonus",
})

WEAK_EDITION_WORDS = frozenset({
    "super", "special", "limited", "collector", "collectors", "legacy", "complete", "definitive", "ultimate",
    "standard", "international", "intl", "japan", "japanese", "uk", "us", "usa", "eu", "europe", "european",
    "digital", "mono", "stereo", "explicit", "clean", "edited", "track", "tracks", "with", "and", "the", "of",
    "a", "year", "years", "cd", "lp", "disc", "vinyl", "hd", "hi", "res", "hires", "bit", "khz", "itunes",
    "exclusive", "tour", "album", "mix", "master", "mastered", "re", "ep", "single", "original", "extended",
    "deluxo", "especial", "edicao", "anniversaire", "jubilaum", "audiophile", "dolby", "atmos", "spatial",
})

ORDINAL_WORDS = frozenset({
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
    "fifteenth", "twentieth", "twentyfifth", "thirtieth", "fortieth", "fiftieth", "sixtieth",
})

# Words that make a recording different from the album it is named after.
KEEP_WORDS = frozenset({
    "live", "acoustic", "instrumental", "instrumentals", "remix", "remixes", "remixed", "demo", "demos",
    "unplugged", "karaoke", "acapella", "cappella", "orchestral", "symphonic", "drumless", "stripped",
    "soundtrack", "castrecording", "commentary", "sessions",
})

# Canonical spelling of the words that introduce a volume or part number.
SEQUENCE_WORDS = {
    "vol": "vol", "vols": "vol", "volume": "vol", "volumes": "vol", "pt": "part", "part": "part",
    "parts": "part", "chapter": "chapter", "chap": "chapter", "act": "act", "book": "book",
}

NUMBER_WORDS = {
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
    "nine": "9", "ten": "10", "eleven": "11", "twelve": "12",
}

# Normalised spellings of the compilation credit on each source and in a few languages.
VARIOUS_ARTISTS = frozenset({
    "variousartists", "variousartist", "various", "va", "vva", "vvaa", "variosartistas", "varios",
    "variosinterpretes", "artistesdivers", "artistesvaries", "artistidiversi", "verschiedeneinterpreten",
    "verschiedene", "diverse", "diversos", "multipleartists", "variousperformers", "ヴァリアスアーティスト",
    "オムニバス", "群星", "сборник",
})

_YEAR_OR_ORDINAL = re.compile(r"(?:19|20)\d\d|\d+(?:st|nd|rd|th)")


def is_weak_edition_word(token: str) -> bool:
    if token in WEAK_EDITION_WORDS or token in ORDINAL_WORDS:
        return True
    return token[:1].isdigit() and _YEAR_OR_ORDINAL.fullmatch(token) is not None


def is_edition_word(token: str) -> bool:
    return token in STRONG_EDITION_WORDS or is_weak_edition_word(token)
