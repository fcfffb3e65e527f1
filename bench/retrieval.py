"""Retrieval quality and latency on an eval set: our matcher beside baselines B0, B1 and B2, in one run.

usage: python bench/retrieval.py [SET.jsonl] [--failures]

B0: rapidfuzz process.extractOne with its defaults (WRatio, no processor) over all phrasings; always answers.
B1: token_set_ratio with default_process and the best cutoff found on this set.
B2: plain BM25 over lower-cased tokens, top-1 with the best cutoff found on this set.
The matcher runs as the conversation uses it: emergency, person request and greeting rules first, and the
country named in an earlier turn as context.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

from rapidfuzz import fuzz, process, utils

sys.path.insert(0, str(Path(__file__).resolve().parent))
from evalset import DEFAULT_SET, Outcome, Score, load_cases, score

from knowledge import index as ix
from knowledge.loader import load_seed
from knowledge.render import render_answer
from knowledge.snapshot import Snapshot, build_snapshot


def matcher_system(snapshot: Snapshot, latencies: list[float]):
    """Run a case through the matcher the way the conversation does (rules first, country context)."""

    def run(case: dict) -> list[Outcome]:
        country: str | None = None
        lang = case.get("lang", "id")
        outcomes = []
        for turn in case["turns"]:
            start = time.perf_counter()
            result = snapshot.match(turn.get("text", ""), country=country)
            latencies.append(time.perf_counter() - start)
            if result.countries:
                country = result.countries[0]
            if result.emergency:
                outcomes.append(Outcome("emergency", render_answer(snapshot.entries["darurat"], lang)))
            elif result.greeting:
                outcomes.append(Outcome("menu"))
            elif result.handoff:
                outcomes.append(Outcome("handoff"))
            elif result.decision == "answer" and result.entry_id:
                outcomes.append(Outcome("answer", render_answer(snapshot.entries[result.entry_id], lang)))
            else:
                outcomes.append(Outcome(result.decision))
        return outcomes

    return run


def _rows(snapshot: Snapshot) -> tuple[list[str], list[str]]:
    texts, owners = [], []
    for entry in snapshot.entries.values():
        for text in entry.texts.values():
            for piece in (text.question, *text.phrasings):
                texts.append(piece)
                owners.append(entry.id)
    return texts, owners


def baseline_system(snapshot: Snapshot, pick, cutoff: float | None):
    """A baseline that answers with the entry `pick(text)` names when its score clears `cutoff`."""

    def run(case: dict) -> list[Outcome]:
        lang = case.get("lang", "id")
        outcomes = []
        for turn in case["turns"]:
            entry_id, value = pick(turn.get("text", ""))
            if entry_id and (cutoff is None or value >= cutoff):
                outcomes.append(Outcome("answer", render_answer(snapshot.entries[entry_id], lang)))
            else:
                outcomes.append(Outcome("fallback"))
        return outcomes

    return run


def b0(snapshot: Snapshot):
    texts, owners = _rows(snapshot)

    def pick(text: str) -> tuple[str | None, float]:
        found = process.extractOne(text, texts)
        return (owners[found[2]], found[1]) if found else (None, 0.0)

    return pick


def b1(snapshot: Snapshot):
    texts, owners = _rows(snapshot)
    processed = [utils.default_process(t) for t in texts]

    def pick(text: str) -> tuple[str | None, float]:
        found = process.extractOne(utils.default_process(text), processed, scorer=fuzz.token_set_ratio)
        return (owners[found[2]], found[1]) if found else (None, 0.0)

    return pick


def b2(snapshot: Snapshot):
    texts, owners = _rows(snapshot)

    def tok(text: str) -> list[str]:
        return re.findall(r"\w+", text.lower())

    postings = ix.build_bm25([tok(t) for t in texts])

    def pick(text: str) -> tuple[str | None, float]:
        scores = ix.score_rows(postings, dict.fromkeys(tok(text), 1.0))
        best = int(scores.argmax()) if len(scores) else 0
        return (owners[best], float(scores[best])) if len(scores) and scores[best] > 0 else (None, 0.0)

    return pick


def tuned(snapshot: Snapshot, cases: list[dict], pick, grid: list[float]) -> tuple[float, Score]:
    """The cutoff with the best 'correct − 3 × wrong + refused' on the set: the baseline's best showing."""
    cache: dict[str, tuple[str | None, float]] = {}

    def cached(text: str) -> tuple[str | None, float]:
        if text not in cache:
            cache[text] = pick(text)
        return cache[text]

    best: tuple[float, float, Score] | None = None
    for cutoff in grid:
        s = score(cases, baseline_system(snapshot, cached, cutoff))
        value = s.kinds["in-scope"]["correct"] - 3 * s.kinds["in-scope"]["wrong"] + s.kinds["out-of-scope"]["refused"]
        if best is None or value > best[0]:
            best = (value, cutoff, s)
    assert best is not None
    return best[1], best[2]


