"""Aspects of a question ("gaji", "syarat", "bahasa"…): the allowed list and their cue words (data in lexicon/aspects.yaml)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

import yaml

ASPECTS_FILE = Path(__file__).parent / "lexicon" / "aspects.yaml"


@dataclass(frozen=True)
class AspectCues:
    """The words and phrases naming each aspect, and which aspects may stand in for which."""

    words: MappingProxyType[str, str]  # word -> aspect
    phrases: tuple[tuple[tuple[str, ...], str], ...]  # (words, aspect), longest first
    also: MappingProxyType[str, frozenset[str]]

    @property
    def names(self) -> tuple[str, ...]:
        """Every allowed aspect."""
        return tuple(self.also)

    def find(self, *token_lists: Sequence[str]) -> tuple[str, ...]:
        """Aspects named in the words (surface and stems), in order of mention; phrases first."""
        found: list[tuple[int, str]] = []
        for tokens in token_lists:
            used = [False] * len(tokens)
            for phrase, aspect in self.phrases:
                size = len(phrase)
                for i in range(len(tokens) - size + 1):
                    if tuple(tokens[i : i + size]) == phrase and not any(used[i : i + size]):
                        used[i : i + size] = [True] * size
                        found.append((i, aspect))
            for i, token in enumerate(tokens):
                aspect = self.words.get(token)
                if aspect and not used[i]:
                    found.append((i, aspect))
        ordered = [aspect for _i, aspect in sorted(found, key=lambda f: f[0])]
        return tuple(dict.fromkeys(ordered))

    def accepted(self, aspects: Iterable[str]) -> frozenset[str]:
        """The aspects whose entries may answer a question about `aspects`."""
        out: set[str] = set()
        for aspect in aspects:
            out.add(aspect)
            out.update(self.also.get(aspect, ()))
        return frozenset(out)


def _split(text: object) -> tuple[str, ...]:
    return tuple(str(text).lower().split())


@lru_cache(maxsize=4)
def load_aspects(path: Path = ASPECTS_FILE) -> AspectCues:
    """Read the aspect file (cached: it does not change while a process runs)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    words: dict[str, str] = {}
    phrases: list[tuple[tuple[str, ...], str]] = []
    also: dict[str, frozenset[str]] = {}
    for aspect, spec in data.items():
        spec = spec or {}
        also[str(aspect)] = frozenset(str(a) for a in spec.get("also") or ())
        for word in spec.get("words") or ():
            words.setdefault(str(word).lower(), str(aspect))
        for phrase in spec.get("phrases") or ():
            phrases.append((_split(phrase), str(aspect)))
    phrases.sort(key=lambda p: -len(p[0]))
    return AspectCues(MappingProxyType(words), tuple(phrases), MappingProxyType(also))


ASPECTS: tuple[str, ...] = load_aspects().names
