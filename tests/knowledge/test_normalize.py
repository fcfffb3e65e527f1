"""The normaliser: noise collapsed, lexicon applied, and every lexicon mapping holds."""

from __future__ import annotations

import pytest

from knowledge.lexicon import load_lexicon
from knowledge.normalize import Normalizer, clean, raw_tokens

LEXICON = load_lexicon()
VOCABULARY = frozenset(
    "bagaimana cara membuat paspor gaji berapa syarat dokumen kerja luar negeri taiwan hongkong pmi "
    "umur minimal sudah tidak saya mau biaya ktp daftar kartu keluarga persyaratan daftar mana".split()
)
NORMALIZER = Normalizer(LEXICON).with_vocabulary(VOCABULARY | frozenset(w for v in LEXICON.words.values() for w in v.split()))


def test_clean_drops_urls_emoji_and_punctuation() -> None:
    assert clean("Gaji TAIWAN?? 😀 lihat https://x.co/a!!") == "gaji taiwan lihat"


def test_hyphen_reduplication_collapses() -> None:
    assert raw_tokens("syarat-syarat ciri-ciri") == ["syarat", "ciri"]


def test_digit_two_reduplication_collapses_keeping_clitic() -> None:
    assert raw_tokens("syarat2 anak2nya") == ["syarat", "anaknya"]


def test_elongation_collapses() -> None:
    assert raw_tokens("gajiiii brpppp") == ["gaji", "brp"]


def test_number_glued_to_unit_splits() -> None:
    assert raw_tokens("20jt") == ["20", "jt"]


def test_codes_with_digits_stay_whole() -> None:
    assert raw_tokens("cek p3mi di siskop2mi") == ["cek", "p3mi", "di", "siskop2mi"]


def test_clitic_split_when_stem_known() -> None:
    assert NORMALIZER.analyse("gajinya").surface == ("gaji",)


def test_doubled_letter_typo_fixed_against_vocabulary() -> None:
    assert NORMALIZER.analyse("gajii").surface == ("gaji",)


def test_typo_corrected_against_vocabulary() -> None:
    analysis = NORMALIZER.analyse("pasport taiwna")
    assert analysis.surface == ("paspor", "taiwan")


def test_unknown_word_kept_and_counted() -> None:
    analysis = NORMALIZER.analyse("resep nasi goreng")
    assert analysis.unknown == ("resep", "nasi", "goreng")


def test_stem_reaches_known_root() -> None:
    assert NORMALIZER.tokens("persyaratan") == ("syarat",)


def test_question_words_never_stemmed_or_dropped() -> None:
    assert NORMALIZER.tokens("berapa") == ("berapa",)
    assert "tidak" in NORMALIZER.tokens("tidak")


def _map_rows() -> list[tuple[str, str, str]]:
    rows = [(LEXICON.sources.get(k, "?"), k, v) for k, v in LEXICON.words.items()]
    rows += [(LEXICON.sources.get(" ".join(k), "?"), " ".join(k), v) for k, v in LEXICON.phrases.items()]
    return rows


FULL = Normalizer(LEXICON)


@pytest.mark.parametrize(("file", "key", "value"), _map_rows(), ids=lambda x: str(x))
def test_every_lexicon_mapping_holds(file: str, key: str, value: str) -> None:
    """Each curated row maps its key to the standard form (the same tokens its value normalises to)."""
    assert FULL.base_tokens(key) == FULL.base_tokens(value), f"{file}: {key!r} should normalise like {value!r}"


def test_protected_words_are_never_corrected() -> None:
    for word in LEXICON.protected:
        if word.isalpha():
            assert NORMALIZER.analyse(word).surface in ((word,), tuple(LEXICON.words.get(word, word).split()))


# --- misspellings and SMS abbreviations of any word of the knowledge base (knowledge/spelling.py) -------------

SPELL_VOCABULARY = frozenset(
    "gaji paspor syarat kerja dokumen pemeriksaan kesehatan pelatihan sertifikat majikan kontrak lowongan "
    "perusahaan penempatan korea taiwan toko tokyo berangkat pulang".split()
)
SPELLER = Normalizer(LEXICON).with_vocabulary(SPELL_VOCABULARY)


@pytest.mark.parametrize(("typed", "meant"), [
    ("gji", "gaji"), ("pspr", "paspor"), ("syrt", "syarat"), ("dkmn", "dokumen"), ("sertifkt", "sertifikat"),
    ("pmeriksaan", "pemeriksaan"), ("lowngn", "lowongan"), ("kntrk", "kontrak"),
])
def test_vowel_dropped_words_of_the_content_are_recognised(typed: str, meant: str) -> None:
    analysis = SPELLER.analyse(typed)
    assert analysis.surface == (meant,)
    assert analysis.corrected == 1


