"""Candidate retrieval, re-ranking and the answer / clarify / fallback decision (pure, over a snapshot).

Retrieval follows shared/notes/retrieval.md §6: BM25 over normalised phrasings plus a character-trigram
list, grouped by entry (max over its phrasings); the top candidates are re-ranked with rapidfuzz,
IDF-weighted coverage and country agreement; thresholds calibrated on the dev set decide.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from rapidfuzz import fuzz, process

from knowledge import index as ix
from knowledge.intents import is_emergency, is_greeting, is_handoff_request
from knowledge.lexicon import Lexicon
from knowledge.normalize import Normalizer
from knowledge.schema import CountryDoc, EntryDoc

CALIBRATION_FILE = Path(__file__).parent / "calibration.yaml"
TOP_K = 10
MAX_OPTIONS = 3


@dataclass(frozen=True)
class MatchConfig:
    """Weights and thresholds of the matcher (see calibration.yaml)."""

    weights: dict[str, float]
    country: dict[str, float]
    thresholds: dict[str, float]

    @classmethod
    def load(cls, path: Path = CALIBRATION_FILE) -> MatchConfig:
        """Read the calibration file."""
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return cls(dict(data["weights"]), dict(data["country"]), dict(data["thresholds"]))

    def with_thresholds(self, **changes: float) -> MatchConfig:
        """Return a copy with some thresholds replaced (for calibration sweeps)."""
        return MatchConfig(self.weights, self.country, {**self.thresholds, **changes})


@dataclass(frozen=True)
class MatchResult:
    """What the matcher found for one message, with its evidence."""

    decision: str  # answer | clarify | fallback
    entry_id: str | None
    confidence: float
    candidates: tuple[tuple[str, float], ...]
    options: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    emergency: bool = False
    handoff: bool = False
    greeting: bool = False
    normalized: str = ""
    features: dict[str, Any] = field(default_factory=dict, compare=False)


class Matcher:
    """An immutable index over entries and countries that answers `match(text)`."""

    def __init__(
        self,
        entries: Sequence[EntryDoc],
        countries: Sequence[CountryDoc],
        lexicon: Lexicon,
        config: MatchConfig | None = None,
    ) -> None:
        self.config = config or MatchConfig.load()
        self.lexicon = lexicon
        self.entries = sorted(entries, key=lambda e: e.id)
        self.entry_ids = [e.id for e in self.entries]
        self.entry_countries = [frozenset(e.countries) for e in self.entries]
        base = Normalizer(lexicon)
        vocabulary: set[str] = set(lexicon.protected)
        for value in lexicon.words.values():
            vocabulary.update(value.split())
        for value in lexicon.phrases.values():
            vocabulary.update(value.split())
        for cues in lexicon.intents.values():
            vocabulary.update(cues.words)
            for phrase in cues.phrases:
                vocabulary.update(phrase)
        for entry in self.entries:
            for text in entry.texts.values():
                for piece in (text.question, *text.phrasings, text.answer):
                    vocabulary.update(base.base_tokens(piece))
        for country in countries:
            for alias in (*country.aliases, *country.names.values()):
                vocabulary.update(base.base_tokens(alias))
        vocabulary = {w for w in vocabulary if w}
        self.normalizer = base.with_vocabulary(frozenset(vocabulary))
        self._aliases: dict[tuple[str, ...], str] = {}
        for country in countries:
            for alias in (*country.aliases, *country.names.values(), country.code.lower()):
                surface = self.normalizer.analyse(alias).surface
                if surface and (len(surface) > 1 or len(surface[0]) > 2 or alias == country.code.lower()):
                    self._aliases.setdefault(surface, country.code)
        self._longest_alias = max((len(a) for a in self._aliases), default=1)
        self._build_index()

    def _build_index(self) -> None:
        rows: list[tuple[str, ...]] = []
        row_entry: list[int] = []
        row_slot: list[int] = []
        answers: list[tuple[str, ...]] = []
        answer_entry: list[int] = []
        answer_slot: list[int] = []
        self._entry_rows: list[list[str]] = []
        self._entry_tokens: list[frozenset[str]] = []
        for entry_i, entry in enumerate(self.entries):
            seen: set[tuple[str, ...]] = set()
            strings: list[str] = []
            for text in entry.texts.values():
                for piece in (text.question, *text.phrasings):
                    tokens = self.normalizer.tokens(piece)
                    if tokens and tokens not in seen:
                        seen.add(tokens)
                        row_entry.append(entry_i)
                        row_slot.append(len(strings))
                        rows.append(tokens)
                        strings.append(" ".join(tokens))
            self._entry_rows.append(strings)
            self._entry_tokens.append(frozenset(t for s in strings for t in s.split()))
            for slot, text in enumerate(entry.texts.values()):
                answers.append(self.normalizer.tokens(text.answer))
                answer_entry.append(entry_i)
                answer_slot.append(slot)
        n = len(self.entries)
        # Slot-major layout: row k of entry e lives at k * n + e, so the best row of every entry is
        # one contiguous `reshape(slots, n).max(axis=0)` (several times faster than reduceat).
        self._slots = max((len(r) for r in self._entry_rows), default=1) or 1
        self._answer_slots = max(answer_slot, default=0) + 1
        layout = np.asarray(row_slot, dtype=np.int64) * n + np.asarray(row_entry, dtype=np.int64)
        answer_layout = np.asarray(answer_slot, dtype=np.int64) * n + np.asarray(answer_entry, dtype=np.int64)
        self.bm25 = ix.regroup(ix.build_bm25(rows), layout, self._slots * n)
        self.chars = ix.regroup(ix.build_char(rows), layout, self._slots * n)
        self.answer_bm25 = ix.regroup(ix.build_bm25(answers), answer_layout, self._answer_slots * n)
        self._n_rows = len(rows)

    def _best_per_entry(self, row_scores: np.ndarray, slots: int) -> np.ndarray:
        best: np.ndarray = row_scores.reshape(slots, len(self.entries)).max(axis=0)
        return best

    @property
    def size(self) -> tuple[int, int]:
        """(entries, phrasing rows) in the index."""
        return len(self.entries), self._n_rows

    def countries_in(self, surface: Sequence[str]) -> tuple[str, ...]:
        """Country codes named in the (normalised) words, in order of mention."""
        found: list[str] = []
        i = 0
        while i < len(surface):
            for size in range(min(self._longest_alias, len(surface) - i), 0, -1):
                code = self._aliases.get(tuple(surface[i : i + size]))
                if code:
                    if code not in found:
                        found.append(code)
                    i += size
                    break
            else:
                i += 1
        return tuple(found)

    def match(self, text: str, *, country: str | None = None, config: MatchConfig | None = None) -> MatchResult:
        """Match one message; `country` is the conversation's country context, if any."""
        cfg = config or self.config
        analysis = self.normalizer.analyse(text or "")
        surface = analysis.surface
        named = self.countries_in(surface)
        flags: dict[str, Any] = {
            "emergency": is_emergency(surface, self.lexicon),
            "handoff": is_handoff_request(surface, self.lexicon),
            "greeting": is_greeting(surface, self.lexicon),
        }
        normalized = " ".join(analysis.tokens)
        query = list(dict.fromkeys(analysis.tokens))
        known = [t for t in query if t in self.bm25.idf]
        if not known or not self.entries:
            return MatchResult("fallback", None, 0.0, (), countries=named, normalized=normalized, **flags)
        # A word only the answers use is still a word of this domain; only words found nowhere in the
        # knowledge base count as unknown, at the highest weight: they name what we do not cover.
        term_weight = {t: self.bm25.idf[t] for t in known}
        answer_only = sum(self.answer_bm25.idf[t] for t in query if t not in term_weight and t in self.answer_bm25.idf)
        unknown_weight = self.bm25.max_idf * sum(
            1 for t in query if t not in term_weight and t not in self.answer_bm25.idf
        )
        total_weight = sum(term_weight.values()) + answer_only + unknown_weight
        unknown_share = unknown_weight / total_weight
        bm25 = self._best_per_entry(ix.score_rows(self.bm25, dict.fromkeys(known, 1.0)), self._slots) / total_weight
        chars = self._best_per_entry(ix.score_rows(self.chars, ix.char_query_weights(self.chars, query)), self._slots)
        answer_known = [t for t in query if t in self.answer_bm25.idf]
        answer_total = sum(self.answer_bm25.idf[t] for t in answer_known) + self.answer_bm25.max_idf * (
            len(query) - len(answer_known)
        )
        answer_rows = ix.score_rows(self.answer_bm25, dict.fromkeys(answer_known, 1.0))
        answer = self._best_per_entry(answer_rows, self._answer_slots) / (answer_total or 1.0)
        pre = bm25 + 0.5 * chars + 0.3 * answer
        k = min(TOP_K, len(pre))
        top = np.argpartition(-pre, k - 1)[:k]
        wanted = set(named) if named else ({country} if country else set())
        scored: list[tuple[float, int, dict[str, float]]] = []
        for i in top:
            if pre[i] <= 0:
                continue
            tokens = self._entry_tokens[i]
            covered = sum(w for t, w in term_weight.items() if t in tokens)
            coverage = covered / total_weight
            best_row = process.extractOne(normalized, self._entry_rows[i], scorer=fuzz.token_sort_ratio)
            fuzzy = best_row[1] / 100.0 if best_row else 0.0
            feats = {
                "bm25": min(float(bm25[i]), 1.0),
                "coverage": coverage,
                "fuzzy": fuzzy,
                "char": float(chars[i]),
                "answer": min(float(answer[i]), 1.0),
            }
            score = sum(cfg.weights[name] * value for name, value in feats.items())
            score += self._country_adjustment(self.entry_countries[i], named, wanted, cfg)
            feats["score"] = score
            scored.append((score, int(i), feats))
        if not scored:
            return MatchResult("fallback", None, 0.0, (), countries=named, normalized=normalized, **flags)
        scored.sort(key=lambda s: (-s[0], self.entry_ids[s[1]]))
        candidates = tuple((self.entry_ids[i], round(max(s, 0.0), 4)) for s, i, _ in scored[:5])
        best, best_i, best_feats = scored[0]
        second = scored[1][0] if len(scored) > 1 else 0.0
        th = cfg.thresholds
        confidence = max(0.0, min(best, 1.0))
        features = {"best": best_feats, "margin": best - second, "unknown_share": unknown_share}
        if unknown_share > th["max_unknown"]:
            return MatchResult("fallback", None, confidence, candidates, countries=named, normalized=normalized,
                               features=features, **flags)
        # One word that other entries share too ("paspor") is too short to answer: ask which one.
        too_short = len(query) <= 1 and second >= th["clarify"]
        if (
            best >= th["answer"]
            and best - second >= th["margin"]
            and best_feats["coverage"] >= th["min_coverage"]
            and not too_short
        ):
            return MatchResult("answer", self.entry_ids[best_i], confidence, candidates, countries=named,
                               normalized=normalized, features=features, **flags)
        if best >= th["clarify"] and best_feats["coverage"] >= th["min_coverage"] * 0.75:
            options = tuple(
                self.entry_ids[i] for s, i, _ in scored[:MAX_OPTIONS] if s >= best - th["clarify_band"]
            )
            if len(options) == 1 and len(scored) > 1:
                options = (options[0], self.entry_ids[scored[1][1]])
            return MatchResult("clarify", None, confidence, candidates, options=options, countries=named,
                               normalized=normalized, features=features, **flags)
        return MatchResult("fallback", None, confidence, candidates, countries=named, normalized=normalized,
                           features=features, **flags)

    @staticmethod
    def _country_adjustment(
        entry_countries: frozenset[str], named: tuple[str, ...], wanted: set[str], cfg: MatchConfig
    ) -> float:
        c = cfg.country
        if not entry_countries:
            return c["general_when_named"] if named else 0.0
        if named:
            return c["agree"] if entry_countries & wanted else c["conflict"]
        if wanted:
            return c["context_agree"] if entry_countries & wanted else c["context_conflict"]
        return 0.0
