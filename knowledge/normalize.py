"""Indonesian-aware text normalisation, the same for content and for queries (pure: no I/O).

Steps (design §5.1): NFKC and casefold; URLs, emoji and punctuation out; reduplication (`syarat2`,
`syarat-syarat`) and elongation (`gajiii`) collapsed; lexicon phrases and words mapped to standard
forms; clitics (`gajinya`) split off when the stem is known; vocabulary-aware typo correction; light
stemming to a known root; filler words dropped. Question words and negations are never dropped.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from knowledge import stemming
from knowledge.lexicon import Lexicon
from knowledge.spelling import Speller
from knowledge.stemming import affix_candidates, stem

_URL_RE = re.compile(r"(?:https?://|www\.)\S+")
_REDUP_HYPHEN_RE = re.compile(r"\b(\w{2,})-\1\b")
_NON_WORD_RE = re.compile(r"[^\w]+")
_NUMBER_UNIT_RE = re.compile(r"^(\d+(?:[.,]\d+)?)([a-z]{1,4})$")
_REDUP_TWO_RE = re.compile(r"^([a-z]{3,})2(nya|ku|mu)?$")
_RUN3_RE = re.compile(r"(.)\1{2,}")
# Indonesian clitics and particles, the colloquial -in, Javanese krama -ipun and -e/-ne, Sundanese -na.
CLITICS = ("nya", "ku", "mu", "lah", "kah", "pun", "in", "ipun", "ne", "na", "e")
MIN_STEM_LENGTH = 3
MIN_LOCAL_STEM_LENGTH = 4  # before the one- and two-letter regional clitics (-e, -ne, -na)


@dataclass(frozen=True, slots=True)
class Analysis:
    """A normalised text: surface words (before stemming), index tokens, and how much was guessed."""

    surface: tuple[str, ...]
    tokens: tuple[str, ...]
    corrected: int
    unknown: tuple[str, ...]


def clean(text: str) -> str:
    """NFKC, casefold, drop URLs and everything that is not a letter or digit, collapse `x-x` reduplication."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _URL_RE.sub(" ", text)
    text = _REDUP_HYPHEN_RE.sub(r"\1", text)
    text = text.replace("_", " ")
    return _NON_WORD_RE.sub(" ", text).strip()


def raw_tokens(text: str) -> list[str]:
    """Split cleaned text into tokens, separating numbers glued to units (`20jt` → `20 jt`)."""
    tokens: list[str] = []
    for token in clean(text).split():
        match = _NUMBER_UNIT_RE.match(token)
        if match:
            tokens.extend(match.groups())
            continue
        match = _REDUP_TWO_RE.match(token)
        if match:
            tokens.append(match.group(1) + (match.group(2) or ""))
            continue
        tokens.append(_RUN3_RE.sub(r"\1", token) if not token.isdigit() else token)
    return tokens


def _phrase_sizes(phrases: dict[tuple[str, ...], str]) -> dict[str, tuple[int, ...]]:
    """For each first word, the lengths of the phrases starting with it, longest first."""
    sizes: dict[str, set[int]] = {}
    for phrase in phrases:
        sizes.setdefault(phrase[0], set()).add(len(phrase))
    return {word: tuple(sorted(s, reverse=True)) for word, s in sizes.items()}


def _apply_phrases(
    tokens: list[str], phrases: dict[tuple[str, ...], str], sizes: dict[str, tuple[int, ...]]
) -> list[str]:
    if not phrases:
        return tokens
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for size in sizes.get(tokens[i], ()):
            if size < 2 or i + size > len(tokens):
                continue
            replacement = phrases.get(tuple(tokens[i : i + size]))
            if replacement is not None:
                out.extend(replacement.split())
                i += size
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


