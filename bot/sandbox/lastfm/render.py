"""Last.fm's two wire formats. Payloads are built once in the JSON shape and converted to XML.

Last.fm produces its JSON by converting its XML, so the conversion runs cleanly backwards: ``@attr``
holds an element's attributes, ``#text`` its text (the other keys beside ``#text`` are attributes too,
as in ``{"size": "small", "#text": "url"}``), and a list is a repeated element.
"""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree

from aiohttp import web

from bot.sandbox.lastfm.data import IMAGE_SIZES, EmulatedAlbum, EmulatedUser


def _fill(element: ElementTree.Element, value: Any) -> None:
    if isinstance(value, dict):
        if "#text" in value:
            for key, attr in value.items():
                if key != "#text":
                    element.set(key, str(attr))
            element.text = str(value["#text"])
            return
        for key, attr in value.get("@attr", {}).items():
            element.set(key, str(attr))
        for key, child in value.items():
            if key == "@attr":
                continue
            for item in child if isinstance(child, list) else [child]:
                _fill(ElementTree.SubElement(element, key), item)
    else:
        element.text = str(value)


def to_xml(payload: dict[str, Any]) -> str:
    root = ElementTree.Element("lfm", status="ok")
    _fill(root, payload)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(root, encoding="unicode")


def ok_response(payload: dict[str, Any], fmt: str) -> web.Response:
    if fmt == "json":
        return web.Response(text=json.dumps(payload, ensure_ascii=False), content_type="application/json")
    return web.Response(text=to_xml(payload), content_type="text/xml")


def error_response(code: int, message: str, status: int, fmt: str) -> web.Response:
    if fmt == "json":
        body = json.dumps({"error": code, "message": message})
        return web.Response(status=status, text=body, content_type="application/json")
    root = ElementTree.Element("lfm", status="failed")
    ElementTree.SubElement(root, "error", code=str(code)).text = message
    text = '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(root, encoding="unicode")
    return web.Response(status=status, text=text, content_type="text/xml")


def _images(urls: tuple[str, ...]) -> list[dict[str, str]]:
    return [{"size": size, "#text": url} for size, url in zip(IMAGE_SIZES, urls)]


def album_entry(album: EmulatedAlbum, rank: int) -> dict[str, Any]:
    # Key order is element order in XML: pylast reads the album's <name> before the artist's.
    return {
        "name": album.name,
        "playcount": str(album.playcount),
        "mbid": album.mbid,
        "url": album.url,
        "artist": {"name": album.artist, "mbid": album.artist_mbid, "url": album.artist_url},
        "image": _images(album.images),
        "@attr": {"rank": str(rank)},
    }


def top_albums_payload(
    user: EmulatedUser, chart: list[EmulatedAlbum], page: int, limit: int, *, single_as_object: bool
) -> dict[str, Any]:
    total = len(chart)
    total_pages = -(-total // limit)
    start = (page - 1) * limit
    entries: Any = [album_entry(album, start + i + 1) for i, album in enumerate(chart[start:start + limit])]
    if single_as_object and len(entries) == 1:
        # The XML-to-JSON conversion can collapse a one-item list into a bare object.
        entries = entries[0]
    return {"topalbums": {
        "album": entries,
        "@attr": {"user": user.name, "totalPages": str(total_pages), "page": str(page),
                  "perPage": str(limit), "total": str(total)},
    }}


def user_info_payload(user: EmulatedUser) -> dict[str, Any]:
    return {"user": {
        "name": user.name,
        "realname": user.realname,
        "url": f"https://www.last.fm/user/{user.name}",
        "image": _images(("",) * len(IMAGE_SIZES)),
        "country": user.country,
        "age": "0",
        "gender": "n",
        "subscriber": "0",
        "playcount": str(user.playcount),
        "album_count": str(len(user.top_albums)),
        "playlists": "0",
        "bootstrap": "0",
        "registered": {"unixtime": str(user.registered), "#text": user.registered},
        "type": "user",
    }}
