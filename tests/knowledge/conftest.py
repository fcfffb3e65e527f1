"""A small, fixed knowledge base for matcher tests, independent of the evolving seed content."""

from __future__ import annotations

from typing import Any

import pytest

from knowledge.lexicon import load_lexicon
from knowledge.schema import CountryDoc, EntryDoc
from knowledge.snapshot import Snapshot, build_snapshot

SOURCE = [{"url": "https://example.go.id/page", "title": "Contoh", "date": "2025-01-01"}]


def entry(entry_id: str, question: str, phrasings: list[str], answer: str, *, countries: list[str] | None = None,
          topic: str = "documents", en: tuple[str, list[str], str] | None = None, **extra: Any) -> dict[str, Any]:
    """A published entry document as content files spell it."""
    texts: dict[str, Any] = {"id": {"question": question, "phrasings": phrasings, "answer": answer}}
    en_q, en_p, en_a = en or (f"EN {question}", [f"en {p}" for p in phrasings[:3]], f"EN {answer}")
    texts["en"] = {"question": en_q, "phrasings": en_p, "answer": en_a}
    return {"id": entry_id, "topic": topic, "countries": countries or [], "status": "published", "texts": texts,
            "sources": SOURCE, "reviewed_at": "2026-11-24", "review_due": "2027-05-24", **extra}


MINI_ENTRIES = [
    entry("paspor-pmi", "Bagaimana cara membuat paspor untuk pekerja migran?",
          ["cara membuat paspor pmi", "syarat bikin paspor di kantor imigrasi", "paspor pekerja migran"],
          "Paspor dibuat di Kantor Imigrasi, daftar lewat aplikasi M-Paspor.",
          en=("How do I get a passport as a migrant worker?", ["passport for migrant workers", "apply passport"],
              "Apply at the immigration office through the M-Paspor app.")),
    entry("biaya-paspor", "Berapa biaya paspor untuk pekerja migran?",
          ["biaya paspor pmi", "paspor pmi bayar berapa", "harga paspor pekerja migran"],
          "Paspor pertama untuk PMI Rp0.", topic="costs"),
    entry("ktp-kk", "Bagaimana mengurus KTP dan kartu keluarga?",
          ["cara mengurus ktp", "bikin kartu keluarga", "ktp hilang"],
          "KTP dan KK diurus di Dukcapil, gratis."),
    entry("syarat-umum", "Apa saja persyaratan menjadi pekerja migran?",
          ["syarat menjadi pmi", "persyaratan kerja ke luar negeri", "syarat umum pmi"],
          "Berusia minimal 18 tahun, sehat, punya kompetensi.", topic="requirements"),
    entry("gaji-taiwan", "Berapa gaji pekerja migran di Taiwan?",
          ["gaji di taiwan", "upah minimum taiwan", "gaji taiwan berapa"],
          "Upah minimum Taiwan NT$28.590.", countries=["TW"], topic="country"),
    entry("gaji-hongkong", "Berapa gaji pekerja rumah tangga di Hong Kong?",
          ["gaji di hongkong", "upah minimum hongkong", "gaji hongkong berapa"],
          "Upah minimum pekerja rumah tangga HK$5.100.", countries=["HK"], topic="country"),
    entry("darurat", "Nomor darurat pekerja migran", ["nomor darurat", "hotline darurat", "minta tolong darurat"],
          "Hubungi 0800-1000.", topic="safety"),
]
MINI_COUNTRIES = [
    {"code": "TW", "names": {"id": "Taiwan", "en": "Taiwan"}, "aliases": ["taiwan", "formosa"]},
    {"code": "HK", "names": {"id": "Hong Kong", "en": "Hong Kong"}, "aliases": ["hong kong", "hongkong", "hk"]},
]


@pytest.fixture(scope="session")
def mini_snapshot() -> Snapshot:
    """A snapshot of the small fixed knowledge base, with the real lexicon."""
    entries = [EntryDoc.model_validate(e) for e in MINI_ENTRIES]
    countries = [CountryDoc.model_validate(c) for c in MINI_COUNTRIES]
    return build_snapshot(entries, countries, lexicon=load_lexicon())
