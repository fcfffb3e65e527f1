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
