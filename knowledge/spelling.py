"""Misspellings and SMS abbreviations of the knowledge base's own words (`gji`, `pspr`, `pasprot`, `taiwna`).

Built once per snapshot from its vocabulary, cheap per word:
- vowels dropped: an index of consonant skeletons (`gaji` → `gj`); a word matches when the token has
  its skeleton and is the word with some vowels left out (`gji` ⊂ `gaji`);
- letter swaps, a letter missed or added, one wrong letter: optimal-string-alignment distance within a
  bucket of words of the same first letter (or swapped first two letters) and a similar length.

Guards, because a wrong correction is worse than none: short tokens are left alone, a real Indonesian
root word (`polisi`, `nasi`) is never "corrected" into a domain word, an affixed real word only by one
letter and never when its root is a word of the content (stemming handles it), and a tie between two
candidates corrects nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rapidfuzz import process
from rapidfuzz.distance import OSA

from knowledge.stemming import dictionary_roots, root_words

VOWELS = frozenset("aeiou")
MIN_ABBREVIATION_LENGTH = 3  # "gji"; two letters ("sd", "kk") are too often acronyms
MIN_TYPO_LENGTH = 4


def skeleton(word: str) -> str:
    """The first letter and the consonants after it, runs collapsed: `syarat` → `syrt`, `umur` → `umr`."""
    out = [word[:1]]
    for char in word[1:]:
        if char not in VOWELS and char != out[-1]:
            out.append(char)
    return "".join(out)


def is_subsequence(short: str, long: str) -> bool:
    """True when `short` is `long` with some letters left out, in order."""
    letters = iter(long)
    return all(char in letters for char in short)


def _max_distance(length: int) -> int:
    return 1 if length <= 6 else 2


class Speller:
    """Corrects a token to a word of the vocabulary, or says it cannot."""

    def __init__(self, vocabulary: Iterable[str], keep: Iterable[str] = ()) -> None:
        words = sorted(w for w in set(vocabulary) if w.isalpha() and w.isascii())
        self._vocabulary = frozenset(words)
        # Real words outside the vocabulary (places in Indonesia): near a domain word, but never a typo of one.
        self._keep = frozenset(keep)
        self._skeletons: dict[str, list[str]] = {}
        self._buckets: dict[tuple[str, int], list[str]] = {}
        for word in words:
            if len(word) >= MIN_ABBREVIATION_LENGTH:
                self._skeletons.setdefault(skeleton(word), []).append(word)
                self._buckets.setdefault((word[0], len(word)), []).append(word)

    def correct(self, token: str) -> str | None:
        """The vocabulary word `token` misspells or abbreviates; None when unsure or when it is a real word."""
        if len(token) < MIN_ABBREVIATION_LENGTH or not token.isalpha() or not token.isascii() or token in self._keep:
            return None
        found = self._abbreviated(token)
        distance = 0
        if found is None:
            found, distance = self._misspelt(token)
        # Checked last, as the dictionary look-up is the slow part and most tokens have no candidate at all.
        if found is None or token in root_words():
            return None
        roots = dictionary_roots(token)
        if roots and (distance > 1 or not self._vocabulary.isdisjoint(roots)):
            return None  # an affixed real word: its root, not a neighbour, is what it means
        return found

    def _abbreviated(self, token: str) -> str | None:
        key = skeleton(token)
        if len(key) < 2:
            return None
        fits = [w for w in self._skeletons.get(key, ()) if len(w) > len(token) and is_subsequence(token, w)]
        return _unique_best(fits, key=len)

    def _misspelt(self, token: str) -> tuple[str | None, int]:
        if len(token) < MIN_TYPO_LENGTH:
            return None, 0
        limit = _max_distance(len(token))
        firsts = {token[0], token[1]}  # a swap of the first two letters moves the first letter
        choices = [
            word for first in firsts for size in range(len(token) - limit, len(token) + limit + 1)
            for word in self._buckets.get((first, size), ())
        ]
        # One call scores the whole bucket in C; distances above the limit are left out.
        scored = [(int(d), w) for w, d, _ in process.extract(token, choices, scorer=OSA.distance,
                                                             score_cutoff=limit, limit=None)]
        if not scored:
            return None, 0
        best = min(d for d, _ in scored)
        return _unique_best([w for d, w in scored if d == best], key=lambda w: abs(len(w) - len(token))), best


def _unique_best(words: list[str], *, key: Callable[[str], int]) -> str | None:
    """The single word with the smallest key; None when two share it (an ambiguous correction)."""
    if not words:
        return None
    ranked = sorted(set(words), key=key)
    if len(ranked) > 1 and key(ranked[0]) == key(ranked[1]):
        return None
    return ranked[0]
