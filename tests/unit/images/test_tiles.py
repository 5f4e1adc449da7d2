"""Prepared cover tiles: a duel drawn from tiles on disk looks exactly like one drawn from downloaded
covers, damaged or missing tiles never show wrong pixels, and the store stays within its size."""

import os

import numpy as np
import pytest

from bot.images import AlbumLabel, compose_duel_image
from bot.images.duel_image import COVER_COLOURS, TILE, CoverInput, TilesMissing, compose_duel, prepare_tile
from bot.images.tiles import TileStore, decode_tile, encode_tile, read_tile
from tests.unit.images import samples

OK_COMPUTER = AlbumLabel("OK Computer", "Radiohead", 1997)
HOMOGENIC = AlbumLabel("Homogenic", "Björk", 1997)


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(samples.decode(png).convert("RGB"))


def test_a_duel_from_prepared_tiles_is_the_same_picture_as_from_the_covers(tmp_path):
    a, b = samples.photo_like(11), samples.photo_like(12)
    store = TileStore(tmp_path, 10_000_000)
    path_a, path_b = store.path_for("https://cdn/a.jpg"), store.path_for("https://cdn/b.jpg")
    assert prepare_tile(a, path_a) and prepare_tile(b, path_b)
    assert store.has("https://cdn/a.jpg") and not store.has("https://cdn/c.jpg")

    from_tiles = compose_duel(CoverInput(None, path_a), CoverInput(None, path_b), OK_COMPUTER, HOMOGENIC)
    from_covers = compose_duel_image(a, b, OK_COMPUTER, HOMOGENIC)
    assert np.array_equal(pixels(from_tiles), pixels(from_covers))


def test_composing_from_a_download_keeps_its_tile_for_the_next_duel(tmp_path):
    path = str(tmp_path / "ab" / "cover.tile")
    cover = samples.photo_like(21)
    first = compose_duel(CoverInput(cover, path), CoverInput(None, None), OK_COMPUTER, HOMOGENIC)
    assert os.path.exists(path)
    again = compose_duel(CoverInput(None, path), CoverInput(None, None), OK_COMPUTER, HOMOGENIC)
    assert np.array_equal(pixels(first), pixels(again))
    assert not [name for name in os.listdir(tmp_path / "ab") if name.endswith(".part")]  # no temporary left


def test_a_missing_tile_is_reported_not_drawn_as_a_placeholder(tmp_path):
    present = str(tmp_path / "present.tile")
    prepare_tile(samples.photo_like(5), present)
    with pytest.raises(TilesMissing) as raised:
        compose_duel(CoverInput(None, present), CoverInput(None, str(tmp_path / "gone.tile")), OK_COMPUTER, HOMOGENIC)
    assert raised.value.letters == ("B",)


@pytest.mark.parametrize("damage", ["flipped byte", "cut short", "other size", "not a tile"])
def test_a_damaged_tile_reads_as_missing_and_is_removed(tmp_path, damage):
    path = tmp_path / "t.tile"
    prepare_tile(samples.photo_like(7), str(path))
    data = bytearray(path.read_bytes())
    if damage == "flipped byte":
        data[len(data) // 2] ^= 0xFF
    elif damage == "cut short":
        del data[len(data) // 3:]
    elif damage == "other size":
        indices = np.zeros((TILE // 2, TILE // 2), dtype=np.uint8)
        data = bytearray(encode_tile(indices, bytes(3 * COVER_COLOURS)))
    else:
        data = bytearray(samples.solid(samples.RED))
    path.write_bytes(bytes(data))
    assert read_tile(str(path), TILE, COVER_COLOURS) is None
    assert not path.exists()  # made again by the next duel that shows it


def test_a_tile_whose_indices_leave_its_palette_share_is_refused():
    indices = np.full((TILE, TILE), COVER_COLOURS, dtype=np.uint8)  # would paint the other cover's colours
    assert decode_tile(encode_tile(indices, bytes(3 * COVER_COLOURS)), TILE, COVER_COLOURS) is None


def test_unusable_cover_bytes_make_no_tile(tmp_path):
    path = tmp_path / "html.tile"
    assert prepare_tile(samples.HTML_PAGE, str(path)) is False
    assert not path.exists()


def test_trimming_removes_the_least_recently_used_tiles_first(tmp_path):
    store = TileStore(tmp_path, 10_000_000)
    urls = [f"https://cdn/{i}.jpg" for i in range(4)]
    for i, url in enumerate(urls):
        prepare_tile(samples.photo_like(30 + i), store.path_for(url))
        os.utime(store.path_for(url), (1_000_000 + i, 1_000_000 + i))  # 0 oldest ... 3 newest
    read_tile(store.path_for(urls[0]), TILE, COVER_COLOURS)  # a duel showed 0 just now
    sizes = {url: os.path.getsize(store.path_for(url)) for url in urls}
    store.max_bytes = sizes[urls[0]] + sizes[urls[3]]
    assert store.trim() == 2
    assert [store.has(url) for url in urls] == [True, False, False, True]
    assert store.trim() == 0


def test_a_store_of_size_zero_keeps_nothing(tmp_path):
    store = TileStore(tmp_path, 0)
    assert store.path_for("https://cdn/a.jpg") is None and store.trim() == 0


def test_a_tile_folder_that_cannot_be_written_turns_tiles_off_with_one_warning(tmp_path, caplog):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    store = TileStore(blocker / "tiles", 10_000_000)
    assert store.check_writable() is False
    assert store.path_for("https://cdn/a.jpg") is None  # duels download covers as before
    assert [r.levelname for r in caplog.records] == ["WARNING"] and "COVER_TILE_DIR" in caplog.text
    assert TileStore(tmp_path / "fine", 10_000_000).check_writable() is True


def test_trimming_touches_only_the_stores_own_files(tmp_path):
    store = TileStore(tmp_path, 1)  # room for nothing: every tile goes
    url = "https://cdn/a.jpg"
    prepare_tile(samples.photo_like(40), store.path_for(url))
    tile_folder = os.path.dirname(store.path_for(url))
    foreign = [tmp_path / "backups" / "albumduel.db", tmp_path / "notes.txt", tmp_path / "ab" / "readme.md"]
    for path in foreign:
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b"x" * 10_000)
        os.utime(path, (1_000_000, 1_000_000))  # older than any tile
    stale, fresh = os.path.join(tile_folder, ".old.part"), os.path.join(tile_folder, ".new.part")
    for path in (stale, fresh):
        with open(path, "wb") as file:
            file.write(b"half a tile")
    os.utime(stale, (1_000_000, 1_000_000))
    assert store.trim() == 1 and not store.has(url)
    assert all(path.exists() for path in foreign)
    assert not os.path.exists(stale) and os.path.exists(fresh)  # a write in progress is left alone


def test_a_tile_shown_from_memory_still_counts_as_recently_used(tmp_path, monkeypatch):
    from bot.images import duel_image

    path = str(tmp_path / "t.tile")
    prepare_tile(samples.photo_like(41), path)
    compose_duel(CoverInput(None, path), CoverInput(None, None), OK_COMPUTER, HOMOGENIC)  # read, kept in memory
    os.utime(path, (1_000_000, 1_000_000))
    monkeypatch.setattr(duel_image, "_TOUCH_EVERY", 0.0)  # instead of waiting ten minutes
    compose_duel(CoverInput(None, path), CoverInput(None, None), OK_COMPUTER, HOMOGENIC)  # from memory
    assert os.path.getmtime(path) > 1_000_000
