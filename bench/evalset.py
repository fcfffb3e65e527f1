"""Shared by the benchmarks: read an eval set (shared/eval format) and score a matcher's turns like eval.py does."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_SET = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "dev.jsonl"


@dataclass(frozen=True)
class Outcome:
    """What a system did with one turn: decision and reply body text."""

    decision: str
    text: str = ""


@dataclass
class Score:
    """Counts per kind (in-scope, out-of-scope, emergency, handoff, greeting) and per tag."""

    kinds: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    tags: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    failures: list[str] = field(default_factory=list)

    def pct(self, kind: str, result: str) -> float:
        """Share of `kind` turns with `result`, in percent."""
        total = sum(self.kinds[kind].values())
        return 100.0 * self.kinds[kind][result] / total if total else 0.0

    def summary(self) -> dict[str, object]:
        """The same summary keys shared/tools/eval.py prints."""
        k = self.kinds

        def ok(kind: str) -> str:
            return f"{k[kind]['correct']}/{sum(k[kind].values())}"

        return {
            "in_scope_correct_pct": round(self.pct("in-scope", "correct"), 1),
            "in_scope_wrong_pct": round(self.pct("in-scope", "wrong"), 1),
            "in_scope_clarify_pct": round(self.pct("in-scope", "clarify"), 1),
            "oos_refused_pct": round(self.pct("out-of-scope", "refused"), 1),
            "oos_false_answer_pct": round(self.pct("out-of-scope", "false-answer"), 1),
            "emergency_ok": ok("emergency"),
            "handoff_ok": ok("handoff"),
            "greeting_ok": ok("greeting"),
        }


def load_cases(path: Path) -> list[dict]:
    """Read the cases of an eval set."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def classify(expect: dict, outcome: Outcome) -> tuple[str, str]:
    """Classify a turn exactly as shared/tools/eval.py does."""
    allowed = expect.get("decision", [])
    got, text = outcome.decision, outcome.text.lower()
    must_ok = all(any(s.lower() in text for s in group) for group in expect.get("must", []))
    if "answer" in allowed:
        result = ("correct" if must_ok else "wrong") if got == "answer" else "clarify" if got == "clarify" else "miss"
        return "in-scope", result
    if "emergency" in allowed:
        return "emergency", "correct" if got == "emergency" and must_ok else "wrong"
    if "handoff" in allowed:
        return "handoff", "correct" if got == "handoff" else "wrong"
    if allowed == ["menu"]:
        return "greeting", "correct" if got == "menu" else "wrong"
    if got in allowed or got in ("fallback", "menu", "handoff"):
        return "out-of-scope", "refused"
    return "out-of-scope", "soft" if got == "clarify" else "false-answer" if got == "answer" else "other"


def score(cases: Iterable[dict], run_case: Callable[[dict], list[Outcome]]) -> Score:
    """Run every case through `run_case` (one Outcome per turn) and count the results."""
    result = Score()
    for case in cases:
        outcomes = run_case(case)
        for turn, outcome in zip(case["turns"], outcomes, strict=True):
            if "expect" not in turn:
                continue
            kind, res = classify(turn["expect"], outcome)
            result.kinds[kind][res] += 1
            for tag in case.get("tags") or ["plain"]:
                result.tags[tag][(kind, res)] += 1  # type: ignore[index]
            if res not in ("correct", "refused"):
                result.failures.append(f"{case['id']} {kind}/{res} [{outcome.decision}] {turn.get('text')!r}")
    return result
