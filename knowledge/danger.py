"""Recognise a person in danger by meaning: danger roots under any affix, a few word patterns, and framing.

The data (roots, patterns, framing words) is the `emergency` section of lexicon/intents.yaml. A word is
reduced to its root by stripping Indonesian, Javanese and Sundanese affixes, so every voice and slang
form of a danger verb is found without listing it. Whether the message is a person in danger now or a
general question that mentions the same words ("apa hukuman majikan yang memukul pekerja?") is decided
by the words around it: a victim near the danger word, a call for help or a time marker say "now";
a hypothetical before it, a legal word, a generic worker or a news word say "a question".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

INTENTS_FILE = Path(__file__).parent / "lexicon" / "intents.yaml"
MIN_ROOT = 3
# (prefix, letters it may have replaced, voice). Longest first, so "meng" is tried before "me".
PREFIXES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("dipun", ("",), "passive"), ("memper", ("", "p"), "active"), ("menge", ("",), "active"),
    ("meng", ("", "k"), "active"), ("meny", ("s", "c"), "active"), ("mem", ("", "p"), "active"),
    ("men", ("", "t", "c"), "active"), ("nge", ("",), "active"), ("nga", ("",), "active"),
    ("peng", ("", "k"), "noun"), ("peny", ("s", "c"), "noun"), ("pem", ("", "p"), "noun"),
    ("pen", ("", "t", "c"), "noun"), ("per", ("",), "noun"), ("ber", ("",), "noun"), ("ter", ("",), "passive"),
    ("me", ("",), "active"), ("di", ("",), "passive"), ("ke", ("",), "passive"), ("pe", ("",), "noun"),
    ("ng", ("", "k"), "active"), ("ny", ("s", "c"), "active"), ("nj", ("j",), "active"),
    ("m", ("p", "b"), "active"), ("n", ("t",), "active"),
)
SUFFIXES = ("nipun", "ipun", "aken", "keun", "ake", "kan", "ken", "nya", "in", "an", "i", "na", "ne", "e", "ku", "mu", "lah", "kah")
PASSIVE_MARKERS = frozenset({"di", "dipun", "kok", "kena", "kene"})  # passive written apart: "di sekap", "kena pukul"
# English contractions arrive split by punctuation removal: "can't" -> "can t".
_CONTRACTIONS = {"can": "cannot", "don": "dont", "won": "wont", "didn": "didnt", "doesn": "doesnt", "isn": "not",
                 "wasn": "not", "couldn": "cannot", "wouldn": "wont", "aren": "not"}

# English possessives between a verb and its object ("keeps my passport"): skipped when reading the object.
POSSESSIVES = frozenset({"my", "your", "his", "her", "our", "their", "its"})


@lru_cache(maxsize=20_000)
def _strip_suffixes(word: str) -> tuple[str, ...]:
    """The word and what is left after taking off one or two suffixes."""
    forms = [word]
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_ROOT:
            once = word[: -len(suffix)]
            forms.append(once)
            for second in SUFFIXES:
                if once.endswith(second) and len(once) - len(second) >= MIN_ROOT:
                    forms.append(once[: -len(second)])
    return tuple(dict.fromkeys(forms))


@lru_cache(maxsize=20_000)
def word_roots(word: str) -> tuple[tuple[str, str], ...]:
    """Every (root, voice) a word could come from: bare, passive, active or noun forms, affixes stripped."""
    found: list[tuple[str, str]] = []
    for form in _strip_suffixes(word):
        found.append((form, "bare" if form == word else "suffixed"))
        for prefix, restorations, voice in PREFIXES:
            if not form.startswith(prefix) or len(form) - len(prefix) < MIN_ROOT - 1:
                continue
            rest = form[len(prefix):]
            for restore in restorations:
                found.append((restore + rest, voice))
                # Stacked prefixes: di-per-, memper-, ter-, ke-...-an.
                for inner, inner_restore, _v in PREFIXES:
                    if inner in ("per", "ber", "ter", "pe", "ke") and (restore + rest).startswith(inner):
                        for r in inner_restore:
                            found.append((r + (restore + rest)[len(inner):], voice))
    return tuple(dict.fromkeys(found))


@lru_cache(maxsize=50_000)
def _danger_roots(word: str, roots: frozenset[str]) -> tuple[tuple[str, str], ...]:
    """The (root, voice) readings of a word whose root is a danger root (most words have none)."""
    return tuple((root, voice) for root, voice in word_roots(word) if root in roots)


@dataclass(frozen=True)
class Pattern:
    """A sequence of slots (sets of words); `gap` other words may stand between two slots."""

    kind: str
    slots: tuple[frozenset[str], ...]
    gap: int = 1
    needs_person: bool = False
    partial: bool = False


@dataclass(frozen=True)
class DangerCues:
    """The emergency section of intents.yaml, ready to use."""

    roots: dict[str, str]
    affixed_only: frozenset[str]
    passive_only: frozenset[str]
    needs_any: dict[str, frozenset[str]]
    not_near: dict[str, frozenset[str]]
    tokens: dict[str, str]
    person_verbs: frozenset[str]
    patterns: tuple[Pattern, ...]
    combine: tuple[tuple[str, frozenset[str]], ...]
    frame: dict[str, frozenset[str]]
    window_before: int = 3
    window_after: int = 3
    hypothetical_reach: int = 5
    negations: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> DangerCues:
        """Build the cues from the parsed `emergency` mapping."""
        sets = {name: frozenset(str(w).lower() for w in words) for name, words in (data.get("sets") or {}).items()}

        def slot(spec: str) -> frozenset[str]:
            return sets[spec[1:]] if spec.startswith("@") else frozenset(spec.lower().split("|"))

        patterns = tuple(
            Pattern(p["kind"], tuple(slot(s) for s in p["seq"]), int(p.get("gap", 1)),
                    bool(p.get("needs_person", False)), bool(p.get("partial", False)))
            for p in data.get("patterns") or ()
        )
        frame_data = dict(data.get("frame") or {})
        numbers = {k: int(frame_data.pop(k)) for k in ("window_before", "window_after", "hypothetical_reach")
                   if k in frame_data}
        lower = {str(k).lower(): frozenset(str(w).lower() for w in v) for k, v in frame_data.items()}
        return cls(
            roots={str(k).lower(): str(v) for k, v in (data.get("roots") or {}).items()},
            affixed_only=frozenset(str(w).lower() for w in data.get("affixed_only") or ()),
            passive_only=frozenset(str(w).lower() for w in data.get("passive_only") or ()),
            needs_any={str(k).lower(): frozenset(str(w).lower() for w in v)
                       for k, v in (data.get("needs_any") or {}).items()},
            not_near={str(k).lower(): frozenset(str(w).lower() for w in v)
                      for k, v in (data.get("not_near") or {}).items()},
            tokens={str(k).lower(): str(v) for k, v in (data.get("tokens") or {}).items()},
            person_verbs=frozenset(str(w).lower() for w in data.get("person_verbs") or ()),
            patterns=patterns,
            combine=tuple((c["kind"], frozenset(c["all"])) for c in data.get("combine") or ()),
            frame=lower,
            negations=sets.get("NEG", frozenset()) | {"jangan", "bukan", "tanpa", "without"},
            **numbers,
        )


# libyaml's C loader when the platform has it: the pure-Python one takes half a second on this file.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@lru_cache(maxsize=4)
def intents_data(path: Path = INTENTS_FILE) -> dict[str, Any]:
    """The parsed intents file (cached: it does not change while a process runs)."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader) or {}


