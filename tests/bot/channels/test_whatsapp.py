"""The WhatsApp channel end to end: signed Meta-shaped deliveries to the real app, replies to a fake Graph API."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import itertools
import json
import shutil
import uuid
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, func, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, select
from starlette.exceptions import StarletteDeprecationWarning

from api.app import create_app
from api.settings import Settings
from bot.channels.whatsapp_status import status_of, window_open
from bot.delivery import failed_sends
from bot.models import OutboxRow, ProcessedEventRow
from bot.privacy import erase_user
from knowledge.db import make_engine, normalize_url
from knowledge.loader import KnowledgeBase
from knowledge.schema import EntryDoc, LanguageText, Source
from knowledge.store import import_knowledge_base
from tests.conftest import Template
from tests.fakes.graph_api import FakeGraphAPI, GraphCall, status_delivery

with warnings.catch_warnings():
    # Starlette 1.10 asks for the httpx2 package at import time; the test client works with httpx as it is.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

APP_SECRET = "test-app-secret-0123456789abcdef"
VERIFY_TOKEN = "verify-me-please"
ACCESS_TOKEN = "EAAtest-access-token"
PHONE_NUMBER_ID = "106540352242922"
USER = "6281234567890"
_ids = itertools.count(1)
_users = itertools.count(1)


# --- payloads shaped like Meta's published examples ------------------------------------------------------


def wamid() -> str:
    return f"wamid.HBgLNjI4MTIzNDU2Nzg5MBUCABIYFjNFQjBDMEE{next(_ids):06d}"


def text_message(body: str, *, user: str = USER, message_id: str | None = None) -> dict[str, Any]:
    return {"from": user, "id": message_id or wamid(), "timestamp": "1764000000", "type": "text",
            "text": {"body": body}}


def button_reply(button_id: str, title: str, *, user: str = USER) -> dict[str, Any]:
    return {"context": {"from": "15550783881", "id": wamid()}, "from": user, "id": wamid(),
            "timestamp": "1764000000", "type": "interactive",
            "interactive": {"type": "button_reply", "button_reply": {"id": button_id, "title": title}}}


def list_reply(row_id: str, title: str, description: str = "", *, user: str = USER) -> dict[str, Any]:
    return {"context": {"from": "15550783881", "id": wamid()}, "from": user, "id": wamid(),
            "timestamp": "1764000000", "type": "interactive",
            "interactive": {"type": "list_reply",
                            "list_reply": {"id": row_id, "title": title, "description": description}}}


def audio_message(*, user: str = USER) -> dict[str, Any]:
    return {"from": user, "id": wamid(), "timestamp": "1764000000", "type": "audio",
            "audio": {"mime_type": "audio/ogg; codecs=opus", "sha256": "abc=", "id": "1003383421387256",
                      "voice": True}}


def status_event(status: str = "delivered", *, user: str = USER) -> dict[str, Any]:
    return {"id": wamid(), "status": status, "timestamp": "1764000001", "recipient_id": user,
            "conversation": {"id": "CONVERSATION_ID", "origin": {"type": "service"}},
            "pricing": {"billable": False, "pricing_model": "PMP", "category": "service"}}


def change(*, messages: list[dict[str, Any]] | None = None, statuses: list[dict[str, Any]] | None = None,
           user: str = USER) -> dict[str, Any]:
    value: dict[str, Any] = {"messaging_product": "whatsapp",
                             "metadata": {"display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID}}
    if messages is not None:
        value["contacts"] = [{"profile": {"name": "Siti Aminah"}, "wa_id": user}]
        value["messages"] = messages
    if statuses is not None:
        value["statuses"] = statuses
    return {"value": value, "field": "messages"}


def delivery(*changes: dict[str, Any]) -> dict[str, Any]:
    return {"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": list(changes)}]}


def of(*messages: dict[str, Any]) -> dict[str, Any]:
    """One delivery holding these messages."""
    return delivery(change(messages=list(messages)))


def meta_bytes(payload: dict[str, Any]) -> bytes:
    """The body as Meta sends it: non-ASCII as \\uXXXX escapes and slashes escaped."""
    return json.dumps(payload, ensure_ascii=True, separators=(",", ":")).replace("/", "\\/").encode("ascii")


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# --- fixtures -------------------------------------------------------------------------------------


@pytest.fixture
def graph(graph_fake: FakeGraphAPI) -> FakeGraphAPI:
    graph_fake.reset()
    return graph_fake


def whatsapp_settings(db_url: str, graph: FakeGraphAPI, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": db_url,
        "whatsapp_access_token": ACCESS_TOKEN,
        "whatsapp_phone_number_id": PHONE_NUMBER_ID,
        "whatsapp_app_secret": APP_SECRET,
        "whatsapp_verify_token": VERIFY_TOKEN,
        "whatsapp_api_base_url": graph.base_url,
        "whatsapp_retry_base_seconds": 0.0,
        "whatsapp_send_attempts": 4,
        "telegram_bot_token": None,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="module")
def app_db_url(template_db: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One migrated, seeded database for the module's shared app (each test talks as its own user)."""
    if template_db.backend == "sqlite":
        target = tmp_path_factory.mktemp("whatsapp") / "app.db"
        shutil.copyfile(template_db.url, target)
        yield f"sqlite:///{target}"
        return
    assert template_db.admin_url
    admin = create_engine(normalize_url(template_db.admin_url), isolation_level="AUTOCOMMIT")
    name = f"dm_wa_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template_db.url}"'))
    yield make_url(normalize_url(template_db.admin_url)).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="module")
