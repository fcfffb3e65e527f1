"""Malformed and oversized webhook payloads for both channels, with a valid secret or signature so they reach
the parser: never a 5xx, and nothing changes in the database.

Hypothesis generates JSON values and raw bytes; hand-written cases add wrong types inside real update
shapes, huge bodies, deep nesting and invalid UTF-8. `pytest -s` prints how many examples ran.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.engine import Engine

from api.app import create_app
from api.settings import Settings
from tests.fakes.graph_api import FakeGraphAPI
from tests.fakes.loopback import serve_in_thread
from tests.fakes.telegram_api import FakeTelegramAPI

TG_TOKEN = "123456:FUZZ-token_abc"
TG_SECRET = "fuzz-Webhook_secret"
APP_SECRET = "fuzz-app-secret-0123456789"
EXAMPLES = 150
TABLES = ("conversations", "processed_events", "outbox", "whatsapp_pending_choices", "handoffs",
          "handoff_messages", "unanswered", "feedback")
RUN: Counter[str] = Counter()

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=30,
)
# Values in the places a real update has them, with the wrong types.
odd = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20),
                st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=3))


@pytest.fixture(scope="module")
def service(template_db: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[httpx.Client, Engine]]:
    import shutil

    from knowledge.db import make_engine

    if template_db.backend != "sqlite":
        pytest.skip("the fuzz run uses one SQLite copy; the parsers are the same on every database")
    target = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
    shutil.copyfile(template_db.url, target)
    url = f"sqlite:///{target}"
    with FakeTelegramAPI().serve() as telegram, FakeGraphAPI().serve() as graph:
        app_settings = Settings(  # type: ignore[call-arg]
            _env_file=None, database_url=url, telegram_bot_token=TG_TOKEN, telegram_webhook_secret=TG_SECRET,
            telegram_api_base_url=telegram.base_url, telegram_mode="webhook",
            whatsapp_access_token="EAAfuzz-access", whatsapp_phone_number_id="106540352242922",
            whatsapp_app_secret=APP_SECRET, whatsapp_verify_token="verify-fuzz",
            whatsapp_api_base_url=graph.base_url,
        )
        engine = make_engine(url)
        with serve_in_thread(create_app(app_settings)) as base, httpx.Client(base_url=base, timeout=60) as client:
            yield client, engine
        engine.dispose()
    print(f"\nwebhook fuzzing: {dict(RUN)} examples")


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {t: int(connection.execute(text(f"SELECT count(*) FROM {t}")).scalar() or 0) for t in TABLES}


def telegram(client: httpx.Client, body: bytes) -> httpx.Response:
    return client.post("/webhooks/telegram", content=body, headers={
        "X-Telegram-Bot-Api-Secret-Token": TG_SECRET, "Content-Type": "application/json"})


def whatsapp(client: httpx.Client, body: bytes) -> httpx.Response:
    signature = "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return client.post("/webhooks/whatsapp", content=body, headers={
        "X-Hub-Signature-256": signature, "Content-Type": "application/json"})


def check(response: httpx.Response) -> None:
    assert response.status_code < 500, (response.status_code, response.text[:300])


FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                             HealthCheck.too_slow])


@FUZZ
@given(value=json_values)
def test_any_json_changes_nothing(service: tuple[httpx.Client, Engine], value: Any) -> None:
    client, engine = service
    before = counts(engine)
    body = json.dumps(value).encode()
    check(telegram(client, body))
    check(whatsapp(client, body))
    assert counts(engine) == before
    RUN["json"] += 1


@FUZZ
@given(body=st.binary(max_size=300))
def test_any_bytes_change_nothing(service: tuple[httpx.Client, Engine], body: bytes) -> None:
    client, engine = service
    before = counts(engine)
    check(telegram(client, body))
    check(whatsapp(client, body))
    assert counts(engine) == before
    RUN["bytes"] += 1


@FUZZ
@given(update_id=odd, chat=odd, sender=odd, message_text=odd, date=odd)
def test_wrong_types_inside_a_telegram_update(service: tuple[httpx.Client, Engine], update_id: Any, chat: Any,
                                              sender: Any, message_text: Any, date: Any) -> None:
    client, _engine = service
    update = {"update_id": update_id, "message": {"message_id": 1, "date": date, "chat": chat, "from": sender,
                                                  "text": message_text}}
    check(telegram(client, json.dumps(update).encode()))
    RUN["telegram-shapes"] += 1


@FUZZ
@given(entry=odd, changes=odd, messages=odd, sender=odd, body=odd, kind=odd)
def test_wrong_types_inside_a_whatsapp_delivery(service: tuple[httpx.Client, Engine], entry: Any, changes: Any,
                                                messages: Any, sender: Any, body: Any, kind: Any) -> None:
    client, _engine = service
    shaped = {"object": "whatsapp_business_account", "entry": [
        {"id": entry, "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp", "metadata": changes,
            "messages": [{"from": sender, "id": messages, "timestamp": "1", "type": kind, "text": {"body": body}}],
        }}]}]}
    check(whatsapp(client, json.dumps(shaped).encode()))
    RUN["whatsapp-shapes"] += 1


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize("body", [
    pytest.param(nested(100_000), id="deep-nesting"),
    pytest.param(b'{"update_id": 1, "message": {"text": "' + b"a" * 1_200_000 + b'"}}', id="huge-body"),
    pytest.param(b'{"update_id": 1, "message": {"text": "\xff\xfe\xc0"}}', id="invalid-utf8"),
    pytest.param(b'{"a": "\\ud800"}', id="lone-surrogate"),
    pytest.param(b"", id="empty"),
    pytest.param(b"null", id="null"),
    pytest.param(b'{"update_id": 1e400}', id="huge-number"),
    pytest.param(b'{"update_id": ' + b"9" * 5000 + b"}", id="long-integer"),
])
def test_hostile_bodies_change_nothing(service: tuple[httpx.Client, Engine], body: bytes) -> None:
    client, engine = service
    before = counts(engine)
    check(telegram(client, body))
    check(whatsapp(client, body))
    assert counts(engine) == before
    RUN["hostile"] += 1
