"""The decision on real content: aspect × country, unknown subjects, scam doubts, stories and English (issue 14)."""

from __future__ import annotations

import pytest

from knowledge.aspects import ASPECTS, load_aspects
from knowledge.loader import load_seed
from knowledge.matcher import Matcher
from knowledge.snapshot import Snapshot


def test_every_seed_entry_has_an_allowed_aspect() -> None:
    kb = load_seed()
    assert kb.ok
    assert all(e.aspect in ASPECTS for e in kb.entries), [e.id for e in kb.entries if e.aspect not in ASPECTS]


def test_a_phrase_wins_over_the_words_inside_it() -> None:
    cues = load_aspects()
    assert cues.find("gaji tidak dibayar dua bulan".split()) == ("hak",)
    assert cues.find("berapa upah di korea".split()) == ("gaji",)


def test_a_phrase_that_overrules_no_word_takes_its_place_in_the_message() -> None:
    cues = load_aspects()
    assert cues.find("biaya cek kesehatan berapa".split()) == ("biaya", "kesehatan")
    assert cues.find("cek kesehatan dimana biaya berapa".split()) == ("kesehatan", "biaya")


@pytest.mark.parametrize(
    ("text", "country", "expected"),
    [
        ("upah bulanan di korea sekarang brp", None, "gaji-korea"),
        ("kalau mau jadi prt di sana apa saja persyaratannya", "HK", "syarat-hongkong"),
        ("harus bisa bahasa jepang gak", "JP", "bahasa-jepang"),
        ("nomer telpon kedutaan di seoul", None, "kontak-korea"),
    ],
)
def test_aspect_of_a_country_answers_that_countrys_entry(
    seed_snapshot: Snapshot, text: str, country: str | None, expected: str
) -> None:
    result = seed_snapshot.match(text, country=country)
    assert (result.decision, result.entry_id) == ("answer", expected), result.candidates


def test_a_country_without_that_aspect_never_gets_another_aspect(seed_snapshot: Snapshot) -> None:
    """Taiwan has no language entry: never the yes/no of an unrelated entry ("Bisa.")."""
    result = seed_snapshot.match("wajib bisa ngomong mandarin kah", country="TW")
    assert result.decision != "answer" or seed_snapshot.entries[result.entry_id].aspect == "bahasa"
    assert result.entry_id != "pmi-mandiri"


def test_a_cost_question_about_a_country_gets_a_cost_answer(seed_snapshot: Snapshot) -> None:
    # Hong Kong has no cost entry; its card scores on the country's name alone and never speaks of costs,
    # so it may not override the general cost entries.
    result = seed_snapshot.match("ongkos brp kalo mau ke hongkong")
    chosen = [result.entry_id] if result.entry_id else list(result.options)
    assert chosen and all(seed_snapshot.entries[e].aspect == "biaya" for e in chosen), result
    assert "syarat-hongkong" not in chosen


def test_a_general_answer_is_marked_general(seed_snapshot: Snapshot) -> None:
    result = seed_snapshot.match("batas usia buat kerja di polandia berapa")
    if result.decision == "answer":
        assert result.general or seed_snapshot.entries[result.entry_id].countries == ["PL"]


def test_a_message_naming_another_country_never_gets_this_countrys_entry(seed_snapshot: Snapshot) -> None:
    result = seed_snapshot.match("gaji pabrik di malaysia sebulan", country="TW")
    assert result.entry_id != "gaji-taiwan"
    assert "gaji-taiwan" not in result.options


def test_the_follow_up_country_reuses_the_last_aspect(seed_snapshot: Snapshot) -> None:
    result = seed_snapshot.match("klo di korea?", last_entry="gaji-hongkong")
    assert (result.decision, result.entry_id) == ("answer", "gaji-korea")


