"""Both adapters are `Channel`s: neutral messages in, payloads out, one `SendFailed` that the outbox reads."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.runtime import build_runtime
from api.settings import Settings
from bot.channels.base import Channel, SendFailed
from bot.channels.telegram import TelegramChannel, create_channel
from bot.channels.whatsapp import GraphClient, SendError, WhatsAppChannel
from bot.delivery import record_failed_send
from bot.dispatch import Outbound
from bot.messages import Button, Reply
from bot.models import OutboxRow
from knowledge.models import utcnow
from tests.fakes.telegram_api import FakeTelegramAPI, message_update

TOKEN = "123456:BASE-token_abc"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeTelegramAPI]:
    with FakeTelegramAPI().serve() as api:
        yield api


def telegram(db_url: str, fake: FakeTelegramAPI) -> tuple[TelegramChannel, Engine]:
    settings = Settings(_env_file=None, database_url=db_url)  # type: ignore[call-arg]
    runtime = build_runtime(settings)
    channel = create_channel(TOKEN, base_url=fake.base_url, polling=False)
    return channel, runtime.engine


def test_both_adapters_parse_and_render_through_the_protocol(db_url: str, fake: FakeTelegramAPI) -> None:
    tg, engine = telegram(db_url, fake)
    wa = WhatsAppChannel(GraphClient(base_url="http://127.0.0.1:9", phone_number_id="1", access_token="t"),
                         engine, default_language="id")
    channels: list[Channel] = [tg, wa]
    assert [c.name for c in channels] == ["telegram", "whatsapp"]
    [msg] = tg.incoming(message_update(5, "halo", user_id=42))
    assert (msg.channel, msg.user_id, msg.text, msg.external_id) == ("telegram", "42", "halo", "5")
    body = {"entry": [{"changes": [{"value": {"messages": [
        {"id": "wamid.1", "from": "628111", "type": "text", "text": {"body": "2"}},
        {"id": "wamid.2", "from": "628111", "type": "image"}]}}]}]}
    # A kind the bot cannot read comes with neither text nor button (the channel answers it without the core).
    assert [(m.user_id, m.text, m.button) for m in wa.incoming(body)] == [("628111", "2", None),
                                                                           ("628111", None, None)]
    replies = [Reply("Jawaban *penting*."), Reply("Membantu?", (Button("👍", "fb:1"),))]
    assert tg.render(replies, "id") == [{"text": "Jawaban *penting*.\n\nMembantu?",
                                         "buttons": [{"label": "👍", "payload": "fb:1"}],
                                         "replies": [r.to_dict() for r in replies]}]
    [wa_payload] = wa.render(replies, "id")
    assert wa_payload["interactive"]["body"]["text"] == "Jawaban *penting*.\n\nMembantu?"
    engine.dispose()


def test_the_adapters_errors_are_one_send_failed() -> None:
    assert issubclass(SendError, SendFailed)
    error = SendError("131047", attempts=1, retryable=False)
    assert (error.code, error.retryable, error.retry_after, error.attempts) == ("131047", False, None, 1)


def outbox_row(engine: Engine, row_id: int) -> OutboxRow:
    with Session(engine) as session:
        row = session.get(OutboxRow, row_id)
        assert row is not None
        return row


@pytest.mark.parametrize(("status", "retry_after", "expected"), [(403, None, "failed"), (429, 600, "pending")])
def test_the_outbox_reads_send_failed_not_class_names(db_url: str, fake: FakeTelegramAPI, status: int,
                                                      retry_after: int | None, expected: str) -> None:
    fake.reset()
    tg, engine = telegram(db_url, fake)
    row_id = record_failed_send(engine, "telegram", "77", {"text": "halo", "buttons": []}, "test", attempts=1)
    fake.fail("sendMessage", status, retry_after=retry_after, times=None)

    async def drain() -> dict[str, int]:
        async with tg.application:
            return await Outbound(engine, {"telegram": tg}).drain()

    assert asyncio.run(drain())[expected] == 1
    row = outbox_row(engine, row_id)
    assert row.status == expected
    if retry_after:  # the platform's wait, not the outbox's 30 s backoff
        assert row.next_attempt_at is not None
        wait = row.next_attempt_at.replace(tzinfo=dt.UTC) - utcnow()
        assert wait > dt.timedelta(seconds=retry_after - 60)
    else:
        assert row.error == "Forbidden", "the user blocked the bot: never tried again"
    engine.dispose()


