"""Rule-based recognition of emergencies, requests for a person and greetings (pure)."""

from __future__ import annotations

from collections.abc import Sequence

from knowledge.lexicon import IntentCues, Lexicon

MAX_HANDOFF_WORD_MESSAGE = 6


def _has_any_phrase(tokens: Sequence[str], cues: IntentCues) -> bool:
    for i, token in enumerate(tokens):
        for phrase in cues.phrases_from(token):
            if tuple(tokens[i : i + len(phrase)]) == phrase:
                return True
    return False


def _word_hits(tokens: Sequence[str], cues: IntentCues) -> list[str]:
    hits = []
    for i, token in enumerate(tokens):
        if token not in cues.words:
            continue
        blocked_by = cues.not_after.get(token, frozenset())
        window = tokens[max(0, i - 2) : i]
        if any(prev in blocked_by for prev in window):
            continue
        hits.append(token)
    return hits


def is_emergency(surface: Sequence[str], lexicon: Lexicon) -> bool:
    """True when the message says someone is in danger (beaten, locked in, trafficked, unpaid, suicidal…)."""
    cues = lexicon.intents.get("emergency")
    if cues is None:
        return False
    return bool(_word_hits(surface, cues)) or _has_any_phrase(surface, cues)


def is_handoff_request(surface: Sequence[str], lexicon: Lexicon) -> bool:
    """True when the user asks for a person (petugas, operator, cs, talk to a human…)."""
    cues = lexicon.intents.get("handoff")
    if cues is None:
        return False
    if _has_any_phrase(surface, cues):
        return True
    content = [t for t in surface if t not in lexicon.fillers]
    return len(content) <= MAX_HANDOFF_WORD_MESSAGE and bool(_word_hits(content, cues))


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
