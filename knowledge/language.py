"""Guess whether a message is written in English (so it is answered in English without /bahasa)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache

from knowledge.lexicon import Lexicon
from knowledge.normalize import raw_tokens
from knowledge.schema import EntryDoc

# Function words that settle the question on their own (the content's English texts hold few of them).
ENGLISH_FUNCTION_WORDS = frozenset({
    "the", "a", "an", "is", "are", "was", "do", "does", "did", "i", "my", "me", "you", "your", "we", "our", "it",
    "what", "how", "which", "where", "when", "who", "why", "can", "could", "should", "would", "will", "to", "of",
    "for", "in", "on", "with", "from", "and", "or", "not", "have", "has", "need", "there", "this", "that", "if",
    "much", "many", "long", "be", "am", "get", "go", "want", "please", "about", "at", "by", "any", "first",
})
MIN_ENGLISH_WORDS = 3


@dataclass(frozen=True)
class LanguageGuesser:
    """Words only the English texts use, and words only the Indonesian texts (and lexicon) use."""

    english: frozenset[str]
    indonesian: frozenset[str]

    @classmethod
    def from_entries(cls, entries: Iterable[EntryDoc], lexicon: Lexicon) -> LanguageGuesser:
        """Build the two vocabularies from the content and the lexicon."""
        english: set[str] = set(ENGLISH_FUNCTION_WORDS)
        indonesian: set[str] = set()
        for entry in entries:
            for lang, text in entry.texts.items():
                target = english if lang == "en" else indonesian
                for piece in (text.question, *text.phrasings):
                    target.update(raw_tokens(piece))
        english_lexicon = {k for k, source in lexicon.sources.items() if source == "english.yaml" and " " not in k}
        english |= english_lexicon
        indonesian |= {k for k, source in lexicon.sources.items() if source != "english.yaml" and " " not in k}
        indonesian |= set(lexicon.words.values())
        shared = english & indonesian
        return cls(frozenset(english - shared | ENGLISH_FUNCTION_WORDS),
                   frozenset(indonesian - shared - ENGLISH_FUNCTION_WORDS))

    def guess_text(self, text: str) -> str | None:
        """'en' when most words of `text` are English-only and hardly any Indonesian-only (cached)."""
        return self._guess(text[:2000])

    @cached_property
    def _guess(self) -> Callable[[str], str | None]:
        return lru_cache(maxsize=20_000)(self._guess_uncached)

    def _guess_uncached(self, text: str) -> str | None:
        words = [w for w in raw_tokens(text) if w.isalpha()]
        en = sum(w in self.english for w in words)
        id_ = sum(w in self.indonesian for w in words)
        return "en" if en >= MIN_ENGLISH_WORDS and en >= 3 * id_ and en * 2 >= len(words) else None