def line(name: str, s: Score) -> str:
    """One result row."""
    return (f"{name:<24} in-scope correct {s.pct('in-scope', 'correct'):5.1f}%  clarify {s.pct('in-scope', 'clarify'):5.1f}%"
            f"  wrong {s.pct('in-scope', 'wrong'):5.1f}%  miss {s.pct('in-scope', 'miss'):5.1f}%   "
            f"oos refused {s.pct('out-of-scope', 'refused'):5.1f}%  false-answer {s.pct('out-of-scope', 'false-answer'):5.1f}%")


def main() -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("set", nargs="?", default=str(DEFAULT_SET))
    parser.add_argument("--failures", action="store_true", help="list every turn the matcher got wrong")
    args = parser.parse_args()
    cases = load_cases(Path(args.set))
    kb = load_seed()
    if not kb.ok:
        print("content problems:", *kb.problems[:5], sep="\n  ")
        return 1
    snapshot = build_snapshot(kb.entries, kb.countries)
    latencies: list[float] = []
    ours = score(cases, matcher_system(snapshot, latencies))
    base0 = score(cases, baseline_system(snapshot, b0(snapshot), None))
    cut1, base1 = tuned(snapshot, cases, b1(snapshot), [float(c) for c in range(50, 101, 5)])
    cut2, base2 = tuned(snapshot, cases, b2(snapshot), [x / 2 for x in range(0, 41)])
    print(f"eval set: {args.set}  ({len(cases)} cases; {len(snapshot.entries)} published entries)")
    print(line("matcher", ours))
    print(line("B0 extractOne defaults", base0))
    print(line(f"B1 token_set >= {cut1:.0f}", base1))
    print(line(f"B2 BM25 >= {cut2:.1f}", base2))
    k = ours.kinds
    print(f"matcher rules: emergency {k['emergency']['correct']}/{sum(k['emergency'].values())}  "
          f"person request {k['handoff']['correct']}/{sum(k['handoff'].values())}  "
          f"greeting {k['greeting']['correct']}/{sum(k['greeting'].values())}")
    print("per tag (matcher, in-scope correct / in-scope n; oos refused / oos n):")
    for tag, counter in sorted(ours.tags.items()):
        n_in = sum(v for (kind, _), v in counter.items() if kind == "in-scope")
        n_oos = sum(v for (kind, _), v in counter.items() if kind == "out-of-scope")
        parts = []
        if n_in:
            parts.append(f"{counter[('in-scope', 'correct')]}/{n_in}")
        if n_oos:
            parts.append(f"oos {counter[('out-of-scope', 'refused')]}/{n_oos}")
        if parts:
            print(f"  {tag:<12} " + "  ".join(parts))
    ms = sorted(x * 1000 for x in latencies)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    print(f"matcher latency per turn: p50 {statistics.median(ms):.3f} ms  p99 {p99:.3f} ms  (n={len(ms)})")
    if args.failures:
        print("failures:", *ours.failures, sep="\n  ")
    import json

    print("SUMMARY " + json.dumps(ours.summary()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
