"""Aspects of a question ("gaji", "syarat", "bahasa"…): the allowed list and their cue words (data in lexicon/aspects.yaml)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from types import MappingProxyType

import yaml

ASPECTS_FILE = Path(__file__).parent / "lexicon" / "aspects.yaml"
AGE_ASPECT = "umur"
AGE_UNITS = frozenset({"tahun", "thn", "th", "years", "year", "yo", "taun"})
MIN_AGE, MAX_AGE = 15, 70


@dataclass(frozen=True)
class AspectCues:
    """The words and phrases naming each aspect, and which aspects may stand in for which."""

    words: MappingProxyType[str, str]  # word -> aspect
    phrases: tuple[tuple[tuple[str, ...], str], ...]  # (words, aspect), longest first
    also: MappingProxyType[str, frozenset[str]]
    closed_jobs: tuple[tuple[tuple[str, ...], str], ...] = ()  # (job words, aspect): see aspects.yaml

    @property
    def names(self) -> tuple[str, ...]:
        """Every allowed aspect."""
        return tuple(self.also)

    def find(self, *token_lists: Sequence[str]) -> tuple[str, ...]:
        """Aspects named in the words (surface and stems): those named by a phrase first, then in order of mention."""
        return self._find(tuple(tuple(t) for t in token_lists))

    @cached_property
    def _find(self) -> Callable[[tuple[tuple[str, ...], ...]], tuple[str, ...]]:
        return lru_cache(maxsize=20_000)(self._find_uncached)

    @cached_property
    def _by_first(self) -> dict[str, list[tuple[tuple[str, ...], str]]]:
        by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for phrase, aspect in self.phrases:
            by_first.setdefault(phrase[0], []).append((phrase, aspect))
        return by_first

    def _find_uncached(self, token_lists: tuple[tuple[str, ...], ...]) -> tuple[str, ...]:
        found: list[tuple[int, str]] = []
        phrased: set[str] = set()
        for tokens in token_lists:
            hits = [
                (len(phrase), i, span, aspect)
                for i, token in enumerate(tokens)
                for phrase, aspect in self._by_first.get(token, ())
                for span in _spans(tokens, i, phrase)
            ]
            used = [False] * len(tokens)
            for _size, i, span, aspect in sorted(hits, key=lambda h: (-h[0], h[1])):
                if not any(used[j] for j in span):
                    for j in span:
                        used[j] = True
                    found.append((i, aspect))
                    if any(self.words.get(tokens[j], aspect) != aspect for j in span):
                        phrased.add(aspect)  # it overrules a word inside it ("gaji" in "gaji tidak dibayar")
            for i, token in enumerate(tokens):
                named = self.words.get(token)
                if named and not used[i]:
                    found.append((i, named))
                elif _is_age(tokens, i) and AGE_ASPECT in self.also:
                    found.append((i, AGE_ASPECT))
        # A phrase that overrules a word inside it says more than that word ("gaji … tidak dibayar" asks about a right,
        # not the wage level), so its aspect comes first; other phrases take their place ("biaya cek kesehatan" asks a
        # cost, "cek kesehatan … biayanya" a health check first).
        ordered = [aspect for _i, aspect in sorted(found, key=lambda f: (f[1] not in phrased, f[0]))]
        return tuple(dict.fromkeys(ordered))

    def closed_job(self, *token_lists: Sequence[str]) -> tuple[str, ...]:
        """The aspects a job named in the words (surface and stems) may ask about where it is closed ("moratorium")."""
        return tuple(dict.fromkeys(aspect for job, aspect in self.closed_jobs for tokens in token_lists
                                   if any(_spans(tokens, i, job) for i, t in enumerate(tokens) if t == job[0])))

    def accepted(self, aspects: Iterable[str]) -> frozenset[str]:
        """The aspects whose entries may answer a question about `aspects`."""
        out: set[str] = set()
        for aspect in aspects:
            out.add(aspect)
            out.update(self.also.get(aspect, ()))
        return frozenset(out)


def _spans(tokens: Sequence[str], i: int, phrase: tuple[str, ...]) -> list[tuple[int, ...]]:
    """The positions `phrase` takes when it starts at `i`; a two-word phrase may have one word between
    ("gaji tidak pernah dibayar", "not been paid")."""
    size = len(phrase)
    if tuple(tokens[i : i + size]) == phrase:
        return [tuple(range(i, i + size))]
    if size == 2 and i + 2 < len(tokens) and tokens[i + 2] == phrase[1]:
        return [(i, i + 2)]
    return []


def _is_age(tokens: Sequence[str], i: int) -> bool:
    """True when tokens[i] is an age: a number a person's age can be, followed by years ("21 thn", "40 years old").

    Shorter spans ("kontrak 2 tahun", "10 tahun") are durations, not ages; a minimum age is never below 15.
    """
    token = tokens[i]
    if not token.isdecimal() or not MIN_AGE <= int(token) <= MAX_AGE or i + 1 >= len(tokens):
        return False
    return tokens[i + 1] in AGE_UNITS


def _split(text: object) -> tuple[str, ...]:
    return tuple(str(text).lower().split())


@lru_cache(maxsize=4)
def load_aspects(path: Path = ASPECTS_FILE) -> AspectCues:
    """Read the aspect file (cached: it does not change while a process runs)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    words: dict[str, str] = {}
    phrases: list[tuple[tuple[str, ...], str]] = []
    also: dict[str, frozenset[str]] = {}
    closed: list[tuple[tuple[str, ...], str]] = []
    for aspect, spec in data.items():
        spec = spec or {}
        also[str(aspect)] = frozenset(str(a) for a in spec.get("also") or ())
        for word in spec.get("words") or ():
            words.setdefault(str(word).lower(), str(aspect))
        for phrase in spec.get("phrases") or ():
            phrases.append((_split(phrase), str(aspect)))
        for job in spec.get("closed_jobs") or ():
            closed.append((_split(job), str(aspect)))
    phrases.sort(key=lambda p: -len(p[0]))
    return AspectCues(MappingProxyType(words), tuple(phrases), MappingProxyType(also), tuple(closed))


ASPECTS: tuple[str, ...] = load_aspects().names
