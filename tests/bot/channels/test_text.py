"""UTF-16 lengths shared by the Telegram and WhatsApp adapters."""

from __future__ import annotations

from bot.channels.text import utf16_prefix, utf16_units


def test_an_emoji_outside_the_bmp_counts_twice() -> None:
    assert utf16_units("abc") == 3
    assert utf16_units("😀") == 2
    assert utf16_units("é🙏") == 3


def test_a_prefix_never_splits_a_surrogate_pair() -> None:
    text = "ab😀cd"
    assert [utf16_prefix(text, limit) for limit in range(7)] == [0, 1, 2, 2, 3, 4, 5]
    assert utf16_prefix(text, 100) == len(text)
    assert all(utf16_units(text[: utf16_prefix(text, n)]) <= n for n in range(7))
