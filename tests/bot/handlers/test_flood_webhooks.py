"""A flood from one user is throttled politely (one notice, then silence) without holding anyone else up.

(The allowance shared across workers, typing speed, taps and feedback are covered by tests/bot/test_flood.py.)
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.settings import Settings
from tests.fakes.loopback import serve_in_thread
from tests.fakes.telegram_api import FakeTelegramAPI, message_update

TOKEN = "123456:FLOOD-token_abc"
SECRET = "flood-Webhook_secret"
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
FLOODER, OTHER = 7_100_001, 7_100_002
NOTICE = "Please wait about"  # English: the updates carry language_code "en"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeTelegramAPI]:
    with FakeTelegramAPI().serve() as api:
        yield api


def test_a_200_message_flood_is_throttled_and_another_user_is_answered_fully(
    db_url: str, fake: FakeTelegramAPI
) -> None:
    fake.reset()
    settings = Settings(_env_file=None, database_url=db_url, telegram_bot_token=TOKEN,  # type: ignore[call-arg]
                        telegram_webhook_secret=SECRET, telegram_api_base_url=fake.base_url,
                        telegram_mode="webhook")
    burst = settings.bot.flood_burst
    other_questions = ["/start", "gaji taiwan", "syarat kerja ke jepang", "/privasi", "biaya penempatan"] * 2
    statuses: list[int] = []
    lock = threading.Lock()
    with serve_in_thread(create_app(settings)) as url, httpx.Client(base_url=url, timeout=60) as client:

        def deliver(update: dict[str, Any]) -> None:
            status = client.post("/webhooks/telegram", json=update, headers=HEADERS).status_code
            with lock:
                statuses.append(status)

        def other_user() -> None:  # one message at a time, as a person types, during the flood
            for n, text in enumerate(other_questions):
                deliver(message_update(50_000 + n, text, user_id=OTHER, language_code="en"))

        flood = [message_update(10_000 + n, f"halo {n}", user_id=FLOODER, language_code="en") for n in range(200)]
        with ThreadPoolExecutor(4) as pool:
            person = threading.Thread(target=other_user)
            person.start()
            list(pool.map(deliver, flood))
            person.join(120)
            assert not person.is_alive()

    assert statuses.count(200) == len(flood) + len(other_questions), "every update acknowledged"
    sends = fake.calls_to("sendMessage")
    to_flooder = [c.params["text"] for c in sends if int(c.params["chat_id"]) == FLOODER]
    to_other = [c.params["text"] for c in sends if int(c.params["chat_id"]) == OTHER]
    notices = [t for t in to_flooder if NOTICE in t]
    # The flood arrives on 4 connections at once, but a worker handles one user's updates one at a time
    # (bot/serial.py): the burst (and the few the sustained rate refilled meanwhile), one notice, silence.
    assert len(notices) == 1, notices
    assert to_flooder[-1] == notices[0], "nothing after the notice"
    assert burst + 1 <= len(to_flooder) <= burst + 6, f"{len(to_flooder)} messages sent to the flooder"
    # The other user got an answer to every message, and never the flood notice.
    assert not any(NOTICE in t for t in to_other)
    answered = {int(c.params["chat_id"]) for c in sends}
    assert OTHER in answered
    assert len(to_other) >= len(other_questions), "each of the other user's messages was answered"
