"""Logs never carry user ids, phone numbers or message texts, also when the database refuses a write
(issue 19, finding 3). The fault is injected in the database itself: a trigger (SQLite) or a CHECK
constraint (PostgreSQL, whose error quotes the refused row) on the conversation state."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from api.app import create_app
from api.logs import JsonFormatter, TextFormatter
from tests.api.test_security import TG_SECRET, WA_APP_SECRET, settings_for
from tests.fakes.graph_api import FakeGraphAPI
from tests.fakes.loopback import serve_in_thread
from tests.fakes.telegram_api import FakeTelegramAPI, message_update

TG_USER = 515_151
WA_PHONE = "6281299988877"
TYPED = "nama saya Ratna Dewi, hp 081234567890"


def refuse_state_writes(engine: Engine) -> None:
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE conversations ADD CONSTRAINT refuse_writes "
                                    "CHECK (channel = 'none') NOT VALID"))
            return
        for event in ("INSERT", "UPDATE"):
            connection.execute(text(f"CREATE TRIGGER refuse_{event.lower()} BEFORE {event} ON conversations "
                                    "BEGIN SELECT RAISE(ABORT, 'write refused by the test'); END"))


def whatsapp_body() -> bytes:
    return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [
        {"field": "messages", "value": {"messaging_product": "whatsapp", "metadata": {
            "display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
            "contacts": [{"profile": {"name": "Ratna"}, "wa_id": WA_PHONE}],
            "messages": [{"from": WA_PHONE, "id": "wamid.LOGFAULT1", "timestamp": "1764000000",
                          "type": "text", "text": {"body": TYPED}}]}}]}]}).encode()


def test_a_refused_write_logs_no_user_id_phone_or_text(db_url: str, engine: Engine,
                                                        fakes: tuple[FakeTelegramAPI, FakeGraphAPI],
                                                        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    refuse_state_writes(engine)
    with serve_in_thread(create_app(settings_for(db_url, fakes))) as url, httpx.Client(base_url=url) as client:
        tg = client.post("/webhooks/telegram", json=message_update(91, TYPED, user_id=TG_USER),
                         headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET})
        body = whatsapp_body()
        signature = "sha256=" + hmac.new(WA_APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
        wa = client.post("/webhooks/whatsapp", content=body,
                         headers={"X-Hub-Signature-256": signature, "Content-Type": "application/json"})
    # The write was refused: nothing was answered, and the platforms are asked to deliver again.
    assert tg.status_code >= 500 and wa.status_code >= 500
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) >= 2, "both failures were logged"
    assert any("refuse" in (r.exc_text or "") + JsonFormatter().format(r) for r in errors), "the cause is logged"
    for record in caplog.records:
        for formatter in (JsonFormatter(), TextFormatter()):
            line = formatter.format(record)
            for private in (str(TG_USER), WA_PHONE, "Ratna", "081234567890", "nama saya"):
                assert private not in line, f"{private!r} reached the log via {record.name}: {line[:300]}"
