"""Text lengths as the platforms count them: in UTF-16 code units, where an emoji outside the BMP costs two."""

from __future__ import annotations


def utf16_units(text: str) -> int:
    """The length of `text` in UTF-16 code units (Telegram's count, and WhatsApp's strictest one)."""
    return len(text.encode("utf-16-le")) // 2


def utf16_prefix(text: str, limit: int) -> int:
    """How many characters of `text` fit in `limit` UTF-16 code units (never half of a surrogate pair)."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)
