"""People in danger get the emergency reply at once, with local help first; nobody else does.

The messages are in tests/bot/handlers/data/danger_cases.yaml (written for these tests) and go through the real
conversation core, on the bundled content.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.runtime import load_snapshot
from bot.core import Conversation
from bot.state import MemoryStateStore
from knowledge.store import list_countries
from tests.bot.conftest import User, payloads, text_of

CASES = yaml.safe_load((Path(__file__).parent / "data" / "danger_cases.yaml").read_text(encoding="utf-8"))
PHONE = re.compile(r"\+?\d[\d -]{1,20}\d")
NATIONAL = ("+62 812 9007 0027", "0800-1000")


@pytest.fixture
def person(memory_conversation: Conversation) -> User:
    """A fresh Indonesian-speaking user on in-memory state (no staff queue: hotlines only)."""
    return User(memory_conversation)


def test_the_sets_are_large_enough() -> None:
    assert len(CASES["danger"]) >= 60
    assert len(CASES["questions"]) >= 20


@pytest.mark.parametrize("text", CASES["danger"])
def test_a_person_in_danger_gets_the_emergency_reply(person: User, text: str) -> None:
    turn = person.say(text)
    assert turn.decision == "emergency", text
    assert all(number in text_of(turn) for number in NATIONAL)


@pytest.mark.parametrize("text", CASES["questions"])
def test_a_question_using_the_same_words_is_not_an_emergency(person: User, text: str) -> None:
    assert person.say(text).decision != "emergency", text


def test_an_ordinary_question_gets_no_emergency_offer(person: User) -> None:
    assert "sos" not in payloads(person.say("berapa gaji art di hongkong"))


@pytest.mark.parametrize("text", CASES["handoff"])
def test_a_request_for_a_person_is_recognised(person: User, text: str) -> None:
    assert person.say(text).decision == "handoff", text


@pytest.mark.parametrize("text", CASES["not_handoff"])
def test_a_question_about_people_is_not_a_request_for_one(person: User, text: str) -> None:
    assert person.say(text).decision != "handoff", text


def _first_lines(turn_text: str, count: int = 3) -> str:
    return "\n".join(turn_text.splitlines()[:count])


def _offices_named(text: str) -> set[str]:
    return set(re.findall(r"\b(KDEI Taipei|KJRI Hong Kong|KBRI Kuala Lumpur|KJRI Johor Bahru|KBRI Tokyo|KBRI Seoul|"
                          r"KBRI Singapura|KBRI Riyadh)\b", text))


def test_hong_kong_user_gets_hong_kong_help_and_no_other_office(person: User) -> None:
    person.say("hongkong")
    turn = person.say("majikan memukul saya, saya takut")
    text = text_of(turn)
    assert turn.decision == "emergency"
    top = _first_lines(text)
    assert "999" in top and "+852 2157 9537" in top  # police and the Labour Department first
    assert "+852 6773 0466" in text and "1955" not in text
    assert _offices_named(text) == {"KJRI Hong Kong"}
    assert text.index("+852 6773 0466") < text.index("+62 812 9007 0027")  # the consulate before Indonesia's lines


def test_taiwan_user_gets_taiwan_help(person: User) -> None:
    turn = person.say("aku dikunci di kamar sama majikan di taiwan")
    text = text_of(turn)
    assert turn.decision == "emergency"
    top = _first_lines(text)
    assert "110" in top and "119" in top and "1955" in top
    assert _offices_named(text) == {"KDEI Taipei"}
    assert "999" not in text


def test_user_without_a_country_gets_numbers_for_everywhere_and_is_asked_where(person: User) -> None:
    turn = person.say("tolong, saya disekap agen")
    text = text_of(turn)
    top = _first_lines(text)
    assert len(PHONE.findall(top)) >= 3
    assert "999" in top and "+62 812 9007 0027" in top
    assert _offices_named(text) == set()
    assert "negara mana" in text
    assert "sos:HK" in payloads(turn) and "sos:TW" in payloads(turn)
    # The answer, typed or pressed, brings that country's own numbers.
    typed = person.say("hong kong")
    assert typed.decision == "emergency"
    assert "+852 6773 0466" in text_of(typed)
    assert "+852 2157 9537" in text_of(person.press("sos:HK"))


def test_emergency_reply_in_english_has_no_repeated_heading(person: User) -> None:
    person.lang = "en"
    turn = person.say("my employer locked me in, I am in singapore")
    lines = [line for line in text_of(turn).splitlines() if line.strip()]
    assert turn.decision == "emergency"
    assert "999" in lines[1] and "995" in lines[1] and "1800 339 5505" in lines[2]
    assert sum("danger" in line.lower() for line in lines) == 1
    assert len(lines) == len(set(lines))


@pytest.mark.parametrize("text", ["hak pmi yang dipukul majikan apa saja?", "kalau dipukul majikan, lapor ke mana ya?",
                                  "apa hukuman buat majikan yang mukul pekerja?"])
def test_a_question_mentioning_danger_is_answered_with_the_numbers_offered(person: User, text: str) -> None:
    turn = person.say(text)
    assert turn.decision in ("answer", "clarify", "fallback")
    assert "sos" in payloads(turn)
    numbers = person.press("sos")
    assert numbers.decision == "emergency"
    assert "+62 812 9007 0027" in text_of(numbers)


def test_asking_for_the_emergency_numbers_gives_the_local_ones(person: User) -> None:
    person.say("malaysia")
    turn = person.press("entry:darurat")
    assert turn.decision == "answer"
    assert "999" in _first_lines(text_of(turn), 1) and "+60 17-668 8032" in text_of(turn)


def test_country_emergency_numbers_survive_the_database(engine: Engine) -> None:
    with Session(engine) as session:
        countries = {c.code: c for c in list_countries(session)}
    assert countries["HK"].emergency is not None and countries["HK"].emergency.police == "999"
    assert countries["SG"].emergency is not None and countries["SG"].emergency.hotlines[0].number == "1800 339 5505"
    snapshot = load_snapshot(engine)
    user = User(Conversation(lambda: snapshot, MemoryStateStore()))
    turn = user.say("sy di sekap agen di hongkong")
    assert turn.decision == "emergency"
    assert "999" in _first_lines(text_of(turn))
