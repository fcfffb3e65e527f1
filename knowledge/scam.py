"""Recognise a question about whether a recruiter, job offer or payment is genuine (data in lexicon/scam.yaml)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

SCAM_FILE = Path(__file__).parent / "lexicon" / "scam.yaml"
STORY_CHARS = 160  # a message this long that shows two warning signs is a story about an offer, asked or not
# Signs that need no doubt word, only work next to them: a holiday visa or Cambodia alone is no question of ours.
ALONE_NEXT_TO_WORK = frozenset({"tourist_visa", "scam_hub"})


@dataclass(frozen=True)
class _Signal:
    regex: tuple[re.Pattern[str], ...]
    words: frozenset[str]
    phrases: tuple[tuple[str, ...], ...]

    def found(self, raw: str, words: Sequence[str]) -> bool:
        if any(r.search(raw) for r in self.regex):
            return True
        if not self.words.isdisjoint(words):
            return True
        joined = f" {' '.join(words)} "
        return any(f" {' '.join(p)} " in joined for p in self.phrases)


@dataclass(frozen=True)
class ScamRules:
    """The warning signs, the doubt words, and which entries answer which sign."""

    signals: dict[str, _Signal]
    doubt: frozenset[str]
    work: frozenset[str]
    paid: frozenset[str]
    answers: tuple[tuple[str, tuple[str, ...]], ...]

    def signs(self, raw: str, words: Sequence[str]) -> frozenset[str]:
        """The warning signs present in a message (raw text and its normalised words)."""
        found = {name for name, signal in self.signals.items() if signal.found(raw, words)}
        for alone in ALONE_NEXT_TO_WORK:
            if alone in found and not (self.work & set(words)):
                found.discard(alone)
        if "amount" in found and self.paid & set(words):
            found.add("paid_amount")
        return frozenset(found)

    def entries_for(self, raw: str, words: Sequence[str]) -> tuple[str, ...]:
        """The entries to answer with when the message doubts an offer, a company or a payment; else ()."""
        signs = self.signs(raw, words)
        if not signs:
            return ()
        doubting = bool(self.doubt & set(words))
        story = len(raw) >= STORY_CHARS and len(signs - {"company"}) >= 2
        # Work on a tourist visa, or in a scam hub, is a danger whatever the message asks: it always gets the answer.
        if not (doubting or story or signs & ALONE_NEXT_TO_WORK):
            return ()
        for when, entries in self.answers:
            if when in signs:
                return entries
        return ()


@lru_cache(maxsize=2)
def load_scam_rules(path: Path = SCAM_FILE) -> ScamRules:
    """Read the scam rules (cached)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    signals = {
        name: _Signal(
            regex=tuple(re.compile(r, re.IGNORECASE if name != "company" else 0) for r in spec.get("regex") or ()),
            words=frozenset(str(w).lower() for w in spec.get("words") or ()),
            phrases=tuple(tuple(str(p).lower().split()) for p in spec.get("phrases") or ()),
        )
        for name, spec in (data.get("signals") or {}).items()
    }
    answers = tuple((str(row["when"]), tuple(row["entries"])) for row in data.get("answers") or ())
    return ScamRules(
        signals=signals,
        doubt=frozenset(str(w).lower() for w in data.get("doubt") or ()),
        work=frozenset(str(w).lower() for w in data.get("work") or ()),
        paid=frozenset(str(w).lower() for w in data.get("paid") or ()),
        answers=answers,
    )
