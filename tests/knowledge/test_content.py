"""The bundled knowledge base covers the content spec, and every published entry is sourced, dated, bilingual."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge.lexicon import load_lexicon
from knowledge.loader import load_seed
from knowledge.normalize import Normalizer
from knowledge.render import render_answer
from knowledge.schema import MAX_ANSWER_CHARS

KB = load_seed()
PUBLISHED = [e for e in KB.entries if e.status == "published"]
DEV_SET = Path(__file__).resolve().parents[3] / "shared" / "eval" / "dev.jsonl"

# Sections A–F of shared/content-spec.md, by slug.
REQUIRED = """
tentang-layanan desmigratif komunitas-parenting usaha-produktif koperasi pmi-definisi hak-pmi kewajiban-pmi
syarat-umum usia-minimum dokumen-wajib
ktp-kk akta-kelahiran surat-status-perkawinan surat-izin-keluarga paspor-pmi pemeriksaan-kesehatan
sertifikat-kompetensi bpjs-pmi visa-kerja perjanjian-penempatan perjanjian-kerja opp id-pmi
langkah-resmi ltsa skema-penempatan pmi-mandiri lowongan-resmi
biaya-penempatan kur-pmi
cek-p3mi ciri-penipuan tppo paspor-ditahan gaji-tidak-dibayar pengaduan nonprosedural darurat
""".split()
# Section G: every destination with its card, and the focused entries of the main ones.
DESTINATIONS = {"MY", "TW", "HK", "SG", "KR", "JP", "SA", "DE", "BN", "PL", "TR", "AE", "IT"}
FOCUSED = {"MY": "gaji-malaysia", "TW": "gaji-taiwan", "HK": "gaji-hongkong", "SG": "syarat-singapura",
           "KR": "syarat-korea", "JP": "syarat-jepang", "SA": "syarat-arab-saudi", "DE": "syarat-jerman"}


def test_content_check_is_clean() -> None:
    assert [str(p) for p in KB.problems] == []


@pytest.mark.parametrize("slug", REQUIRED)
def test_every_spec_item_has_a_published_entry(slug: str) -> None:
    assert slug in {e.id for e in PUBLISHED}


def test_every_destination_has_a_card_and_focused_entries() -> None:
    published = {e.id for e in PUBLISHED}
    countries = {c.code: c for c in KB.countries}
    assert set(countries) == DESTINATIONS
    for code, country in countries.items():
        assert country.card in published, code
        assert all(s in published for s in country.sections), code
    for code, slug in FOCUSED.items():
        assert slug in countries[code].sections


@pytest.mark.parametrize("entry", PUBLISHED, ids=lambda e: e.id)
def test_published_entry_is_sourced_dated_and_bilingual(entry) -> None:
    assert entry.sources and all(s.url.startswith("https://") or s.url.startswith("http://") for s in entry.sources)
    assert entry.reviewed_at and entry.review_due > entry.reviewed_at
    assert set(entry.texts) == {"id", "en"}
    for lang, text in entry.texts.items():
        assert 3 <= len(text.phrasings) <= 10 or lang == "en"
        assert len(text.answer) <= MAX_ANSWER_CHARS
        rendered = render_answer(entry, lang)
        assert rendered.splitlines()[-1].startswith("📄 " + ("Sumber:" if lang == "id" else "Source:"))


def test_emergency_message_gives_hotline_numbers() -> None:
    darurat = next(e for e in PUBLISHED if e.id == "darurat")
    for lang in ("id", "en"):
        assert "0800-1000" in darurat.texts[lang].answer


@pytest.mark.skipif(not DEV_SET.exists(), reason="shared/eval/dev.jsonl is not beside the repository")
def test_no_dev_set_message_is_pasted_as_a_phrasing() -> None:
    """The dev set measures the matcher; its messages must not be in the knowledge base as phrasings."""
    normalizer = Normalizer(load_lexicon())
    phrasings = {" ".join(normalizer.base_tokens(p)) for e in KB.entries for t in e.texts.values()
                 for p in (t.question, *t.phrasings)}
    with DEV_SET.open(encoding="utf-8") as handle:
        messages = [t["text"] for line in handle if line.strip() for t in json.loads(line)["turns"] if "text" in t]
    pasted = [m for m in messages if len(m.split()) > 2 and " ".join(normalizer.base_tokens(m)) in phrasings]
    assert pasted == []
