"""Eager-scored postings indexes over normalised phrasings: word BM25 and character-trigram TF-IDF (pure)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

BM25_K1 = 1.2
BM25_B = 0.6


@dataclass(frozen=True)
class Postings:
    """Term → (row indices, precomputed weights), plus each term's IDF."""

    rows: dict[str, np.ndarray]
    weights: dict[str, np.ndarray]
    idf: dict[str, float]
    n_rows: int  # size of the score vector (with any padding of the layout)
    max_idf: float
    n_docs: int  # documents actually indexed


def _finish(
    row_ids: dict[str, list[int]], row_weights: dict[str, list[float]], idf: dict[str, float], n_rows: int
) -> Postings:
    return Postings(
        rows={t: np.asarray(r, dtype=np.int32) for t, r in row_ids.items()},
        weights={t: np.asarray(w, dtype=np.float32) for t, w in row_weights.items()},
        idf=idf,
        n_rows=n_rows,
        max_idf=max(idf.values(), default=1.0),
        n_docs=n_rows,
    )


def build_bm25(docs: Sequence[Sequence[str]], *, k1: float = BM25_K1, b: float = BM25_B) -> Postings:
    """Index token lists with Okapi BM25 weights (IDF with the +1 smoothing of Lucene)."""
    n = len(docs)
    avgdl = (sum(len(d) for d in docs) / n) if n else 1.0
    df: Counter[str] = Counter()
    for doc in docs:
        df.update(set(doc))
    idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
    row_ids: dict[str, list[int]] = {}
    row_weights: dict[str, list[float]] = {}
    for i, doc in enumerate(docs):
        norm = k1 * (1 - b + b * len(doc) / (avgdl or 1.0))
        for term, tf in Counter(doc).items():
            row_ids.setdefault(term, []).append(i)
            row_weights.setdefault(term, []).append(idf[term] * tf * (k1 + 1) / (tf + norm))
    return _finish(row_ids, row_weights, idf, n)


def char_grams(tokens: Sequence[str], n: int = 3) -> Counter[str]:
    """Character n-grams of the tokens, each padded with '#' so word edges count."""
    grams: Counter[str] = Counter()
    for token in tokens:
        padded = f"#{token}#"
        if len(padded) <= n:
            grams[padded] += 1
            continue
        grams.update(padded[i : i + n] for i in range(len(padded) - n + 1))
    return grams


def build_char(docs: Sequence[Sequence[str]]) -> Postings:
    """Index token lists by L2-normalised TF-IDF of character trigrams."""
    n = len(docs)
    grams = [char_grams(doc) for doc in docs]
    df: Counter[str] = Counter()
    for g in grams:
        df.update(g.keys())
    idf = {t: math.log((n + 1) / (f + 1)) + 1.0 for t, f in df.items()}
    row_ids: dict[str, list[int]] = {}
    row_weights: dict[str, list[float]] = {}
    for i, g in enumerate(grams):
        vec = {t: (1 + math.log(c)) * idf[t] for t, c in g.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        for t, v in vec.items():
            row_ids.setdefault(t, []).append(i)
            row_weights.setdefault(t, []).append(v / norm)
    return _finish(row_ids, row_weights, idf, n)


def regroup(postings: Postings, new_row_of: np.ndarray, n_rows: int) -> Postings:
    """Renumber the rows (e.g. into a slot-major layout) keeping every weight."""
    return Postings(
        rows={t: new_row_of[r].astype(np.int32) for t, r in postings.rows.items()},
        weights=postings.weights,
        idf=postings.idf,
        n_rows=n_rows,
        max_idf=postings.max_idf,
        n_docs=postings.n_docs,
    )


def score_rows(postings: Postings, query_weights: dict[str, float]) -> np.ndarray:
    """Sum weight × query weight over the query's terms for every row (zeros for rows with no term)."""
    rows, weights = [], []
    for term, qw in query_weights.items():
        r = postings.rows.get(term)
        if r is not None:
            rows.append(r)
            weights.append(postings.weights[term] * qw)
    if not rows:
        return np.zeros(postings.n_rows, dtype=np.float64)
    return np.bincount(np.concatenate(rows), np.concatenate(weights), minlength=postings.n_rows)


def char_query_weights(postings: Postings, tokens: Sequence[str], *, max_share: float = 0.02) -> dict[str, float]:
    """The query's L2-normalised TF-IDF trigram vector (unknown grams count in the norm).

    Grams found in more than `max_share` of the rows are left out of the scoring (not of the norm):
    their postings are the longest and their weight the smallest, so skipping them keeps a query
    well under a millisecond at 2,000 entries while barely moving the ranking.
    """
    grams = char_grams(tokens)
    vec = {t: (1 + math.log(c)) * postings.idf.get(t, postings.max_idf) for t, c in grams.items()}
    norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
    limit = max(50, int(postings.n_docs * max_share))
    return {t: v / norm for t, v in vec.items() if t in postings.rows and len(postings.rows[t]) <= limit}
