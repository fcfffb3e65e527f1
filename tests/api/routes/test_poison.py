"""No poison messages (issue 19, finding 4): an update that can never be handled is acknowledged with 200,
counted as rejected and never stops the other messages of its delivery."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY

from api.app import create_app
from tests.api.test_security import TG_SECRET, WA_APP_SECRET, settings_for
from tests.fakes.graph_api import FakeGraphAPI
from tests.fakes.loopback import serve_in_thread
from tests.fakes.telegram_api import FakeTelegramAPI, message_update

GOOD_PHONE = "6281277700011"


@pytest.fixture
def client(db_url: str, fakes: tuple[FakeTelegramAPI, FakeGraphAPI]) -> Iterator[httpx.Client]:
    for fake in fakes:
        fake.reset()
    with serve_in_thread(create_app(settings_for(db_url, fakes))) as url, httpx.Client(base_url=url) as http:
        yield http


def rejected(channel: str, reason: str) -> float:
    return REGISTRY.get_sample_value("desmigratif_rejected_updates_total",
                                     {"channel": channel, "reason": reason}) or 0.0


def wa_message(sender: Any, wamid: Any, body: Any = "gaji taiwan berapa") -> dict[str, Any]:
    return {"from": sender, "id": wamid, "timestamp": "1764000000", "type": "text", "text": {"body": body}}


def post_whatsapp(client: httpx.Client, *messages: dict[str, Any]) -> httpx.Response:
    body = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [
        {"field": "messages", "value": {"messaging_product": "whatsapp", "metadata": {
            "display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
            "messages": list(messages)}}]}]}).encode()
    signature = "sha256=" + hmac.new(WA_APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return client.post("/webhooks/whatsapp", content=body,
                       headers={"X-Hub-Signature-256": signature, "Content-Type": "application/json"})


def post_telegram(client: httpx.Client, update: dict[str, Any]) -> httpx.Response:
    return client.post("/webhooks/telegram", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET})


def test_a_sender_too_long_for_its_column_is_rejected_and_the_rest_of_the_delivery_answered(
        client: httpx.Client, fakes: tuple[FakeTelegramAPI, FakeGraphAPI]) -> None:
    _telegram, graph = fakes
    before = rejected("whatsapp", "from")
    poison = wa_message("6" * 150, "wamid.POISON1")
    for _attempt in range(2):  # Meta's redelivery is answered the same way, and the good one only once
        response = post_whatsapp(client, poison, wa_message(GOOD_PHONE, "wamid.GOOD1"))
        assert response.status_code == 200, response.text
    assert rejected("whatsapp", "from") == before + 2
    recipients = [call.body.get("to") for call in graph.sent()]
    assert GOOD_PHONE in recipients and "6" * 150 not in recipients


@pytest.mark.parametrize(("message", "reason"), [
    (wa_message(GOOD_PHONE, "wamid." + "x" * 300), "id"),
    (wa_message(GOOD_PHONE, "wamid.BODY1", body={"nested": "object"}), "text"),
    (wa_message(12345678, "wamid.NUM1"), "from"),
    (wa_message("+62 812 abc", "wamid.PLUS1"), "from"),
])
def test_other_wrong_whatsapp_fields_are_rejected(client: httpx.Client, message: dict[str, Any], reason: str) -> None:
    before = rejected("whatsapp", reason)
    assert post_whatsapp(client, message).status_code == 200
    assert rejected("whatsapp", reason) == before + 1


def _with(update: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    target = update
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return update


@pytest.mark.parametrize(("path", "value", "reason"), [
    (("message", "text"), {"an": "object"}, "text"),
    (("message", "text"), 12345, "text"),
    (("message", "caption"), ["a", "list"], "text"),
    (("message", "chat", "id"), "not-a-number", "chat"),
    (("message", "chat", "id"), 10**40, "chat"),
    (("message", "from", "language_code"), ["id"], "user"),
])
def test_a_telegram_update_with_a_wrong_type_is_acknowledged_and_rejected(
        client: httpx.Client, fakes: tuple[FakeTelegramAPI, FakeGraphAPI], path: tuple[str, ...], value: Any,
        reason: str) -> None:
    telegram, _graph = fakes
    before = rejected("telegram", reason)
    update = _with(message_update(4242, "halo", user_id=7_700_001), path, value)
    response = post_telegram(client, update)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "rejected"
    assert rejected("telegram", reason) == before + 1
    assert not telegram.calls_to("sendMessage")
    # The chat's next update is handled normally.
    assert post_telegram(client, message_update(4243, "halo", user_id=7_700_001)).status_code == 200
    assert telegram.calls_to("sendMessage")
