"""The Telegram adapter's pure parts: update → message, text splitting, keyboards, retry delays."""

from __future__ import annotations

import pytest
from telegram import Bot

from bot.channels.base import split_text as split
from bot.channels.telegram import (
    MAX_MESSAGE_UNITS,
    MalformedUpdate,
    RetryPolicy,
    fitting_buttons,
    fold_replies,
    keyboard,
    parse_update,
    to_incoming,
)
from bot.channels.text import utf16_units
from bot.messages import Button, IncomingMessage, Reply
from tests.fakes.telegram_api import callback_update, message_update

BOT = Bot("123456:TEST-token_abc", base_url="http://127.0.0.1:9/bot")  # never initialised: no network


def incoming(data: dict[str, object]) -> IncomingMessage | None:
    return to_incoming(parse_update(data, BOT))


# --- Update → IncomingMessage ---------------------------------------------------------------------


def test_a_text_message_becomes_text_with_the_language_hint_and_update_id() -> None:
    msg = incoming(message_update(41, "gaji taiwan berapa", user_id=77, language_code="en"))

    assert msg == IncomingMessage(channel="telegram", user_id="77", text="gaji taiwan berapa",
                                  language_hint="en", external_id="41")


def test_a_command_passes_through_as_text() -> None:
    msg = incoming(message_update(42, "/petugas"))

    assert msg is not None and msg.text == "/petugas" and msg.button is None


def test_a_button_press_becomes_its_payload() -> None:
    msg = incoming(callback_update(43, "country:TW", user_id=78, language_code=None))

    assert msg == IncomingMessage(channel="telegram", user_id="78", button="country:TW", external_id="43",
                                  receipt="cbq-43")


def test_a_photo_caption_is_the_text_and_a_sticker_is_an_empty_text() -> None:
    photo = message_update(44, "")
    del photo["message"]["text"]
    photo["message"]["caption"] = "ini paspor saya"
    sticker = message_update(45, "")
    del sticker["message"]["text"]

    assert incoming(photo).text == "ini paspor saya"  # type: ignore[union-attr]
    assert incoming(sticker).text == ""  # type: ignore[union-attr]


@pytest.mark.parametrize("chat_type", ["group", "supergroup", "channel"])
def test_messages_outside_private_chats_are_ignored(chat_type: str) -> None:
    assert incoming(message_update(46, "halo", chat_type=chat_type)) is None


def test_messages_from_bots_and_other_update_kinds_are_ignored() -> None:
    from_bot = message_update(47, "halo")
    from_bot["message"]["from"]["is_bot"] = True
    edited = message_update(48, "halo")
    edited["edited_message"] = edited.pop("message")

    assert incoming(from_bot) is None
    assert incoming(edited) is None


@pytest.mark.parametrize(
    "data",
    [[], {"update_id": -1}, {"update_id": True}, {"update_id": 1.5}, {"update_id": 1, "message": []},
     {"update_id": 1, "callback_query": {"id": "x"}}],
    ids=["list", "negative", "bool", "float", "message-list", "query-without-from"],
)
def test_what_telegram_would_never_send_is_a_malformed_update(data: object) -> None:
    with pytest.raises(MalformedUpdate):
        parse_update(data, BOT)


# --- splitting ------------------------------------------------------------------------------------


def split_text(text: str) -> list[str]:
    return split(text, MAX_MESSAGE_UNITS)


def test_a_short_text_is_one_part() -> None:
    assert split_text("Halo!") == ["Halo!"]


def test_a_text_of_exactly_the_limit_is_one_part() -> None:
    assert split_text("a" * MAX_MESSAGE_UNITS) == ["a" * MAX_MESSAGE_UNITS]


def test_4100_characters_split_at_the_last_paragraph_break_that_fits() -> None:
    text = "A" * 3000 + "\n\n" + "B" * 900 + "\n\n" + "C" * 196

    parts = split_text(text)

    assert parts == ["A" * 3000 + "\n\n" + "B" * 900, "C" * 196]


def test_without_paragraphs_it_splits_at_a_line_then_at_a_space_then_hard() -> None:
    lines = "\n".join(["kalimat satu dua tiga"] * 250)  # 5,499 characters, no blank line
    words = " ".join(["kata"] * 1000)  # 4,999 characters, one line
    run = "x" * 5000

    assert all(not p.startswith("\n") and utf16_units(p) <= MAX_MESSAGE_UNITS for p in split_text(lines))
    assert "\n".join(split_text(lines)) == lines
    assert " ".join(split_text(words)) == words
    assert split_text(run) == ["x" * MAX_MESSAGE_UNITS, "x" * (5000 - MAX_MESSAGE_UNITS)]