@pytest.mark.parametrize(
    ("text", "allowed"),
    [
        ("bikin paspor dimana, bayar brp", {"paspor-pmi", "biaya-paspor"}),
        pytest.param("pasporku dipegang PT, boleh ga", {"paspor-ditahan"}, marks=pytest.mark.xfail(
            strict=True, reason="open in issue 14: leads hak-pmi by 0.11 (margin 0.12), subject shares 0.23 vs 0.10 "
            "(lead 0.30 needed): hak-pmi's phrasings speak of keeping one's passport too")),
    ],
)
def test_new_users_general_questions_get_the_general_entry(
    seed_snapshot: Snapshot, text: str, allowed: set[str]
) -> None:
    result = seed_snapshot.match(text)
    assert result.decision == "answer" and result.entry_id in allowed, result.candidates


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("majikan nyimpen paspor sy, itu boleh?", "paspor-ditahan"),  # no country anywhere: the general entry
        ("agen di taiwan megang paspor aku", "hak-taiwan"),  # Taiwan named: its rights card, which says the same
        ("my employer in hong kong keeps my passport", "hak-hongkong"),
    ],
)
def test_a_passport_kept_by_someone_else_asks_about_rights_in_any_verb(
    seed_snapshot: Snapshot, text: str, expected: str
) -> None:
    result = seed_snapshot.match(text)
    assert "hak" in result.aspects, result.aspects
    assert (result.decision, result.entry_id) == ("answer", expected), result.candidates


def test_with_no_country_in_sight_a_countrys_entry_needs_a_word_of_its_own(seed_snapshot: Snapshot) -> None:
    """The rights cards of Taiwan and Hong Kong speak of passports too, but the message names neither country nor
    anything only they say: the general entry answers instead of a "Maksud Anda…?" between them."""
    result = seed_snapshot.match("paspor sy ditahan pt, boleh gak sih")
    assert (result.decision, result.entry_id) == ("answer", "paspor-ditahan"), result.candidates
    kept = seed_snapshot.match("syarat magang ke jepang gimana")  # "magang" is a word only the country's entries use
    assert kept.entry_id != "syarat-umum" and "syarat-umum" not in kept.options[:1], kept


@pytest.mark.parametrize(
    ("text", "country"),
    [
        ("gimana caranya jadi tentara", "TW"),
        ("resep opor ayam yg enak", "MY"),
        ("ibukota jepang apa sih", None),
        ("what is the tallest mountain in the world", None),
        ("syarat bikin sim a apa aja", "HK"),
    ],
)
def test_out_of_scope_stays_out_whatever_the_country(seed_snapshot: Snapshot, text: str, country: str | None) -> None:
    assert seed_snapshot.match(text, country=country).decision == "fallback"


@pytest.mark.parametrize(
    "text",
    [
        "PT Maju Terus Sejahtera itu resmi apa bodong? sy diminta tf 8jt dulu",
        "ada lowongan di ig ke polandia, disuruh kirim uang 3 juta buat visa, aman gak",
        "katanya bisa berangkat ke dubai pake visa turis terus kerja disana, bener ga",
        "keponakan ditawari jadi admin online di kamboja, katanya gajinya gede",  # a scam hub next to work: no doubt needed
        "dijanjikan gaji tinggi kerja di pabrik luar negeri, beneran ga ya",  # the bait of a promise, doubted
    ],
)
def test_scam_doubts_get_the_agency_check_or_the_scam_signs(seed_snapshot: Snapshot, text: str) -> None:
    result = seed_snapshot.match(text)
    sent = {result.entry_id, *result.also}
    assert result.decision == "answer"
    assert sent & {"cek-p3mi", "ciri-penipuan", "visa-kerja"}, result


def test_a_long_story_is_matched_on_its_question(seed_snapshot: Snapshot) -> None:
    story = (
        "Selamat malam kak. Saya anak pertama dari empat bersaudara, bapak sudah lama sakit dan ibu jualan "
        "gorengan di depan sekolah. Saya lulus SMK tahun lalu dan sampai sekarang belum dapat kerja tetap, "
        "cuma bantu-bantu di warung tetangga. Teman sekelas saya sudah berangkat dan katanya lumayan. "
        "Kalau mau kerja di pabrik di Korea, syaratnya apa saja ya kak?"
    )
    result = seed_snapshot.match(story)
    assert (result.decision, result.entry_id) == ("answer", "syarat-korea"), result.candidates


