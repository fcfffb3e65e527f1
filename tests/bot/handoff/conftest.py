"""Fixtures for the human handoff: the app under uvicorn with Telegram (staff group included) and WhatsApp
pointed at fakes on 127.0.0.1, staff tokens, and helpers to drive users and staff over HTTP."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from api.app import create_app
from api.settings import Settings
from api.tokens import create_token
from bot.channels.whatsapp import signature_of
from bot.models import HandoffMessageRow, HandoffRow
from tests.conftest import (
    TELEGRAM_SECRET,
    TELEGRAM_TOKEN,
    WHATSAPP_APP_SECRET,
    WHATSAPP_PHONE_NUMBER_ID,
    app_settings,
)
from tests.fakes.graph_api import FakeGraphAPI
from tests.fakes.loopback import serve_in_thread
from tests.fakes.telegram_api import FakeTelegramAPI, message_update

TOKEN = TELEGRAM_TOKEN
SECRET = TELEGRAM_SECRET
TG_HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
STAFF_CHAT = -1001234567
APP_SECRET = WHATSAPP_APP_SECRET
PHONE_NUMBER_ID = WHATSAPP_PHONE_NUMBER_ID

_ids = itertools.count(50_000)


def new_id() -> int:
    """An update / user id no other test uses."""
    return next(_ids)


@pytest.fixture
def fakes(telegram_fake: FakeTelegramAPI, graph_fake: FakeGraphAPI) -> tuple[FakeTelegramAPI, FakeGraphAPI]:
    telegram_fake.reset()
    graph_fake.reset()
    return telegram_fake, graph_fake


def make_settings(db_url: str, tg: FakeTelegramAPI, wa: FakeGraphAPI, **overrides: Any) -> Settings:
    """The shared app settings with both channels on the fakes, a staff group and a fast handoff poll."""
    values: dict[str, Any] = {
        "staff_telegram_chat_id": str(STAFF_CHAT),
        "handoff_poll_seconds": 0.1,
        # Hours that are always open, so replies do not depend on the clock of the test run.
        "hotline_hours": "Mon-Sun 00:00-23:59 Asia/Jakarta",
    }
    values.update(overrides)
    return app_settings(db_url, telegram=tg, whatsapp=wa, **values)


@dataclass
class Desk:
    """One running app: HTTP client, the database, a staff token, the fakes."""

    client: httpx.Client
    engine: Engine
    staff_token: str
    tg: FakeTelegramAPI
    wa: FakeGraphAPI

    # --- users ---

    def tg_say(self, user: int, text: str, update_id: int | None = None) -> httpx.Response:
        response = self.client.post("/webhooks/telegram", json=message_update(update_id or new_id(), text, user_id=user),
                                    headers=TG_HEADERS)
        assert response.status_code == 200, response.text
        return response

    def tg_press(self, user: int, data: str) -> httpx.Response:
        from tests.fakes.telegram_api import callback_update

        response = self.client.post("/webhooks/telegram", json=callback_update(new_id(), data, user_id=user),
                                    headers=TG_HEADERS)
        assert response.status_code == 200, response.text
        return response

    def wa_say(self, user: str, text: str, wamid: str | None = None) -> httpx.Response:
        body = json.dumps(wa_delivery(user, text, wamid)).encode()
        response = self.client.post("/webhooks/whatsapp", content=body, headers={
            "Content-Type": "application/json", "X-Hub-Signature-256": signature_of(APP_SECRET, body)})
        assert response.status_code == 200, response.text
        return response

    # --- staff ---

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.staff_token}", **kwargs.pop("headers", {})}
        return self.client.request(method, f"/api/v1{path}", headers=headers, **kwargs)

    def staff_says(self, text: str, *, reply_to: int | None, update_id: int | None = None,
                   username: str = "budi_petugas") -> httpx.Response:
        response = self.client.post("/webhooks/telegram", json=group_update(update_id or new_id(), text,
                                                                             reply_to=reply_to, username=username),
                                    headers=TG_HEADERS)
        assert response.status_code == 200, response.text
        return response

    # --- looking ---

    def texts_to(self, chat: int) -> list[str]:
        return [c.params["text"] for c in self.tg.calls_to("sendMessage") if int(c.params["chat_id"]) == chat]

    def wa_texts_to(self, user: str) -> list[str]:
        found = []
        for call in self.wa.sent():
            if call.body.get("to") != user:
                continue
            body = call.body
            if body.get("type") == "text":
                found.append(body["text"]["body"])
            elif body.get("type") == "interactive":
                found.append(body["interactive"]["body"]["text"])
        return found

    def ticket_of(self, channel: str, user: str) -> HandoffRow:
        with Session(self.engine) as session:
            row = session.exec(select(HandoffRow).where(HandoffRow.channel == channel, HandoffRow.user_id == user)
                               .order_by(col(HandoffRow.id).desc())).first()
            assert row is not None, f"no ticket for {channel}:{user}"
            session.expunge(row)
            return row

    def lines(self, handoff_id: int) -> list[HandoffMessageRow]:
        with Session(self.engine) as session:
            rows = list(session.exec(select(HandoffMessageRow).where(HandoffMessageRow.handoff_id == handoff_id)
                                     .order_by(col(HandoffMessageRow.id))))
            session.expunge_all()
            return rows

    def post_of(self, handoff_id: int, kind: str | None = None, text: str | None = None) -> int:
        """The staff-group message id of a ticket's post (waits for it)."""

        def find() -> int | None:
            for line in self.lines(handoff_id):
                if line.external_ref and (kind is None or line.kind == kind) and (text is None or line.text == text):
                    return int(line.external_ref.removeprefix("tg:"))
            return None

        return wait_for(find)


