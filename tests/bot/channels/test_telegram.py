"""The Telegram channel end to end: real python-telegram-bot against a fake Bot API on 127.0.0.1.

The app runs under uvicorn (lifespan included) and is driven over HTTP like Telegram drives it.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, select

from api.app import create_app
from api.cli import main as cli_main
from api.runtime import build_runtime
from api.settings import Settings, get_settings
from bot.channels.telegram import RetryPolicy, TelegramChannel, create_channel
from bot.delivery import failed_sends
from bot.dispatch import Dispatcher, Outbound, Outcome
from bot.messages import Button, IncomingMessage, Reply, Turn
from bot.models import ConversationRow, ProcessedEventRow
from knowledge.db import make_engine, normalize_url
from tests.conftest import TEST_DATABASE_URL, Template, _pg_admin_engine
from tests.fakes.loopback import serve_in_thread
from tests.fakes.telegram_api import FakeTelegramAPI, callback_update, message_update

TOKEN = "123456:TEST-token_abc"
SECRET = "s3cret-Webhook_token"
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
QUESTION = "berapa gaji minimum di taiwan"


@pytest.fixture
def fake(telegram_fake: FakeTelegramAPI) -> FakeTelegramAPI:
    """The fake Bot API with no calls, failures or updates left over from another test."""
    telegram_fake.reset()
    return telegram_fake


def make_settings(db_url: str, fake: FakeTelegramAPI, **overrides: Any) -> Settings:
    """Settings for a test: the test database, and Telegram pointed at the fake."""
    values: dict[str, Any] = {
        "database_url": db_url,
        "telegram_bot_token": TOKEN,
        "telegram_webhook_secret": SECRET,
        "telegram_api_base_url": fake.base_url,
        "telegram_mode": "webhook",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@contextmanager
def running(settings: Settings) -> Iterator[httpx.Client]:
    """The whole app under uvicorn; yields an HTTP client for it."""
    with serve_in_thread(create_app(settings)) as url, httpx.Client(base_url=url, timeout=20) as client:
        yield client


@pytest.fixture(scope="module")
def shared_db_url(template_db: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One fresh database shared by the webhook tests that use one running app.

    Starting the app builds the knowledge index (seconds), so those tests share one app and keep
    apart by using their own update and user ids.
    """
    if template_db.backend == "sqlite":
        target = tmp_path_factory.mktemp("telegram") / "shared.db"
        shutil.copyfile(template_db.url, target)
        yield f"sqlite:///{target}"
        return
    admin = _pg_admin_engine()
    name = f"dm_tg_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template_db.url}"'))
    yield make_url(normalize_url(TEST_DATABASE_URL or "")).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="module")
def shared_engine(shared_db_url: str) -> Iterator[Engine]:
    """An engine on the shared database, to look at what the app wrote."""
    eng = make_engine(shared_db_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="module")
def service(shared_db_url: str, telegram_fake: FakeTelegramAPI) -> Iterator[httpx.Client]:
    """The app in webhook mode, Telegram configured against the fake, running for the whole module."""
    with running(make_settings(shared_db_url, telegram_fake)) as client:
        yield client


_ids = itertools.count(1000)


def new_id() -> int:
    """An update id (also used as a user id) no other test in this module uses."""
    return next(_ids)


def post(client: httpx.Client, update: dict[str, Any], headers: dict[str, str] = HEADERS) -> httpx.Response:
    """Deliver one update the way Telegram does."""
    return client.post("/webhooks/telegram", json=update, headers=headers)


def processed_events(engine: Engine) -> list[ProcessedEventRow]:
    with Session(engine) as session:
        return list(session.exec(select(ProcessedEventRow)))


def conversations(engine: Engine) -> list[ConversationRow]:
    with Session(engine) as session:
        return list(session.exec(select(ConversationRow)))


def payloads(call_markup: dict[str, Any]) -> list[str]:
    return [button["callback_data"] for row in call_markup["inline_keyboard"] for button in row]