def test_a_story_about_a_tourist_visa_job_gets_the_scam_answer(seed_snapshot: Snapshot) -> None:
    story = (
        "Kak aku mau cerita. Sepupuku kenal orang yang bisa masukin kerja jadi pelayan toko di Kuala Lumpur. "
        "Katanya ga perlu urus apa-apa di disnaker, cukup bayar 6 juta buat tiket dan berangkat pakai visa "
        "turis, nanti izin kerjanya diurus majikan. Sepupuku sudah transfer separuhnya. Itu beneran resmi?"
    )
    result = seed_snapshot.match(story)
    assert result.decision == "answer"
    assert {result.entry_id, *result.also} & {"visa-kerja", "ciri-penipuan"}


def test_an_english_question_is_flagged_english_and_an_indonesian_one_is_not(seed_snapshot: Snapshot) -> None:
    assert seed_snapshot.match("how long is the work contract in korea").lang == "en"
    assert seed_snapshot.match("berapa lama kontrak kerja di korea").lang is None


def test_an_aspect_cue_counts_as_known_in_its_stemmed_form_too(seed_snapshot: Snapshot) -> None:
    # "pendidikan" names the requirements aspect; the stemmer turns it into "didik", which only answers use.
    result = seed_snapshot.match("pendidikan terakhirnya harus apa", country="SG")
    assert result.decision == "answer" and result.entry_id == "syarat-singapura", result.features


@pytest.mark.parametrize(
    ("text", "country"),
    [
        ("kerja pabrik di kaohsiung", "TW"),
        ("majikan sy tinggal di osaka", "JP"),
        ("lewat program tokutei ginou", "JP"),
        ("daftar eps tahun depan", "KR"),
        ("ikut triple win jadi perawat", "DE"),
        ("kerja di jeddah", "SA"),
    ],
)
def test_a_city_or_a_scheme_names_its_country(seed_snapshot: Snapshot, text: str, country: str) -> None:
    assert seed_snapshot.match(text).countries == (country,)


def test_kl_is_not_read_as_kuala_lumpur(seed_snapshot: Snapshot) -> None:
    # Two-letter aliases are skipped: "kl" is chat shorthand for "kalau" far more often than for Kuala Lumpur.
    assert seed_snapshot.match("kl gajinya kecil gimana").countries == ()


def test_the_aspect_asked_first_wins_over_a_later_detail(seed_snapshot: Snapshot) -> None:
    # The wage is asked; the contract only says which wage. Hong Kong has entries on both aspects.
    result = seed_snapshot.match("upah buruh migran hongkong buat kontrak yang baru tuh brp")
    assert result.aspects[:2] == ("gaji", "kontrak")
    assert (result.decision, result.entry_id) == ("answer", "gaji-hongkong"), result.candidates


def test_a_countrys_card_that_never_names_the_aspect_does_not_override_it(seed_snapshot: Snapshot) -> None:
    result = seed_snapshot.match("brp duit buat berangkat ke hk")
    chosen = [result.entry_id] if result.entry_id else list(result.options)
    assert result.features["rule"] != "general-override", result.candidates
    assert chosen and all(seed_snapshot.entries[e].aspect == "biaya" for e in chosen), result


def test_a_countrys_better_fitting_entry_beats_the_general_entry_of_an_aspect_it_lacks(seed_snapshot: Snapshot) -> None:
    # Hong Kong has no cost entry; its rights entry covers the agency's fee and fits far better than the
    # general placement-cost entry.
    result = seed_snapshot.match("biaya agensi di hongkong tiap bulan")
    assert result.features["rule"] == "general-override"
    assert (result.decision, result.entry_id) == ("answer", "hak-hongkong"), result.candidates


