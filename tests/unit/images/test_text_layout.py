"""Fitting text: what cannot be drawn is folded, what does not fit is wrapped and ellipsised."""

from __future__ import annotations

from bot.images.text_layout import ELLIPSIS, clean, display_text, ellipsise, font, wrap


def test_names_draw_as_written_accents_greek_and_cyrillic_included():
    for name in ("Björk", "Sigur Rós – Ágætis byrjun", "Mötley Crüe", "Łona", "Μίκης Θεοδωράκης", "Кино"):
        assert display_text(name) == name


def test_accented_letters_draw_differently_from_plain_ones():
    from PIL import Image, ImageDraw

    def drawn(text):
        canvas = Image.new("L", (120, 40))
        ImageDraw.Draw(canvas).text((2, 2), text, font=font(24), fill=255)
        return canvas.tobytes()
    assert drawn("Björk") != drawn("Bjork") and drawn("Rós") != drawn("Ros")


def test_letters_the_font_lacks_fold_to_ones_it_has():
    # Mathematical bold capitals are outside DejaVu Sans; they decompose to plain letters.
    assert display_text("𝐀𝐁𝐂") == "ABC"


def test_characters_without_a_fold_are_kept():
    assert display_text("久石譲") == "久石譲"


def test_control_and_zero_width_characters_become_single_spaces():
    assert clean(" a\n\tb\u200bc\x00 ") == "a b c"


def test_ellipsise_keeps_text_that_fits_and_cuts_text_that_does_not():
    face = font(20)
    assert ellipsise("Blue", face, 200) == "Blue"
    cut = ellipsise("The Rise and Fall of Ziggy Stardust and the Spiders from Mars", face, 200)
    assert cut.endswith(ELLIPSIS) and face.getlength(cut) <= 200


def test_wrap_fits_every_line_and_ellipsises_the_last():
    face = font(24)
    text = "Sgt. Pepper's Lonely Hearts Club Band Remastered Super Deluxe Edition With Bonus Tracks"
    lines = wrap(text, face, 250, max_lines=3)
    assert len(lines) == 3
    assert all(face.getlength(line) <= 250 for line in lines)
    assert lines[-1].endswith(ELLIPSIS)


def test_wrap_breaks_words_longer_than_the_line():
    face = font(24)
    lines = wrap("Supercalifragilisticexpialidocious", face, 120, max_lines=5)
    assert len(lines) > 1 and "".join(lines) == "Supercalifragilisticexpialidocious"
    assert all(face.getlength(line) <= 120 for line in lines)


def test_wrap_of_nothing_is_no_lines():
    assert wrap("   ", font(20), 100, max_lines=3) == []
