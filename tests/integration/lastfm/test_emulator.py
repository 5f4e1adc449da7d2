"""The emulator speaks Last.fm's wire formats: unmodified pylast (XML) and plain GETs (JSON) both work."""

from __future__ import annotations

import asyncio
from xml.etree import ElementTree

import httpx
import pylast
import pytest

from bot.sandbox.lastfm import EmulatedAlbum, LastfmEmulator, image_set, signature
from bot.sources.lastfm import api_signature
from bot.sources.lastfm.auth import pylast_network


async def test_pylast_reads_top_albums_and_user_info_as_xml(emu: LastfmEmulator) -> None:
    emu.add_user("alice", [EmulatedAlbum("Homogenic", "Björk", 42, images=image_set("abc")),
                           EmulatedAlbum("Blue", "Joni Mitchell", 7)], realname="Alice A.")
    network = pylast_network(emu.api_url, emu.api_key, emu.api_secret)
    user = network.get_user("alice")

    top = await asyncio.to_thread(user.get_top_albums, pylast.PERIOD_OVERALL, 10, False)
    playcount = await asyncio.to_thread(user.get_playcount)

    assert [(str(item.item.artist), item.item.title, int(item.weight)) for item in top] == [
        ("Björk", "Homogenic", 42), ("Joni Mitchell", "Blue", 7)]
    assert playcount == 49
    assert emu.requests[0].http_method == "POST" and "format" not in emu.requests[0].params


async def test_pylast_sees_error_codes_as_wserror_status(emu: LastfmEmulator) -> None:
    network = pylast_network(emu.api_url, emu.api_key, emu.api_secret)
    with pytest.raises(pylast.WSError) as caught:
        await asyncio.to_thread(network.get_user("nobody").get_playcount)
    assert caught.value.status == "6" and str(caught.value) == "User not found"


async def test_xml_error_document(emu: LastfmEmulator, http: httpx.AsyncClient) -> None:
    response = await http.get(emu.api_url, params={"method": "user.getinfo", "user": "x", "api_key": "bad"})
    assert response.status_code == 403
    root = ElementTree.fromstring(response.text)
    assert root.tag == "lfm" and root.get("status") == "failed"
    assert root.find("error").get("code") == "10"  # type: ignore[union-attr]


async def test_json_get_with_paging_attributes(emu: LastfmEmulator, http: httpx.AsyncClient) -> None:
    emu.generate_top_albums("bob", 120, seed=2)
    response = await http.get(emu.api_url, params={
        "method": "user.getTopAlbums", "user": "bob", "api_key": emu.api_key, "format": "json",
        "limit": "50", "page": "3"})
    chart = response.json()["topalbums"]
    assert chart["@attr"] == {"user": "bob", "totalPages": "3", "page": "3", "perPage": "50", "total": "120"}
    assert [album["@attr"]["rank"] for album in chart["album"]][:2] == ["101", "102"]
    assert chart["album"][-1]["playcount"] == "0"
    assert [image["size"] for image in chart["album"][0]["image"]] == ["small", "medium", "large", "extralarge"]
    beyond = await http.get(emu.api_url, params={
        "method": "user.getTopAlbums", "user": "bob", "api_key": emu.api_key, "format": "json", "page": "9"})
    assert beyond.json()["topalbums"]["album"] == []


@pytest.mark.parametrize("params, code", [
    ({"limit": "1001"}, 6), ({"period": "forever"}, 6), ({"user": ""}, 6), ({"method": "user.getFoo"}, 3)])
async def test_invalid_parameters(emu: LastfmEmulator, http: httpx.AsyncClient, params, code: int) -> None:
    emu.add_user("bob")
    query = {"method": "user.getTopAlbums", "user": "bob", "api_key": emu.api_key, "format": "json", **params}
    response = await http.get(emu.api_url, params=query)
    assert response.json()["error"] == code


async def test_signature_is_checked_on_signed_calls(emu: LastfmEmulator, http: httpx.AsyncClient) -> None:
    params = {"method": "auth.getToken", "api_key": emu.api_key}
    good = await http.post(emu.api_url, data={**params, "format": "json",
                                              "api_sig": api_signature(params, emu.api_secret).upper()})
    assert len(good.json()["token"]) == 32
    bad = await http.post(emu.api_url, data={**params, "format": "json", "api_sig": "0" * 32})
    assert bad.status_code == 403 and bad.json() == {"error": 13, "message": "Invalid method signature supplied"}
    unsigned = await http.post(emu.api_url, data={**params, "format": "json"})
    assert unsigned.json()["error"] == 6


def test_signature_matches_last_fm_documented_example() -> None:
    # The worked example of Last.fm's signature documentation (format is left out of the signature).
    params = {"method": "auth.getSession", "api_key": "YOUR_API_KEY", "token": "YOUR_REQUESTED_TOKEN",
              "format": "json"}
    assert api_signature(params, "YOUR_SECRET") == "94539006de89b3c6b3c030bb1e52b9c4"
    assert signature(params, "YOUR_SECRET") == api_signature(params, "YOUR_SECRET")


async def test_latency_and_request_counting(emu: LastfmEmulator, http: httpx.AsyncClient) -> None:
    emu.add_user("bob")
    emu.latency = 0.01
    for method in ("user.getInfo", "user.getTopAlbums", "user.getTopAlbums"):
        await http.get(emu.api_url, params={"method": method, "user": "bob", "api_key": emu.api_key})
    assert emu.request_count() == 3
    assert emu.request_count("user.gettopalbums") == 2
    assert emu.method_counts()["user.getInfo"] == 1
