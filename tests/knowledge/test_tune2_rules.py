"""General rules from the tune2 round: a weak country entry yields to the general one of its aspect, known words
are never 'corrected', ages given as numbers, jobs inside Indonesia, English messages without danger words."""

from __future__ import annotations

import pytest

from knowledge.aspects import load_aspects
from knowledge.lexicon import load_lexicon
from knowledge.schema import CountryDoc, EntryDoc
from knowledge.snapshot import Snapshot, build_snapshot
from tests.knowledge.conftest import MINI_COUNTRIES, MINI_ENTRIES, entry

ASPECT_ENTRIES = [
    entry("hak-taiwan", "Apa hak pekerja rumah tangga di Taiwan?",
          ["hak prt di taiwan", "libur dan cuti di taiwan", "aturan kerja di taiwan"],
          "Di Taiwan PRT berhak libur sehari seminggu.", countries=["TW"], topic="country", aspect="hak"),
    entry("upah-tertunggak", "Apa yang harus dilakukan kalau upah tidak dibayar majikan?",
          ["upah belum dibayar majikan", "majikan tidak membayar upah", "upah ditahan berbulan bulan"],
          "Catat bulan yang belum dibayar, lapor ke KDEI atau BP2MI.", topic="rights", aspect="hak"),
]


@pytest.fixture(scope="module")
def aspect_snapshot() -> Snapshot:
    """The mini knowledge base plus a country card and a general entry on the same aspect."""
    entries = [EntryDoc.model_validate(e) for e in [*MINI_ENTRIES, *ASPECT_ENTRIES]]
    countries = [CountryDoc.model_validate(c) for c in MINI_COUNTRIES]
    return build_snapshot(entries, countries, lexicon=load_lexicon())


def test_a_weak_country_card_yields_to_the_general_entry_of_its_aspect(aspect_snapshot: Snapshot) -> None:
    result = aspect_snapshot.match("majikan saya belum membayar upah saya", country="TW")
    assert result.entry_id == "upah-tertunggak" or "upah-tertunggak" in result.options, result
    assert result.entry_id != "hak-taiwan", result


@pytest.mark.parametrize(("country", "line"), [("TW", "1955"), ("HK", "+852 2157 9537")])
def test_unpaid_wages_with_a_country_in_context_get_where_to_report_there(
    seed_snapshot: Snapshot, country: str, line: str
) -> None:
    # The country's rights entry now says where to report unpaid pay there: it may answer (ASPECT of COUNTRY);
    # whichever entry answers, on the rights aspect, must carry that country's line.
    result = seed_snapshot.match("bos ga ngasih upah", country=country)
    assert result.decision == "answer", result
    assert result.entry_id in {"gaji-tidak-dibayar", f"hak-{'taiwan' if country == 'TW' else 'hongkong'}"}, result
    assert line in seed_snapshot.entries[result.entry_id].texts["id"].answer, result.entry_id


@pytest.mark.parametrize("word", ["surabaya", "semarang", "batam", "medan"])
def test_places_in_indonesia_are_neither_corrected_nor_stemmed(seed_snapshot: Snapshot, word: str) -> None:
    # Each is one or two letters from a content word (suratnya, sekarang, batas) or looks affixed (me-dan).
    tokens = seed_snapshot.matcher.normalizer.analyse(f"kantor imigrasi di {word}").tokens
    assert word in tokens, tokens


def test_a_protected_word_is_not_the_root_of_an_english_word_by_a_prefix(seed_snapshot: Snapshot) -> None:
    # "keeps" is not ke- + the Korean scheme "eps"; Indonesian affixes still strip ("dibayar" is "bayar").
    normalizer = seed_snapshot.matcher.normalizer
    assert "eps" not in normalizer.analyse("the agent keeps asking for money").tokens
    assert "eps" not in normalizer.analyse("she keeps my documents").tokens
    assert "bayar" in normalizer.analyse("ongkosnya dibayarin siapa").tokens


@pytest.mark.parametrize("message", [
    "ada lowongan pengasuh bayi di surabaya?",
    "loker supir di bekasi",
    "cari kerja di medan yang gajinya besar",
    "job vacancy for a cook in jakarta",
])
def test_a_job_inside_indonesia_is_out_of_scope(seed_snapshot: Snapshot, message: str) -> None:
    for country in (None, "TW"):
        result = seed_snapshot.match(message, country=country)
        assert result.decision == "fallback", (country, result)


@pytest.mark.parametrize("message", [
    "saya dari jawa timur, mau kerja ke taiwan syaratnya apa",
    "asal lampung, mau kerja di malaysia, gajinya berapa",
])
def test_a_place_one_comes_from_keeps_the_question_in_scope(seed_snapshot: Snapshot, message: str) -> None:
    assert seed_snapshot.match(message).decision != "fallback"


@pytest.mark.parametrize(("tokens", "aspect"), [
    (("saya", "25", "tahun", "boleh", "kerja"), "umur"),
    (("im", "19", "years", "old"), "umur"),
    (("kontrak", "2", "tahun"), "kontrak"),
])
def test_an_age_given_as_a_number_names_the_age_aspect(tokens: tuple[str, ...], aspect: str) -> None:
    found = load_aspects().find(tokens)
    assert found[:1] == (aspect,), found


@pytest.mark.parametrize("message", ["umurku 19 tahun, boleh daftar jadi pmi?", "kalau usia 45 tahun masih bisa berangkat?"])
def test_an_age_question_without_a_country_gets_the_general_age_entry(seed_snapshot: Snapshot, message: str) -> None:
    result = seed_snapshot.match(message)
    chosen = [result.entry_id] if result.entry_id else list(result.options)
    assert chosen[:1] == ["usia-minimum"], result


def test_english_grammar_words_do_not_pull_an_ordinary_question_to_the_emergency_entry(seed_snapshot: Snapshot) -> None:
    # "i am …" shares only "am" with the emergency entry's "i am in danger": no emergency among the options.
    result = seed_snapshot.match("i am a cook, how do i get a job overseas")
    assert not result.emergency and "darurat" not in [e for e, _s in result.candidates[:3]], result
    assert seed_snapshot.match("i am in danger, please help me").emergency
