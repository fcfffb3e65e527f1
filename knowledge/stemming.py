"""Indonesian roots of affixed words (`dipulangkan` → `pulang`), for words the lexicon does not list.

Sastrawi (Enhanced Confix Stripping over a dictionary of ~30,000 root words) does the standard
morphology: me-/ber-/di-/ter-/pe-/ke- prefixes, -kan/-i/-an suffixes and the -nya/-ku/-mu/-lah/-kah
clitics. Around it: the colloquial affixes it does not know (ng-/nge-/ny- for me-, -in for -kan), a
set for its dictionary (its own list makes one word cost ~100 ms), and a process-wide cache, so a
word is stemmed once however many snapshots are built. Sastrawi still takes about a millisecond a word,
so it runs on the content's words (at build time); a query's unknown words get the cheap `forms` and
`dictionary_roots`, which need only set look-ups.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from Sastrawi.Dictionary.ArrayDictionary import ArrayDictionary
from Sastrawi.Stemmer.Stemmer import Stemmer
from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

MIN_ROOT_LENGTH = 3
# Known wrong roots of Sastrawi (its issue tracker) that our texts meet: ambiguity its rules cannot settle.
_EXCEPTIONS = {"berikan": "beri", "bali": "bali", "bekasi": "bekasi", "menangis": "tangis", "relawan": "rela"}
# Plain affix stripping, for the candidates Sastrawi's ordered rules miss (`dikurangi` → `kurang`);
# a candidate counts only if it is a known word, so damage is bounded.
_SUFFIXES = ("kan", "an", "i", "nya")
_PARTICLES = ("nya", "ku", "mu", "lah", "kah", "pun")
_PREFIXES = (
    ("meng", ("", "k")), ("meny", ("s",)), ("mem", ("", "p")), ("men", ("", "t")), ("me", ("",)),
    ("peng", ("", "k")), ("peny", ("s",)), ("pem", ("", "p")), ("pen", ("", "t")), ("per", ("",)),
    ("pe", ("",)), ("ber", ("",)), ("ter", ("",)), ("di", ("",)), ("ke", ("",)),
)


class _SetDictionary(ArrayDictionary):
    """Sastrawi's root-word dictionary with constant-time lookups."""

    def __init__(self, words: Iterable[str]) -> None:
        self.words = frozenset(w.strip() for w in words if w.strip())

    def contains(self, word: str) -> bool:
        return word in self.words

    def count(self) -> int:
        return len(self.words)


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer:
    return Stemmer(_SetDictionary(StemmerFactory().get_words()))


def root_words() -> frozenset[str]:
    """The Indonesian root words Sastrawi knows."""
    words: frozenset[str] = _stemmer().get_dictionary().words  # Sastrawi is untyped: our _SetDictionary's set
    return words


def _colloquial_forms(word: str) -> list[str]:
    """Standard spellings of colloquial affixes: `ngurusin` → `ngurus`, `mengurus`, `mengurusin`…"""
    forms: list[str] = []
    bases = [word]
    if word.endswith("in") and len(word) > 5:
        bases += [word[:-2], word[:-2] + "kan"]  # -in is the spoken -kan (and sometimes -i)
    for base in bases:
        if base is not word:
            forms.append(base)
        if base.startswith("nge") and len(base) > 5:
            forms.append(base[3:])
        elif base.startswith(("n", "m")) and not base.startswith("me") and len(base) > 4:
            forms.append("me" + base)  # ng-urus → meng-urus, n-awar → me-nawar, m-otong → me-motong
    return forms


def _strip_suffixes(word: str) -> list[str]:
    forms = [word]
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_ROOT_LENGTH:
            forms.append(word[: -len(suffix)])
    return forms


def affix_candidates(word: str) -> list[str]:
    """Every form of `word` with up to two prefixes and one suffix stripped (`persyaratan` → `syarat`…)."""
    candidates: list[str] = []
    for form in _strip_suffixes(word):
        candidates.append(form)
        for prefix, restorations in _PREFIXES:
            if form.startswith(prefix) and len(form) - len(prefix) >= MIN_ROOT_LENGTH - 1:
                rest = form[len(prefix) :]
                for restore in restorations:
                    candidates.append(restore + rest)
                    # Two prefixes stacked: di-per-, ke-ber-, mem-per-.
                    for prefix2, _ in _PREFIXES:
                        if (restore + rest).startswith(prefix2) and prefix2 in ("per", "ber", "ter", "pe"):
                            candidates.append((restore + rest)[len(prefix2) :])
    return candidates


def forms(word: str) -> list[str]:
    """Cheap guesses at `word` without its affixes: particles off, colloquial rewrites, plain stripping."""
    bases = [word] + [word[: -len(p)] for p in _PARTICLES if word.endswith(p) and len(word) - len(p) > MIN_ROOT_LENGTH]
    out: list[str] = []
    for base in bases:
        for form in (base, *_colloquial_forms(base)):
            out.extend(affix_candidates(form))
    return [f for f in dict.fromkeys(out) if f != word]


def dictionary_roots(word: str) -> list[str]:
    """Dictionary roots that plain stripping finds in `word`, with no stemmer run: first those inside it
    (`kepotong` → `potong`), else those with a restored initial (`penahanan` → `tahan`, `motongin` → `potong`)."""
    roots = root_words()
    found = [f for f in forms(word) if len(f) > MIN_ROOT_LENGTH and f in roots]
    inside = [f for f in found if f in word]
    return inside or found


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    """The root of `word` when Sastrawi's dictionary confirms it, else `word` unchanged (cached)."""
    if len(word) <= MIN_ROOT_LENGTH or not word.isalpha() or not word.isascii():
        return word
    if word in _EXCEPTIONS:
        return _EXCEPTIONS[word]
    stemmer = _stemmer()
    roots = root_words()
    if word in roots:
        return word
    found: list[str] = []
    for form in (word, *_colloquial_forms(word)):
        root = form if form in roots else str(stemmer.stem_word(form))
        if root != word and len(root) >= MIN_ROOT_LENGTH and root in roots:
            found.append(root)
    if found:
        # Plain stripping repairs Sastrawi's ordered rules (`berikan` is beri-kan, not ber-ikan); only
        # forms inside the word, so a restored initial (`mengurus` → k-urus) cannot win.
        found += [c for c in affix_candidates(word) if c != word and c in word and len(c) >= MIN_ROOT_LENGTH
                  and c in roots]
    # The longest root strips the least: `disediain` is `sedia`+-in, not a root `ain`.
    return max(found, key=len, default=word)
