"""Load the curated normalisation lexicon: word maps, phrases, protected words, fillers and intent cues."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

LEXICON_DIR = Path(__file__).parent / "lexicon"
MAP_FILES = ("slang.yaml", "domain.yaml", "javanese.yaml", "sundanese.yaml", "english.yaml")
# Words no rule may rewrite: question words carry the intent of an FAQ question.
BUILTIN_PROTECTED = frozenset(
    {"apa", "apakah", "berapa", "bagaimana", "kapan", "siapa", "mana", "mengapa", "kenapa", "tidak", "belum",
     "bukan", "jangan", "boleh", "harus", "bisa", "wajib"}
)


class LexiconError(Exception):
    """A lexicon data file is missing or malformed."""


@dataclass(frozen=True)
class IntentCues:
    """Words and phrases (normalised) that signal one rule-based intent."""

    words: frozenset[str] = frozenset()
    phrases: tuple[tuple[str, ...], ...] = ()
    not_after: MappingProxyType[str, frozenset[str]] = field(default_factory=lambda: MappingProxyType({}))

    # Phrases by their first word: every message is checked against every intent, so look up, don't scan.
    by_first: MappingProxyType[str, tuple[tuple[str, ...], ...]] = field(
        default_factory=lambda: MappingProxyType({}), compare=False, repr=False
    )

    def __post_init__(self) -> None:
        built: dict[str, list[tuple[str, ...]]] = {}
        for phrase in self.phrases:
            built.setdefault(phrase[0], []).append(phrase)
        object.__setattr__(self, "by_first", MappingProxyType({w: tuple(p) for w, p in built.items()}))

    def phrases_from(self, word: str) -> tuple[tuple[str, ...], ...]:
        """The phrases that start with `word`."""
        return self.by_first.get(word, ())


@dataclass(frozen=True)
class Lexicon:
    """Everything the normaliser and the intent rules read from data files."""

    words: MappingProxyType[str, str]
    phrases: MappingProxyType[tuple[str, ...], str]
    protected: frozenset[str]
    fillers: frozenset[str]
    intents: MappingProxyType[str, IntentCues]
    sources: MappingProxyType[str, str]  # map key -> file it came from, for error messages and tests
    home_places: frozenset[tuple[str, ...]] = frozenset()  # places in Indonesia (places.yaml), as word tuples
    relatives: frozenset[str] = frozenset()  # people a message may be about besides the writer (relatives.txt)

    @cached_property
    def home_place_words(self) -> frozenset[str]:
        """Every word of a place in Indonesia: real words, never typo-corrected into the domain."""
        return frozenset(w for place in self.home_places for w in place)


# libyaml's C loader when the platform has it: the lexicon is thousands of rows.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except (OSError, yaml.YAMLError) as error:
        raise LexiconError(f"{path}: {error}") from error
    if not isinstance(data, dict):
        raise LexiconError(f"{path}: expected a mapping")
    return data


def _read_list(path: Path) -> frozenset[str]:
    if not path.exists():
        return frozenset()
    lines = (line.split("#", 1)[0].strip().lower() for line in path.read_text(encoding="utf-8").splitlines())
    return frozenset(line for line in lines if line)


def _split(text: str) -> tuple[str, ...]:
    return tuple(str(text).lower().split())


@lru_cache(maxsize=8)
def load_lexicon(directory: Path = LEXICON_DIR) -> Lexicon:
    """Read every lexicon file under `directory` (a missing optional file counts as empty).

    Cached: a Lexicon is immutable and the data files do not change while a process runs.
    """
    words: dict[str, str] = {}
    phrases: dict[tuple[str, ...], str] = {}
    sources: dict[str, str] = {}
    for name in MAP_FILES:
        path = directory / name
        if not path.exists():
            continue
        data = _read_yaml(path)
        for key, value in (data.get("map") or {}).items():
            key_s = str(key).strip().lower()
            if " " in key_s:
                phrases[_split(key_s)] = "" if value is None else str(value).strip().lower()
            else:
                words[key_s] = "" if value is None else str(value).strip().lower()
            sources[key_s] = name
        for key, value in (data.get("phrases") or {}).items():
            key_s = str(key).strip().lower()
            phrases[_split(key_s)] = "" if value is None else str(value).strip().lower()
            sources[key_s] = name
    intents: dict[str, IntentCues] = {}
    intents_path = directory / "intents.yaml"
    if intents_path.exists():
        for intent, spec in _read_yaml(intents_path).items():
            if not isinstance(spec, dict):
                continue
            not_after = {
                str(word).lower(): frozenset(str(p).lower() for p in before)
                for word, before in (spec.get("not_after") or {}).items()
            }
            intents[str(intent)] = IntentCues(
                words=frozenset(str(w).lower() for w in spec.get("words") or ()),
                phrases=tuple(_split(p) for p in spec.get("phrases") or () if str(p).strip()),
                not_after=MappingProxyType(not_after),
            )
    return Lexicon(
        words=MappingProxyType(words),
        phrases=MappingProxyType(phrases),
        protected=_read_list(directory / "protected.txt") | BUILTIN_PROTECTED,
        fillers=_read_list(directory / "fillers.txt"),
        intents=MappingProxyType(intents),
        sources=MappingProxyType(sources),
        home_places=_read_places(directory / "places.yaml"),
        relatives=frozenset(w for line in _read_list(directory / "relatives.txt") for w in line.split()),
    )


def _read_places(path: Path) -> frozenset[tuple[str, ...]]:
    """The places in Indonesia listed under `home:` (a missing file counts as empty)."""
    if not path.exists():
        return frozenset()
    return frozenset(_split(p) for p in _read_yaml(path).get("home") or () if str(p).strip())


EDITORS = "editors"  # the source name of rows editors added through the admin API


def with_additions(lexicon: Lexicon, additions: Iterable[tuple[str, str]]) -> Lexicon:
    """The lexicon with editors' rows (word or phrase → meaning) layered over the curated files.

    An editor's row wins over a curated one for the same key, except for protected words, which no row
    may redefine (the API refuses them too; this guards rows written before a word became protected).
    """
    words, phrases, sources = dict(lexicon.words), dict(lexicon.phrases), dict(lexicon.sources)
    for key, value in additions:
        key_s, value_s = " ".join(str(key).lower().split()), " ".join(str(value).lower().split())
        if not key_s or key_s in lexicon.protected:
            continue
        if " " in key_s:
            phrases[_split(key_s)] = value_s
        else:
            words[key_s] = value_s
        sources[key_s] = EDITORS
    return replace(lexicon, words=MappingProxyType(words), phrases=MappingProxyType(phrases),
                   sources=MappingProxyType(sources))
