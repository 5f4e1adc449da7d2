"""Placeholder tiles: a colour of the album's own, readable text, nothing drawn outside the margins."""

from __future__ import annotations

import colorsys

import numpy as np
import pytest

from bot.images import placeholder_colour, placeholder_png, render_placeholder
from bot.images.placeholder import text_colour_for
from bot.images.placeholder import _luminance as luminance
from tests.unit.images.samples import decode

ALBUMS = [
    ("OK Computer", "Radiohead"),
    ("In Rainbows", "Radiohead"),
    ("Homogenic", "Björk"),
    ("Ágætis byrjun", "Sigur Rós"),
    ("To Pimp a Butterfly", "Kendrick Lamar"),
    ("Blue", "Joni Mitchell"),
    ("Blue", "Weezer"),
    ("Abbey Road", "The Beatles"),
]

AWKWARD = [
    ("", ""),
    ("   ", "\n\t"),
    ("Sgt. Pepper's Lonely Hearts Club Band (Remastered 2009 Super Deluxe Edition) " * 3, "The Beatles"),
    ("Supercalifragilisticexpialidociousandthensomemorelettersthatneverend",
     "Averyveryverylongartistnamewithoutspaces"),
    ("千と千尋の神隠し サウンドトラック", "久石譲"),
    ("😀🔥 Emoji Album 🎸", "🤖"),
    ("Zero\u200bWidth\u0000Control\x07Chars", "Right\u202eto\u202cLeft"),
    ("Ñandú", "Ødegård & Łukasz"),
]


def test_tile_is_square_and_sized():
    assert render_placeholder("Blue", "Joni Mitchell").size == (300, 300)
    assert render_placeholder("Blue", "Joni Mitchell", 128).size == (128, 128)


def test_colour_is_deterministic_and_ignores_case_and_spacing():
    assert placeholder_colour("OK Computer", "Radiohead") == placeholder_colour("OK Computer", "Radiohead")
    assert placeholder_colour("ok  computer ", "RADIOHEAD") == placeholder_colour("OK Computer", "Radiohead")


def test_different_albums_get_different_colours():
    colours = {placeholder_colour(t, a) for t, a in ALBUMS}
    assert len(colours) == len(ALBUMS)
    # Same title, different artist: still two tiles.
    assert placeholder_colour("Blue", "Joni Mitchell") != placeholder_colour("Blue", "Weezer")


def test_tile_background_is_the_albums_colour():
    tile = render_placeholder("Homogenic", "Björk")
    colour = placeholder_colour("Homogenic", "Björk")
    assert tile.getpixel((2, 2)) == colour
    assert tile.getpixel((297, 297)) == colour


@pytest.mark.parametrize("index", range(200))
def test_colours_are_mid_toned_and_text_is_readable(index):
    colour = placeholder_colour(f"Album {index}", f"Artist {index * 7}")
    _, lightness, saturation = colorsys.rgb_to_hls(*(c / 255 for c in colour))
    assert 0.3 <= lightness <= 0.65 and 0.4 <= saturation <= 0.75
    ink = text_colour_for(colour)
    lighter, darker = sorted((luminance(colour), luminance(ink)), reverse=True)
    assert (lighter + 0.05) / (darker + 0.05) >= 3.0  # WCAG AA for large text


def test_text_is_drawn_in_the_contrasting_colour():
    tile = np.asarray(render_placeholder("OK Computer", "Radiohead"))
    ink = text_colour_for(placeholder_colour("OK Computer", "Radiohead"))
    assert (np.abs(tile - np.array(ink)).sum(axis=2) < 30).sum() > 200  # glyph pixels in the ink colour


@pytest.mark.parametrize(("title", "artist"), AWKWARD)
def test_awkward_text_renders_inside_the_margins(title, artist):
    size = 300
    tile = np.asarray(render_placeholder(title, artist, size))
    background = np.array(placeholder_colour(title, artist))
    margin = size // 12 - 2  # text starts at size // 12; allow antialiasing a pixel or two
    border = np.concatenate([
        tile[:margin].reshape(-1, 3), tile[-margin:].reshape(-1, 3),
        tile[:, :margin].reshape(-1, 3), tile[:, -margin:].reshape(-1, 3),
    ])
    assert (border == background).all()
    assert (tile != background).any(axis=2).sum() > 50  # something was written


def test_long_title_is_ellipsised_not_dropped():
    title = "Sgt. Pepper's Lonely Hearts Club Band (Remastered 2009 Super Deluxe Edition) " * 3
    short = np.asarray(render_placeholder("Sgt. Pepper's", "The Beatles"))
    long = np.asarray(render_placeholder(title, "The Beatles"))
    background = np.array(placeholder_colour(title, "The Beatles"))
    # Four lines of title ink against one: the long title fills the tile without spilling.
    assert (long != background).any(axis=2).sum() > 2 * (short != np.array(short[0, 0])).any(axis=2).sum()


def test_png_bytes_decode_to_the_same_tile():
    img = decode(placeholder_png("Blue", "Weezer", 200))
    assert img.format == "PNG" and img.size == (200, 200)
    assert img.convert("RGB").getpixel((1, 1)) == placeholder_colour("Blue", "Weezer")


def test_returned_tiles_are_independent_copies():
    first = render_placeholder("Blue", "Weezer")
    first.paste((0, 0, 0), (0, 0, 300, 300))
    assert render_placeholder("Blue", "Weezer").getpixel((1, 1)) == placeholder_colour("Blue", "Weezer")