@lru_cache(maxsize=4)
def load_danger_cues(path: Path = INTENTS_FILE) -> DangerCues:
    """Read the emergency cues."""
    return DangerCues.from_data(intents_data(path).get("emergency") or {})


@dataclass(frozen=True)
class Hit:
    """One sign of danger: its kind, where it stands, and the word that carried it."""

    kind: str
    at: int
    word: str
    needs_person: bool = False


@dataclass(frozen=True)
class Verdict:
    """What the message says about danger: the signs found, and whether it is a person in danger now."""

    hits: tuple[Hit, ...] = ()
    in_danger: bool = False

    @property
    def mentions_danger(self) -> bool:
        """True when danger words occur at all (a question about them gets the numbers offered)."""
        return bool(self.hits)


def prepare(tokens: Iterable[str]) -> list[str]:
    """Lower-case tokens with English contractions joined ("can t" -> "cannot")."""
    out: list[str] = []
    for token in tokens:
        token = token.lower()
        if token == "t" and out and out[-1] in _CONTRACTIONS:
            out[-1] = _CONTRACTIONS[out[-1]]
            continue
        out.append(token)
    return out


class DangerRecogniser:
    """Find signs of danger in a word sequence and judge whether they describe a person in danger now."""

    def __init__(self, cues: DangerCues) -> None:
        self.cues = cues
        # Patterns by a word of their first slot: each word of a message looks up only the patterns it can open.
        starts: dict[str, list[Pattern]] = {}
        for pattern in cues.patterns:
            for word in pattern.slots[0]:
                starts.setdefault(word, []).append(pattern)
        self._starts = {w: tuple(p) for w, p in starts.items()}
        self._root_words = frozenset(cues.roots)

    def _near(self, words: Sequence[str], at: int, wanted: frozenset[str], before: int, after: int) -> bool:
        return any(w in wanted for w in words[max(0, at - before): at]) or any(
            w in wanted for w in words[at + 1: at + 1 + after])

    def _blocked(self, words: Sequence[str], at: int, key: str) -> bool:
        """A word listed under `key` in not_near (or it with a suffix: "potongan", "hpnya") stands close."""
        blockers = self.cues.not_near.get(key)
        if not blockers:
            return False
        after = words[at + 1:]
        while after and after[0] in POSSESSIVES:
            after = after[1:]  # "menahan my paspor": the thing held is the passport, not "my"
        close = [*words[max(0, at - 3): at], *after[:1]]
        return any(_fits(w, blockers) for w in close)

    def _root_hit(self, words: Sequence[str], i: int) -> Hit | None:
        cues = self.cues
        word = words[i]
        passive_apart = i > 0 and (words[i - 1] in PASSIVE_MARKERS or (words[i - 1] == "pun" and i > 1
                                                                          and words[i - 2] == "di"))
        for root, voice in _danger_roots(word, self._root_words):
            kind = cues.roots.get(root)
            if kind is None:
                continue
            if passive_apart and voice in ("bare", "suffixed"):
                voice = "passive"
            if voice in ("bare", "suffixed") and root in cues.affixed_only:
                continue
            if root in cues.passive_only and voice != "passive":
                victim = cues.frame.get("victim", frozenset())
                if not (voice == "active" and i + 1 < len(words) and words[i + 1] in victim):
                    continue
            if self._blocked(words, i, root):
                continue
            if root in cues.needs_any and not any(w in cues.needs_any[root] for w in words):
                continue
            # A noun ("pelecehan", "penyiksaan") names a topic; it reports danger only about someone.
            return Hit(kind, i, word, needs_person=voice == "noun")
        return None

    def _token_hit(self, words: Sequence[str], i: int) -> Hit | None:
        cues = self.cues
        word = words[i]
        kind = cues.tokens.get(word)
        if kind is None and word in cues.person_verbs:
            objects = cues.frame.get("victim", frozenset()) | {"her", "him", "them", "saya", "aku"}
            if any(w in objects for w in words[i + 1: i + 3]):
                kind = "violence"
        if kind is None:
            return None
        if self._blocked(words, i, word):
            return None
        return Hit(kind, i, word)

    def _pattern_hits(self, words: Sequence[str]) -> list[Hit]:
        hits: list[Hit] = []
        done: set[int] = set()  # each pattern reports its first place only
        for start, word in enumerate(words):
            opened = _opened(word, self._starts)
            for pattern in opened:
                if id(pattern) in done:
                    continue
                at = start
                for slot in pattern.slots[1:]:
                    ahead = range(at + 1, min(len(words), at + 2 + pattern.gap))
                    nxt = next((j for j in ahead if _fits(words[j], slot)), None)
                    if nxt is None:
                        break
                    at = nxt
                else:
                    if self._blocked(words, at, words[at]):
                        continue
                    kind = pattern.kind if not pattern.partial else f"partial:{pattern.kind}"
                    hits.append(Hit(kind, start, word, pattern.needs_person))
                    done.add(id(pattern))
        return hits

    def hits(self, words: Sequence[str]) -> list[Hit]:
        """Every sign of danger in `words` (negated ones left out)."""
        found: list[Hit] = []
        for i in range(len(words)):
            hit = self._token_hit(words, i) or self._root_hit(words, i)
            if hit is None:
                continue
            # "tidak pernah memukul", "jangan dikunci": a denied or forbidden act is no sign.
            if any(w in self.cues.negations for w in words[max(0, i - 2): i]):
                continue
            found.append(hit)
        found.extend(self._pattern_hits(words))
        partial = {h.kind.removeprefix("partial:"): h for h in found if h.kind.startswith("partial:")}
        for kind, needed in self.cues.combine:
            if needed <= set(partial):
                first = min((partial[k] for k in needed), key=lambda h: h.at)
                found.append(Hit(kind, first.at, first.word))
        return sorted((h for h in found if not h.kind.startswith("partial:")), key=lambda h: h.at)

    def judge(self, words: Sequence[str]) -> Verdict:
        """The signs of danger in `words` and whether they say someone is in danger now."""
        words = prepare(words)
        hits = self.hits(words)
        if not hits:
            return Verdict()
        frame = self.cues.frame
        present = set(words)
        victim = frame.get("victim", frozenset())
        now = bool(present & (frame.get("now", frozenset()) | frame.get("help", frozenset())))
        framed = bool(present & (frame.get("legal", frozenset()) | frame.get("news", frozenset())))
        framed = framed or _asks_if_allowed(words, self.cues.negations)
        for hit in hits:
            near = self._near(words, hit.at, victim, self.cues.window_before, self.cues.window_after)
            if hit.needs_person and not (near or now):
                continue
            reach = words[max(0, hit.at - self.cues.hypothetical_reach): hit.at]
            if any(w in frame.get("hypothetical", frozenset()) for w in reach):
                if now:
                    return Verdict(tuple(hits), True)
                continue
            # "majikan yang (suka) memukul pekerja": a relative clause describes someone, it reports nothing.
            relative = any(w in frame.get("relative", frozenset()) for w in words[max(0, hit.at - 2): hit.at])
            generic = bool(present & frame.get("generic", frozenset()))
            if (framed or relative or generic) and not (near or now):
                continue
            return Verdict(tuple(hits), True)
        return Verdict(tuple(hits), False)


