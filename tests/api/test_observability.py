"""/metrics, request ids and structured logs, with the real app under uvicorn and a fake Bot API."""

from __future__ import annotations

import io
import itertools
import json
import logging
import logging.config
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from api.app import create_app
from api.logs import JsonFormatter, TextFormatter, logging_config, redact, register_secrets, request_id_var
from api.metrics import label
from api.settings import Settings
from tests.conftest import Template, app_settings, seeded_copy
from tests.fakes.loopback import serve_in_thread
from tests.fakes.telegram_api import FakeTelegramAPI, message_update

# Shaped like real credentials, so nothing but our own discipline keeps them out of the logs.
TOKEN = "7654321:AAH-known_Secret_token_for_log_test_x"
SECRET = "webhook-Secret-value-for-log-test"
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
MARKER = "kalimatpenandaunik"
TEXT = f"berapa gaji di taiwan {MARKER}"
_ids = itertools.count(700_000)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeTelegramAPI]:
    """The fake Bot API for the module."""
    with FakeTelegramAPI().serve() as server:
        yield server


@pytest.fixture(scope="module")
def client(template_db: Template, fake: FakeTelegramAPI, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[httpx.Client]:
    """The whole app in Telegram webhook mode under uvicorn, for the module."""
    with seeded_copy(template_db, tmp_path_factory.mktemp("observability")) as url:
        settings = app_settings(url, telegram=fake, telegram_bot_token=TOKEN, telegram_webhook_secret=SECRET,
                                content_poll_seconds=0.2)
        with serve_in_thread(create_app(settings)) as base, httpx.Client(base_url=base, timeout=20) as http:
            yield http


def scrape(client: httpx.Client) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of GET /metrics, keyed by (name, labels)."""
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(response.text) for s in family.samples}


def value(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    """One sample's value, 0 when absent."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def post_update(client: httpx.Client, text: str, **headers: str) -> httpx.Response:
    """Deliver one text message as Telegram would; returns the response."""
    update_id = next(_ids)
    response = client.post("/webhooks/telegram", json=message_update(update_id, text, user_id=update_id),
                           headers={**HEADERS, **headers})
    assert response.status_code == 200, response.text
    return response


def test_metrics_count_messages_by_channel_and_decision_and_time_them(client: httpx.Client,
                                                                      fake: FakeTelegramAPI) -> None:
    fake.reset()
    before = scrape(client)
    post_update(client, "berapa gaji minimum di taiwan")
    post_update(client, "halo")
    after = scrape(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("desmigratif_messages_total", channel="telegram", decision="answer") == 1
    assert delta("desmigratif_messages_total", channel="telegram", decision="menu") == 1
    assert delta("desmigratif_message_duration_seconds_count", channel="telegram") == 2
    assert delta("desmigratif_message_duration_seconds_bucket", channel="telegram", le="+Inf") == 2
    assert delta("desmigratif_http_request_duration_seconds_count", method="POST", route="/webhooks/telegram",
                 status="200") == 2
    # Read when scraped: this worker's knowledge, the handoff queue and the outbox from the database.
    assert value(after, "desmigratif_knowledge_entries") > 50
    assert value(after, "desmigratif_knowledge_version") >= 1
    assert ("desmigratif_handoff_queue", frozenset({("status", "waiting")})) in after
    assert ("desmigratif_outbox_messages", frozenset({("status", "failed")})) in after


def test_routes_are_labelled_by_template_never_by_raw_path(client: httpx.Client) -> None:
    client.get("/api/v1/entries/some-entry-id-123")  # 401 without a token, but routed
    client.get("/no/such/path/never-a-route")
    text = client.get("/metrics").text
    assert 'route="/api/v1/entries/{entry_id}"' in text
    assert 'route="(unmatched)"' in text
    # (Markers made of letters: a number such as 4711 turned up inside a `_created` timestamp.)
    assert "some-entry-id-123" not in text and "never-a-route" not in text


def test_send_failures_are_counted_by_channel_and_error_code(client: httpx.Client, fake: FakeTelegramAPI) -> None:
    fake.reset()
    fake.fail("sendMessage", 403, times=None)  # the user blocked the bot
    before = scrape(client)
    try:
        post_update(client, "syarat kerja ke korea")
    finally:
        fake.reset()
    after = scrape(client)
    failures = (value(after, "desmigratif_send_failures_total", channel="telegram", error="Forbidden")
                - value(before, "desmigratif_send_failures_total", channel="telegram", error="Forbidden"))
    assert failures >= 1
    outbox_after = sum(v for (n, _labels), v in after.items() if n == "desmigratif_outbox_messages")
    outbox_before = sum(v for (n, _labels), v in before.items() if n == "desmigratif_outbox_messages")
    assert outbox_after > outbox_before


def test_request_ids_are_echoed_when_sane_and_made_otherwise(client: httpx.Client) -> None:
    assert client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.01"}).headers["X-Request-ID"] == "lb-7f3a.01"
    for insane in ("x" * 300, "has spaces", "new\tline", "<script>"):
        made = client.get("/healthz", headers={"X-Request-ID": insane}).headers["X-Request-ID"]
        assert re.fullmatch(r"[0-9a-f]{32}", made), made
    first, second = (client.get("/healthz").headers["X-Request-ID"] for _ in range(2))
    assert first != second


def test_labels_are_bounded() -> None:
    assert label("RetryAfter(3s)") == "RetryAfter"
    assert label("131047") == "131047"
    assert label("") == "unknown" and label(None) == "unknown"
    assert len(label("x" * 500)) == 40


# --- logs ---------------------------------------------------------------------------------------------


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def production_logging() -> Iterator[tuple[io.StringIO, _Records]]:
    """The logging configuration `desmigratif serve` installs (JSON, debug level), writing to a buffer."""
    names = ["", "uvicorn", "uvicorn.error", "uvicorn.access", "httpx", "httpcore", "telegram", "hpack",
             "apscheduler"]
    saved = {n: (logging.getLogger(n).level, list(logging.getLogger(n).handlers), logging.getLogger(n).propagate)
             for n in names}
    buffer = io.StringIO()
    config = logging_config("json", "DEBUG")
    config["handlers"]["stderr"]["stream"] = buffer
    logging.config.dictConfig(config)
    records = _Records()
    logging.getLogger().addHandler(records)
    try:
        yield buffer, records
    finally:
        for n, (level, handlers, propagate) in saved.items():
            logger = logging.getLogger(n)
            for handler in list(logger.handlers):
                logger.removeHandler(handler)
            for handler in handlers:
                logger.addHandler(handler)
            logger.setLevel(level)
            logger.propagate = propagate


def test_a_webhook_round_trip_logs_no_secret_and_no_message_text_at_info(
    client: httpx.Client, fake: FakeTelegramAPI, production_logging: tuple[io.StringIO, _Records]
) -> None:
    buffer, records = production_logging
    fake.reset()
    post_update(client, TEXT, **{"X-Request-ID": "trace-abc-123"})
    fake.wait_for("sendMessage")
    assert client.get("/metrics").status_code == 200

    shipped = [r for r in records.records if r.levelno >= logging.INFO]
    assert shipped, "the round trip logged nothing at info (the access line is expected)"
    formatter = JsonFormatter()
    for record in shipped:
        raw = record.getMessage() + " " + json.dumps(record.__dict__, default=str)
        for forbidden in (TOKEN, SECRET, MARKER):
            assert forbidden not in raw, (forbidden, record.name, record.getMessage())
            assert forbidden not in formatter.format(record)
    lines = [json.loads(line) for line in buffer.getvalue().splitlines()]
    for line in lines:
        assert {"time", "level", "logger", "message", "request_id"} <= set(line)
        if line["level"] in ("info", "warning", "error", "critical"):
            assert all(f not in json.dumps(line) for f in (TOKEN, SECRET, MARKER))
    access = [line for line in lines if line["logger"] == "api.access" and line["route"] == "/webhooks/telegram"]
    assert access and access[0]["request_id"] == "trace-abc-123"
    assert access[0]["status"] == 200 and access[0]["method"] == "POST" and access[0]["duration_ms"] > 0


def test_the_json_formatter_keeps_safe_extras_and_redacts() -> None:
    register_secrets(["s3cr3t-value-xyz"])
    logger = logging.getLogger("tests.ops.formatter")
    record = logger.makeRecord(logger.name, logging.INFO, __file__, 1, "token %s at %s", ("s3cr3t-value-xyz",
                               "https://api.telegram.org/bot1234567:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef123/getMe"),
                               None, extra={"route": "/x", "count": 3, "text": "user words", "obj": object()})
    token = request_id_var.set("rid-1")
    try:
        line = json.loads(JsonFormatter().format(record))
        text_line = TextFormatter().format(record)
    finally:
        request_id_var.reset(token)
    assert line["message"] == "token [redacted] at https://api.telegram.org/bot[redacted]/getMe"
    assert (line["level"], line["logger"], line["request_id"]) == ("info", "tests.ops.formatter", "rid-1")
    assert line["route"] == "/x" and line["count"] == 3
    assert "text" not in line and "obj" not in line  # a name that smells of user text; not a plain value
    assert "s3cr3t" not in text_line and "rid-1" in text_line
    assert redact("nothing secret here") == "nothing secret here"


def test_log_format_is_a_documented_setting() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    assert "LOG_FORMAT" in readme
    assert Settings(_env_file=None, log_format="text").log_format == "text"  # type: ignore[call-arg]
    with pytest.raises(ValueError):
        Settings(_env_file=None, log_format="xml")  # type: ignore[call-arg]