def test_a_country_cost_entry_answers_its_cost_questions(seed_snapshot: Snapshot) -> None:
    result = seed_snapshot.match("biaya agensi di taiwan tiap bulan")
    assert result.features["rule"] == "aspect-country"
    assert (result.decision, result.entry_id) == ("answer", "biaya-taiwan"), result.candidates


def test_a_short_message_wholly_inside_one_entrys_questions_is_answered(seed_snapshot: Snapshot) -> None:
    # Two words, both in the BPJS entry's questions, a little ahead of the BPJS-fees entry: no need to ask.
    result = seed_snapshot.match("bpjs pmi")
    assert result.features["rule"] == "short-covered"
    assert (result.decision, result.entry_id) == ("answer", "bpjs-pmi"), result.candidates
    # ("ongkos medical", this test's example before, now names the cost first and is answered on its score.)
    assert seed_snapshot.match("ongkos medical").entry_id == "biaya-cek-kesehatan"


def test_one_shared_word_is_still_too_short_to_answer(seed_snapshot: Snapshot) -> None:
    assert seed_snapshot.match("paspor").decision != "answer"


def test_a_scheme_names_its_country_and_stays_what_the_message_is_about(seed_snapshot: Snapshot) -> None:
    # "eps" is the subject here: were it only a country name, two known words would be too few to answer.
    result = seed_snapshot.match("ijazah smp boleh daftar eps?")
    assert result.countries == ("KR",)
    assert result.features["rule"] != "unknown-subject", result.candidates


def test_a_long_message_with_one_entry_far_ahead_is_answered(seed_snapshot: Snapshot) -> None:
    # Chatty words keep every score low, but the family-consent entry stands far above the runner-up.
    result = seed_snapshot.match("ijin dari orang tua itu harus ditandatangani siapa aja sih, aku bingung banget")
    assert result.features["rule"] == "clear-lead"
    assert (result.decision, result.entry_id) == ("answer", "surat-izin-keluarga"), result.candidates
    second = result.candidates[1][1]
    assert second <= 0.75 * result.candidates[0][1]


def test_se_plus_a_unit_of_time_reads_as_per_unit(seed_snapshot: Snapshot) -> None:
    # The content says "per bulan"; "sebulan" must meet it rather than stay an unknown word.
    result = seed_snapshot.match("dapat libur berapa hari sebulan", country="TW")
    assert "per bulan" in result.normalized
    assert (result.decision, result.entry_id) == ("answer", "hak-taiwan"), result.candidates


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The programme and its pillars share "program desmigratif"; only one is the programme itself.
        ("desmigratif itu program apa ya", "desmigratif"),
    ],
)
def test_close_siblings_are_settled_by_the_subject_the_message_names(
    seed_snapshot: Snapshot, text: str, expected: str
) -> None:
    result = seed_snapshot.match(text)
    assert result.features["rule"] == "subject-lead", result.candidates
    assert (result.decision, result.entry_id) == ("answer", expected), result.candidates
    rivals = [s for e, s in result.candidates[1:3]]
    assert result.candidates[0][1] - rivals[0] < seed_snapshot.matcher.config.thresholds["margin"]


def test_siblings_whose_subjects_the_message_names_alike_are_still_asked(mini_snapshot: Snapshot) -> None:
    # "gaji" is the subject of both wage entries: nothing tells Taiwan from Hong Kong, so the bot asks.
    result = mini_snapshot.match("gajinya brp ya")
    assert result.decision == "clarify"
    assert result.features["rule"] != "subject-lead"


@pytest.mark.parametrize(
    ("text", "country", "entry"),
    [
        # The message names the country: its entry on the aspect wins (issue 14).
        ("gaji sy udah 2 bulan blm dibayar sama majikan di taiwan", None, "hak-taiwan"),
        # Only the conversation's country: Taiwan's rights entry speaks of unpaid pay too, and answers.
        ("majikan blm bayar gaji sy", "TW", "hak-taiwan"),
    ],
)
def test_unpaid_wages_in_a_country_get_an_entry_of_the_aspect_that_says_where_to_report(
    seed_snapshot: Snapshot, text: str, country: str | None, entry: str
) -> None:
    result = seed_snapshot.match(text, country=country)
    assert (result.decision, result.entry_id) == ("answer", entry), result.candidates
    assert result.features["rule"] in {"aspect-country", "aspect-weak-own"}
    assert "1955" in seed_snapshot.entries[entry].texts["id"].answer


