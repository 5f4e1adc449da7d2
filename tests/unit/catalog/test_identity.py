"""same_album and identity_key: identifiers first, then the normalised key; the key's shape."""

import pytest
from hypothesis import given, strategies as st

from bot.catalog.identity import AlbumRef, VARIOUS_TOKEN, album_identity, identity_key, same_album


def test_key_is_normalised_title_and_primary_artist():
    assert identity_key("Abbey Road (Remastered 2009)", ["The Beatles"]) == "abbeyroad|beatles"
    assert identity_key("Watch The Throne (Deluxe)", ["JAY-Z", "Kanye West"]) == identity_key(
        "Watch the Throne", "JAY-Z & Kanye West")


def test_matching_spotify_ids_win_over_different_spellings():
    a = AlbumRef("Blonde", ["Frank Ocean"], spotify_id="3mH6qwIy9crq0I9YQbOuDf")
    b = AlbumRef("blond", "Frank Ocean", spotify_id="3mH6qwIy9crq0I9YQbOuDf")
    assert same_album(a, b)


def test_different_spotify_ids_are_different_albums_even_with_equal_keys():
    a = AlbumRef("Abbey Road", ["The Beatles"], spotify_id="aaa")
    b = AlbumRef("Abbey Road", ["The Beatles"], spotify_id="bbb")
    assert not same_album(a, b)


def test_mbid_decides_when_only_one_side_has_a_spotify_id():
    a = AlbumRef("The Beatles (Remastered)", ["The Beatles"], spotify_id="aaa", mbid="ABC-1")
    b = AlbumRef("The Beatles (White Album)", "The Beatles", mbid="abc-1")
    assert same_album(a, b)
    c = AlbumRef("Abbey Road", "The Beatles", mbid="abc-2")
    d = AlbumRef("Abbey Road", "The Beatles", mbid="abc-3")
    assert not same_album(c, d)


def test_key_decides_when_no_identifier_is_shared():
    a = AlbumRef("Nevermind (Remastered)", ["Nirvana"], spotify_id="aaa")
    b = AlbumRef("Nevermind", "Nirvana", mbid="m-1")
    assert same_album(a, b)
    assert not same_album(a, AlbumRef("In Utero", "Nirvana"))


def test_self_titled_albums_years_apart_are_different():
    assert not same_album(AlbumRef("Seal", ["Seal"], year=1991), AlbumRef("Seal", "Seal", year=1994))
    assert same_album(AlbumRef("Seal", ["Seal"], year=1991), AlbumRef("Seal", "Seal"))


def test_a_remaster_of_a_self_titled_album_keeps_matching_across_years():
    assert same_album(AlbumRef("Metallica (Remastered 2021)", ["Metallica"], year=2021),
                      AlbumRef("Metallica", "Metallica", year=1991))


def test_other_albums_match_across_reissue_years():
    assert same_album(AlbumRef("Rumours", ["Fleetwood Mac"], year=2004), AlbumRef("Rumours", "Fleetwood Mac", year=1977))


def test_an_album_without_title_matches_nothing():
    assert not same_album(AlbumRef("", ["X"]), AlbumRef("", ["X"]))
    assert not same_album(AlbumRef("Title", []), AlbumRef("Title", ""))


def test_album_identity_reports_what_it_found():
    found = album_identity("Kill Bill Vol. 1 (Original Motion Picture Soundtrack)", ["Various Artists"])
    assert found.compilation and found.soundtrack and not found.live and not found.edition
    assert found.artist_key == VARIOUS_TOKEN
    live = album_identity("Stop Making Sense (Live) [Deluxe Edition]", ["Talking Heads"])
    assert live.live and live.edition
    assert album_identity("Weezer", "Weezer").self_titled
    assert album_identity("Get Lucky", ["Daft Punk", "Pharrell Williams"]).artists_key == "daftpunk+pharrellwilliams"


def test_key_fits_the_database_column():
    assert len(identity_key("Very Long Title " * 200, ["Artist " * 100])) <= 600


@given(st.text(max_size=80), st.one_of(st.text(max_size=40), st.lists(st.text(max_size=30), max_size=4)))
def test_any_text_gives_one_separator_and_a_bounded_key(title, artists):
    key = identity_key(title, artists)
    assert key.count("|") == 1
    assert len(key) <= 600
    assert key == identity_key(title, artists)


@given(st.text(min_size=1, max_size=40).filter(lambda s: s.strip()))
def test_no_visible_title_normalises_to_nothing(title):
    assert identity_key(title, "a").split("|")[0]


@pytest.mark.parametrize("credit", ["", [], [""], ["  "]])
def test_missing_credit_gives_an_empty_artist_part(credit):
    assert identity_key("Title", credit) == "title|"


def test_a_title_of_separator_bars_keeps_a_key_of_its_own():
    # Found by the property above: "|" is the key's separator, and used to vanish from the title part.
    key = identity_key("|", "a")
    assert key.count("|") == 1 and key.split("|")[0] and key != identity_key("||", "a")
