"""The duel image as a person sees it: cover A on the left, cover B on the right, badged, and a
placeholder wherever a cover is missing or broken."""

from __future__ import annotations

import numpy as np
import pytest

from bot.images import AlbumLabel, compose_duel_image, compose_duel_image_async, placeholder_colour
from bot.images.duel_image import BADGES, HEIGHT, TILE, WIDTH, tile_boxes
from tests.unit.images import samples
from tests.unit.images.samples import BLUE, GREEN, RED, close, decode, dominant

OK_COMPUTER = AlbumLabel("OK Computer", "Radiohead", 1997)
HOMOGENIC = AlbumLabel("Homogenic", "Björk", 1997)
LEFT, RIGHT = tile_boxes()


def cover_colour(img, box):
    """The colour of a tile away from its badge (top-left corner)."""
    left, top, right, bottom = box
    return dominant(img, (left + TILE // 4, top + TILE // 4, right - 8, bottom - 8))


def badge_colour(img, box):
    """A patch inside the badge circle, left of its letter."""
    x, y = box[0] + 10, box[1] + 10  # the disc's bounding box starts here, 46 px across
    return dominant(img, (x + 3, y + 20, x + 8, y + 26))


def test_image_is_a_png_of_the_documented_size():
    img = decode(compose_duel_image(samples.solid(RED), samples.solid(BLUE), OK_COMPUTER, HOMOGENIC))
    assert img.format == "PNG"
    assert img.size == (WIDTH, HEIGHT)
    assert LEFT[2] <= WIDTH // 2 <= RIGHT[0]  # the tiles sit in opposite halves


def test_cover_a_is_on_the_left_and_cover_b_on_the_right():
    img = decode(compose_duel_image(samples.solid(RED), samples.solid(BLUE), OK_COMPUTER, HOMOGENIC))
    assert close(cover_colour(img, LEFT), RED)
    assert close(cover_colour(img, RIGHT), BLUE)
    # The two halves of the whole image read as two different pictures.
    assert close(dominant(img, (0, 0, WIDTH // 2, HEIGHT)), RED, 40)
    assert close(dominant(img, (WIDTH // 2, 0, WIDTH, HEIGHT)), BLUE, 40)


def test_tiles_carry_the_a_and_b_badges():
    img = decode(compose_duel_image(samples.solid(GREEN), samples.solid(GREEN), OK_COMPUTER, HOMOGENIC))
    assert close(badge_colour(img, LEFT), BADGES["A"])
    assert close(badge_colour(img, RIGHT), BADGES["B"])


def test_captions_name_the_albums_under_the_tiles():
    img = decode(compose_duel_image(samples.solid(RED), samples.solid(BLUE), OK_COMPUTER, HOMOGENIC))
    rgb = img.convert("RGB")
    background = sum(rgb.getpixel((2, HEIGHT - 2)))
    for box in (LEFT, RIGHT):
        caption = np.asarray(rgb.crop((box[0], box[3] + 4, box[2], HEIGHT - 4)), dtype=int)
        assert (caption.sum(axis=2) > background + 200).sum() > 100  # light text on the dark strip


def test_missing_covers_show_each_albums_placeholder():
    img = decode(compose_duel_image(None, None, OK_COMPUTER, HOMOGENIC))
    assert close(cover_colour(img, LEFT), placeholder_colour("OK Computer", "Radiohead"))
    assert close(cover_colour(img, RIGHT), placeholder_colour("Homogenic", "Björk"))


BROKEN = {
    "empty": b"",
    "garbage": b"\x00\x01not an image at all" * 10,
    "html": samples.HTML_PAGE,
    "truncated_jpeg": samples.truncated_jpeg(),
    "png_magic_then_junk": b"\x89PNG\r\n\x1a\n" + b"junk" * 50,
    "decompression_bomb": samples.bomb_png(),
    "wider_than_any_cover": samples.bomb_png(25_000, 10),
    "svg": b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
}


@pytest.mark.parametrize("kind", BROKEN)
def test_broken_cover_becomes_the_placeholder_not_an_error(kind):
    img = decode(compose_duel_image(samples.solid(RED), BROKEN[kind], OK_COMPUTER, HOMOGENIC))
    assert close(cover_colour(img, LEFT), RED)
    assert close(cover_colour(img, RIGHT), placeholder_colour("Homogenic", "Björk"))


FORMATS = {
    "jpeg": (samples.solid(BLUE, fmt="JPEG"), BLUE),
    "cmyk_jpeg": (samples.solid(BLUE, fmt="JPEG", mode="CMYK"), BLUE),
    "palette_png": (samples.solid(BLUE, mode="P"), BLUE),
    "grey_alpha_png": (samples.solid((128, 128, 128), mode="LA"), (128, 128, 128)),
    "sixteen_bit_png": (samples.sixteen_bit_grey(32768), (128, 128, 128)),
    "webp": (samples.solid(BLUE, fmt="WEBP", lossless=True), BLUE),
    "bmp": (samples.solid(BLUE, fmt="BMP"), BLUE),
    "animated_gif_first_frame": (samples.animated_gif(BLUE, RED), BLUE),
    "wide_image_centre_cropped": (samples.wide_with_bars(BLUE, GREEN), BLUE),
    "tall_image_centre_cropped": (samples.wide_with_bars(BLUE, GREEN, size=(150, 450)), BLUE),
}


@pytest.mark.parametrize("kind", FORMATS)
def test_cover_formats_and_modes_show_their_colour(kind):
    data, expected = FORMATS[kind]
    img = decode(compose_duel_image(data, samples.solid(RED), OK_COMPUTER, HOMOGENIC))
    assert close(cover_colour(img, LEFT), expected, 20)
    # The cropped edges never show: the whole tile is the cover's centre colour.
    assert close(dominant(img, (LEFT[2] - 30, LEFT[1] + 100, LEFT[2] - 2, LEFT[3] - 100)), expected, 20)


def test_transparent_areas_are_laid_on_the_dark_background():
    img = decode(compose_duel_image(samples.transparent_png(RED), None, OK_COMPUTER, HOMOGENIC))
    rgb = img.convert("RGB")
    corner = dominant(rgb, (LEFT[2] - 40, LEFT[3] - 40, LEFT[2] - 4, LEFT[3] - 4))
    assert sum(corner) < 120  # dark, not black-from-zeroed-alpha garbage or white
    assert close(dominant(rgb, (LEFT[0] + 150, LEFT[1] + 150, LEFT[0] + 250, LEFT[1] + 250)), RED)


def test_photo_covers_stay_small():
    data = compose_duel_image(samples.photo_like(1), samples.photo_like(2), OK_COMPUTER, HOMOGENIC)
    assert len(data) < 400_000
    assert decode(data).size == (WIDTH, HEIGHT)


def test_unicode_and_empty_labels_render():
    weird_a = AlbumLabel("千と千尋の神隠し 😀", "久石譲", None)
    weird_b = AlbumLabel("", "", 0)
    assert decode(compose_duel_image(None, None, weird_a, weird_b)).size == (WIDTH, HEIGHT)


async def test_async_wrapper_gives_the_same_image():
    args = (samples.solid(RED), None, OK_COMPUTER, HOMOGENIC)
    assert await compose_duel_image_async(*args) == compose_duel_image(*args)


def test_photo_covers_keep_their_look_in_either_place():
    """Each cover has its own share of the palette: it looks the same whichever side it is on and
    whatever it is shown against, and close to the cover itself."""
    from bot.images.decode import load_cover
    from bot.images.duel_image import BACKGROUND

    photo, other = samples.photo_like(3), samples.photo_like(4)
    original = np.asarray(load_cover(photo, TILE, background=BACKGROUND), dtype=int)
    as_a = np.asarray(decode(compose_duel_image(photo, other, OK_COMPUTER, HOMOGENIC)).convert("RGB"), dtype=int)
    as_b = np.asarray(decode(compose_duel_image(None, photo, OK_COMPUTER, HOMOGENIC)).convert("RGB"), dtype=int)
    left = as_a[LEFT[1]:LEFT[3], LEFT[0]:LEFT[2]]
    right = as_b[RIGHT[1]:RIGHT[3], RIGHT[0]:RIGHT[2]]
    away_from_badge = np.s_[80:, :]
    assert (left[away_from_badge] == right[away_from_badge]).all()
    # Dithering trades per-pixel error for the right average colour: blur both and compare.
    def blurred(a):
        return a[80:320, :320].reshape(30, 8, 40, 8, 3).mean(axis=(1, 3))
    assert np.abs(blurred(left) - blurred(original)).mean() < 4