def _opened(word: str, starts: dict[str, tuple[Pattern, ...]]) -> tuple[Pattern, ...]:
    """The patterns whose first slot the word (or it without suffixes) fills."""
    found: dict[int, Pattern] = {}
    for form in _strip_suffixes(word):
        for pattern in starts.get(form, ()):
            found[id(pattern)] = pattern
    return tuple(found.values())


def _fits(word: str, slot: frozenset[str]) -> bool:
    """The word, or the word without its suffixes ("dadanya" -> "dada"), is in the slot."""
    return word in slot or any(form in slot for form in _strip_suffixes(word))


def _asks_if_allowed(words: Sequence[str], negations: frozenset[str]) -> bool:
    """"boleh gak?", "boleh tidak", "boleh?" at the end: a question whether something is allowed."""
    for i, word in enumerate(words):
        if word != "boleh":
            continue
        if (i + 1 < len(words) and words[i + 1] in negations) or i == len(words) - 1:
            return True
    return False


@lru_cache(maxsize=4)
def recogniser(path: Path = INTENTS_FILE) -> DangerRecogniser:
    """The shared recogniser over the bundled cues."""
    return DangerRecogniser(load_danger_cues(path))


def judge_streams(streams: Iterable[Sequence[str]]) -> Verdict:
    """Judge each reading of a message (raw words, corrected words); the first that finds danger wins."""
    best = Verdict()
    for words in streams:
        verdict = recogniser().judge(words)
        if verdict.in_danger:
            return verdict
        if verdict.hits and not best.hits:
            best = verdict
    return best
