"""One test group per normalisation rule: what must fold together, and what must stay apart."""

import pytest

from bot.catalog.identity import VARIOUS_TOKEN, identity_key, normalise_artist, normalise_title, primary_artist
from bot.catalog.normalise import title_form


def same_title(*titles: str) -> bool:
    return len({normalise_title(t) for t in titles}) == 1


# --- case, punctuation, diacritics, scripts ---

def test_case_and_punctuation_fold():
    assert same_title("OK Computer", "Ok computer", "OK Computer!", "OK-Computer")
    assert same_title("good kid, m.A.A.d city", "Good Kid, M.A.A.D City")
    assert same_title("Whatever People Say I Am, That's What I'm Not", "Whatever People Say I Am, That’s What I’m Not")
    assert normalise_artist("AC/DC") == normalise_artist("ACDC") == normalise_artist("AC DC")
    assert normalise_artist("N.W.A.") == normalise_artist("NWA")


@pytest.mark.parametrize("accented, plain", [
    ("Sigur Rós", "Sigur Ros"), ("Beyoncé", "Beyonce"), ("Björk", "Bjork"), ("Mötley Crüe", "Motley Crue"),
    ("Motörhead", "Motorhead"), ("ROSALÍA", "Rosalia"), ("João Gilberto", "Joao Gilberto"), ("MØ", "MO"),
])
def test_latin_diacritics_fold(accented, plain):
    assert normalise_artist(accented) == normalise_artist(plain)


def test_special_latin_letters_and_compatibility_forms_fold():
    assert same_title("Ágætis byrjun", "Agaetis Byrjun")
    assert same_title("The Blueprint²", "The Blueprint 2")
    assert same_title("ＦＵＬＬＷＩＤＴＨ", "fullwidth")
    assert normalise_artist("Straße") == normalise_artist("Strasse")


def test_non_latin_scripts_stay_meaningful():
    assert normalise_title("夜に駆ける") == "夜に駆ける"
    assert normalise_title("無罪モラトリアム") != normalise_title("勝訴ストリップ")
    assert normalise_title("ガール") != normalise_title("カール")  # a dakuten changes the letter
    assert normalise_title("Мой") != normalise_title("Мои")  # so does a Cyrillic breve
    assert normalise_title("दिल") != normalise_title("दल")  # Devanagari vowel signs are kept
    assert same_title("加爾基 精液 栗ノ花", "加爾基精液栗ノ花")
    assert same_title("Группа крови", "ГРУППА КРОВИ")


def test_titles_made_of_symbols_keep_their_symbol():
    keys = {normalise_title(t) for t in ("÷", "=", "+", "x", "-", "( )")}
    assert len(keys) == 6 and all(keys)
    assert same_title("÷ (Deluxe)", "÷")
    assert same_title("( )", "()")


# --- &, and, +, n ---

def test_ampersand_and_plus_mean_and():
    assert same_title("Sex & Food", "Sex and Food", "Sex + Food")
    assert same_title("Rock 'n' Roll Animal", "Rock n Roll Animal", "Rock and Roll Animal")
    assert normalise_artist("Florence + the Machine") == normalise_artist("Florence and the Machine")
    assert normalise_artist("Guns N' Roses") == normalise_artist("Guns N Roses")


# --- a leading "The" ---

def test_leading_the_is_dropped_from_title_and_artist_only_at_the_start():
    assert same_title("The Dark Side of the Moon", "Dark Side of the Moon")
    assert normalise_artist("The Beatles") == normalise_artist("Beatles")
    assert normalise_artist("The The") == "the"
    assert normalise_title("The") == "the"
    assert normalise_title("Meet the Beatles") != normalise_title("Meet Beatles")


# --- featured artists ---

@pytest.mark.parametrize("title", [
    "Uptown Funk (feat. Bruno Mars)", "Uptown Funk [feat. Bruno Mars]", "Uptown Funk (ft. Bruno Mars)",
    "Uptown Funk (featuring Bruno Mars)", "Uptown Funk (with Bruno Mars)", "Uptown Funk feat. Bruno Mars",
])
def test_featured_artists_leave_the_title(title):
    assert normalise_title(title) == normalise_title("Uptown Funk")


