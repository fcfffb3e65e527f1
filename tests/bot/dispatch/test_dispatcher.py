"""The dispatcher end to end with the real core, the real Telegram adapter and database, and the fake Bot API:
per-user order, the claim, progress after a crash, and the outbox retried by the same sender."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from api.runtime import build_runtime
from api.settings import Settings
from bot.channels.telegram import RetryPolicy, TelegramChannel, create_channel
from bot.delivery import Claimed, claim_and_compute, failed_sends, mark_progress, outbox_counts
from bot.dispatch import Dispatcher, Outbound, OutboxPolicy, UserLocks
from bot.messages import IncomingMessage
from tests.fakes.graph_api import FakeGraphAPI
from tests.fakes.telegram_api import FakeTelegramAPI, callback_update, message_update

TOKEN = "123456:DISPATCH-token_abc"
QUESTION = "gaji di taiwan berapa"


@pytest.fixture
def fake(fakes: tuple[FakeTelegramAPI, FakeGraphAPI]) -> FakeTelegramAPI:
    """The module's fake Bot API, with nothing left over from another test."""
    fakes[0].reset()
    return fakes[0]


@pytest.fixture
def parts(db_url: str, fake: FakeTelegramAPI) -> Iterator[tuple[TelegramChannel, Dispatcher, Engine]]:
    """A Telegram channel on the fake and a dispatcher with the real core, on the test's database."""
    runtime = build_runtime(Settings(_env_file=None, database_url=db_url))  # type: ignore[call-arg]
    channel = create_channel(TOKEN, base_url=fake.base_url, polling=False,
                             retry=RetryPolicy(attempts=2, base_delay=0.01))
    outbound = Outbound(runtime.engine, {"telegram": channel}, policy=OutboxPolicy(retry_seconds=0.001))
    yield channel, Dispatcher(runtime.engine, runtime.conversation, outbound, locks=UserLocks(runtime.engine)), \
        runtime.engine
    runtime.engine.dispose()


def incoming(channel: TelegramChannel, update: dict[str, Any]) -> IncomingMessage:
    [msg] = channel.incoming(update)
    return msg


async def handle(channel: TelegramChannel, dispatcher: Dispatcher, *updates: dict[str, Any]) -> list[str]:
    """Hand the updates to the dispatcher at once (as parallel webhook requests); their outcomes' statuses."""
    async with channel.application:
        outcomes = await asyncio.gather(*(dispatcher.handle(channel, incoming(channel, u)) for u in updates))
    return [outcome.status for outcome in outcomes]


def test_one_users_updates_are_answered_in_order(parts: tuple[TelegramChannel, Dispatcher, Engine],
                                                 fake: FakeTelegramAPI) -> None:
    channel, dispatcher, _engine = parts
    fake.latency = 0.05  # each send takes a while: interleaved handling would show in the order of the replies
    updates = [message_update(100 + i, text, user_id=7001) for i, text in enumerate(["/start", QUESTION, "/bahasa"])]

    assert asyncio.run(handle(channel, dispatcher, *updates)) == ["handled"] * 3

    texts = [call.params["text"] for call in fake.calls_to("sendMessage")]
    menu, answer, language = texts[0], texts[1], texts[-1]
    assert "NT$" in answer and "NT$" not in menu and "NT$" not in language, texts


def test_a_redelivered_update_is_a_duplicate_and_sends_nothing_again(
        parts: tuple[TelegramChannel, Dispatcher, Engine], fake: FakeTelegramAPI) -> None:
    channel, dispatcher, _engine = parts
    update = message_update(200, QUESTION, user_id=7002)

    assert asyncio.run(handle(channel, dispatcher, update)) == ["handled"]
    sent = len(fake.calls_to("sendMessage"))
    assert asyncio.run(handle(channel, dispatcher, update)) == ["duplicate"]
    assert len(fake.calls_to("sendMessage")) == sent > 0


def test_a_takeover_sends_only_the_stored_replies_not_yet_out(
        parts: tuple[TelegramChannel, Dispatcher, Engine], fake: FakeTelegramAPI) -> None:
    channel, dispatcher, engine = parts
    # A worker claimed update 300, stored three payloads, sent the first, then died (its lease is over).
    stored = {"payloads": [{"text": f"part {n}", "buttons": []} for n in (1, 2, 3)], "erased": False}
    claimed = claim_and_compute(engine, "telegram", "300", "7003", lambda: stored)
    assert isinstance(claimed, Claimed)
    mark_progress(engine, claimed.delivery, 1)
    dispatcher.lease_seconds = 0.0  # the dead worker's lease has run out

    assert asyncio.run(handle(channel, dispatcher, message_update(300, QUESTION, user_id=7003))) == ["handled"]

    assert [c.params["text"] for c in fake.calls_to("sendMessage")] == ["part 2", "part 3"], "the core did not rerun"