def wait_for(probe: Callable[[], Any], timeout: float = 8.0) -> Any:
    """Poll until `probe()` is truthy; returns its value (fails the test on timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {probe}")
        time.sleep(0.02)


def group_update(update_id: int, text: str, *, reply_to: int | None, username: str) -> dict[str, Any]:
    """A message from a staff member in the staff group, optionally a reply to one of the bot's posts."""
    message: dict[str, Any] = {
        "message_id": 900_000 + update_id,
        "date": int(time.time()),
        "chat": {"id": STAFF_CHAT, "type": "supergroup", "title": "Petugas Desmigratif"},
        "from": {"id": 777_000, "is_bot": False, "first_name": "Budi", "username": username},
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    if reply_to is not None:
        message["reply_to_message"] = {
            "message_id": reply_to, "date": int(time.time()),
            "chat": {"id": STAFF_CHAT, "type": "supergroup", "title": "Petugas Desmigratif"},
            "from": {"id": 123456, "is_bot": True, "first_name": "Desmigratif Info (test)"}, "text": "…",
        }
    return {"update_id": update_id, "message": message}


def wa_delivery(user: str, text: str, wamid: str | None = None) -> dict[str, Any]:
    message = {"from": user, "id": wamid or f"wamid.handoff{new_id()}", "timestamp": "1764000000", "type": "text",
               "text": {"body": text}}
    value = {"messaging_product": "whatsapp",
             "metadata": {"display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID},
             "contacts": [{"profile": {"name": "Siti"}, "wa_id": user}], "messages": [message]}
    return {"object": "whatsapp_business_account",
            "entry": [{"id": "102290129340398", "changes": [{"value": value, "field": "messages"}]}]}


def token_for(engine: Engine, name: str, role: str = "staff") -> str:
    """A new API token."""
    with Session(engine) as session:
        _row, token = create_token(session, name=name, role=role, actor="test")
        session.commit()
    return token


def auth(token: str) -> dict[str, str]:
    """The Authorization header for a token."""
    return {"Authorization": f"Bearer {token}"}


def staff_token(engine: Engine) -> str:
    return token_for(engine, "staff-1")


@contextmanager
def running_desk(db_url: str, engine: Engine, tg: FakeTelegramAPI, wa: FakeGraphAPI, *, token: str | None = None,
                 **overrides: Any) -> Iterator[Desk]:
    settings = make_settings(db_url, tg, wa, **overrides)
    with serve_in_thread(create_app(settings)) as url, httpx.Client(base_url=url, timeout=20) as client:
        client.get("/healthz")  # one request first: per-app caches are built before the concurrent ones
        yield Desk(client, engine, token or staff_token(engine), tg, wa)


@pytest.fixture
def desk(db_url: str, engine: Engine, fakes: tuple[FakeTelegramAPI, FakeGraphAPI]) -> Iterator[Desk]:
    """The whole app with a staff group, Telegram and WhatsApp, on a fresh database."""
    tg, wa = fakes
    with running_desk(db_url, engine, tg, wa) as running:
        yield running