# --- webhook: answers ------------------------------------------------------------------------------


def test_start_gives_the_greeting_and_the_inline_menu(service: httpx.Client, fake: FakeTelegramAPI) -> None:
    user = new_id()

    response = post(service, message_update(new_id(), "/start", user_id=user))

    assert response.status_code == 200, response.text
    [call] = fake.calls_to("sendMessage")
    assert call.params["chat_id"] == str(user)
    assert "Selamat datang" in call.params["text"]
    markup = call.json("reply_markup")
    assert "menu:negara" in payloads(markup)
    assert all(len(row) <= 2 for row in markup["inline_keyboard"])
    assert call.json("link_preview_options") == {"is_disabled": True}
    assert not fake.calls_to("setWebhook"), "setWebhook is a deploy step, never done at start-up"


def test_a_question_is_answered(service: httpx.Client, fake: FakeTelegramAPI) -> None:
    assert post(service, message_update(new_id(), QUESTION, user_id=new_id())).status_code == 200

    # The answer and the feedback question arrive as one message: the question under the answer, its two
    # buttons first (sharing a row: both labels are short), then the related entries.
    [answer] = fake.calls_to("sendMessage")
    assert "NT$" in answer.params["text"]
    assert answer.params["text"].endswith("Apakah jawaban ini membantu?")
    rows = [[b["callback_data"] for b in row] for row in answer.json("reply_markup")["inline_keyboard"]]
    assert rows[0] == ["fb:gaji-taiwan:1", "fb:gaji-taiwan:0"]
    assert ["entry:hak-taiwan"] in rows and rows[-1] == ["menu"]


def test_a_button_press_is_answered_and_acknowledged(service: httpx.Client, fake: FakeTelegramAPI) -> None:
    update = callback_update(new_id(), "entry:gaji-taiwan", user_id=new_id(), query_id="q-77")

    response = post(service, update)

    assert response.status_code == 200
    [ack] = fake.calls_to("answerCallbackQuery")
    assert ack.params["callback_query_id"] == "q-77"
    assert "NT$" in fake.calls_to("sendMessage")[0].params["text"]


def test_an_english_user_is_answered_in_english(service: httpx.Client, fake: FakeTelegramAPI) -> None:
    update = message_update(new_id(), "/start", user_id=new_id(), language_code="en-US")

    assert post(service, update).status_code == 200

    [call] = fake.calls_to("sendMessage")
    assert "Welcome" in call.params["text"]
    assert "Selamat" not in call.params["text"]


def test_the_same_update_delivered_twice_is_answered_once(service: httpx.Client, fake: FakeTelegramAPI,
                                                          shared_engine: Engine) -> None:
    update = message_update(new_id(), QUESTION, user_id=new_id())

    first = post(service, update)
    sent_once = len(fake.calls_to("sendMessage"))
    second = post(service, update)

    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json()["status"] == "duplicate"
    assert sent_once >= 1
    assert len(fake.calls_to("sendMessage")) == sent_once
    claimed = [e for e in processed_events(shared_engine) if e.external_id == str(update["update_id"])]
    assert len(claimed) == 1 and claimed[0].channel == "telegram"


def test_a_group_message_is_not_answered(service: httpx.Client, fake: FakeTelegramAPI) -> None:
    response = post(service, message_update(new_id(), QUESTION, user_id=new_id(), chat_type="group"))

    assert response.status_code == 200
    assert response.json()["status"] == "ignored"
    assert fake.calls_to("sendMessage") == []


