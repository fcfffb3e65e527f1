"""Candidate retrieval, re-ranking and the answer / clarify / fallback decision (pure, over a snapshot).

Retrieval follows shared/notes/retrieval.md §6: BM25 over normalised phrasings plus a character-trigram
list, grouped by entry (max over its phrasings); the top candidates are re-ranked with rapidfuzz,
IDF-weighted coverage and country agreement; thresholds calibrated on the dev set decide.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from rapidfuzz import fuzz, process

from knowledge import index as ix
from knowledge.aspects import AspectCues, load_aspects
from knowledge.intents import is_emergency, is_greeting, is_handoff_request
from knowledge.language import LanguageGuesser
from knowledge.lexicon import Lexicon
from knowledge.normalize import Analysis, Normalizer
from knowledge.query import question_part
from knowledge.scam import ScamRules, load_scam_rules
from knowledge.schema import CountryDoc, EntryDoc

CALIBRATION_FILE = Path(__file__).parent / "calibration.yaml"
FUNCTION_WORDS_FILE = Path(__file__).parent / "lexicon" / "function_words.txt"
SCHEMES_FILE = Path(__file__).parent / "lexicon" / "schemes.yaml"
ANSWER_ONLY_UNKNOWN = 0.75  # a word only answers use ("polisi" in "lapor polisi") says little about the question
CORRECTED_UNKNOWN = 0.25  # a word the normaliser had to guess is a quarter unknown (SMS style guesses several)
MIN_SHARED_CONTENT = 2  # next to an unknown word, the entry must share this many known words of the message
TOP_K = 10
MAX_OPTIONS = 3
SUBJECT_BAND = 0.4  # entries this close to the top get their subject share measured
# Words around a country in a follow-up question that asks the previous question again for it.
FOLLOW_UP_WORDS = frozenset({
    "kalau", "kalo", "klo", "kl", "di", "ke", "untuk", "buat", "yang", "dengan", "sama", "juga", "bagaimana",
    "gimana", "terus", "lalu", "negara", "what", "about", "how", "in", "and", "dan", "atau", "or", "kak", "min",
})


@dataclass(frozen=True)
class MatchConfig:
    """Weights and thresholds of the matcher (see calibration.yaml)."""

    weights: dict[str, float]
    country: dict[str, float]
    thresholds: dict[str, float]
    aspect: dict[str, float] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path = CALIBRATION_FILE) -> MatchConfig:
        """Read the calibration file."""
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return cls(dict(data["weights"]), dict(data["country"]), dict(data["thresholds"]),
                   dict(data.get("aspect") or {}))

    def with_thresholds(self, **changes: float) -> MatchConfig:
        """Return a copy with some thresholds replaced (for calibration sweeps)."""
        return MatchConfig(self.weights, self.country, {**self.thresholds, **changes}, self.aspect)

    def with_values(self, section: str, **changes: float) -> MatchConfig:
        """Return a copy with some values of one section (weights, country, aspect, thresholds) replaced."""
        parts = {"weights": self.weights, "country": self.country, "thresholds": self.thresholds,
                 "aspect": self.aspect}
        parts[section] = {**parts[section], **changes}
        return MatchConfig(**parts)


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
    aspects: tuple[str, ...] = ()  # aspects the message asks about
    also: tuple[str, ...] = ()  # entries to send after the answer (the scam check next to a fee question)
    general: bool = False  # the answer is the general entry: the country has none for this aspect
    lang: str | None = None  # "en" when the message is written in English, else None


# Words of a job search, after normalisation ("loker", "lowongan", "pekerjaan", "job", "work").
JOB_WORDS = frozenset({"kerja", "lowong", "lowongan", "loker"})
# Words before a place that make it the place of the work ("di surabaya", "in jakarta"), not the origin ("dari").
WORK_PLACE_WORDS = frozenset({"di", "in", "at", "daerah", "sekitar", "area", "wilayah", "kota"})
ORIGIN_WORDS = frozenset({"dari", "asal", "from", "asli", "tinggal"})


class Matcher:
    """An immutable index over entries and countries that answers `match(text)`."""

    def __init__(
        self,
        entries: Sequence[EntryDoc],
        countries: Sequence[CountryDoc],
        lexicon: Lexicon,
        config: MatchConfig | None = None,
        aspects: AspectCues | None = None,
        scam: ScamRules | None = None,
    ) -> None:
        self.config = config or MatchConfig.load()
        self.lexicon = lexicon
        self.aspects = aspects or load_aspects()
        self.scam = scam or load_scam_rules()
        self.entries = sorted(entries, key=lambda e: e.id)
        self.entry_ids = [e.id for e in self.entries]
        self.entry_position = {e.id: i for i, e in enumerate(self.entries)}
        self.entry_countries = [frozenset(e.countries) for e in self.entries]
        self.entry_aspects = [e.aspect for e in self.entries]
        # (country or "", aspect) -> entries: the candidates of "ASPECT of COUNTRY" without a scan.
        self._by_place_aspect: dict[tuple[str, str | None], list[int]] = {}
        for i, entry in enumerate(self.entries):
            for place in entry.countries or [""]:
                self._by_place_aspect.setdefault((place, entry.aspect), []).append(i)
        self.language = LanguageGuesser.from_entries(self.entries, lexicon)
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
        # Aspect cue words are words of this domain even when no entry uses them ("mandarin"); the people a message is
        # about are real words too, never to be "corrected" into one ("sister" is not "sistem").
        vocabulary.update(self.aspects.words)
        vocabulary.update(lexicon.relatives)
        vocabulary = {w for w in vocabulary if w}
        self.normalizer = base.with_vocabulary(frozenset(vocabulary))
        # Aspect cues by the form a message's words take after stemming too ("pendidikan" -> "didik").
        self._aspect_of: dict[str, str] = dict(self.aspects.words)
        for word, named in self.aspects.words.items():
            for token in self.normalizer.tokens(word):
                self._aspect_of.setdefault(token, named)
        self._aliases: dict[tuple[str, ...], str] = {}
        function_words = _read_words(FUNCTION_WORDS_FILE)
        for country in countries:
            for alias in (*country.aliases, *country.names.values(), country.code.lower()):
                surface = self.normalizer.analyse(alias).surface
                # A code is typed as a name ("tw", "hk"), unless it is an everyday word ("my salary", "is it").
                is_code = alias == country.code.lower() and alias not in function_words
                if surface and (len(surface) > 1 or len(surface[0]) > 2 or is_code):
                    self._aliases.setdefault(surface, country.code)
        self._alias_words = frozenset(w for alias in self._aliases for w in alias)
        # A scheme names its country too ("eps" → Korea), but it stays a content word: it is what the message is about.
        known_codes = {c.code for c in countries}
        for scheme, code in _read_schemes(SCHEMES_FILE).items():
            surface = self.normalizer.analyse(scheme).surface
            if surface and code in known_codes:
                self._aliases.setdefault(surface, code)
        self._longest_alias = max((len(a) for a in self._aliases), default=1)
        self._function_words = _read_words(FUNCTION_WORDS_FILE) | lexicon.fillers | FOLLOW_UP_WORDS
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
        self._entry_words: list[frozenset[str]] = []  # questions, phrasings and answers: what an entry talks about
        lang_rows: list[list[list[tuple[str, ...]]]] = []  # entry -> language -> its question and phrasings
        for entry_i, entry in enumerate(self.entries):
            seen: set[tuple[str, ...]] = set()
            strings: list[str] = []
            lang_rows.append([])
            for text in entry.texts.values():
                lang_rows[-1].append([self.normalizer.tokens(p) for p in (text.question, *text.phrasings)])
                for tokens in lang_rows[-1][-1]:
                    if tokens and tokens not in seen:
                        seen.add(tokens)
                        row_entry.append(entry_i)
                        row_slot.append(len(strings))
                        rows.append(tokens)
                        strings.append(" ".join(tokens))
            self._entry_rows.append(strings)
            self._entry_tokens.append(frozenset(t for s in strings for t in s.split()))
            answer_words: set[str] = set()
            for slot, text in enumerate(entry.texts.values()):
                answers.append(self.normalizer.tokens(text.answer))
                answer_words.update(answers[-1])
                answer_entry.append(entry_i)
                answer_slot.append(slot)
            self._entry_words.append(self._entry_tokens[-1] | answer_words)
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
        self._subjects = [self._subject_profile(langs) for langs in lang_rows]

    def _subject_profile(self, langs: list[list[tuple[str, ...]]]) -> list[dict[str, float]]:
        """Per language, each content word's weight in the entry's subject: the share of its questions and
        phrasings that use the word, times the word's IDF, as a share of the entry's whole subject."""
        out = []
        for rows in langs:
            rows = [r for r in rows if r]
            if not rows:
                continue
            counts: dict[str, int] = {}
            for row in rows:
                for t in set(row):
                    if t not in self._function_words and t not in self._alias_words and not t.isdigit():
                        counts[t] = counts.get(t, 0) + 1
            profile = {t: c / len(rows) * self.bm25.idf.get(t, 0.0) for t, c in counts.items()}
            total = sum(profile.values())
            if total > 0:
                out.append({t: w / total for t, w in profile.items()})
        return out

    def _subject_share(self, i: int, query: set[str]) -> float:
        """How much of entry i's subject (the words most of its phrasings use) the message names, in its best language."""
        best = 0.0
        for profile in self._subjects[i]:
            share = 0.0
            for t in query:
                share += profile.get(t, 0.0)
            best = max(best, share)
        return best

    def _shared_weight(self, i: int, other_id: str) -> float:
        """The IDF weight of the words entry i's questions share with another entry's (0 when there is none)."""
        other = self.entry_position.get(other_id)
        if other is None:
            return 0.0
        shared = self._entry_tokens[i] & self._entry_tokens[other] - self._function_words - self._alias_words
        return sum(self.bm25.idf.get(t, 0.0) for t in shared)

    def _aspect_weight(self, i: int, aspect: str) -> float:
        """How much of entry i's subject is the aspect's own words ("biaya" for the placement costs, little for BPJS)."""
        return max((sum(w for t, w in profile.items() if self._aspect_of.get(t) == aspect)
                    for profile in self._subjects[i]), default=0.0)

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

    def match(
        self,
        text: str,
        *,
        country: str | None = None,
        aspect: str | None = None,
        config: MatchConfig | None = None,
        previous: str | None = None,
    ) -> MatchResult:
        """Match one message; `country`, `aspect` and `previous` are the conversation's context (last country, last
        entry's aspect, last entry's id)."""
        cfg = config or self.config
        text = text or ""
        full = self.normalizer.analyse(text)
        raw = self.normalizer.base_tokens(text)  # before typo fixes, which can turn "nampar" into "nama"
        flags: dict[str, Any] = {
            "emergency": is_emergency(full.surface, self.lexicon, raw),
            "handoff": is_handoff_request(full.surface, self.lexicon, raw),
            "greeting": is_greeting(full.surface, self.lexicon),
        }
        asked = question_part(text)
        # A story is matched on its question; a country met only in the story is context, like the conversation's.
        analysis = full if asked == text else self.normalizer.analyse(asked)
        named = self.countries_in(analysis.surface)
        story = self.countries_in(full.surface) if analysis is not full else ()
        context = None if named else (story[0] if story else country)
        aspects = self.aspects.find(analysis.surface, analysis.tokens)
        follow_up = not aspects and bool(aspect and named) and self._only_follow_up(analysis.surface)
        if follow_up and aspect:
            aspects = (aspect,)  # "kalo di taiwan?" after a wage answer: the wage of Taiwan
        aspects = self._closed_jobs(analysis, named or ((context,) if context else ()), aspects)
        common = {"countries": named or story, "aspects": aspects, "lang": self.language.guess_text(text), **flags}
        if not named and not story and self._job_at_home(full, aspects):
            # A job in Indonesia ("lowongan pengasuh di surabaya") is not a placement abroad, whatever the context.
            features = {"rule": "job-in-indonesia"}
            return MatchResult("fallback", None, 0.0, (), normalized=" ".join(full.tokens), features=features, **common)
        scam = tuple(e for e in self.scam.entries_for(text, full.surface) if e in self.entry_position)
        last = (previous if previous in self.entry_position else "") if follow_up else None
        result = self._decide(analysis, named, context, aspects, aspect, cfg, common, follow_up=last)
        return self._with_scam_check(result, scam, common) if scam else result

    def _closed_jobs(self, analysis: Analysis, places: tuple[str, ...], aspects: tuple[str, ...]) -> tuple[str, ...]:
        """A job the country in sight has an entry on closing ("jadi pembantu" with Saudi Arabia): that aspect too,
        after any the message names ("syarat jadi art di saudi" asks the requirements, which say it is closed)."""
        if not places:
            return aspects
        closing = [a for a in self.aspects.closed_job(analysis.surface, analysis.tokens)
                   if a not in aspects and any(self._by_place_aspect.get((p, a)) for p in places)]
        return (*aspects, *dict.fromkeys(closing)) if closing else aspects

    def _job_at_home(self, analysis: Analysis, aspects: tuple[str, ...]) -> bool:
        """True when the message asks about work AT a place in Indonesia ("di surabaya", "in jakarta") and not abroad.

        A place one comes from ("dari jawa timur") or lives in next to an abroad word ("luar negeri") is in scope.
        """
        tokens = set(analysis.tokens)
        if not (tokens & JOB_WORDS or "sektor" in aspects) or {"luar", "negeri"} <= tokens:
            return False
        surface = analysis.surface
        return any(i and surface[i - 1] in WORK_PLACE_WORDS for i, _place in self._home_places_in(surface))

    def _origin_words(self, surface: Sequence[str], has_destination: bool) -> frozenset[str]:
        """Words of places in Indonesia named as the origin: after "dari"/"asal"/"from", or any when the message
        names a destination country."""
        found: set[str] = set()
        for i, place in self._home_places_in(surface):
            after_origin = bool(i) and surface[i - 1] in ORIGIN_WORDS
            if has_destination or after_origin:
                found.update(place)
                if after_origin:
                    found.add(surface[i - 1])  # "asal" says where from; it is no subject either
        return frozenset(found)

    def _home_places_in(self, surface: Sequence[str]) -> list[tuple[int, tuple[str, ...]]]:
        """(position, place) of every place in Indonesia the words name."""
        if self.lexicon.home_place_words.isdisjoint(surface):
            return []  # most messages name no place: no scan
        return [(i, place) for place in self.lexicon.home_places
                for i in range(len(surface) - len(place) + 1) if tuple(surface[i : i + len(place)]) == place]

    def _content(self, analysis: Analysis, query: Sequence[str]) -> tuple[list[str], float, bool]:
        """The words that say what the message is about (no question words, no countries), and the unknown share.

        Known words are those of the entries' questions and phrasings (and aspect cues); a word only
        answers use ("polisi" in "lapor polisi") is mostly unknown, a word the normaliser guessed half.
        """
        content = [t for t in query if t not in self._function_words and t not in self._alias_words
                   and not t.isdigit() and len(t) > 1]
        known = [t for t in content if t in self.bm25.idf or t in self._aspect_of]
        if not content:
            return known, 0.0, False
        unknown = sum(ANSWER_ONLY_UNKNOWN if t in self.answer_bm25.idf else 1.0 for t in content if t not in known)
        has_unknown_word = len(known) < len(content)
        unknown += CORRECTED_UNKNOWN * analysis.corrected
        return known, min(unknown / len(content), 1.0), has_unknown_word

    def _about_unknown(self, result: MatchResult, known: list[str], has_unknown_word: bool) -> bool:
        """True when an unknown word is what the message asks about: the chosen entry shares fewer than two of
        the message's other words (a word only its answer uses counts half).

        "cara daftar jadi polisi" shares only "daftar" with the registration entry: the question is about
        the police. "agensi nakal, telp nomer brp" shares several words with the contacts entry: "nakal"
        is a detail around a question we know.
        """
        if not has_unknown_word:
            return False
        chosen = result.entry_id or (result.options[0] if result.options else None)
        if chosen is None:
            return False
        position = self.entry_position[chosen]
        asked, told = self._entry_tokens[position], self._entry_words[position]
        # A word the entry's questions use, or one naming the entry's aspect, counts fully; one only its answer
        # uses counts half.
        aspect = self.entry_aspects[position]
        shared = sum(
            1.0 if t in asked or (aspect and self._aspect_of.get(t) == aspect) else 0.5 if t in told else 0.0
            for t in known
        )
        return shared < MIN_SHARED_CONTENT

    def _only_follow_up(self, surface: Sequence[str]) -> bool:
        """True when the words are nothing but a country and follow-up words ("kalau di taiwan?")."""
        rest = [w for w in surface if w not in self._alias_words and w not in FOLLOW_UP_WORDS
                and w not in self.lexicon.fillers]
        return not rest

    def _decide(
        self,
        analysis: Analysis,
        named: tuple[str, ...],
        context: str | None,
        aspects: tuple[str, ...],
        context_aspect: str | None,
        cfg: MatchConfig,
        common: dict[str, Any],
        *,
        follow_up: str | None = None,
    ) -> MatchResult:
        normalized = " ".join(analysis.tokens)
        # Where one comes from ("dari jawa timur", or any home place next to a destination) is not what one asks:
        # neither a known nor an unknown word. Elsewhere a home place stays unknown ("wisata di bali").
        origin = self._origin_words(analysis.surface, bool(named))
        # Whom it is about ("adik saya") is not what it asks, unless the knowledge base speaks of them ("izin suami").
        query = [t for t in dict.fromkeys(analysis.tokens) if t not in origin
                 and (t not in self.lexicon.relatives or t in self.bm25.idf)]
        known = [t for t in query if t in self.bm25.idf]
        if not known or not self.entries:
            return MatchResult("fallback", None, 0.0, (), normalized=normalized, **common)
        # A word only the answers use is still a word of this domain; only words found nowhere in the
        # knowledge base count as unknown, at the highest weight: they name what we do not cover.
        term_weight = {t: self.bm25.idf[t] for t in known}
        answer_only = sum(self.answer_bm25.idf[t] for t in query if t not in term_weight and t in self.answer_bm25.idf)
        unknown_weight = self.bm25.max_idf * sum(
            1 for t in query if t not in term_weight and t not in self.answer_bm25.idf
        )
        total_weight = sum(term_weight.values()) + answer_only + unknown_weight
        content_known, content_unknown, has_unknown_word = self._content(analysis, query)
        unknown_share = max(unknown_weight / total_weight, content_unknown)
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
        wanted = set(named) if named else ({context} if context else set())
        accepted = self.aspects.accepted(aspects)
        top = set(int(i) for i in np.argpartition(-pre, k - 1)[:k] if pre[i] > 0)
        if aspects and wanted:
            # Every entry of the country on the asked aspect is a candidate, however few words it shares.
            extra = [i for place in (*wanted, "") for a in accepted
                     for i in self._by_place_aspect.get((place, a), ()) if pre[i] > 0]
            top.update(sorted(extra, key=lambda i: -pre[i])[:TOP_K])
        elif context:
            # Nothing in particular asked about the conversation's country ("minta info kerja"): its card is a
            # candidate. (A country named in the message already brings its card by that name.)
            top.update(i for i in self._by_place_aspect.get((context, "umum"), ()) if pre[i] > 0)
        # A country-specific entry with no country anywhere in sight: a general entry should come first.
        unplaced = not wanted
        scored: list[tuple[float, int, dict[str, float]]] = []
        joined = " ".join(query)
        query_set = set(query)
        for i in top:
            entry_countries = self.entry_countries[i]
            if entry_countries and not entry_countries & wanted and wanted:
                # A message naming another country never gets this entry; nor does one asked in the conversation about
                # another country ("minta info kerja" after Italy is not Hong Kong's card), unless it names this one.
                continue
            tokens = self._entry_tokens[i]
            covered = sum(w for t, w in term_weight.items() if t in tokens)
            coverage = covered / total_weight
            best_row = process.extractOne(joined, self._entry_rows[i], scorer=fuzz.token_sort_ratio)
            fuzzy = best_row[1] / 100.0 if best_row else 0.0
            feats = {
                "bm25": min(float(bm25[i]), 1.0),
                "coverage": coverage,
                "fuzzy": fuzzy,
                "char": float(chars[i]),
                "answer": min(float(answer[i]), 1.0),
            }
            score = sum(cfg.weights[name] * value for name, value in feats.items())
            score += self._country_adjustment(entry_countries, named, wanted, cfg)
            score += self._aspect_adjustment(self.entry_aspects[i], aspects, accepted, context_aspect, cfg)
            if unplaced and entry_countries:
                score += cfg.country.get("unplaced_specific", 0.0)
            feats["score"] = score
            scored.append((score, i, feats))
        if not scored:
            return MatchResult("fallback", None, 0.0, (), normalized=normalized, **common)
        scored.sort(key=lambda s: (-s[0], self.entry_ids[s[1]]))
        for value, i, feats in scored:
            # Only the leaders are compared on their subject (the clarify band, the aspect's entries above the
            # country's); the rest keep none, which saves its cost on every message.
            feats["subject"] = self._subject_share(i, query_set) if value >= scored[0][0] - SUBJECT_BAND else 0.0
        candidates = tuple((self.entry_ids[i], round(max(s, 0.0), 4)) for s, i, _ in scored[:5])
        th = cfg.thresholds
        best, _top, best_feats = scored[0]
        second = scored[1][0] if len(scored) > 1 else 0.0
        features = {"best": best_feats, "margin": best - second, "unknown_share": unknown_share,
                    "rule": "score", "words": len(query)}
        base = {"candidates": candidates, "normalized": normalized, "features": features, **common}
        if unknown_share > th["max_unknown"]:
            return MatchResult("fallback", None, max(0.0, min(best, 1.0)), **base)
        if aspects and wanted:
            result = self._aspect_decision(scored, wanted, aspects, th, base, content_known, follow_up)
        else:
            result = self._score_decision(self._unplaced_aspect(scored, aspects, wanted, th, content_known), len(query), th, base)
        if result.decision != "fallback" and self._about_unknown(result, content_known, has_unknown_word):
            features["rule"] = "unknown-subject"
            return replace(result, decision="fallback", entry_id=None, options=(), general=False)
        return result

    def _aspect_decision(
        self,
        scored: list[tuple[float, int, dict[str, float]]],
        wanted: set[str],
        aspects: tuple[str, ...],
        th: dict[str, float],
        base: dict[str, Any],
        content: Sequence[str] = (),
        follow_up: str | None = None,
    ) -> MatchResult:
        """ASPECT of COUNTRY: the country's entry on that aspect wins; else the general one, said to be general.

        `follow_up` is None, or the last entry's id ("" when unknown) when the message only names another country
        for the last question ("kalo hongkong?").
        """
        stand_in = self.aspects.accepted(aspects)
        own = [s for s in scored if self.entry_countries[s[1]] & wanted and self.entry_aspects[s[1]] in stand_in]
        # The aspect asked first is the question; a later one is a detail of it ("gaji … kontrak baru berapa"):
        # when the country has an entry on the first, an entry on a later one does not compete.
        if any(self.entry_aspects[s[1]] == aspects[0] for s in own):
            own = [s for s in own if self.entry_aspects[s[1]] not in aspects[1:]]
        general = [s for s in scored if not self.entry_countries[s[1]] and self.entry_aspects[s[1]] in aspects]
        placed = [s for s in scored if self.entry_countries[s[1]] & wanted]
        asked = [t for t in content if self._aspect_of.get(t) in aspects]  # the words naming the aspect
        fitting = own or general
        if placed and fitting and placed[0][0] - fitting[0][0] >= th["aspect_override"]:
            # An entry of the country on another aspect fits far better: it covers this one too (a scheme's
            # page with its costs), or the cue word was a side remark. Decide by score as usual.
            base["features"]["rule"] = "aspect-override"
            return self._score_decision(scored, 2, th, base)
        base["features"]["rule"] = "aspect-country"
        if own:
            best, i, _feats = own[0]
            # The country's entry on the aspect fits weakly (below the aspect threshold, or far below a general entry
            # on the same aspect): that general entry may fit the message, said to be general; never another aspect.
            same = [s for s in general if self.entry_aspects[s[1]] == self.entry_aspects[i] and s[0] > best]
            weak = best < th["aspect_answer"] or bool(same and same[0][0] - best >= th["aspect_override"])
            if not weak:
                return MatchResult("answer", self.entry_ids[i], max(0.0, min(best, 1.0)), **base)
            if same:
                base["features"]["rule"] = "aspect-weak-own"
                result = self._score_decision(same, 2, {**th, "margin": th["general_margin"]}, base)
                if result.decision == "answer":
                    return MatchResult("answer", result.entry_id, result.confidence, general=True, **base)
                if result.decision == "clarify":
                    return result
            return MatchResult("fallback", None, max(0.0, min(best, 1.0)), **base)
        untagged = [s for s in scored if self.entry_aspects[s[1]] is None]
        if untagged:
            # Content without aspects (older imports): rank as usual, but never an entry of another aspect.
            base["features"]["rule"] = "aspect-untagged"
            fitting = [s for s in scored if self.entry_aspects[s[1]] in (None, *stand_in)]
            return self._score_decision(fitting, 2, th, base)
        base["features"]["rule"] = "aspect-general"
        if (placed and general and placed[0][0] - general[0][0] >= th.get("general_override", th["aspect_override"])
                and not self._lacks_words(placed[0][1], general[0][1], asked)
                # It must fit on more than the aspect's word and the country: "agency fee in hong kong" names the
                # agency of its rights card, "ongkos ke hongkong" nothing but a cost.
                and any(t in self._entry_tokens[placed[0][1]] for t in content if t not in asked)):
            # The country has no entry on this aspect, but one of its entries fits better than any general one
            # ("agency fee in Hong Kong" is on its rights card): decide by score, as for an override.
            base["features"]["rule"] = "general-override"
            return self._score_decision(scored, 2, th, base)
        if not general:
            return MatchResult("fallback", None, 0.0, **base)
        if follow_up is not None:
            # "kalo hongkong?" after Taiwan's costs: the message names nothing to choose a general entry by, and the
            # country has none on that aspect; offer the general ones and the country's card instead of guessing.
            base["features"]["rule"] = "follow-up-general"
            card = [i for place in sorted(wanted) for i in self._by_place_aspect.get((place, "umum"), ())]
            central = sorted(self._by_place_aspect.get(("", aspects[0]), ()),
                             key=lambda i: (-self._shared_weight(i, follow_up), -self._aspect_weight(i, aspects[0]),
                                            self.entry_ids[i]))
            options = tuple(dict.fromkeys([*(self.entry_ids[i] for i in central[:MAX_OPTIONS - len(card[:1])]),
                                           *(self.entry_ids[i] for i in card[:1])]))
            return MatchResult("clarify", None, max(0.0, min(general[0][0], 1.0)), options=options, **base)
        result = self._score_decision(general, 2, {**th, "margin": th["general_margin"]}, base)
        if result.decision == "answer":
            return MatchResult("answer", result.entry_id, result.confidence, general=True, **base)
        return result

    def _unplaced_aspect(
        self, scored: list[tuple[float, int, dict[str, float]]], aspects: tuple[str, ...], wanted: set[str],
        th: dict[str, float], content: Sequence[str],
    ) -> list[tuple[float, int, dict[str, float]]]:
        """No country in sight, an aspect asked, and a general entry on it close to the top: a country's entry on
        another aspect ("syarat" of Singapore, which also names an age) does not compete with it."""
        if not aspects or wanted:
            return scored
        general = next((s for s in scored if not self.entry_countries[s[1]] and self.entry_aspects[s[1]] == aspects[0]),
                       None)
        if general is None or general[0] < scored[0][0] - th["clarify_band"]:
            return scored
        # A country's entry on the same aspect competes only when the message uses a word of it that the general
        # entry never uses ("magang"); "paspor ditahan agensi, boleh?" asks nobody's country, so the general one.
        return [s for s in scored if not self.entry_countries[s[1]]
                or (self.entry_aspects[s[1]] == aspects[0] and self._lacks_words(general[1], s[1], content))]

    def _lacks_words(self, i: int, other: int, content: Sequence[str]) -> bool:
        """True when the message uses a word of entry `other`'s questions that entry `i`'s questions never use.

        A country's overview scores well on the country's name alone; "ongkos ke hongkong" names costs, which
        only the cost entries speak of, so the overview may not override them (the check is on aspect words).
        """
        words, others = self._entry_tokens[i], self._entry_tokens[other]
        return any(t in others and t not in words for t in content)

    def _score_decision(
        self, scored: list[tuple[float, int, dict[str, float]]], n_words: int, th: dict[str, float],
        base: dict[str, Any],
    ) -> MatchResult:
        """Answer a clear winner, ask between close ones, fall back below the clarify threshold."""
        best, best_i, best_feats = scored[0]
        second = scored[1][0] if len(scored) > 1 else 0.0
        confidence = max(0.0, min(best, 1.0))
        # One word that other entries share too ("paspor") is too short to answer: ask which one.
        too_short = n_words <= 1 and second >= th["clarify"]
        if (
            best >= th["answer"]
            and best - second >= th["margin"]
            and best_feats["coverage"] >= th["min_coverage"]
            and not too_short
        ):
            return MatchResult("answer", self.entry_ids[best_i], confidence, **base)
        if best >= th["clarify"] and self._short_and_covered(best_feats, best - second, base["features"], th):
            base["features"]["rule"] = "short-covered"
            return MatchResult("answer", self.entry_ids[best_i], confidence, **base)
        if (best >= th["clarify"] and second <= th.get("lead_ratio", 0.0) * best
                and best - second >= th.get("lead_margin", 1.0) and best_feats["coverage"] >= th.get("lead_coverage", 1.0)):
            # A long message scores low against every phrasing, but one entry stands far above the rest.
            base["features"]["rule"] = "clear-lead"
            return MatchResult("answer", self.entry_ids[best_i], confidence, **base)
        if best >= th["clarify"] and best_feats["coverage"] >= th["min_coverage"] * 0.75:
            band = [s for s in scored[:MAX_OPTIONS] if s[0] >= best - th["clarify_band"]]
            if len(band) == 1 and len(scored) > 1:
                band.append(scored[1])
            options = tuple(self.entry_ids[i] for _s, i, _ in band)
            if len(options) == 1:
                return MatchResult("answer", options[0], confidence, **base)
            if self._subject_lead(band, best - second, th):
                base["features"]["rule"] = "subject-lead"
                return MatchResult("answer", self.entry_ids[best_i], confidence, **base)
            leader = self._subject_leader(band, th)
            if leader is not None:
                base["features"]["rule"] = "subject-leader"
                return MatchResult("answer", self.entry_ids[leader], confidence, **base)
            return MatchResult("clarify", None, confidence, options=options, **base)
        return MatchResult("fallback", None, confidence, **base)

    @staticmethod
    def _subject_lead(band: list[tuple[float, int, dict[str, float]]], margin: float, th: dict[str, float]) -> bool:
        """Close scores, but the message names the top entry's subject and not its rivals': that entry.

        Sibling entries share most words ("syarat kerja" is in the education entry too); what tells them apart
        is the words most of an entry's phrasings use ("pendidikan", "ijazah"), which the message lacks.
        """
        lead = th.get("subject_lead", 0.0)
        if not lead or margin < th.get("subject_margin", 1.0):
            return False
        top = band[0][2]["subject"]
        return top >= th.get("subject_share", 0.0) and all(top - feats["subject"] >= lead for _s, _i, feats in band[1:])

    @staticmethod
    def _subject_leader(band: list[tuple[float, int, dict[str, float]]], th: dict[str, float]) -> int | None:
        """Close scores, and the message names one option's subject several times as much as any other's: that one.

        "syarat kerja ke luar negeri" scores the education entry a hair above the general requirements (both use
        "syarat kerja"), but it names a third of the general entry's subject and a sixth of the education entry's,
        whose subject is "pendidikan", "ijazah", "lulusan". Unlike the subject lead, the leader may be any option.
        """
        ratio, floor = th.get("subject_ratio", 0.0), th.get("subject_floor", 1.0)
        if not ratio:
            return None
        ranked = sorted(band, key=lambda s: -s[2]["subject"])
        top = ranked[0][2]["subject"]
        if top < floor or any(top < ratio * feats["subject"] for _s, _i, feats in ranked[1:]):
            return None
        return ranked[0][1]

    @staticmethod
    def _short_and_covered(
        feats: dict[str, float], margin: float, features: dict[str, Any], th: dict[str, float]
    ) -> bool:
        """A message of two or three words, all of them in the top entry's questions, with a lead: that entry.

        Its score stays below the answer threshold only because a short message shares little text with a long
        phrasing; the generated set answers such messages right about 49 times in 50.
        """
        words = features.get("words", 0)
        return (2 <= words <= th.get("short_words", 0) and feats["coverage"] >= th.get("short_coverage", 1.0)
                and margin >= th.get("short_margin", 1.0))

    def _with_scam_check(self, result: MatchResult, scam: tuple[str, ...], common: dict[str, Any]) -> MatchResult:
        """A doubt about an offer, a company or a payment always gets the agency check and the scam signs."""
        if result.decision == "answer" and result.entry_id:
            also = tuple(e for e in scam if e != result.entry_id)[:1]
            return replace(result, also=also)
        wanted_aspect = self.entry_aspects[self.entry_position[scam[0]]]
        top = next((e for e, _s in result.candidates[:3] if self.entry_aspects[self.entry_position[e]] == wanted_aspect),
                   None)
        if top:
            # The ranking found a more specific entry on the same aspect ("calo minta 1,5jt buat paspor": the
            # passport fee, not placement costs in general): answer it, with the scam signs after.
            also = tuple(e for e in scam if e != top)[:1]
            return replace(result, decision="answer", entry_id=top, options=(), also=also,
                           features={**result.features, "rule": "scam"})
        features = {**result.features, "rule": "scam"}
        return MatchResult("answer", scam[0], max(result.confidence, 0.5), result.candidates, also=scam[1:2],
                           normalized=result.normalized, features=features, **common)

    @staticmethod
    def _aspect_adjustment(
        entry_aspect: str | None, aspects: tuple[str, ...], accepted: frozenset[str], context_aspect: str | None,
        cfg: MatchConfig,
    ) -> float:
        a = cfg.aspect
        if not entry_aspect:
            return 0.0
        if aspects:
            if entry_aspect == aspects[0]:
                return a.get("agree", 0.0)  # the aspect named first is the one asked ("gaji … kontrak baru brp")
            if entry_aspect in aspects:
                return a.get("agree_later", 0.0)
            return a.get("stand_in", 0.0) if entry_aspect in accepted else a.get("conflict", 0.0)
        if context_aspect and entry_aspect == context_aspect:
            return a.get("context_agree", 0.0)
        return 0.0

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


def _read_schemes(path: Path) -> dict[str, str]:
    """Placement schemes and the country each one implies (data in lexicon/schemes.yaml)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(scheme).lower(): str(code) for code, schemes in data.items() for scheme in schemes or ()}


def _read_words(path: Path) -> frozenset[str]:
    """Whitespace-separated words of a data file, '#' starting a comment."""
    words: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        words.update(line.split("#", 1)[0].lower().split())
    return frozenset(words)