def test_the_countrys_entry_keeps_a_problem_it_speaks_of(seed_snapshot: Snapshot) -> None:
    # Malaysia's contract entry speaks of renewal: the general renewal entry does not take it over.
    result = seed_snapshot.match("mau perpanjang kontrak kerja di malaysia caranya gmn")
    assert (result.decision, result.entry_id) == ("answer", "kontrak-malaysia"), result.candidates


def test_a_company_written_small_is_still_a_company_in_a_doubt(seed_snapshot: Snapshot) -> None:
    result = seed_snapshot.match("pt yg mau berangkatin aku ke taiwan itu resmi gak ya")
    assert result.decision == "answer"
    assert {result.entry_id, *result.also} >= {"cek-p3mi"}, result


def test_work_on_a_tourist_visa_gets_the_answer_without_being_asked(seed_snapshot: Snapshot) -> None:
    # No doubt word at all: telling of an offer to work on a tourist visa is enough.
    result = seed_snapshot.match("adikku mau dikirim kerja ke laos jadi operator, katanya pake visa wisata aja")
    assert result.decision == "answer"
    assert {result.entry_id, *result.also} & {"visa-kerja", "ciri-penipuan"}, result


def test_a_tourist_visa_for_a_holiday_is_no_warning_sign(seed_snapshot: Snapshot) -> None:
    result = seed_snapshot.match("mau liburan ke jepang pake visa turis")
    assert result.features.get("rule") != "scam", result


def test_wages_not_given_name_the_rights_aspect(seed_snapshot: Snapshot) -> None:
    result = seed_snapshot.match("udah lama gaji ga dikasih juragan, ngadu kemana")
    assert result.aspects[0] == "hak", result.aspects
    assert (result.decision, result.entry_id) == ("answer", "gaji-tidak-dibayar"), result.candidates


@pytest.mark.parametrize(
    ("text", "country", "expected"),
    [
        ("pengen jadi pembantu rumah tangga di arab saudi, bisa ga?", None, "moratorium-timur-tengah"),
        ("kalo jadi babysitter gmn", "AE", "moratorium-timur-tengah"),  # the country from the conversation
        ("syarat jadi art ke saudi", None, "syarat-arab-saudi"),  # the aspect asked comes first; it says closed too
        ("pengasuh anak di hongkong gajinya brp", None, "gaji-hongkong"),  # the job is open there: no moratorium
    ],
)
def test_a_job_the_country_has_closed_asks_about_its_moratorium(
    seed_snapshot: Snapshot, text: str, country: str | None, expected: str
) -> None:
    result = seed_snapshot.match(text, country=country)
    assert (result.decision, result.entry_id) == ("answer", expected), result.candidates