@pytest.mark.parametrize(("typed", "meant"), [
    ("psapor", "paspor"), ("majkian", "majikan"), ("kesehtaan", "kesehatan"), ("agji", "gaji"),
    ("pelatiahn", "pelatihan"), ("perusahan", "perusahaan"), ("taiwna", "taiwan"),
])
def test_swapped_missing_or_extra_letters_are_fixed(typed: str, meant: str) -> None:
    assert SPELLER.analyse(typed).surface == (meant,)


@pytest.mark.parametrize(("typed", "meant"), [("syaraaat", "syarat"), ("kontrakk", "kontrak"), ("brpp", "berapa")])
def test_elongated_and_doubled_letters_collapse(typed: str, meant: str) -> None:
    assert SPELLER.analyse(typed).surface == (meant,)


@pytest.mark.parametrize("word", ["polisi", "nasi", "rendang", "kopi", "pesta", "sawah"])
def test_real_indonesian_words_are_never_corrected_into_domain_words(word: str) -> None:
    """`polisi` is not a typo of anything here: out-of-scope words must stay unknown."""
    analysis = SPELLER.analyse(word)
    assert analysis.surface == (word,)
    assert analysis.unknown == (word,)


def test_protected_words_and_countries_stay_themselves() -> None:
    assert SPELLER.analyse("toko korea").surface == ("toko", "korea")


def test_short_tokens_are_not_guessed() -> None:
    assert SPELLER.analyse("gj").unknown == ("gj",)


def test_an_ambiguous_abbreviation_corrects_nothing() -> None:
    """`krt` could be `kartu` or `kereta`: a tie corrects nothing rather than guessing."""
    speller = Normalizer(LEXICON).with_vocabulary(frozenset({"kartu", "kerta"}))
    assert speller.analyse("krt").unknown == ("krt",)


# --- Indonesian affixes and clitics beyond the lexicon (knowledge/stemming.py) ---------------------------------

STEMMER = Normalizer(LEXICON).with_vocabulary(frozenset("urus pulang tahan dipotong berikan dikurangi".split()))
STEMMER.tokens("dipotong berikan dikurangi")  # as the matcher does when it indexes the content: its roots become known


def test_an_unknown_word_keeps_its_form_unless_its_root_is_the_contents() -> None:
    """`mancing` has a dictionary root, but no content word shares it: the word stays, unknown to the index."""
    assert STEMMER.tokens("dipancing") == ("dipancing",)
    assert STEMMER.tokens("kepotong") == ("potong",)


@pytest.mark.parametrize("forms", [
    ("mengurus", "diurus", "ngurusin", "pengurusan", "urusannya"),
    ("dipulangkan", "pemulangan", "kepulangan", "memulangkan"),
    ("ditahan", "menahan", "penahanan", "nahan"),
    ("dipotong", "kepotong", "pemotongan", "motongin", "potongannya"),
])
def test_affixed_forms_of_one_root_meet(forms: tuple[str, ...]) -> None:
    # `di` written together with a known word is split off as the locative; the root is what must meet.
    stems = {STEMMER.tokens(form)[-1] for form in forms}
    assert len(stems) == 1, stems


def test_protected_words_are_not_stemmed() -> None:
    assert STEMMER.tokens("penempatan berangkat") == ("penempatan", "berangkat")


def test_known_sastrawi_errors_are_overridden() -> None:
    assert STEMMER.tokens("berikan")[0] != "ikan"
    assert STEMMER.tokens("dikurangi") == ("kurang",)


def test_a_filler_with_a_clitic_is_dropped() -> None:
    assert NORMALIZER.tokens("kakaknya dong") == ()


@pytest.mark.parametrize(("message", "standard"), [
    ("kulo pengen kerjo teng jepang, syarate nopo mawon?", "saya mau kerja di jepang syarat apa saja"),
    ("nyuwun pirsa, gajinipun pinten?", "mau tanya gaji berapa"),
    ("paspor kula dipun tahan majikan, pareng mboten?", "paspor saya ditahan majikan boleh tidak"),
    ("kumaha carana ngadaptar jadi pmi?", "bagaimana cara daftar jadi pmi"),
    ("abdi hoyong damel di taiwan, sabaraha gajina?", "saya mau kerja di taiwan berapa gaji"),
    ("pspr ku ditahan", "paspor saya ditahan"),
])
def test_krama_and_sundanese_sentences_read_as_standard_indonesian(message: str, standard: str) -> None:
    assert " ".join(NORMALIZER.analyse(message).surface) == standard