def app_engine(app_db_url: str) -> Iterator[Engine]:
    """An engine on the shared app's database, for looking at what the app wrote."""
    engine = make_engine(app_db_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def client(app_db_url: str, graph_fake: FakeGraphAPI) -> Iterator[TestClient]:
    """The real app (lifespan included) with WhatsApp on, sending to the fake Graph API."""
    with TestClient(create_app(whatsapp_settings(app_db_url, graph_fake))) as test_client:
        yield test_client


@pytest.fixture
def user() -> str:
    """A WhatsApp id no other test uses, so tests sharing the app do not share a conversation."""
    return f"62812{next(_users):07d}"


def post(client: TestClient, payload: dict[str, Any], *, body: bytes | None = None,
         signature: str | bytes | None = "sign") -> Any:
    raw = meta_bytes(payload) if body is None else body
    headers: dict[str, str | bytes] = {"Content-Type": "application/json"}
    if signature == "sign":
        headers["X-Hub-Signature-256"] = sign(raw)
    elif signature is not None:
        headers["X-Hub-Signature-256"] = signature
    return client.post("/webhooks/whatsapp", content=raw, headers=headers)


def say(client: TestClient, text: str, *, user: str = USER) -> None:
    response = post(client, of(text_message(text, user=user)))
    assert response.status_code == 200, response.text


def body_of(call: GraphCall) -> str:
    """The text a user sees in a sent message (text body or interactive body)."""
    if call.body.get("type") == "text":
        return str(call.body["text"]["body"])
    return str(call.body["interactive"]["body"]["text"])


def choices_of(call: GraphCall) -> list[dict[str, Any]]:
    """The reply buttons or list rows of an interactive message, as {id, title}."""
    if call.body.get("type") != "interactive":
        return []
    action = call.body["interactive"]["action"]
    if "buttons" in action:
        return [b["reply"] for b in action["buttons"]]
    return [row for section in action["sections"] for row in section["rows"]]


def processed_count(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(ProcessedEventRow)).one())


# --- the handshake ---------------------------------------------------------------------------------


