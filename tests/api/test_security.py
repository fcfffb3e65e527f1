"""Security: tokens hashed and compared in constant time, webhook checks constant-time, secrets never logged,
CORS closed by default, security headers on every response."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

import api.routes.telegram as telegram_route
import api.tokens as tokens_module
from api.app import create_app
from api.settings import Settings
from api.tokens import create_token, hash_token
from tests.fakes.graph_api import FakeGraphAPI
from tests.fakes.loopback import serve_in_thread
from tests.fakes.telegram_api import FakeTelegramAPI, message_update

TG_TOKEN = "123456:SECRET-bot-token_xyz"
TG_SECRET = "never-Log-this-webhook-secret"
WA_ACCESS = "EAAnever-log-this-access-token"
WA_APP_SECRET = "never-log-this-app-secret"
WA_VERIFY = "never-log-this-verify-token"


def settings_for(db_url: str, fakes: tuple[FakeTelegramAPI, FakeGraphAPI], **overrides: Any) -> Settings:
    telegram, graph = fakes
    values: dict[str, Any] = dict(
        database_url=db_url, telegram_bot_token=TG_TOKEN, telegram_webhook_secret=TG_SECRET,
        telegram_api_base_url=telegram.base_url, telegram_mode="webhook", whatsapp_access_token=WA_ACCESS,
        whatsapp_phone_number_id="106540352242922", whatsapp_app_secret=WA_APP_SECRET,
        whatsapp_verify_token=WA_VERIFY, whatsapp_api_base_url=graph.base_url,
    )
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_tokens_are_stored_hashed_and_compared_in_constant_time(engine: Engine, monkeypatch: pytest.MonkeyPatch
                                                                ) -> None:
    with Session(engine) as session:
        row, token = create_token(session, name="editor-9", role="editor", actor="test")
        session.commit()
        stored = row.token_hash
    assert stored == hashlib.sha256(token.encode()).hexdigest() == hash_token(token)
    with engine.connect() as connection:
        dump = " ".join(str(v) for r in connection.execute(text("SELECT * FROM api_tokens")) for v in r)
    assert token not in dump, "the token itself is never stored"
    compared: list[tuple[Any, Any]] = []
    real = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(tokens_module.hmac, "compare_digest", spy)
    with Session(engine) as session:
        assert tokens_module.authenticate(session, token) is not None
    assert compared, "the digest is compared with hmac.compare_digest"


def test_webhook_secret_is_checked_in_constant_time(db_url: str, fakes: Any, monkeypatch: pytest.MonkeyPatch
                                                    ) -> None:
    seen: list[Any] = []
    real = hmac.compare_digest
    monkeypatch.setattr(telegram_route.hmac, "compare_digest", lambda a, b: seen.append(a) or real(a, b))
    with serve_in_thread(create_app(settings_for(db_url, fakes))) as url:
        forged = httpx.post(f"{url}/webhooks/telegram", json=message_update(1, "hi"),
                            headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"})
    assert forged.status_code == 403 and seen


def test_no_secret_reaches_any_log_record(db_url: str, fakes: tuple[FakeTelegramAPI, FakeGraphAPI],
                                          caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    telegram, graph = fakes
    telegram.reset()
    graph.reset()
    with serve_in_thread(create_app(settings_for(db_url, fakes))) as url, httpx.Client(base_url=url) as client:
        with Session(_engine(db_url)) as session:
            _row, admin = create_token(session, name="admin-9", role="admin", actor="test")
            session.commit()
        created = client.post("/api/v1/tokens", json={"name": "editor-10", "role": "editor"},
                              headers={"Authorization": f"Bearer {admin}"})
        assert created.status_code in (200, 201), created.text
        new_token = created.json()["token"]
        assert client.post("/webhooks/telegram", json=message_update(77, "/start", user_id=4_242_001),
                           headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET}).status_code == 200
        body = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [
            {"field": "messages", "value": {"messaging_product": "whatsapp", "metadata": {
                "display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
                "contacts": [{"profile": {"name": "A"}, "wa_id": "6281200000001"}],
                "messages": [{"from": "6281200000001", "id": "wamid.SEC1", "timestamp": "1764000000",
                              "type": "text", "text": {"body": "halo"}}]}}]}]}).encode()
        signature = "sha256=" + hmac.new(WA_APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert client.post("/webhooks/whatsapp", content=body, headers={
            "X-Hub-Signature-256": signature, "Content-Type": "application/json"}).status_code == 200
        assert client.get("/webhooks/whatsapp", params={"hub.mode": "subscribe", "hub.verify_token": "bad",
                                                        "hub.challenge": "1"}).status_code == 403
    assert telegram.calls_to("sendMessage") and graph.sent, "the replies were sent with the secrets"
    secrets = (TG_TOKEN, TG_SECRET, WA_ACCESS, WA_APP_SECRET, WA_VERIFY, admin, new_token)
    assert caplog.records, "something was logged"
    for record in caplog.records:
        rendered = record.getMessage() + repr(record.args) + (record.exc_text or "") + repr(record.__dict__)
        for secret in secrets:
            assert secret not in rendered, f"a secret reached the log via {record.name}: {record.msg!r}"


def _engine(db_url: str) -> Engine:
    from knowledge.db import make_engine

    return make_engine(db_url)


def test_cors_is_closed_by_default_and_opens_only_for_configured_origins(db_url: str, fakes: Any) -> None:
    preflight = {"Origin": "https://evil.example", "Access-Control-Request-Method": "GET",
                 "Access-Control-Request-Headers": "Authorization"}
    with serve_in_thread(create_app(settings_for(db_url, fakes))) as url:
        for response in (httpx.get(f"{url}/healthz", headers={"Origin": "https://evil.example"}),
                         httpx.options(f"{url}/api/v1/entries", headers=preflight)):
            assert "access-control-allow-origin" not in response.headers
    opened = settings_for(db_url, fakes, cors_allow_origins="https://admin.example, https://x.example")
    with serve_in_thread(create_app(opened)) as url:
        allowed = httpx.options(f"{url}/api/v1/entries", headers={**preflight, "Origin": "https://admin.example"})
        assert allowed.headers.get("access-control-allow-origin") == "https://admin.example"
        refused = httpx.get(f"{url}/healthz", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in refused.headers


def test_security_headers_on_every_response_and_a_csp_that_lets_docs_load(db_url: str, fakes: Any) -> None:
    with serve_in_thread(create_app(settings_for(db_url, fakes))) as url:
        responses = [httpx.get(f"{url}/healthz"), httpx.get(f"{url}/api/v1/entries"),
                     httpx.post(f"{url}/webhooks/telegram", json={}), httpx.get(f"{url}/nowhere")]
        for response in responses:
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["x-frame-options"] == "DENY"
            assert response.headers["referrer-policy"] == "no-referrer"
            assert response.headers["content-security-policy"].startswith("default-src 'none'")
            assert "strict-transport-security" not in response.headers, "no HSTS over plain HTTP"
        docs = httpx.get(f"{url}/docs")
        assert docs.status_code == 200
        csp = docs.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "https:" not in csp, "the docs load nothing from outside"
        for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
            assert f"/docs/static/{asset}" in docs.text  # served by this app
            assert httpx.get(f"{url}/docs/static/{asset}").status_code == 200
        proxied = httpx.get(f"{url}/healthz", headers={"X-Forwarded-Proto": "https"})
        assert proxied.headers["strict-transport-security"].startswith("max-age=")
