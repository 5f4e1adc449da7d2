"""Prepared cover tiles on disk: a cover already cut, quantised and dithered for the duel image.

Decoding a 640 px cover and dithering it to its share of the duel image's palette is most of what a
click costs the first time an album is shown (docs/performance.md). The artwork resolver finds each
album's cover in the background anyway, so it prepares the tile then and keeps it here; a click then
reads ~47 KB from disk instead of downloading, decoding and dithering. A tile that is missing (an
album resolved before tiles existed, or trimmed away) is made by the first duel that shows it.

A file is ``MAGIC``, the tile's side and colour count, a CRC of the payload, then the payload (the
colours and the indices) deflated. Anything that does not check out reads as missing. Files are named
after a hash of the cover URL, in 256 sub-directories so no directory grows huge, and written to a
temporary name first, so a reader never sees half a file. The store is bounded: ``trim`` deletes the
least recently used tiles (modification time, refreshed on each read) beyond ``max_bytes``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import struct
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

MAGIC = b"ADTILE1\n"
_HEADER = struct.Struct(">HHI")  # side, colours, crc32 of the deflated payload
SUFFIX = ".tile"
_SUBDIR = re.compile(r"[0-9a-f]{2}")
STALE_PART_SECONDS = 3600.0


def encode_tile(indices: np.ndarray, colours: bytes) -> bytes:
    side = indices.shape[0]
    payload = zlib.compress(colours + indices.tobytes(), 1)  # dithered pixels gain little above level 1
    return MAGIC + _HEADER.pack(side, len(colours) // 3, zlib.crc32(payload)) + payload


def decode_tile(data: bytes, side: int, colours: int) -> tuple[np.ndarray, bytes] | None:
    """The tile's indices and palette, or None when the bytes are not a tile of this size and palette."""
    start = len(MAGIC) + _HEADER.size
    if len(data) < start or not data.startswith(MAGIC):
        return None
    stored_side, stored_colours, crc = _HEADER.unpack_from(data, len(MAGIC))
    payload = memoryview(data)[start:]
    if (stored_side, stored_colours) != (side, colours) or zlib.crc32(payload) != crc:
        return None
    try:
        raw = zlib.decompress(payload)
    except zlib.error:
        return None
    if len(raw) != 3 * colours + side * side:
        return None
    indices = np.frombuffer(raw, dtype=np.uint8, offset=3 * colours).reshape(side, side)
    if int(indices.max()) >= colours:
        return None  # an index past this cover's share of the palette would paint the other cover's colours
    return indices, raw[: 3 * colours]


def read_tile(path: str, side: int, colours: int) -> tuple[np.ndarray, bytes] | None:
    """The tile at ``path`` (and marks it recently used), or None if it is missing or damaged."""
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError:
        return None
    tile = decode_tile(data, side, colours)
    if tile is None:
        log.warning("Cover tile %s is damaged; it will be made again", path)
        try:
            os.unlink(path)
        except OSError:
            pass
        return None
    touch(path)
    return tile


def write_tile(path: str, indices: np.ndarray, colours: bytes) -> bool:
    """Write atomically; False (logged) when the disk refuses. A tile is only ever an optimisation."""
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".part")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(encode_tile(indices, colours))
            os.replace(temporary, target)
        except BaseException:
            os.unlink(temporary)
            raise
        return True
    except OSError as exc:
        log.warning("Could not keep cover tile %s: %s", path, exc)
        return False


class TileStore:
    """Where tiles live and how much room they may take. ``directory`` None: no tiles are kept."""

    def __init__(self, directory: Path | None, max_bytes: int) -> None:
        self.directory = directory if max_bytes > 0 else None
        self.max_bytes = max_bytes

    def check_writable(self) -> bool:
        """Make the directory and try a write; on failure log once and keep no tiles from now on (else
        every first showing of a cover would log the same failure). Blocking: run it in a thread."""
        if self.directory is None:
            return False
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.directory, prefix=".probe-"):
                pass
            return True
        except OSError as exc:
            log.warning("Cover tiles are off: cannot write to %s (%s). Set COVER_TILE_DIR to a writable "
                        "folder, or COVER_TILE_MB=0 to silence this.", self.directory, exc)
            self.directory = None
            return False

    def path_for(self, url: str | None) -> str | None:
        if self.directory is None or not url:
            return None
        digest = hashlib.sha256(url.encode()).hexdigest()
        return str(self.directory / digest[:2] / f"{digest[2:40]}{SUFFIX}")

    def has(self, url: str | None) -> bool:
        path = self.path_for(url)
        return path is not None and os.path.exists(path)

    def trim(self) -> int:
        """Delete the least recently used tiles until the store fits ``max_bytes``; returns how many.
        Only this store's own files are counted or touched (``xx/<hash>.tile``, and temporaries a crash
        left behind), whatever else the folder holds. Blocking (it lists the directory): run it in a thread."""
        if self.directory is None or not self.directory.is_dir():
            return 0
        files = []
        total = 0
        stale_before = time.time() - STALE_PART_SECONDS
        for sub in self.directory.iterdir():
            if not _SUBDIR.fullmatch(sub.name) or not sub.is_dir():
                continue
            for entry in os.scandir(sub):
                try:
                    if not entry.is_file():
                        continue
                    stat = entry.stat()
                except OSError:
                    continue
                if entry.name.endswith(".part"):
                    if stat.st_mtime < stale_before:  # left by a crash mid-write
                        _unlink_quietly(entry.path)
                    continue
                if not entry.name.endswith(SUFFIX):
                    continue
                files.append((stat.st_mtime, stat.st_size, entry.path))
                total += stat.st_size
        removed = 0
        for _mtime, size, path in sorted(files):
            if total <= self.max_bytes:
                break
            if _unlink_quietly(path):
                total -= size
                removed += 1
        if removed:
            log.info("Trimmed %d cover tiles; %.0f MB kept", removed, total / 1e6)
        return removed


def touch(path: str) -> None:
    """Mark a tile recently used (trimming takes the least recently used first)."""
    try:
        os.utime(path)
    except OSError:
        pass


def _unlink_quietly(path: str) -> bool:
    try:
        os.unlink(path)
        return True
    except OSError:
        return False