def test_verification_handshake_echoes_the_challenge(client: TestClient) -> None:
    params = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"}
    response = client.get("/webhooks/whatsapp", params=params)
    assert response.status_code == 200
    assert response.text == "1158201444"
    assert response.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize("params", [
    {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1158201444"},
    {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"},
    {"hub.mode": "subscribe", "hub.challenge": "1158201444"},
])
def test_verification_handshake_refuses_a_wrong_token_or_mode(client: TestClient, params: dict[str, str]) -> None:
    response = client.get("/webhooks/whatsapp", params=params)
    assert response.status_code == 403
    assert "1158201444" not in response.text


def test_whatsapp_routes_answer_404_when_not_configured(db_url: str, graph: FakeGraphAPI) -> None:
    settings = whatsapp_settings(db_url, graph, whatsapp_app_secret=None)
    with TestClient(create_app(settings)) as test_client:
        assert test_client.get("/webhooks/whatsapp", params={"hub.mode": "subscribe"}).status_code == 404
        response = post(test_client, of(text_message("halo")))
        assert response.status_code == 404
        assert "not configured" in response.json()["detail"]
    assert graph.requests == []


# --- answering -------------------------------------------------------------------------------------


def test_a_question_is_answered_and_marked_read(client: TestClient, graph: FakeGraphAPI, user: str) -> None:
    message = text_message("gaji hongkong berapa", user=user)
    response = post(client, of(message))
    assert response.status_code == 200
    sent = sent_to(graph, user)
    assert any("HK$" in body_of(call) for call in sent)
    # The answer and its choices (related entries, menu, 👍/👎) go out as one interactive message.
    assert len(sent) == 1
    assert sent[0].body["type"] == "interactive"
    assert {"messaging_product": "whatsapp", "recipient_type": "individual", "to": user}.items() <= sent[0].body.items()
    assert {row["id"] for row in choices_of(sent[0])} >= {"menu", "fb:gaji-hongkong:1", "fb:gaji-hongkong:0"}
    assert all(call.authorization == f"Bearer {ACCESS_TOKEN}" for call in graph.requests)
    assert all(call.path == f"/v26.0/{PHONE_NUMBER_ID}/messages" for call in graph.requests)
    assert graph.read_receipts() == [message["id"]]


def test_a_list_reply_continues_the_flow(client: TestClient, graph: FakeGraphAPI, user: str) -> None:
    say(client, "gaji hongkong berapa", user=user)
    rows = choices_of(sent_to(graph, user)[-1])
    related = next(row for row in rows if row["id"].startswith("entry:"))
    graph.reset()
    response = post(client, of(list_reply(related["id"], related["title"], related.get("description", ""),
                                          user=user)))
    assert response.status_code == 200
    # The answer of the picked entry comes with its own feedback buttons.
    entry_id = related["id"].removeprefix("entry:")
    assert any(row["id"] == f"fb:{entry_id}:1" for call in graph.sent() for row in choices_of(call))


def test_a_button_reply_continues_the_flow(client: TestClient, graph: FakeGraphAPI, user: str) -> None:
    say(client, "paspor", user=user)
    offer = sent_to(graph, user)[-1]
    assert offer.body["interactive"]["type"] == "button"
    picked = next(b for b in choices_of(offer) if b["id"] == "entry:paspor-pmi")
    graph.reset()
    post(client, of(button_reply(picked["id"], picked["title"], user=user)))
    assert any(row["id"] == "fb:paspor-pmi:1" for call in graph.sent() for row in choices_of(call))


def test_several_messages_in_one_delivery_are_all_answered(client: TestClient, graph: FakeGraphAPI,
                                                           user: str) -> None:
    other = user + "9"
    first, second = text_message("gaji hongkong berapa", user=user), text_message("paspor", user=other)
    payload = delivery(change(messages=[first], user=user), change(statuses=[status_event(user=user)]),
                       change(messages=[second], user=other))
    payload["entry"].append({"id": "102290129340398", "changes": [change(statuses=[status_event("read", user=user)])]})
    response = post(client, payload)
    assert response.status_code == 200
    assert response.json()["handled"] == 2
    recipients = [call.body["to"] for call in graph.sent()]
    assert user in recipients and other in recipients
    assert recipients.index(user) < recipients.index(other)
    assert graph.read_receipts() == [first["id"], second["id"]]


def test_an_audio_message_gets_the_text_only_reply(client: TestClient, graph: FakeGraphAPI, user: str) -> None:
    message = audio_message(user=user)
    assert post(client, of(message)).status_code == 200
    sent = sent_to(graph, user)
    assert len(sent) == 1 and sent[0].body["type"] == "text"
    assert "pesan teks" in body_of(sent[0])  # Indonesian, the default language
    assert graph.read_receipts() == [message["id"]]


def test_the_text_only_reply_follows_the_users_language(client: TestClient, graph: FakeGraphAPI, user: str) -> None:
    post(client, of(button_reply("lang:en", "English", user=user)))
    graph.reset()
    post(client, of(audio_message(user=user)))
    assert "only read text" in body_of(sent_to(graph, user)[0])


def test_a_statuses_only_delivery_is_acknowledged_and_sends_nothing(client: TestClient, graph: FakeGraphAPI,
                                                                     app_engine: Engine, user: str) -> None:
    before = processed_count(app_engine)
    statuses = [status_event("sent", user=user), status_event("delivered", user=user)]
    response = post(client, delivery(change(statuses=statuses)))
    assert response.status_code == 200
    assert response.json()["handled"] == 0
    assert graph.requests == []
    assert processed_count(app_engine) == before


def sent_to(graph: FakeGraphAPI, user: str) -> list[GraphCall]:
    """The sends to one user: the module's app is shared, and its outbox task may retry another test's message."""
    return [call for call in graph.sent() if call.body.get("to") == user]


def test_a_duplicate_delivery_is_answered_once(client: TestClient, graph: FakeGraphAPI, user: str) -> None:
    payload = of(text_message("gaji hongkong berapa", user=user))
    assert post(client, payload).status_code == 200
    answered = len(sent_to(graph, user))
    again = post(client, payload)
    assert again.status_code == 200
    assert again.json()["duplicates"] == 1
    assert len(sent_to(graph, user)) == answered
    assert len(graph.read_receipts()) == 1


def test_a_number_answers_a_numbered_fallback_list(db_url: str, engine: Engine, graph: FakeGraphAPI) -> None:
    # Two related entries whose questions start alike cannot be told apart in 24-character list rows,
    # so the channel writes the choices as numbered lines; the number typed back picks the entry.
    add_entries(engine)
    with TestClient(create_app(whatsapp_settings(db_url, graph))) as test_client:
        post(test_client, of(button_reply("entry:uji-induk", "Induk")))
        sent = graph.sent()
        assert [call.body["type"] for call in sent] == ["text"]
        text = body_of(sent[0])
        assert "1. Berapa biaya pembuatan paspor di kantor imigrasi Jakarta?" in text
        assert "2. Berapa biaya pembuatan paspor di kantor imigrasi Surabaya?" in text
        graph.reset()
        say(test_client, "2")
        assert any("Surabaya: Rp350.000" in body_of(call) for call in graph.sent())


# --- refusing what is not from Meta ---------------------------------------------------------------


@pytest.mark.parametrize(("signature", "status"), [
    (None, 401),
    ("", 401),
    ("sha256=" + "0" * 64, 403),
    ("sha1=abc", 403),
    ("sha256=ünïcode".encode(), 403),
])
def test_a_bad_or_missing_signature_is_refused_and_changes_nothing(
    client: TestClient, graph: FakeGraphAPI, app_engine: Engine, user: str, signature: str | bytes | None,
    status: int,
) -> None:
    before = processed_count(app_engine)
    response = post(client, of(text_message("gaji hongkong berapa", user=user)), signature=signature)
    assert response.status_code == status
    assert "detail" in response.json()
    assert graph.requests == []
    assert processed_count(app_engine) == before


def test_a_body_changed_after_signing_is_refused(client: TestClient, graph: FakeGraphAPI, app_engine: Engine,
                                                 user: str) -> None:
    before = processed_count(app_engine)
    body = meta_bytes(of(text_message("gaji hongkong berapa", user=user)))
    tampered = body.replace(b"hongkong", b"taiwan")
    response = post(client, {}, body=tampered, signature=sign(body))
    assert response.status_code == 403
    assert graph.requests == []
    assert processed_count(app_engine) == before


def test_a_signature_with_another_secret_is_refused(client: TestClient, graph: FakeGraphAPI, user: str) -> None:
    body = meta_bytes(of(text_message("gaji hongkong berapa", user=user)))
    assert post(client, {}, body=body, signature=sign(body, "another-secret")).status_code == 403
    assert graph.requests == []


def test_a_non_ascii_body_verifies(client: TestClient, graph: FakeGraphAPI, user: str) -> None:
    body = meta_bytes(of(text_message("gaji hongkong berapa 🙏😊 é", user=user)))
    assert b"\\ud83d\\ude4f" in body and b"\\u00e9" in body  # escaped the way Meta sends it
    response = post(client, {}, body=body)
    assert response.status_code == 200
    assert any("HK$" in body_of(call) for call in graph.sent())


def test_a_raw_utf8_body_verifies_against_its_own_bytes(client: TestClient, graph: FakeGraphAPI, user: str) -> None:
    body = json.dumps(of(text_message("gaji hongkong berapa é 😊", user=user)), ensure_ascii=False).encode()
    # A signature over a re-serialised (escaped) form of the same JSON does not match these bytes.
    reencoded = json.dumps(json.loads(body), ensure_ascii=True).encode("ascii")
    assert post(client, {}, body=body, signature=sign(reencoded)).status_code == 403
    assert post(client, {}, body=body).status_code == 200
    assert graph.sent()


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b"\xff\xfe", b""])
def test_a_malformed_body_is_a_400_with_detail(client: TestClient, graph: FakeGraphAPI, body: bytes) -> None:
    response = post(client, {}, body=body)
    assert response.status_code == 400
    assert response.json()["detail"]
    assert graph.requests == []


