"""The /rankings chart: the right grid, covers in rank order, placeholders, badges and captions."""

from __future__ import annotations

import colorsys

import pytest

from bot.images import ChartItem, compose_chart, compose_chart_async, placeholder_colour
from bot.images.collage import EMPTY, chart_geometry
from tests.unit.images import samples
from tests.unit.images.samples import close, decode, dominant


def distinct_colour(index: int, count: int) -> tuple[int, int, int]:
    r, g, b = colorsys.hsv_to_rgb(index / count, 0.8, 0.85)
    return round(r * 255), round(g * 255), round(b * 255)


def items_with_colours(count: int) -> list[ChartItem]:
    return [
        ChartItem(rank=i + 1, title=f"Album {i + 1}", artist=f"Artist {i + 1}",
                  cover=samples.solid(distinct_colour(i, count), size=(120, 120)))
        for i in range(count)
    ]


def tile_centre(img, index: int, columns: int, side: int):
    x, y = (index % columns) * side, (index // columns) * side
    return dominant(img, (x + side // 3, y + side // 3, x + 2 * side // 3, y + 2 * side // 3))


@pytest.mark.parametrize(("size", "columns", "pixels"), [(9, 3, 900), (16, 4, 1000), (25, 5, 1000)])
def test_grid_holds_covers_in_rank_order(size, columns, pixels):
    img = decode(compose_chart(items_with_colours(size), size))
    assert img.format == "JPEG"
    assert img.size == (pixels, pixels)
    _, side = chart_geometry(size)
    for index in range(size):
        assert close(tile_centre(img, index, columns, side), distinct_colour(index, size), 16), index


def test_missing_and_broken_covers_become_placeholders():
    items = items_with_colours(9)
    items[4] = ChartItem(rank=5, title="Blue", artist="Joni Mitchell", cover=None)
    items[8] = ChartItem(rank=9, title="Homogenic", artist="Björk", cover=samples.HTML_PAGE)
    img = decode(compose_chart(items, 9))
    # The lower part of a placeholder tile is plain background (its text sits higher).
    blue = placeholder_colour("Blue", "Joni Mitchell")
    homogenic = placeholder_colour("Homogenic", "Björk")
    assert close(dominant(img, (300 + 20, 300 + 260, 600 - 20, 600 - 5)), blue, 16)
    assert close(dominant(img, (600 + 20, 600 + 260, 900 - 20, 900 - 5)), homogenic, 16)
    assert close(tile_centre(img, 0, 3, 300), distinct_colour(0, 9), 16)


def test_a_short_ranking_leaves_the_remaining_cells_empty():
    img = decode(compose_chart(items_with_colours(5), 9))
    for index in range(5, 9):
        assert close(tile_centre(img, index, 3, 300), EMPTY, 8)


def test_extra_items_are_ignored():
    img = decode(compose_chart(items_with_colours(30), 9))
    assert img.size == (900, 900)


@pytest.mark.parametrize("size", [0, 4, 10, 36])
def test_other_sizes_are_refused(size):
    with pytest.raises(ValueError):
        compose_chart(items_with_colours(9), size)


def test_rank_badge_darkens_the_top_left_corner():
    img = decode(compose_chart(items_with_colours(9), 9))
    colour = distinct_colour(0, 9)
    badge = dominant(img, (10, 12, 16, 30))  # inside the pill, left of the digit
    assert sum(badge) < sum(colour) - 150


@pytest.mark.parametrize("captions", [True, False])
def test_caption_strip_is_optional(captions):
    img = decode(compose_chart(items_with_colours(9), 9, captions=captions))
    colour = distinct_colour(0, 9)
    strip = dominant(img, (2, 300 - 12, 298, 300 - 2))
    if captions:
        assert sum(strip) < sum(colour) - 150
    else:
        assert close(strip, colour, 16)


def test_photo_chart_stays_far_below_discords_upload_cap():
    photos = [samples.photo_like(seed, side=400) for seed in range(5)]
    items = [ChartItem(i + 1, f"Album {i}", "Artist", photos[i % 5]) for i in range(25)]
    data = compose_chart(items, 25)
    assert len(data) < 2_000_000
    assert decode(data).size == (1000, 1000)


async def test_async_wrapper_gives_the_same_chart():
    items = items_with_colours(9)
    assert await compose_chart_async(items, 9) == compose_chart(items, 9)
