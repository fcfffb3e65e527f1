"""What a worker reads for the new decisions: English followed, general answers said to be general, scam checks."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.models import ConversationRow
from tests.bot.conftest import User, payloads, text_of


def test_an_english_question_is_answered_in_english_with_an_offer_to_switch(user: User, engine: Engine) -> None:
    turn = user.say("how long does an eps work contract in south korea last")
    assert (turn.decision, turn.entry_id) == ("answer", "kontrak-korea")
    assert "Keep English from now on?" in text_of(turn)
    assert {"lang:en", "lang:id"} <= set(payloads(turn))
    with Session(engine) as session:
        row = session.get(ConversationRow, ("cli", "u1"))
    assert row is not None and row.lang in (None, "id")  # only this reply, until the user chooses


def test_an_indonesian_question_keeps_indonesian(user: User) -> None:
    turn = user.say("berapa lama kontrak kerja eps di korea")
    assert (turn.decision, turn.entry_id) == ("answer", "kontrak-korea")
    assert "Keep English" not in text_of(turn) and "lang:en" not in payloads(turn)[:2]


def test_a_general_answer_for_a_country_says_it_is_general(user: User) -> None:
    user.say("polandia")
    turn = user.say("batas usia kerjanya berapa")
    assert turn.decision in ("answer", "clarify", "fallback")
    if turn.decision == "answer" and turn.entry_id == "usia-minimum":
        assert "jawaban umum" in text_of(turn)


def test_a_doubt_about_a_company_and_a_transfer_gets_both_checks(user: User) -> None:
    turn = user.say("PT Karya Mulya Sentosa ini terdaftar resmi gak? sy disuruh transfer 9 juta ke rekening pribadi")
    assert turn.decision == "answer"
    text = text_of(turn).lower()
    assert "siskop2mi" in text and "rekening pribadi" in text


def test_after_a_country_an_unrelated_question_falls_back(user: User) -> None:
    user.say("jepang")
    turn = user.say("cara daftar jadi pemain sepak bola gimana")
    assert turn.decision == "fallback"