def test_an_odd_but_valid_json_delivery_is_acknowledged(client: TestClient, graph: FakeGraphAPI) -> None:
    odd = {"object": "whatsapp_business_account",
           "entry": [{"changes": "x"}, 3, {"changes": [{"value": {"messages": [{"type": "text"}, "y", {}]}}]}]}
    assert post(client, odd).status_code == 200
    assert graph.requests == []


# --- outbound reliability -------------------------------------------------------------------------


def failed_for(engine: Engine, user: str) -> list[OutboxRow]:
    return [row for row in failed_sends(engine, "whatsapp") if row.user_id == user]


@pytest.mark.parametrize("code", [130429, 131056, 80007, 4, 1, 2])
def test_a_throttled_send_is_retried_then_delivered(client: TestClient, graph: FakeGraphAPI, app_engine: Engine,
                                                    user: str, code: int) -> None:
    graph.fail_next(code, times=2)
    say(client, "gaji hongkong berapa", user=user)
    sent = sent_to(graph, user)
    assert len(sent) == 3
    assert sent[0].body == sent[1].body == sent[2].body
    assert "HK$" in body_of(sent[-1])
    assert failed_for(app_engine, user) == []


def test_a_5xx_is_retried_and_what_still_fails_is_recorded(client: TestClient, graph: FakeGraphAPI,
                                                           app_engine: Engine, user: str) -> None:
    graph.fail_always(None, status=503)
    say(client, "gaji hongkong berapa", user=user)
    assert len(sent_to(graph, user)) == 4  # WHATSAPP_SEND_ATTEMPTS
    failed = failed_for(app_engine, user)
    assert [(row.error, row.attempts) for row in failed] == [("http_503", 4)]
    assert "HK$" in json.dumps(failed[0].payload, ensure_ascii=False)