def test_with_inside_a_title_stays():
    assert normalise_title("Dancing with Myself") == "dancingwithmyself"


@pytest.mark.parametrize("credit", [
    "Mark Ronson feat. Bruno Mars", "Mark Ronson ft. Bruno Mars", "Mark Ronson featuring Bruno Mars",
    "Mark Ronson (feat. Bruno Mars)", "Mark Ronson with Bruno Mars", ["Mark Ronson", "Bruno Mars"],
])
def test_featured_artists_leave_the_credit(credit):
    assert primary_artist(credit) == "markronson"


# --- edition suffixes ---

@pytest.mark.parametrize("suffix", [
    " (Deluxe Edition)", " (Deluxe)", " (Remastered 2011)", " (2011 Remaster)", " [Expanded]",
    " - 20th Anniversary Edition", " (Super Deluxe)", " (Bonus Track Version)", " (Expanded Edition)",
    " (Legacy Edition)", " (Special Edition)", " - Remastered", " (Remastered)", " [2009 Remaster]",
    " (Deluxe Edition) [Remastered]", " (Collector's Edition)", " (The Remaster)", " (Mono & Stereo)",
    " (Explicit)", " - EP", " (2012 Mix/Master)", " (The Tenth Anniversary Edition)", " (Platinum Edition)",
    " 20th Anniversary Edition", " Deluxe", " (Edición Deluxe)", " (2010 Re-Mastered)",
])
def test_edition_suffixes_are_removed(suffix):
    form = title_form("Abbey Road" + suffix)
    assert form.key == "abbeyroad"
    assert form.edition


def test_titles_made_of_edition_words_stay():
    assert normalise_title("Special Edition") == "specialedition"
    assert normalise_title("The Remasters") == "remasters"


def test_a_bare_year_range_is_part_of_the_title():
    assert normalise_title("Their Greatest Hits (1971-1975)") == normalise_title("Their Greatest Hits 1971-1975")
    assert normalise_title("Their Greatest Hits (1971-1975)") != normalise_title("Their Greatest Hits")


@pytest.mark.parametrize("variant", [
    "Red (Taylor's Version)", "Red (Acoustic)", "Red (Instrumental)", "Red (Remixes)", "Red (Demos)",
    "Red (Drumless Edition)",
])
def test_a_different_recording_is_not_an_edition(variant):
    assert normalise_title(variant) != normalise_title("Red")
    assert normalise_title(variant + " [Deluxe]") == normalise_title(variant)


# --- live albums ---

def test_live_albums_keep_a_live_marker():
    assert normalise_title("Live at Leeds") != normalise_title("Leeds")
    assert normalise_title("Unplugged (Live)") != normalise_title("Unplugged")
    assert same_title("Sticky Fingers (Live at the Fonda Theatre)", "Sticky Fingers - Live at the Fonda Theatre")
    assert same_title("Alive (Live) [2011 Remaster]", "Alive - Live")
    assert title_form("Live at Leeds (Deluxe Edition)").live


# --- volumes and parts ---

def test_volume_numbers_fold_between_roman_arabic_and_words():
    assert same_title("Kill Bill Vol. 2", "Kill Bill Volume II", "Kill Bill: Vol 2", "Kill Bill vol.2",
                      "Kill Bill Volume Two", "Kill Bill Vol. 02")
    assert same_title("ENSWBL Part 1", "ENSWBL, Pt. 1", "ENSWBL - Part I", "ENSWBL Part One")


def test_different_volume_and_part_numbers_differ():
    assert normalise_title("Kill Bill Vol. 1") != normalise_title("Kill Bill Vol. 2")
    assert normalise_title("ENSWBL Pt. 2") != normalise_title("ENSWBL Part 3")
    assert normalise_title("Led Zeppelin II") != normalise_title("Led Zeppelin III")
    assert normalise_title("Led Zeppelin III") == normalise_title("Led Zeppelin 3")
    assert normalise_title("Led Zeppelin") != normalise_title("Led Zeppelin II")
    assert normalise_title("II") != normalise_title("V")


