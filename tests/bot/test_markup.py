"""The neutral markup: parsed once into spans, escaped for user words, cut without breaking a style."""

from __future__ import annotations

from bot.channels.base import split_text
from bot.markup import Span, escape, parse, plain, safe_cut


def test_bold_italic_and_links_become_spans() -> None:
    assert parse("Telepon *0800-1000* _gratis_ [KP2MI](https://kp2mi.go.id).") == (
        Span("Telepon "), Span("0800-1000", bold=True), Span(" "), Span("gratis", italic=True), Span(" "),
        Span("KP2MI", url="https://kp2mi.go.id"), Span("."),
    )
    assert parse("*_keduanya_*") == (Span("keduanya", bold=True, italic=True),)


def test_markers_inside_words_or_across_lines_are_plain_text() -> None:
    for text in ("2*3*4 = 24", "file_name_here", "a * bukan tebal *", "*awal\nakhir*"):
        assert parse(text) == (Span(text),), text


def test_dash_and_star_bullets_are_shown_as_dots() -> None:
    assert plain("- satu\n* dua\n• tiga") == "• satu\n• dua\n• tiga"


def test_escaped_user_words_come_back_exactly_as_typed() -> None:
    for said in ("*penting* & <b>_ya_</b>", "- bukan daftar", "a\\*b \\ [x](https://x.org)", "gaji 5*3*2"):
        assert parse(escape(said)) == (Span(said),), said


def test_plain_keeps_a_link_address_unless_the_label_is_it() -> None:
    assert plain("[KP2MI](https://kp2mi.go.id)") == "KP2MI (https://kp2mi.go.id)"
    assert plain("[https://kp2mi.go.id](https://kp2mi.go.id)") == "https://kp2mi.go.id"


def test_a_long_text_is_never_cut_inside_a_bold_run_that_fits_a_message() -> None:
    text = "kata " * 6 + "*tebal sekali di sini*" + " kata" * 6
    parts = split_text(text, 40, can_cut=safe_cut(text))
    assert " ".join(parts) == text
    assert [part.count("*") for part in parts] == [0, 2, 0], parts
    # A bold run longer than a message is still cut at a word (its markers then show, a rare cost).
    assert all(len(part) <= 40 for part in split_text("*" + "tebal " * 20 + "*", 40, can_cut=safe_cut("x")))