def test_the_limit_counts_utf16_units_so_emoji_count_twice() -> None:
    text = "😀" * 2100  # 2,100 characters but 4,200 UTF-16 units

    parts = split_text(text)

    assert len(parts) == 2
    assert all(utf16_units(p) <= MAX_MESSAGE_UNITS for p in parts)
    assert "".join(parts) == text


# --- keyboards ------------------------------------------------------------------------------------


def test_long_labels_get_a_row_each_and_short_pairs_share_one() -> None:
    buttons = [Button("🌏 Destination countries", "menu:negara"), Button("👍 Ya", "fb:x:1"),
               Button("👎 Tidak", "fb:x:0"), Button("🏠 Menu", "menu")]

    markup = keyboard(buttons)

    assert markup is not None
    rows = [[b.callback_data for b in row] for row in markup.inline_keyboard]
    assert rows == [["menu:negara"], ["fb:x:1", "fb:x:0"], ["menu"]]


def test_payloads_over_64_bytes_are_dropped_counting_bytes_not_characters() -> None:
    fits = Button("ok", "e:" + "x" * 62)  # 64 bytes
    too_long = Button("no", "e:" + "é" * 32)  # 34 characters, 66 bytes

    assert fitting_buttons([fits, too_long]) == [fits]
    assert keyboard([too_long]) is None


# --- retries --------------------------------------------------------------------------------------


def test_backoff_doubles_and_stays_bounded() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=2.0)

    delays = [policy.delay(n) for n in range(1, 6)]

    # One policy for every channel (bot/channels/base.py): half to all of the doubling backoff.
    assert 0.25 <= delays[0] <= 0.5 and 0.5 <= delays[1] <= 1.0
    assert all(1.0 <= d <= 2.0 for d in delays[2:])


def test_a_timestamp_outside_the_platforms_range_is_malformed_not_a_crash() -> None:
    """Found by the webhook fuzz test: PTB's fromtimestamp raises OSError for a huge 'date'."""
    bot = Bot("123:abc")
    update = {"update_id": 1, "message": {"message_id": 1, "date": 10**18, "chat": {"id": 1, "type": "private"},
                                          "text": "halo"}}
    with pytest.raises(MalformedUpdate):
        parse_update(update, bot)


# --- Replies → messages ----------------------------------------------------------------------------

THUMBS = (Button("👍 Ya", "fb:x:1"), Button("👎 Tidak", "fb:x:0"))


def test_a_short_question_after_an_answer_is_shown_under_it_with_its_buttons_first() -> None:
    answer = Reply("Gaji minimum Taiwan …", (Button("Hak PMI di Taiwan", "entry:hak-taiwan"), Button("🏠 Menu", "menu")))
    question = Reply("Apakah jawaban ini membantu?", THUMBS)

    [(message, count)] = fold_replies([answer, question])

    assert count == 2
    assert message.text == "Gaji minimum Taiwan …\n\nApakah jawaban ini membantu?"
    assert [b.payload for b in message.buttons] == ["fb:x:1", "fb:x:0", "entry:hak-taiwan", "menu"]


def test_replies_that_do_not_fit_together_stay_separate_messages() -> None:
    long_answer = Reply("a" * (MAX_MESSAGE_UNITS - 10))
    question = Reply("Apakah jawaban ini membantu?", THUMBS)
    assert [count for _, count in fold_replies([long_answer, question])] == [1, 1], "over Telegram's limit together"

    long_second = Reply("b" * 200)
    assert [count for _, count in fold_replies([Reply("short"), long_second])] == [1, 1], "only a short reply folds"

    buttons_only = Reply("", THUMBS)
    assert [count for _, count in fold_replies([Reply("text"), buttons_only])] == [1, 1], "an empty text never folds"


def test_three_replies_fold_in_order_and_counts_add_up() -> None:
    replies = [Reply("Jawaban"), Reply("Pertanyaan satu?"), Reply("a" * 300), Reply("Dua?")]
    folded = fold_replies(replies)
    assert [(m.text, n) for m, n in folded] == [("Jawaban\n\nPertanyaan satu?", 2), ("a" * 300 + "\n\nDua?", 2)]
    assert sum(n for _, n in folded) == len(replies)