def test_outside_the_24_hour_window_is_recorded_not_retried(client: TestClient, graph: FakeGraphAPI,
                                                            app_engine: Engine, user: str) -> None:
    graph.fail_always(131047)
    say(client, "gaji hongkong berapa", user=user)
    assert len(sent_to(graph, user)) == 1
    failed = failed_for(app_engine, user)
    assert [(row.error, row.attempts) for row in failed] == [("131047", 1)]


def test_an_unknown_refusal_is_recorded_not_retried(client: TestClient, graph: FakeGraphAPI, app_engine: Engine,
                                                    user: str) -> None:
    graph.fail_always(131026)
    say(client, "gaji hongkong berapa", user=user)
    assert len(sent_to(graph, user)) == 1
    assert [row.error for row in failed_for(app_engine, user)] == ["131026"]


def test_logs_carry_neither_the_users_text_nor_the_token(client: TestClient, graph: FakeGraphAPI, user: str,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    graph.fail_next(130429)
    graph.fail_next(131047)
    with caplog.at_level("DEBUG"):
        say(client, "rahasia pribadi saya gaji hongkong", user=user)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "130429" in logged and "131047" in logged
    assert "rahasia" not in logged
    assert ACCESS_TOKEN not in logged and APP_SECRET not in logged


# --- limits ---------------------------------------------------------------------------------------


def check_limits(call: GraphCall) -> None:
    """Fail unless one outbound message keeps every WhatsApp limit."""
    body = call.body
    assert body["messaging_product"] == "whatsapp"
    if body.get("status") == "read":
        assert set(body) == {"messaging_product", "status", "message_id"}
        return
    assert body["type"] in ("text", "interactive")
    if body["type"] == "text":
        assert 0 < len(body["text"]["body"]) <= 4096
        return
    interactive = body["interactive"]
    assert 0 < len(interactive["body"]["text"]) <= 1024
    action = interactive["action"]
    if interactive["type"] == "button":
        titles = [b["reply"]["title"] for b in action["buttons"]]
        assert 1 <= len(titles) <= 3
        assert all(0 < len(t) <= 20 for t in titles)
        assert len(set(titles)) == len(titles)
        assert all(len(b["reply"]["id"]) <= 256 for b in action["buttons"])
    else:
        assert interactive["type"] == "list"
        assert 0 < len(action["button"]) <= 20
        rows = [row for section in action["sections"] for row in section["rows"]]
        assert 1 <= len(rows) <= 10
        assert all(len(section.get("title", "")) <= 24 for section in action["sections"])
        assert all(0 < len(row["title"]) <= 24 for row in rows)
        assert all(len(row.get("description", "")) <= 72 for row in rows)
        assert all(len(row["id"]) <= 200 for row in rows)
        assert len({row["id"] for row in rows}) == len(rows)


def test_every_outbound_message_respects_whatsapp_limits(client: TestClient, graph: FakeGraphAPI, user: str) -> None:
    script: list[dict[str, Any]] = [
        text_message("halo"),
        text_message("menu"),
        button_reply("menu:negara", "Negara tujuan"),
        list_reply("country:HK", "Hong Kong"),
        text_message("gajinya berapa"),
        button_reply("menu:syarat", "Syarat"),
        button_reply("menu:syarat:1", "Lainnya"),
        button_reply("menu:waspada", "Waspada"),
        button_reply("menu:langkah", "Langkah"),
        button_reply("menu:biaya", "Biaya"),
        text_message("taiwan"),
        text_message("paspor"),
        text_message("2"),
        text_message("9"),
        text_message("saya dipukul majikan tolong"),
        text_message("petugas"),
        text_message("/batal"),
        text_message("privasi"),
        text_message("asdfgh qwerty"),
        text_message("asdfgh qwerty lagi"),
        text_message("x" * 5000),
        text_message("🙂🙂🙂"),
        button_reply("lang:en", "English"),
        text_message("salary in hong kong"),
        text_message("menu"),
        audio_message(),
    ]
    for number, message in enumerate(script):
        # A new user every ten messages keeps the flood limiter out of the way; each group keeps its context.
        message["from"] = f"{user}{number // 10}"
        assert post(client, of(message)).status_code == 200
    assert len(graph.sent()) >= len(script)
    kinds = {call.body.get("interactive", {}).get("type", call.body.get("type")) for call in graph.sent()}
    assert kinds == {"text", "button", "list"}
    for call in graph.requests:
        check_limits(call)


# --- content for the numbered-list test -----------------------------------------------------------


def _entry(entry_id: str, question: str, answer: str, related: list[str] | None = None) -> EntryDoc:
    today = dt.date(2026, 11, 24)
    return EntryDoc(
        id=entry_id, topic="costs", status="published", related=related or [],
        texts={lang: LanguageText(question=question, phrasings=[f"{question.lower().rstrip('?')} {n}" for n in range(3)],
                                  answer=answer)
               for lang in ("id", "en")},
        sources=[Source(url="https://www.imigrasi.go.id/", title="Imigrasi", date=today)],
        reviewed_at=today, review_due=today + dt.timedelta(days=180),
    )


def add_entries(engine: Engine) -> None:
    """Publish a test entry whose two related entries share a long question prefix."""
    entries = [
        _entry("uji-jakarta", "Berapa biaya pembuatan paspor di kantor imigrasi Jakarta?",
               "Contoh jawaban uji untuk Jakarta: Rp350.000."),
        _entry("uji-surabaya", "Berapa biaya pembuatan paspor di kantor imigrasi Surabaya?",
               "Contoh jawaban uji untuk Surabaya: Rp350.000."),
        _entry("uji-induk", "Apa saja biaya paspor uji?", "Jawaban induk untuk pengujian daftar bernomor.",
               related=["uji-jakarta", "uji-surabaya"]),
    ]
    with Session(engine) as session:
        import_knowledge_base(session, KnowledgeBase(entries=entries), author="test")
        session.commit()


# --- delivery statuses -------------------------------------------------------------------------------


def test_delivery_statuses_of_sent_messages_are_recorded(client: TestClient, graph: FakeGraphAPI, user: str,
                                                         app_engine: Engine) -> None:
    say(client, "paspor", user=user)
    wamid = sent_to(graph, user)[-1].wamid
    assert wamid is not None and status_of(app_engine, wamid) == ("accepted", None)
    for status in ("delivered", "sent", "read", "delivered"):  # Meta does not promise the order
        response = post(client, status_delivery(wamid, status, user=user, phone_number_id=PHONE_NUMBER_ID))
        assert response.status_code == 200 and response.json()["statuses"] == 1
    assert status_of(app_engine, wamid) == ("read", None)

    say(client, "gaji hongkong berapa", user=user)
    failing = sent_to(graph, user)[-1].wamid
    assert failing is not None
    post(client, status_delivery(failing, "failed", user=user, code=131026, phone_number_id=PHONE_NUMBER_ID))
    post(client, status_delivery(failing, "delivered", user=user, phone_number_id=PHONE_NUMBER_ID))
    assert status_of(app_engine, failing) == ("failed", "131026")
    # A status of a message we never sent changes nothing and records nothing.
    assert post(client, status_delivery("wamid.not-ours", "read", user=user)).status_code == 200
    assert status_of(app_engine, "wamid.not-ours") is None


def test_hapus_erases_the_statuses_and_the_window_of_a_user(client: TestClient, graph: FakeGraphAPI, user: str,
                                                              app_engine: Engine) -> None:
    say(client, "paspor", user=user)
    wamid = sent_to(graph, user)[-1].wamid
    assert wamid is not None and status_of(app_engine, wamid) is not None
    assert window_open(app_engine, user) is True

    erase_user(app_engine, "whatsapp", user)

    assert status_of(app_engine, wamid) is None and window_open(app_engine, user) is None