# --- webhook: refusals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "status"),
    [({}, 401), ({"X-Telegram-Bot-Api-Secret-Token": "forged"}, 403),
     ({"X-Telegram-Bot-Api-Secret-Token": SECRET + "x"}, 403)],
    ids=["missing", "forged", "longer"],
)
def test_a_missing_or_forged_secret_is_refused_and_changes_nothing(
    service: httpx.Client, fake: FakeTelegramAPI, shared_engine: Engine, headers: dict[str, str], status: int
) -> None:
    user = new_id()
    update = message_update(new_id(), "/start", user_id=user)

    response = post(service, update, headers=headers)

    assert response.status_code == status
    assert "detail" in response.json()
    assert fake.calls_to("sendMessage") == []
    assert str(update["update_id"]) not in {e.external_id for e in processed_events(shared_engine)}
    assert str(user) not in {c.user_id for c in conversations(shared_engine)}


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        (b'{"update_id": 8}', "text/plain", 415),
        (b"{not json", "application/json", 400),
        (b"[1, 2]", "application/json", 400),
        (b'{"message": {"text": "hi"}}', "application/json", 400),
        (b'{"update_id": "8"}', "application/json", 400),
    ],
    ids=["text-plain", "bad-json", "array", "no-update-id", "string-id"],
)
def test_a_malformed_request_gets_a_4xx_with_a_detail(
    service: httpx.Client, fake: FakeTelegramAPI, shared_engine: Engine, content: bytes, content_type: str,
    status: int,
) -> None:
    response = service.post("/webhooks/telegram", content=content,
                            headers={**HEADERS, "Content-Type": content_type})

    assert response.status_code == status, response.text
    assert response.json()["detail"]
    assert fake.calls_to("sendMessage") == []
    assert "8" not in {e.external_id for e in processed_events(shared_engine)}


@pytest.mark.parametrize("content", [
    b'{"update_id": 8, "message": "hello"}',
    b'{"update_id": 8, "message": {"text": "no chat, no date"}}',
], ids=["message-string", "message-incomplete"])
def test_an_update_that_can_never_be_handled_is_acknowledged_as_rejected(
    service: httpx.Client, fake: FakeTelegramAPI, shared_engine: Engine, content: bytes,
) -> None:
    # A 4xx would make Telegram deliver it again and again, holding back the chat's later updates.
    response = service.post("/webhooks/telegram", content=content,
                            headers={**HEADERS, "Content-Type": "application/json"})
    assert (response.status_code, response.json()["status"]) == (200, "rejected")
    assert fake.calls_to("sendMessage") == []
    assert "8" not in {e.external_id for e in processed_events(shared_engine)}


def test_the_webhook_is_404_when_telegram_is_not_configured(db_url: str, fake: FakeTelegramAPI) -> None:
    with running(make_settings(db_url, fake, telegram_bot_token=None)) as client:
        response = post(client, message_update(9, "/start"))

    assert response.status_code == 404
    assert response.json()["detail"]
    assert fake.calls == []


# --- outbound reliability --------------------------------------------------------------------------


def test_a_429_is_retried_after_retry_after(service: httpx.Client, fake: FakeTelegramAPI) -> None:
    fake.fail("sendMessage", 429, retry_after=1)

    response = post(service, message_update(new_id(), QUESTION, user_id=new_id()))

    assert response.status_code == 200
    refused, accepted, *_rest = fake.calls_to("sendMessage")
    assert accepted.at - refused.at >= 0.95
    assert accepted.params["text"] == refused.params["text"]


def test_a_5xx_is_retried_with_backoff(service: httpx.Client, fake: FakeTelegramAPI) -> None:
    fake.fail("sendMessage", 502, times=1)

    assert post(service, message_update(new_id(), "/start", user_id=new_id())).status_code == 200
    assert len(fake.calls_to("sendMessage")) == 2


@contextmanager
def standalone_channel(db_url: str, fake: FakeTelegramAPI, retry: RetryPolicy | None = None
                       ) -> Iterator[tuple[TelegramChannel, Dispatcher]]:
    """The adapter and the dispatcher (no HTTP app), with the real core and database, e.g. for a fast retry
    policy."""
    settings = make_settings(db_url, fake)
    runtime = build_runtime(settings)
    channel = create_channel(TOKEN, base_url=fake.base_url, polling=False, retry=retry)
    try:
        yield channel, Dispatcher(runtime.engine, runtime.conversation, Outbound(runtime.engine, {"telegram": channel}))
    finally:
        runtime.engine.dispose()


