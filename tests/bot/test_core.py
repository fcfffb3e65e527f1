"""The conversation end to end on a real database: menus, countries, clarify, fallback, people, language, data."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.core import Conversation
from bot.i18n import translator
from bot.models import ConversationRow
from bot.state import SqlStateStore
from knowledge.models import FeedbackRow, UnansweredRow
from knowledge.render import render_answer

from .conftest import User, payloads, text_of

MAIN_MENU = ["menu:negara", "menu:syarat", "menu:langkah", "menu:biaya", "menu:waspada", "handoff"]


def _row(engine: Engine, user_id: str = "u1") -> ConversationRow | None:
    with Session(engine) as session:
        return session.get(ConversationRow, ("cli", user_id))


@pytest.mark.parametrize("text", ["/start", "menu", "/start@DesmigratifBot", "halo"])
def test_greeting_or_start_shows_the_main_menu(user: User, text: str) -> None:
    turn = user.say(text)
    assert turn.decision == "menu"
    assert payloads(turn)[:6] == MAIN_MENU
    assert "Selamat datang" in text_of(turn)


def test_country_then_follow_up_uses_the_country_as_context(user: User, engine: Engine) -> None:
    card = user.say("taiwan")
    assert (card.decision, card.entry_id) == ("answer", "negara-taiwan")
    assert "entry:gaji-taiwan" in payloads(card)
    assert _row(engine).country == "TW"
    follow_up = user.say("gajinya berapa")
    assert follow_up.decision in ("answer", "clarify")
    snapshot = user.conversation.snapshot()
    top = snapshot.entries[follow_up.candidates[0].entry_id]
    assert "TW" in top.countries
    if follow_up.decision == "answer":
        assert follow_up.entry_id == "gaji-taiwan"
        assert "NT$" in text_of(follow_up)


def test_another_country_replaces_the_context_and_home_clears_it(user: User, engine: Engine) -> None:
    user.say("taiwan")
    user.say("syarat kerja ke hongkong apa saja")
    assert _row(engine).country == "HK"
    user.press("menu")
    assert _row(engine).country is None


def test_country_button_shows_its_card(user: User, engine: Engine) -> None:
    turn = user.press("country:KR")
    assert (turn.decision, turn.entry_id) == ("answer", "negara-korea")
    assert _row(engine).country == "KR"


def test_a_question_naming_a_country_sets_the_context(user: User, engine: Engine) -> None:
    user.say("saya mau ke arab saudi jadi art")
    assert _row(engine).country == "SA"


def test_clarify_then_number_picks_that_option(user: User, engine: Engine) -> None:
    store = SqlStateStore(engine)
    state = store.load("cli", "u1")
    state.options = ["paspor-pmi", "ktp-kk", "akta-kelahiran"]
    store.save(state)
    turn = user.say("2")
    assert (turn.decision, turn.entry_id) == ("answer", "ktp-kk")
    assert _row(engine).options == []


def test_a_clarify_turn_offers_numbered_options_that_the_next_message_picks(user: User, engine: Engine) -> None:
    turn = next((t for t in map(user.say, ["gajinya berapa", "gaji", "syarat", "biaya"]) if t.decision == "clarify"),
                None)
    if turn is None:
        pytest.skip("the current content answers every ambiguous probe directly")
    options = _row(engine).options
    assert 2 <= len(options) <= 3
    assert payloads(turn) == [f"entry:{o}" for o in options]
    assert "Maksud Anda:" in text_of(turn) and "\n2) " in text_of(turn)
    picked = user.say("2")
    assert (picked.decision, picked.entry_id) == ("answer", options[1])


def test_out_of_range_number_asks_again(user: User, engine: Engine) -> None:
    store = SqlStateStore(engine)
    state = store.load("cli", "u1")
    state.options = ["paspor-pmi", "ktp-kk"]
    store.save(state)
    turn = user.say("7")
    assert turn.decision == "clarify"
    assert _row(engine).options == ["paspor-pmi", "ktp-kk"]


def test_answer_has_related_buttons_and_feedback_question(user: User) -> None:
    turn = user.press("entry:paspor-pmi")
    assert (turn.decision, turn.entry_id, turn.confidence) == ("answer", "paspor-pmi", 1.0)
    assert "📄 Sumber:" in turn.replies[0].text
    related = [p for p in payloads(turn) if p.startswith("entry:")]
    assert 1 <= len(related) <= 3
    assert turn.replies[-1].text == "Apakah jawaban ini membantu?"
    assert payloads(turn)[-2:] == ["fb:paspor-pmi:1", "fb:paspor-pmi:0"]


def test_two_fallbacks_in_a_row_offer_a_person(user: User) -> None:
    first = user.say("xyzzy qwerty")
    second = user.say("blorp flarp")
    assert first.decision == second.decision == "fallback"
    assert "menu:negara" in payloads(first)
    assert payloads(second)[0] == "handoff"
    assert text_of(first) != text_of(second)


def test_an_answer_resets_the_fallback_count(user: User) -> None:
    user.say("xyzzy qwerty")
    user.press("entry:paspor-pmi")
    assert payloads(user.say("blorp flarp"))[0] != "handoff"


@pytest.mark.parametrize("how", ["/petugas", "petugas", "hubungi petugas", "saya mau bicara dengan petugas", "button"])
def test_person_request_without_a_staff_queue_gives_the_hotlines_and_promises_no_officer(user: User, how: str
                                                                                         ) -> None:
    # No staff queue (the terminal): nobody will answer in this chat, so no chat hours are promised.
    turn = user.press("handoff") if how == "button" else user.say(how)
    assert turn.decision == "handoff"
    assert "0800-1000" in text_of(turn)
    assert "tidak ada petugas yang tersambung" in text_of(turn)
    assert "Senin–Jumat" not in text_of(turn)


def test_emergency_gives_the_numbers_first(user: User) -> None:
    turn = user.say("tolong saya dipukul majikan di taiwan")
    assert turn.decision == "emergency"
    assert turn.entry_id is None
    assert any(n in text_of(turn) for n in ("0800-1000", "+62 812 9007 0027"))
    assert "handoff" in payloads(turn)


def test_emergency_wins_inside_an_open_handoff(user: User, engine: Engine) -> None:
    store = SqlStateStore(engine)
    state = store.load("cli", "u1")
    state.handoff_id = 42
    store.save(state)
    assert user.say("gaji taiwan berapa").decision == "handoff"
    assert user.say("halo").decision == "handoff"
    assert user.say("saya dikurung majikan").decision == "emergency"
    assert _row(engine).handoff_id == 42
    back = user.say("/batal")
    assert back.decision == "info"
    assert _row(engine).handoff_id is None
    assert user.say("halo").decision == "menu"


def test_english_hint_gets_english_menus_and_answers(conversation: Conversation, snapshot) -> None:
    english = User(conversation, user_id="en1", lang="en-US")
    menu = english.say("/start")
    assert menu.decision == "menu"
    assert "Welcome to Desmigratif Info" in text_of(menu)
    assert menu.replies[0].buttons[0].label == translator("en")("🌏 Destination countries")
    answer = english.press("entry:paspor-pmi")
    assert render_answer(snapshot.entries["paspor-pmi"], "en") == answer.replies[0].text
    assert answer.replies[-1].text == "Was this answer helpful?"


def test_language_switch_mid_conversation(user: User, engine: Engine) -> None:
    assert "Selamat datang" in text_of(user.say("/start"))
    choice = user.say("bahasa")
    assert (choice.decision, payloads(choice)) == ("info", ["lang:id", "lang:en"])
    switched = user.press("lang:en")
    assert switched.decision == "info" and "English" in text_of(switched)
    assert _row(engine).lang == "en"
    assert "Welcome" in text_of(user.say("menu"))
    user.say("language")
    user.press("lang:id")
    assert "Selamat datang" in text_of(user.say("menu"))


def test_stored_language_beats_the_hint(user: User) -> None:
    user.press("lang:en")
    user.lang = "id"
    assert "Welcome" in text_of(user.say("/start"))


def test_feedback_is_recorded_once_without_a_user_id(user: User, engine: Engine) -> None:
    user.press("entry:paspor-pmi")
    assert user.press("fb:paspor-pmi:1").decision == "info"
    user.press("fb:paspor-pmi:1")
    down = user.press("fb:paspor-pmi:0")
    assert "handoff" in payloads(down)
    with Session(engine) as session:
        rows = session.exec(select(FeedbackRow)).all()
    assert [(r.entry_id, r.helpful, r.lang, r.channel) for r in rows] == [("paspor-pmi", True, "id", "cli")]
    assert "user" not in " ".join(FeedbackRow.model_fields)


def test_feedback_for_an_unknown_entry_is_not_recorded(user: User, engine: Engine) -> None:
    assert user.press("fb:no-such-entry:1").decision == "info"
    with Session(engine) as session:
        assert session.exec(select(FeedbackRow)).all() == []


def test_unanswered_is_recorded_without_a_user_id(conversation: Conversation, engine: Engine) -> None:
    User(conversation, user_id="secret-user-7").say("xyzzy qwerty plugh")
    with Session(engine) as session:
        rows = session.exec(select(UnansweredRow)).all()
    assert len(rows) == 1
    assert rows[0].samples == ["xyzzy qwerty plugh"] and rows[0].lang == "id"
    assert "secret-user-7" not in repr(rows[0].model_dump())


def test_delete_my_data_needs_confirmation(user: User, engine: Engine) -> None:
    user.press("lang:en")
    ask = user.say("/hapus")
    assert ask.decision == "info"
    assert payloads(ask) == ["hapus:ya", "hapus:tidak"]
    assert _row(engine) is not None
    done = user.press("hapus:ya")
    assert done.decision == "info"
    assert _row(engine) is None


def test_delete_confirmation_is_only_valid_right_after_the_question(user: User, engine: Engine) -> None:
    user.say("/hapus")
    user.say("taiwan")
    again = user.press("hapus:ya")
    assert payloads(again) == ["hapus:ya", "hapus:tidak"]
    assert _row(engine) is not None
    user.press("hapus:tidak")
    assert _row(engine) is not None


def test_privacy_notice(user: User) -> None:
    turn = user.say("/privasi")
    assert turn.decision == "info"
    assert "/hapus" in text_of(turn)


@pytest.mark.parametrize("payload", ["", "zzz", "entry:", "entry:deleted-entry", "country:XX", "menu:nope",
                                     "fb:x", "lang:fr", "hapus:maybe", "x" * 500, "entry:\x00", "menu:negara:²",
                                     "menu:syarat:99999999999999999999", "country:tw"])
def test_odd_buttons_get_a_kind_reply(user: User, payload: str) -> None:
    turn = user.press(payload)
    assert turn.replies and all(r.text for r in turn.replies)


@pytest.mark.parametrize("text", ["", "   ", "\x00\x01\x02", "😀😀😀", "x" * 10_000, "/unknown", "٣", "1"])
def test_odd_texts_get_a_kind_reply(user: User, text: str) -> None:
    turn = user.say(text)
    assert turn.replies and all(r.text for r in turn.replies)
