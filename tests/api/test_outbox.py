"""The outbound outbox: what could not be sent waits in the database and a background task retries it, in
order per user, with an attempt limit; two workers never send the same row; counts show in /api/v1/stats."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.app import create_app
from api.settings import Settings
from api.tokens import create_token
from bot.channels.base import ChannelDefaults, SendFailed
from bot.delivery import claim_outbox, due_outbox, failed_sends, outbox_counts, record_failed_send
from bot.dispatch import Outbound, OutboxPolicy
from bot.models import OutboxRow
from tests.fakes.loopback import serve_in_thread
from tests.fakes.telegram_api import FakeTelegramAPI, message_update

TOKEN = "123456:OUTBOX-token_abc"
SECRET = "outbox-Webhook_secret"
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeTelegramAPI]:
    with FakeTelegramAPI().serve() as api:
        yield api


def settings_for(db_url: str, fake: FakeTelegramAPI, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": db_url, "telegram_bot_token": TOKEN, "telegram_webhook_secret": SECRET,
        "telegram_api_base_url": fake.base_url, "telegram_mode": "webhook",
        "outbox_poll_seconds": 0.1, "outbox_retry_seconds": 0.05,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def eventually(check: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, "the condition did not hold in time"
        time.sleep(0.05)


def test_unsent_replies_wait_and_are_retried_in_order_and_show_in_stats(
    db_url: str, engine: Engine, fake: FakeTelegramAPI
) -> None:
    fake.reset()
    with Session(engine) as session:
        _row, token = create_token(session, name="reader", role="editor", actor="test")
        session.commit()
    user = 6_100_001
    # Telegram asks for a flood wait longer than a webhook may sit out: the answer goes to the outbox.
    fake.fail("sendMessage", 429, retry_after=3600, times=1)
    with serve_in_thread(create_app(settings_for(db_url, fake, outbox_poll_seconds=3600))) as url, \
            httpx.Client(base_url=url, timeout=30) as client:
        assert client.post("/webhooks/telegram", json=message_update(1, "/start", user_id=user),
                           headers=HEADERS).status_code == 200
        waiting = failed_sends(engine, "telegram")
        assert waiting and all(row.status == "pending" for row in waiting)
        first_texts = [row.payload["text"] for row in waiting]
        # A newer message for the same user must queue behind the older ones, not overtake them.
        assert client.post("/webhooks/telegram", json=message_update(2, "/privasi", user_id=user),
                           headers=HEADERS).status_code == 200
        assert fake.calls_to("sendMessage")[1:] == [], "nothing sent live while older replies wait"
        queued = failed_sends(engine, "telegram")
        assert len(queued) > len(waiting)
        stats = client.get("/api/v1/stats", headers={"Authorization": f"Bearer {token}"}).json()
        assert stats["outbox"]["pending"] == len(queued)
    # A worker whose outbox task runs sends them all, oldest first.
    with serve_in_thread(create_app(settings_for(db_url, fake))):
        eventually(lambda: outbox_counts(engine)["sent"] == len(queued))
    sent = [c.params["text"] for c in fake.calls_to("sendMessage")[1:]]
    assert sent == [row.payload["text"] for row in queued]
    assert sent[: len(first_texts)] == first_texts
    assert all(int(c.params["chat_id"]) == user for c in fake.calls_to("sendMessage"))


class FlakyChannel(ChannelDefaults):
    """A channel adapter that fails the first `failures` sends, recording what it sent."""

    name = "telegram"

    def __init__(self, failures: int = 0, *, always: bool = False) -> None:
        self.failures = failures
        self.always = always
        self.delivered: list[tuple[str, str]] = []

    async def send(self, user_id: str, payload: dict[str, Any]) -> list[str]:
        if self.always or self.failures > 0:
            self.failures -= 1
            raise SendFailed("ConnectionError")
        self.delivered.append((user_id, payload["text"]))
        return [str(len(self.delivered))]


def outbound(engine: Engine, channel: FlakyChannel, max_attempts: int = 8) -> Outbound:
    return Outbound(engine, {"telegram": channel},  # type: ignore[dict-item]
                    policy=OutboxPolicy(retry_seconds=0.001, max_attempts=max_attempts))


def queue(engine: Engine, user: str, *texts: str) -> list[int]:
    return [record_failed_send(engine, "telegram", user, {"text": t, "buttons": []}, "test", attempts=1)
            for t in texts]


def drain(sender: Outbound, passes: int = 1) -> None:
    for _ in range(passes):
        asyncio.run(sender.drain())
        time.sleep(0.01)


def test_one_user_is_served_in_order_while_another_is_not_held_up(engine: Engine) -> None:
    queue(engine, "u1", "a1", "a2", "a3")
    queue(engine, "u2", "b1")
    channel = FlakyChannel(failures=1)  # u1's oldest fails once
    drain(outbound(engine, channel), passes=6)
    assert [t for u, t in channel.delivered if u == "u1"] == ["a1", "a2", "a3"]
    assert ("u2", "b1") in channel.delivered
    assert channel.delivered.index(("u2", "b1")) < channel.delivered.index(("u1", "a1")), "u2 did not wait for u1's retry"


def test_a_row_that_keeps_failing_stops_at_the_attempt_limit(engine: Engine) -> None:
    (row_id,) = queue(engine, "u3", "never")
    channel = FlakyChannel(always=True)
    drain(outbound(engine, channel, max_attempts=3), passes=8)
    with Session(engine) as session:
        row = session.get(OutboxRow, row_id)
        assert row is not None and row.status == "failed" and row.attempts == 3
    assert outbox_counts(engine)["failed"] == 1


def test_two_workers_never_claim_the_same_row(engine: Engine) -> None:
    (row_id,) = queue(engine, "u4", "once")
    assert [r[0] for r in due_outbox(engine)] == [row_id]
    first, second = claim_outbox(engine, row_id), claim_outbox(engine, row_id)
    assert first is not None and second is None
    assert due_outbox(engine) == [], "a claimed row is not due again until its lease ends"
