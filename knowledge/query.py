"""Find the question in a long message (a story ending in "…apa aja ya?") so its length does not drown it."""

from __future__ import annotations

import re

LONG_MESSAGE_CHARS = 160
MAX_QUESTION_SENTENCES = 2
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
# Words that open or close a question in the ways users write (Indonesian, slang, Javanese, Sundanese, English).
QUESTION_WORDS = frozenset({
    "apa", "apakah", "apa2", "gimana", "bagaimana", "gmn", "gmna", "berapa", "brp", "kapan", "dimana", "di mana",
    "kemana", "ke mana", "siapa", "kenapa", "mengapa", "bisa", "bisakah", "boleh", "bolehkah", "harus", "perlu",
    "piye", "pripun", "opo", "nopo", "pinten", "piro", "kumaha", "naon", "sabaraha", "what", "how", "which",
    "where", "when", "who", "why", "can", "could", "should", "is", "are", "do", "does", "ga", "gak", "nggak", "tidak",
})


def question_part(text: str) -> str:
    """The message's question sentences when it is long (at most the last two), else the message itself."""
    if len(text) < LONG_MESSAGE_CHARS:
        return text
    sentences = [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]
    asked = [s for s in sentences if "?" in s]
    if not asked:
        asked = [s for s in sentences if QUESTION_WORDS & set(re.findall(r"\w+", s.casefold()))]
    if not asked or len(asked) == len(sentences):
        return text
    return " ".join(asked[-MAX_QUESTION_SENTENCES:])