class Normalizer:
    """Normalise texts with a lexicon and, once known, the knowledge base's vocabulary."""

    def __init__(self, lexicon: Lexicon, vocabulary: frozenset[str] = frozenset()) -> None:
        self.lexicon = lexicon
        self.vocabulary = vocabulary | lexicon.protected
        self._phrases = dict(lexicon.phrases)
        self._phrase_sizes = _phrase_sizes(self._phrases)
        self._home_words = lexicon.home_place_words  # names, never stemmed or corrected ("medan" is not me-dan)
        self._speller = Speller(self.vocabulary, keep=self._home_words)
        # Roots of the vocabulary's words met so far: the content's, once the matcher has indexed it.
        self._content_roots: set[str] = set()
        self._analyse = lru_cache(maxsize=50_000)(self._analyse_uncached)
        self._word = lru_cache(maxsize=50_000)(self._word_uncached)
        self._stem = lru_cache(maxsize=50_000)(self._stem_uncached)

    def with_vocabulary(self, vocabulary: frozenset[str]) -> Normalizer:
        """Return a normaliser that also corrects typos and strips clitics against `vocabulary`."""
        return Normalizer(self.lexicon, vocabulary)

    def base_tokens(self, text: str) -> list[str]:
        """Tokens after the lexicon maps only: what builds the vocabulary."""
        tokens = _apply_phrases(raw_tokens(text), self._phrases, self._phrase_sizes)
        out: list[str] = []
        for token in tokens:
            out.extend(self.lexicon.words.get(token, token).split())
        return out

    def analyse(self, text: str) -> Analysis:
        """Normalise `text` fully (cached)."""
        return self._analyse(text[:2000])

    def tokens(self, text: str) -> tuple[str, ...]:
        """Return the index tokens of `text`."""
        return self.analyse(text).tokens

    def normalize(self, text: str) -> str:
        """Return the index tokens of `text` joined by spaces."""
        return " ".join(self.analyse(text).tokens)

    def _analyse_uncached(self, text: str) -> Analysis:
        tokens = _apply_phrases(raw_tokens(text), self._phrases, self._phrase_sizes)
        surface: list[str] = []
        corrected = 0
        unknown: list[str] = []
        for token in tokens:
            words, was_corrected, is_unknown = self._word(token)
            surface.extend(words)
            corrected += was_corrected
            if is_unknown:
                unknown.append(token)
        # A second phrase pass catches phrases that only appear once words are standardised.
        surface = _apply_phrases(surface, self._phrases, self._phrase_sizes)
        fillers = self.lexicon.fillers
        stems = (self._stem(word) for word in surface if word not in fillers and (len(word) > 1 or word.isdigit()))
        # A filler with a clitic (`infonya`) is still a filler once stemmed.
        index_tokens = tuple(token for token in stems if token not in fillers)
        return Analysis(tuple(surface), index_tokens, corrected, tuple(unknown))

    def _word_uncached(self, token: str) -> tuple[tuple[str, ...], bool, bool]:
        """Map one token: lexicon, known word, clitic split, doubled letters, typo fix; else unknown."""
        words = self.lexicon.words
        if token in words:
            return tuple(words[token].split()), False, False
        if token in self.vocabulary or token in self.lexicon.fillers or token.isdigit() or not self.vocabulary:
            return (token,), False, False
        for clitic in CLITICS:
            base = token[: -len(clitic)]
            shortest = MIN_STEM_LENGTH if len(clitic) > 2 or clitic in ("ku", "mu", "in") else MIN_LOCAL_STEM_LENGTH
            if token.endswith(clitic) and len(base) >= shortest:
                if base in words:
                    return tuple(words[base].split()), False, False
                if base in self.vocabulary or base in self.lexicon.fillers:
                    return (base,), False, False
        # Doubled letters and elongation left by raw_tokens (`brpp`, `gajii`): the word with runs collapsed.
        undoubled = re.sub(r"(.)\1", r"\1", token)
        if undoubled != token:
            if undoubled in words:
                return tuple(words[undoubled].split()), False, False
            if undoubled in self.vocabulary:
                return (undoubled,), False, False
        if token.startswith("di") and token[2:] in self.vocabulary and len(token) > 4:
            return ("di", token[2:]), False, False
        fixed = self._speller.correct(token)
        if fixed:
            return (fixed,), True, False
        for clitic in ("nya", "ku", "mu"):  # an abbreviated word with its clitic: `byarnya`, `pspr ku`
            if token.endswith(clitic) and (fixed := self._speller.correct(token[: -len(clitic)])):
                return (fixed,), True, False
        return (token,), False, True

    def _stem_uncached(self, word: str) -> str:
        """Reduce a word to a root (`persyaratan` → `syarat`, `diurus` → `urus`), never a protected word.

        Sastrawi's dictionary root when the content uses it; else the shortest known root by plain affix
        stripping; else Sastrawi's root anyway, so that two affixed forms of one root meet even when the
        bare root appears nowhere in the content.
        """
        if (word in self.lexicon.protected or word in self._home_words or len(word) <= MIN_STEM_LENGTH + 1
                or not word.isalpha()):
            return word
        if word not in self.vocabulary:
            return self._stem_unknown(word)
        root = self._stem_known(word)
        self._content_roots.add(root)
        return root

    def _stem_known(self, word: str) -> str:
        root = stem(word)
        usable = root not in self.lexicon.protected
        if root != word and usable and root in self.vocabulary:
            return root  # a dictionary root the content uses: `pemulangan` → `pulang`, not `ulang`
        best = word
        for candidate in affix_candidates(word):
            if (
                len(candidate) >= MIN_STEM_LENGTH
                and candidate in self.vocabulary
                # A protected word is the root of a longer one only by a suffix ("syaratnya") or when the dictionary
                # stemmer agrees ("dibayar" is "bayar"): English "keeps" is not ke- + "eps".
                and (word.startswith(candidate) or candidate == root or candidate not in self.lexicon.protected)
                and len(candidate) < len(best)
            ):
                best = candidate
        if best != word:
            return best
        return root if usable else word

    def _stem_unknown(self, word: str) -> str:
        """A word the content never uses (a query's): the root of a content word it is an affixed form of,
        else a dictionary root inside it; set look-ups only, so an unseen word costs no stemmer run."""
        known = [f for f in stemming.forms(word) if len(f) >= MIN_STEM_LENGTH and f in self.vocabulary]
        if known:
            return self._stem(max(known, key=len))
        # Only a root the content's words also reduce to helps; any other keeps the word itself, which
        # stays unknown to the index (a sign of an out-of-scope message) instead of becoming noise.
        roots = [r for r in stemming.dictionary_roots(word) if r in self.vocabulary or r in self._content_roots]
        return max(roots, key=len, default=word)
