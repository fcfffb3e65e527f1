"""Rule-based recognition of emergencies, requests for a person and greetings (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from knowledge.danger import INTENTS_FILE, Verdict, intents_data, judge_streams, word_roots
from knowledge.lexicon import IntentCues, Lexicon


def danger_verdict(surface: Sequence[str], raw: Sequence[str] = ()) -> Verdict:
    """What the message says about danger, read from the raw words (before typo fixes) and the surface."""
    streams = [tuple(raw), tuple(surface)] if tuple(raw) != tuple(surface) else [tuple(surface)]
    return judge_streams([s for s in streams if s])


def is_emergency(surface: Sequence[str], lexicon: Lexicon, raw: Sequence[str] = ()) -> bool:
    """True when the message says someone is in danger now (beaten, locked in, trafficked, starved, suicidal…)."""
    return danger_verdict(surface, raw).in_danger


@dataclass(frozen=True)
class HandoffCues:
    """The handoff section of intents.yaml: people, ways of asking, and what makes a person word weak."""

    people: frozenset[str]
    alone: frozenset[str]
    before_asking: frozenset[str]
    asks: frozenset[str]
    real: frozenset[str]
    weak_after: frozenset[str]
    not_before: frozenset[str]
    reach: int
    max_short: int


@lru_cache(maxsize=4)
def load_handoff_cues(path: Path = INTENTS_FILE) -> HandoffCues:
    """Read the handoff cues (cached)."""
    data = intents_data(path).get("handoff") or {}

    def words(key: str) -> frozenset[str]:
        return frozenset(str(w).lower() for w in data.get(key) or ())

    return HandoffCues(words("people"), words("alone"), words("before_asking"), words("asks"), words("real"), words("weak_after"),
                       words("not_before"), int(data.get("reach", 4)), int(data.get("max_short", 6)))


def _has_any_phrase(tokens: Sequence[str], cues: IntentCues) -> bool:
    for i, token in enumerate(tokens):
        for phrase in cues.phrases_from(token):
            if tuple(tokens[i : i + len(phrase)]) == phrase:
                return True
    return False


@lru_cache(maxsize=50_000)
def _roots(word: str) -> frozenset[str]:
    return frozenset(root for root, _voice in word_roots(word))


def _in(word: str, wanted: frozenset[str]) -> bool:
    """The word, or a root it comes from by stripping affixes ("disambungkan" -> "sambung"), is wanted."""
    return word in wanted or not _roots(word).isdisjoint(wanted)


def _person_at(tokens: Sequence[str], i: int, cues: HandoffCues) -> bool:
    """A person word at i that means a person here (not "orang tua", "petugas imigrasi", "perdagangan manusia")."""
    if not _in(tokens[i], cues.people):
        return False
    after = tokens[i + 1] if i + 1 < len(tokens) else ""
    before = tokens[i - 1] if i else ""
    return after not in cues.weak_after and before not in cues.not_before


def _asks_for_person(tokens: Sequence[str], cues: HandoffCues, fillers: frozenset[str]) -> bool:
    for i, token in enumerate(tokens):
        following = range(i + 1, min(len(tokens), i + 1 + cues.reach))
        if _in(token, cues.asks) and any(_person_at(tokens, j, cues) for j in following):
            return True
        if token in cues.before_asking and _person_at(tokens, i, cues) and any(
                _in(t, cues.asks) for t in tokens[i + 1: i + 1 + cues.reach]):
            return True
        if _person_at(tokens, i, cues):
            neighbours = [*tokens[max(0, i - 1): i], *tokens[i + 1: i + 2]]
            if any(_in(n, cues.real) for n in neighbours) and not _in(token, cues.real):
                return True
    content = [t for t in tokens if t not in fillers]
    if len(content) > cues.max_short:
        return False
    for i, token in enumerate(tokens):
        rest = [t for t in tokens[i + 1:] if t not in fillers]
        if token in cues.alone and _person_at(tokens, i, cues) and all(_in(t, cues.real) for t in rest):
            return True
    return False


def is_handoff_request(surface: Sequence[str], lexicon: Lexicon, raw: Sequence[str] = ()) -> bool:
    """True when the user asks for a person (petugas, operator, cs, talk to a human…)."""
    cues = lexicon.intents.get("handoff")
    if cues is not None and (_has_any_phrase(surface, cues) or _has_any_phrase(raw, cues)):
        return True
    handoff = load_handoff_cues()
    return any(_asks_for_person(list(s), handoff, lexicon.fillers) for s in (raw, surface) if s)


def is_greeting(surface: Sequence[str], lexicon: Lexicon) -> bool:
    """True when the message holds nothing but greetings and filler words."""
    cues = lexicon.intents.get("greeting")
    if cues is None or not surface:
        return False
    covered = [False] * len(surface)
    for phrase in cues.phrases:
        size = len(phrase)
        for i in range(len(surface) - size + 1):
            if tuple(surface[i : i + size]) == tuple(phrase):
                for j in range(i, i + size):
                    covered[j] = True
    saw_greeting = any(covered)
    # "halo admin", "pagi petugas": addressing someone does not make a greeting a request.
    handoff = lexicon.intents.get("handoff")
    addressees = handoff.words | {"admin"} if handoff else frozenset({"admin"})
    for i, token in enumerate(surface):
        if token in cues.words:
            covered[i] = saw_greeting = True
        elif token in lexicon.fillers or token in addressees:
            covered[i] = True
    return saw_greeting and all(covered)