def row_of(engine: Engine, external_id: str) -> tuple[str, int, int]:
    """(state, sent, tried) of an update's delivery row."""
    with engine.connect() as connection:
        state, sent, tried = connection.execute(
            text("SELECT state, sent, tried FROM processed_events WHERE channel = 'telegram' AND external_id = :e"),
            {"e": external_id}).one()
    return str(state), int(sent), int(tried)


def test_each_reply_is_counted_as_tried_before_the_platform_has_it_and_as_sent_once_it_took_it(
        parts: tuple[TelegramChannel, Dispatcher, Engine], fake: FakeTelegramAPI) -> None:
    channel, dispatcher, engine = parts
    # A stored turn of two replies (as a takeover finds it; lease 0): the first goes through, the second hangs.
    stored = {"payloads": [{"text": f"part {n}", "buttons": []} for n in (1, 2)], "erased": False}
    assert isinstance(claim_and_compute(engine, "telegram", "350", "7035", lambda: stored), Claimed)
    assert row_of(engine, "350") == ("processing", 0, 1)  # stored: the first reply is next to be tried
    dispatcher.lease_seconds = 0.0
    fake.hold("sendMessage", after=1)
    seen: list[tuple[str, int, int]] = []

    async def scenario() -> list[str]:
        async with channel.application:
            task = asyncio.create_task(dispatcher.handle(channel, incoming(channel, message_update(350, "x",
                                                                                                   user_id=7035))))
            while not fake.held:
                await asyncio.sleep(0.01)
            seen.append(row_of(engine, "350"))  # the second reply is with the platform, its fate unknown
            fake.release("sendMessage")  # it never arrived (502); the retry goes through
            return [(await task).status]

    assert asyncio.run(scenario()) == ["handled"]
    assert seen == [("processing", 1, 2)], "one reply known out, the next one tried"
    assert row_of(engine, "350")[0] == "done"
    assert [c.params["text"] for c in fake.calls_to("sendMessage")] == ["part 1", "part 2"]


def test_a_takeover_sends_a_reply_in_doubt_again_and_says_it_may_repeat(
        parts: tuple[TelegramChannel, Dispatcher, Engine], fake: FakeTelegramAPI,
        caplog: pytest.LogCaptureFixture) -> None:
    channel, dispatcher, engine = parts
    # The dead worker had the second of three replies with the platform: nothing may be lost, so it goes again.
    stored = {"payloads": [{"text": f"part {n}", "buttons": []} for n in (1, 2, 3)], "erased": False}
    claimed = claim_and_compute(engine, "telegram", "360", "7036", lambda: stored)
    assert isinstance(claimed, Claimed)
    mark_progress(engine, claimed.delivery, 1)
    dispatcher.lease_seconds = 0.0

    with caplog.at_level(logging.WARNING, logger="bot.dispatch.inbound"):
        assert asyncio.run(handle(channel, dispatcher, message_update(360, QUESTION, user_id=7036))) == ["handled"]

    assert [c.params["text"] for c in fake.calls_to("sendMessage")] == ["part 2", "part 3"]
    assert any("1 of 3 payloads were out, the next one possibly too" in r.getMessage() for r in caplog.records)
    assert row_of(engine, "360") == ("done", 3, 3)


def test_a_press_is_acknowledged_and_answered(parts: tuple[TelegramChannel, Dispatcher, Engine],
                                             fake: FakeTelegramAPI) -> None:
    channel, dispatcher, _engine = parts
    assert asyncio.run(handle(channel, dispatcher, callback_update(400, "menu", user_id=7004))) == ["handled"]
    assert len(fake.calls_to("answerCallbackQuery")) == 1
    assert fake.calls_to("sendMessage")


def test_what_cannot_be_sent_waits_in_the_outbox_and_the_same_sender_delivers_it(
        parts: tuple[TelegramChannel, Dispatcher, Engine], fake: FakeTelegramAPI) -> None:
    channel, dispatcher, engine = parts
    fake.fail("sendMessage", 502, times=2)  # both attempts of the first payload

    assert asyncio.run(handle(channel, dispatcher, message_update(500, QUESTION, user_id=7005))) == ["handled"]
    waiting = failed_sends(engine, "telegram")
    assert waiting and all(row.user_id == "7005" for row in waiting)
    assert fake.calls_to("sendMessage")[-1].params["text"] == fake.calls_to("sendMessage")[0].params["text"]

    async def drain() -> None:
        async with channel.application:
            for _ in range(len(waiting) + 2):
                await dispatcher.outbound.drain()
                time.sleep(0.01)

    asyncio.run(drain())
    assert outbox_counts(engine)["sent"] == len(waiting) and not failed_sends(engine, "telegram")
    assert "NT$" in " ".join(c.params["text"] for c in fake.calls_to("sendMessage")[2:])
