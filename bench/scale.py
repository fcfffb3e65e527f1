"""Matcher scale: index build time, match latency and memory with a synthetic 2,000 × 8 knowledge base.

usage: python bench/scale.py [--entries 2000] [--phrasings 8] [--queries 2000]

Prints our matcher's numbers beside a baseline measured in the same run on the same data:
rapidfuzz process.extractOne (WRatio, default_process) over every phrasing, the naive approach.
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import statistics
import sys
import time

from rapidfuzz import process, utils

from knowledge.lexicon import load_lexicon
from knowledge.schema import CountryDoc, EntryDoc
from knowledge.snapshot import build_snapshot

# Domain words so the synthetic base looks like ours to the normaliser (known words, real lexicon).
WORDS = ["gaji", "syarat", "paspor", "visa", "biaya", "kontrak", "majikan", "agen", "dokumen", "ktp", "kartu", "keluarga", "akta", "surat", "izin", "suami", "istri", "sehat", "pemeriksaan", "pelatihan", "sertifikat", "bpjs", "iuran", "jaminan", "kecelakaan", "kematian", "lowongan", "resmi", "daftar", "perusahaan", "penempatan", "pengaduan", "lapor", "penipuan", "calo", "utang", "pinjaman", "bunga", "bank", "kur", "orientasi", "keberangkatan", "bahasa", "ujian", "kerja", "pabrik", "perawat", "lansia", "rumah", "tangga", "kapal", "nelayan", "konstruksi", "pertanian", "hotel", "restoran", "libur", "lembur", "cuti", "asuransi", "pulang", "perpanjang", "kantor", "imigrasi", "disnaker", "ltsa", "pelindungan", "hak", "kewajiban", "umur", "minimal", "maksimal", "pendidikan", "ijazah", "sekolah"]
QUESTION_WORDS = ["apa", "bagaimana", "berapa", "kapan", "dimana", "siapa", "apakah", "bisakah"]
COUNTRIES = [("TW", "taiwan"), ("HK", "hongkong"), ("MY", "malaysia"), ("KR", "korea"), ("JP", "jepang"),
             ("SG", "singapura"), ("SA", "arab saudi"), ("DE", "jerman")]


def synthetic(n_entries: int, n_phrasings: int, rng: random.Random) -> tuple[list[EntryDoc], list[CountryDoc]]:
    """Entries whose phrasings are random domain-word questions, some tied to a country."""
    entries = []
    for i in range(n_entries):
        topic_words = rng.sample(WORDS, 3)
        country = rng.choice(COUNTRIES) if rng.random() < 0.3 else None

        def phrase(topic_words: list[str] = topic_words, country: tuple[str, str] | None = country) -> str:
            words = [rng.choice(QUESTION_WORDS), *rng.sample(topic_words, 2), *rng.sample(WORDS, rng.randint(0, 3))]
            if country:
                words.append(country[1])
            rng.shuffle(words)
            return " ".join(words)

        phrasings = [phrase() for _ in range(n_phrasings - 1)]
        entries.append(EntryDoc.model_validate({
            "id": f"e{i:05d}", "topic": "documents", "status": "published",
            "countries": [country[0]] if country else [],
            "texts": {"id": {"question": phrase(), "phrasings": phrasings, "answer": " ".join(rng.sample(WORDS, 12))},
                      "en": {"question": f"question {i}", "phrasings": [], "answer": "answer text here"}},
            "sources": [{"url": "https://example.go.id/x", "title": "x"}],
            "reviewed_at": "2026-11-24", "review_due": "2027-05-24",
        }))
    countries = [CountryDoc(code=c, names={"id": n}, aliases=[n]) for c, n in COUNTRIES]
    return entries, countries


def queries(entries: list[EntryDoc], n: int, rng: random.Random) -> list[str]:
    """Realistic-length queries: a phrasing with a word dropped or a typo, or unrelated text."""
    out = []
    for _ in range(n):
        if rng.random() < 0.15:
            out.append(" ".join(rng.choice(["resep", "bola", "emas", "harga", "cuaca", "film"]) for _ in range(3)))
            continue
        text = rng.choice(rng.choice(entries).texts["id"].phrasings).split()
        if len(text) > 2 and rng.random() < 0.5:
            text.pop(rng.randrange(len(text)))
        if rng.random() < 0.3:
            i = rng.randrange(len(text))
            word = text[i]
            if len(word) > 4:
                j = rng.randrange(1, len(word) - 1)
                text[i] = word[:j] + word[j + 1 :]
        out.append(" ".join(text))
    return out


def percentiles(samples: list[float]) -> tuple[float, float]:
    """(p50, p99) in milliseconds."""
    ms = sorted(s * 1000 for s in samples)
    return statistics.median(ms), ms[min(len(ms) - 1, int(len(ms) * 0.99))]


def rss_mb() -> float:
    """Peak resident set size of this process, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    """Build, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--phrasings", type=int, default=8)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    lexicon = load_lexicon()
    rss_before = rss_mb()
    entries, countries = synthetic(args.entries, args.phrasings, rng)
    qs = queries(entries, args.queries, rng)
    gc.collect()
    start = time.perf_counter()
    snapshot = build_snapshot(entries, countries, lexicon=lexicon)
    build = time.perf_counter() - start
    n_entries, n_rows = snapshot.matcher.size
    for q in qs[:50]:  # warm the normaliser's caches like a running worker's
        snapshot.match(q)
    ours, ours_cpu = [], []
    for q in qs:
        t, c = time.perf_counter(), time.thread_time()
        snapshot.match(q)
        ours.append(time.perf_counter() - t)
        ours_cpu.append(time.thread_time() - c)
    rss_after = rss_mb()

    choices = [utils.default_process(p) for e in entries for p in (e.texts["id"].question, *e.texts["id"].phrasings)]
    base, base_cpu = [], []
    for q in qs[: min(len(qs), 300)]:
        t, c = time.perf_counter(), time.thread_time()
        process.extractOne(utils.default_process(q), choices)
        base.append(time.perf_counter() - t)
        base_cpu.append(time.thread_time() - c)

    p50, p99 = percentiles(ours)
    b50, b99 = percentiles(base)
    c50, c99 = percentiles(ours_cpu)
    d50, d99 = percentiles(base_cpu)
    print(f"synthetic knowledge base: {n_entries} entries, {n_rows} indexed phrasings; {len(qs)} queries")
    print(f"index build: {build:.2f} s")
    print(f"matcher:                      p50 {p50:.3f} ms  p99 {p99:.3f} ms")
    print(f"baseline extractOne (WRatio): p50 {b50:.3f} ms  p99 {b99:.3f} ms  (n={len(base)})")
    # CPU time of the matching thread: what the match costs, without the waits of a machine shared with others.
    print(f"matcher CPU time:             p50 {c50:.3f} ms  p99 {c99:.3f} ms")
    print(f"baseline CPU time:            p50 {d50:.3f} ms  p99 {d99:.3f} ms")
    print(f"peak RSS: {rss_after:.0f} MB (before building: {rss_before:.0f} MB)")
    print("targets (design §9): p50 <= 0.5 ms, p99 <= 2 ms, build <= 3 s, RSS <= 200 MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