async def dispatch(channel: TelegramChannel, dispatcher: Dispatcher, update: dict[str, Any]) -> Outcome:
    """One update through the dispatcher, as the webhook route hands it on."""
    async with channel.application:
        [msg] = channel.incoming(update)
        return await dispatcher.handle(channel, msg)


def test_a_send_that_keeps_failing_is_recorded_without_the_text_in_the_log(
    db_url: str, fake: FakeTelegramAPI, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    fake.fail("sendMessage", 500, times=None)
    caplog.set_level(logging.INFO)  # the design forbids user text at info level and above

    with standalone_channel(db_url, fake, RetryPolicy(attempts=3, base_delay=0.01)) as (channel, dispatcher):
        outcome = asyncio.run(dispatch(channel, dispatcher, message_update(12, QUESTION)))

    assert outcome.status == "handled" and outcome.sent == 0 and outcome.undelivered == 2
    assert len(fake.calls_to("sendMessage")) == 3, "the answer was tried 3 times, the feedback question not"
    answer, feedback = failed_sends(engine, "telegram")
    assert answer.user_id == "5550001" and answer.attempts == 3 and answer.error == "NetworkError"
    assert "NT$" in answer.payload["text"] and answer.payload["buttons"]
    assert feedback.attempts == 0 and feedback.payload["text"]
    logged = caplog.text
    assert "outbox row" in logged
    assert QUESTION not in logged and "NT$" not in logged and TOKEN not in logged
    assert [e.external_id for e in processed_events(engine)] == ["12"], "recorded, so not redelivered"


class BrokenCore:
    """A core that fails (as on a database outage), to see that the claim is given back."""

    def handle(self, msg: IncomingMessage) -> Turn:
        raise RuntimeError("database unavailable")


def test_an_update_that_fails_before_any_reply_is_released_for_redelivery(
    fake: FakeTelegramAPI, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    channel = create_channel(TOKEN, base_url=fake.base_url, polling=False)
    dispatcher = Dispatcher(engine, BrokenCore(), Outbound(engine, {"telegram": channel}))  # type: ignore[arg-type]

    outcome = asyncio.run(dispatch(channel, dispatcher, message_update(13, QUESTION)))

    assert outcome.status == "failed" and outcome.sent == 0
    assert processed_events(engine) == [], "released, so Telegram's redelivery is processed"
    assert fake.calls_to("sendMessage") == []
    assert QUESTION not in caplog.text


def test_a_4100_character_answer_arrives_as_two_messages(db_url: str, fake: FakeTelegramAPI) -> None:
    paragraph = "Gaji dan hak PMI di Taiwan diatur dalam kontrak kerja. " * 18  # ~1,000 characters
    text = "\n\n".join([paragraph.strip()] * 4) + "\n\n" + "x" * 140
    assert 4100 <= len(text) <= 4200
    reply = Reply(text, (Button("🏠 Menu", "menu"), Button("👍 Ya", "fb:y")))

    with standalone_channel(db_url, fake) as (channel, dispatcher):
        async def send() -> tuple[int, int]:
            async with channel.application:
                tally = await dispatcher.outbound.send_replies(channel, "5550001", [reply])
                return tally.sent, tally.undelivered

        assert asyncio.run(send()) == (2, 0)

    first, second = fake.calls_to("sendMessage")
    assert len(first.params["text"]) <= 4096 and len(second.params["text"]) <= 4096
    assert first.params["text"] + "\n\n" + second.params["text"] == text
    assert "reply_markup" not in first.params, "buttons ride on the last part"
    assert payloads(second.json("reply_markup")) == ["menu", "fb:y"]


def test_a_button_with_a_payload_over_64_bytes_is_dropped(db_url: str, fake: FakeTelegramAPI,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    reply = Reply("Pilih:", (Button("Taiwan", "country:TW"), Button("Terlalu panjang", "entry:" + "x" * 60)))

    with standalone_channel(db_url, fake) as (channel, dispatcher):
        async def send() -> tuple[int, int]:
            async with channel.application:
                tally = await dispatcher.outbound.send_replies(channel, "5550001", [reply])
                return tally.sent, tally.undelivered

        assert asyncio.run(send()) == (1, 0)

    [call] = fake.calls_to("sendMessage")
    assert payloads(call.json("reply_markup")) == ["country:TW"]
    assert "dropped a Telegram button" in caplog.text


# --- polling --------------------------------------------------------------------------------------


def test_polling_answers_a_message_end_to_end(db_url: str, fake: FakeTelegramAPI) -> None:
    fake.push_update(message_update(20, QUESTION))

    with running(make_settings(db_url, fake, telegram_mode="polling", telegram_webhook_secret=None)) as client:
        call, *_rest = fake.wait_for("sendMessage")
        assert post(client, message_update(21, "/start")).status_code == 404, "no webhook while polling"

    assert "NT$" in call.params["text"]
    assert fake.calls_to("getMe"), "the Application was initialised in the lifespan"
    assert fake.calls_to("deleteWebhook"), "polling removes a webhook first"
    assert {c.params.get("language_code") for c in fake.calls_to("setMyCommands")} == {"id", "en", None}
    offsets = [int(c.params.get("offset", 0)) for c in fake.calls_to("getUpdates")]
    assert max(offsets) == 21, "the update was confirmed to Telegram"


# --- deploy commands --------------------------------------------------------------------------------


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, fake: FakeTelegramAPI, db_url: str, tmp_path: Path) -> Iterator[None]:
    """Environment for the `desmigratif` CLI, with its cached settings cleared before and after."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", fake.base_url)
    monkeypatch.chdir(tmp_path)  # away from any developer's .env
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_set_webhook_sends_the_secret_and_allowed_updates(cli_env: None, fake: FakeTelegramAPI,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    url = "https://bot.example.org/webhooks/telegram"

    assert cli_main(["telegram", "set-webhook", url, "--drop-pending-updates"]) == 0

    [call] = fake.calls_to("setWebhook")
    assert call.token == TOKEN
    assert call.params["url"] == url
    assert call.params["secret_token"] == SECRET
    assert call.json("allowed_updates") == ["message", "callback_query"]
    assert call.params["drop_pending_updates"] == "true"
    commands = {c.params.get("language_code"): c.json("commands") for c in fake.calls_to("setMyCommands")}
    assert set(commands) == {"id", "en", None}
    assert {"command": "petugas", "description": "Contact an officer"} in commands["en"]
    assert SECRET not in capsys.readouterr().out


def test_delete_webhook(cli_env: None, fake: FakeTelegramAPI) -> None:
    assert cli_main(["telegram", "delete-webhook"]) == 0

    [call] = fake.calls_to("deleteWebhook")
    assert call.params.get("drop_pending_updates") in (None, "false")


def test_a_refused_set_webhook_is_a_clear_error(cli_env: None, fake: FakeTelegramAPI,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    fake.fail("setWebhook", 400)

    assert cli_main(["telegram", "set-webhook", "http://not-https.example.org/hook"]) == 1

    err = capsys.readouterr().err
    assert "Telegram refused: BadRequest" in err
    assert TOKEN not in err


@pytest.mark.parametrize("command", [["telegram", "set-webhook", "https://x.example.org/h"],
                                     ["telegram", "delete-webhook"]])
def test_the_telegram_commands_need_a_token(cli_env: None, monkeypatch: pytest.MonkeyPatch, fake: FakeTelegramAPI,
                                            capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN")

    assert cli_main(command) == 2

    assert "TELEGRAM_BOT_TOKEN is not set" in capsys.readouterr().err
    assert fake.calls == []


def test_serve_refuses_several_workers_when_polling(cli_env: None, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TELEGRAM_MODE", "polling")

    assert cli_main(["serve", "--workers", "2"]) == 2

    assert "one process only" in capsys.readouterr().err