def test_the_option_whose_subject_the_message_names_most_answers_whatever_its_place() -> None:
    th = {"subject_ratio": 2.5, "subject_floor": 0.4}
    band = [(0.80, 1, {"subject": 0.15}), (0.78, 2, {"subject": 0.45})]  # the second names 3x more of its subject
    assert Matcher._subject_leader(band, th) == 2
    close = [(0.80, 1, {"subject": 0.30}), (0.78, 2, {"subject": 0.45})]  # 1.5x: still a question to ask
    assert Matcher._subject_leader(close, th) is None
    faint = [(0.80, 1, {"subject": 0.05}), (0.78, 2, {"subject": 0.30})]  # names too little of any subject
    assert Matcher._subject_leader(faint, th) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("adik saya mau kerja ke taiwan syaratnya apa", "syarat-taiwan"),
        ("my sister wants to work in taiwan, what are the requirements", "syarat-taiwan"),
        ("bojoku arep kerja neng hongkong, gajine piro", "gaji-hongkong"),
        ("cewek umur 40 msh bs ke hk gk", "syarat-hongkong"),  # who by sex is a person too, not a subject
        ("lowongan khusus wanita ke taiwan ada?", "negara-taiwan"),  # "khusus" restricts, it is no subject
    ],
)
def test_a_question_asked_for_a_relative_is_answered_like_ones_own(
    seed_snapshot: Snapshot, text: str, expected: str
) -> None:
    """Whom it is for ("adik", "sister") is neither matched nor an unknown subject, and never spell-corrected."""
    result = seed_snapshot.match(text)
    assert (result.decision, result.entry_id) == ("answer", expected), (result.normalized, result.candidates)
    assert "sistem" not in result.normalized.split()


def test_a_relative_the_knowledge_base_speaks_of_keeps_its_meaning(seed_snapshot: Snapshot) -> None:
    result = seed_snapshot.match("istri saya mau jadi tkw, perlu izin suami ga")
    assert (result.decision, result.entry_id) == ("answer", "surat-izin-keluarga"), result.candidates


def test_a_scam_hub_without_work_is_no_question_of_ours(seed_snapshot: Snapshot) -> None:
    assert seed_snapshot.match("liburan ke kamboja enak ga").decision == "fallback"


def test_another_country_for_the_last_question_that_it_has_no_entry_on_is_asked_not_guessed(
    seed_snapshot: Snapshot,
) -> None:
    """Hong Kong has no cost entry: after Taiwan's costs, "kalo hongkong?" names nothing to pick a general cost entry by.
    Offer the general entry closest to the last answer and Hong Kong's card, never an unrelated cost (BPJS fees)."""
    result = seed_snapshot.match("kalo hongkong?", country="TW", last_entry="biaya-taiwan")
    assert result.decision == "clarify", result
    assert result.options[0] == "biaya-penempatan" and "negara-hongkong" in result.options, result.options
    assert all(seed_snapshot.entries[e].aspect in {"biaya", "umum"} for e in result.options)
    kept = seed_snapshot.match("klo di korea?", last_entry="gaji-hongkong")  # Korea has a wage entry: answered
    assert (kept.decision, kept.entry_id) == ("answer", "gaji-korea")


def test_a_digit_that_is_not_a_decimal_number_is_no_age(seed_snapshot: Snapshot) -> None:
    # '❶' passes str.isdigit() but int() refuses it: it used to raise ValueError from the age cue.
    cues = load_aspects()
    assert cues.find(["kerja", "❶", "tahun"]) == ()
    assert cues.find(["kerja", "21", "tahun"]) == ("umur",)
    assert seed_snapshot.match("kerja ❶ tahun di taiwan").decision in {"answer", "clarify", "fallback"}


def test_the_conversations_country_keeps_other_countries_entries_out(seed_snapshot: Snapshot) -> None:
    """After Italy, "minta info kerja dong" is about Italy: its card, never Hong Kong's (nor a cost entry on "minta")."""
    result = seed_snapshot.match("minta info kerja dong", country="IT")
    assert (result.decision, result.entry_id) == ("answer", "negara-italia"), result.candidates
    named = seed_snapshot.match("gaji di hongkong brp", country="IT")  # naming another country still moves to it
    assert (named.decision, named.entry_id) == ("answer", "gaji-hongkong"), named.candidates


def test_asking_whether_a_high_wage_is_true_is_a_wage_question_not_a_scam(seed_snapshot: Snapshot) -> None:
    """Only being promised something is a scam sign; "gaji gede … bener?" asks what the wage is."""
    result = seed_snapshot.match("gaji gede di taiwan emang bener? brp sih sebulan")
    assert (result.decision, result.entry_id) == ("answer", "gaji-taiwan"), result.candidates
    assert "ciri-penipuan" not in result.also
