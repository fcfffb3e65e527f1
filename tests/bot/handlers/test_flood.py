"""The flood rule never hits a person: fast typing, taps and feedback pass; a script gets one notice."""

from __future__ import annotations

import itertools
from collections.abc import Callable

from bot.config import BotSettings
from bot.core import Conversation
from bot.messages import IncomingMessage, Turn
from tests.bot.conftest import Clock, User, text_of

NOTICE_ID = "Mohon tunggu sekitar"
NOTICE_EN = "Please wait about"
TYPED = ["halo", "gaji taiwan berapa", "ok", "syarat ke korea", "makasih", "ya", "biaya penempatan", "hmm"]


def throttled(turn: Turn) -> bool:
    return not turn.replies or NOTICE_ID in text_of(turn) or NOTICE_EN in text_of(turn)


def test_a_fast_typist_one_message_every_2_seconds_for_3_minutes_is_never_held_back(
    memory_conversation: Conversation, clock: Clock
) -> None:
    user = User(memory_conversation)
    # Uneven, as people type: 1.5 s and 2.5 s apart (2 s on average), after a first burst of 12 lines.
    turns = [user.say(text) for text in itertools.islice(itertools.cycle(TYPED), 12)]
    for gap, text in zip(itertools.cycle([1.5, 2.5]), itertools.islice(itertools.cycle(TYPED), 90), strict=False):
        clock.advance(gap)
        turns.append(user.say(text))
    assert not [t for t in turns if throttled(t)]


def test_a_script_gets_the_burst_then_one_notice_saying_when_to_write_again_then_silence(
    memory_conversation: Conversation, clock: Clock
) -> None:
    settings = BotSettings()
    user = User(memory_conversation, user_id="script", lang="en")
    turns = []
    for _ in range(60):  # ten a second
        turns.append(user.say("halo"))
        clock.advance(0.1)
    held = [n for n, turn in enumerate(turns) if throttled(turn)]
    # The burst, plus what the sustained rate refilled in the two seconds the burst took.
    assert held[0] == settings.flood_burst + 1
    notices = [turn for turn in turns if turn.replies and NOTICE_EN in text_of(turn)]
    assert len(notices) == 1 and "about 30 seconds" in text_of(notices[0])  # 21 x 1.5 s, less the 2 s gone
    assert all(not turns[n].replies for n in held[1:])
    clock.advance(30)
    assert not throttled(user.say("halo")), "the promised time has come"


def test_button_taps_and_thumbs_are_never_throttled_even_mid_flood(memory_conversation: Conversation) -> None:
    user = User(memory_conversation, user_id="tapper")
    for _ in range(40):
        user.say("halo")
    assert throttled(user.say("halo"))
    for _ in range(30):
        assert not throttled(user.press("menu"))
    answer = user.say("gaji minimum di taiwan")
    assert not answer.replies  # still within the quiet period
    assert not throttled(user.press("fb:x"))
    assert not throttled(user.say("👎"))


def test_the_notice_is_localized(memory_conversation: Conversation) -> None:
    user = User(memory_conversation, user_id="cepat", lang="id")
    turns = [user.say("halo") for _ in range(25)]
    [notice] = [t for t in turns if t.replies and NOTICE_ID in text_of(t)]
    assert "30 detik" in text_of(notice)


def test_the_allowance_is_shared_across_workers(make_conversation: Callable[..., Conversation],
                                                clock: Clock) -> None:
    settings = BotSettings(flood_burst=3, flood_interval_seconds=10)
    workers = [make_conversation(settings), make_conversation(settings)]
    turns = [workers[i % 2].handle(IncomingMessage("cli", "flooder", text="/start")) for i in range(6)]
    assert [t.decision for t in turns[:3]] == ["menu"] * 3
    assert turns[3].decision == "info" and "30 detik" in text_of(turns[3])
    assert [t.replies for t in turns[4:]] == [(), ()]
    assert workers[0].handle(IncomingMessage("cli", "flooder", text="saya dipukul")).decision == "emergency"
    assert workers[1].handle(IncomingMessage("cli", "someone-else", text="/start")).decision == "menu"
    clock.advance(10)
    assert workers[1].handle(IncomingMessage("cli", "flooder", text="/start")).replies == ()
    clock.advance(20)
    assert workers[0].handle(IncomingMessage("cli", "flooder", text="/start")).decision == "menu"
