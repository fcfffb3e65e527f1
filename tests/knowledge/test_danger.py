"""The danger recogniser: roots under any affix, patterns, and the framing that tells a report from a question."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from knowledge.danger import recogniser, word_roots
from knowledge.loader import load_seed
from knowledge.schema import CountryEmergency, EmergencyContact


@pytest.mark.parametrize(("word", "root"), [
    ("dipukul", "pukul"), ("memukul", "pukul"), ("mukul", "pukul"), ("dipukuli", "pukul"), ("mukulin", "pukul"),
    ("kepukul", "pukul"), ("pemukulan", "pukul"), ("nampar", "tampar"), ("nyiksa", "siksa"), ("menyiksa", "siksa"),
    ("nyekik", "cekik"), ("ngunci", "kunci"), ("dikunciin", "kunci"), ("ngelecehin", "leceh"),
    ("dilecehkan", "leceh"), ("memperkosa", "perkosa"), ("merkosa", "perkosa"), ("pemerkosaan", "perkosa"),
    ("digebugan", "gebug"), ("neunggeul", "teunggeul"), ("sambungaken", "sambung"), ("nyambungkeun", "sambung"),
    ("berkonsultasi", "konsultasi"), ("diperjualbelikan", "jualbeli"),
])
def test_affixes_are_stripped_to_the_root(word: str, root: str) -> None:
    assert root in {r for r, _voice in word_roots(word)}


def judge(text: str) -> bool:
    return recogniser().judge(text.split()).in_danger


@pytest.mark.parametrize("text", [
    "majikan memukul saya", "saya di sekap agen", "kulo dipun kunci wonten kamar", "agen menjual saya",
    "saya tidak boleh keluar rumah", "tiga hari tidak dikasih makan", "saya mau bunuh diri",
    "dia bawa pisau ke kamar saya", "i was beaten", "my boss hits me", "they locked me in",
    "gaji tidak dibayar lima bulan paspor ditahan agen",
])
def test_a_report_of_danger_is_an_emergency(text: str) -> None:
    assert judge(text)


@pytest.mark.parametrize("text", [
    "pukul 3 kantornya buka", "kunci jawaban tes bahasa", "menjual rumah untuk biaya", "paspor saya ditahan agen",
    "majikan tidak pernah memukul saya", "akun saya dikunci", "saya tidak makan babi", "hp saya mau mati",
    "apa hukuman majikan yang memukul pekerja", "kalau dipukul majikan lapor ke mana",
    "berita tkw disiksa di arab", "gaji tidak dibayar tiga bulan", "nyetrika baju majikan tiap pagi",
    "what is the penalty if an employer hits a helper",
])
def test_ordinary_words_and_questions_are_not(text: str) -> None:
    assert not judge(text)


def test_a_question_still_mentions_danger() -> None:
    verdict = recogniser().judge("apa hukuman majikan yang memukul pekerja".split())
    assert verdict.mentions_danger and not verdict.in_danger


def test_the_victim_makes_a_question_a_report() -> None:
    assert judge("majikan saya memukul saya apa hukumannya")


C6 = {"HK": ("999", None), "MY": ("999", None), "SG": ("999", "995"), "TW": ("110", "119"), "JP": ("110", "119"),
      "KR": ("112", "119"), "DE": ("112", None), "PL": ("112", None), "IT": ("112", None), "TR": ("112", None)}


def test_every_country_has_the_fact_sheet_emergency_numbers() -> None:
    countries = {c.code: c for c in load_seed().countries}
    for code, (police, ambulance) in C6.items():
        emergency = countries[code].emergency
        assert emergency is not None, code
        assert (emergency.police, emergency.ambulance) == (police, ambulance), code
    assert countries["SG"].emergency.hotlines[0].number == "1800 339 5505"
    assert countries["TW"].emergency.hotlines[0].number == "1955"
    assert countries["HK"].emergency.hotlines[0].number == "+852 2157 9537"


def test_an_emergency_block_is_validated() -> None:
    with pytest.raises(ValidationError):
        EmergencyContact(name={"id": "KBRI"}, number="call the embassy")
    with pytest.raises(ValidationError):
        EmergencyContact(name={"id": "KBRI"})  # neither a number nor a note
    with pytest.raises(ValidationError):
        CountryEmergency(basis="fact sheet C6")  # nothing to call
    with pytest.raises(ValidationError):
        EmergencyContact(name={"en": "Embassy"}, number="112")  # the Indonesian name is required