# --- soundtracks and cast recordings ---

@pytest.mark.parametrize("title", [
    "Frozen (Original Motion Picture Soundtrack)", "Frozen (Original Soundtrack)", "Frozen: Original Motion Picture Soundtrack",
    "Frozen - Original Soundtrack", "Frozen OST", "Frozen (Music from the Motion Picture)",
    "Frozen (Soundtrack from the Motion Picture)", "Frozen (Original Score)", "Frozen: The Movie Soundtrack",
])
def test_soundtrack_spellings_fold(title):
    form = title_form(title)
    assert form.key == normalise_title("Frozen (Original Motion Picture Soundtrack)")
    assert form.soundtrack


def test_a_soundtrack_differs_from_an_album_of_the_same_name():
    assert normalise_title("Frozen (Original Motion Picture Soundtrack)") != normalise_title("Frozen")
    assert normalise_title("Les Mis (Original London Cast Recording)") != normalise_title("Les Mis (Original Soundtrack)")
    assert normalise_title("The Score") == "score"
    assert not title_form("Music from Big Pink").soundtrack


# --- Various Artists ---

@pytest.mark.parametrize("credit", ["Various Artists", "VA", "Various", "V.A.", "V/A", ["Various Artists"], "various artists"])
def test_compilation_credits_become_one_token(credit):
    assert primary_artist(credit) == VARIOUS_TOKEN


def test_compilations_match_only_compilations():
    assert identity_key("Blue", "Various Artists") == identity_key("Blue", "VA")
    assert identity_key("Blue", "Various Artists") != identity_key("Blue", "Joni Mitchell")


# --- multiple artists and names containing separators ---

@pytest.mark.parametrize("listed, written", [
    (["JAY-Z", "Kanye West"], "Jay-Z & Kanye West"),
    (["21 Savage", "Offset", "Metro Boomin"], "21 Savage, Offset & Metro Boomin"),
    (["Future", "Metro Boomin"], "Future x Metro Boomin"),
    (["Dan Le Sac", "Scroobius Pip"], "dan le sac Vs Scroobius Pip"),
    (["Lil Nas X", "Billy Ray Cyrus"], "Lil Nas X feat. Billy Ray Cyrus"),
    (["Tony Bennett", "Lady Gaga"], "Tony Bennett and Lady Gaga"),
])
def test_a_collaboration_has_one_primary_artist_in_both_forms(listed, written):
    assert primary_artist(listed) == primary_artist(written)


@pytest.mark.parametrize("name, spelled", [
    ("Simon & Garfunkel", "Simon and Garfunkel"), ("Earth, Wind & Fire", "Earth, Wind and Fire"),
    ("Florence + the Machine", "Florence and the Machine"), ("Mumford & Sons", "Mumford and Sons"),
    ("Tyler, The Creator", "Tyler, the Creator"), ("Crosby, Stills, Nash & Young", "Crosby, Stills, Nash and Young"),
])
def test_names_with_separators_match_themselves_across_sources(name, spelled):
    assert primary_artist([name]) == primary_artist(name) == primary_artist(spelled) == primary_artist([name, "Guest"])


def test_names_that_only_look_like_separators_stay_whole():
    assert primary_artist("X Ambassadors") == "xambassadors"
    assert primary_artist("Lil Nas X") == "lilnasx"
    assert primary_artist("...And You Will Know Us by the Trail of Dead") == "andyouwillknowusbythetrailofdead"
    assert primary_artist("AC/DC") == "acdc"
    assert primary_artist("!!!") == "!!!"


def test_same_title_by_different_artists_differs():
    assert identity_key("Blue", "Joni Mitchell") != identity_key("Blue", ["Weezer"])


def test_self_titled_albums_keep_their_title():
    assert identity_key("Weezer", ["Weezer"]) == "weezer|weezer"
    assert identity_key("The Beatles", ["The Beatles"]) != identity_key("Beatles for Sale", "The Beatles")
