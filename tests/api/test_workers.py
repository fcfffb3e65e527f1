"""Several workers on one database: two app instances (two uvicorn servers) share nothing but the database.

On PostgreSQL (TEST_DATABASE_URL) as in production, and on SQLite, where the same holds within one machine.
"""

from __future__ import annotations

import itertools
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from api.app import create_app
from api.settings import Settings
from bot.models import ProcessedEventRow
from knowledge.db import make_engine
from tests.api.conftest import make_tokens, new_entry
from tests.conftest import Template, app_settings, seeded_copy
from tests.fakes.loopback import serve_in_thread
from tests.fakes.telegram_api import FakeTelegramAPI, message_update

TOKEN = "123456:TEST-workers_token"
SECRET = "workers-Webhook-secret"
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
_ids = itertools.count(810_000)


def settings_for(url: str, fake: FakeTelegramAPI) -> Settings:
    """One worker's settings: the shared database, Telegram against the fake, a fast content poll."""
    return app_settings(url, telegram=fake, telegram_bot_token=TOKEN, telegram_webhook_secret=SECRET,
                        content_poll_seconds=0.2)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeTelegramAPI]:
    """The fake Bot API both workers send to."""
    with FakeTelegramAPI().serve() as server:
        yield server


@pytest.fixture(scope="module")
def shared_url(template_db: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One seeded database for both workers."""
    with seeded_copy(template_db, tmp_path_factory.mktemp("workers")) as url:
        yield url


@pytest.fixture(scope="module")
def workers(shared_url: str, fake: FakeTelegramAPI) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    """Two independent app instances (each its own snapshot, engine and PTB application) on one database."""
    with (serve_in_thread(create_app(settings_for(shared_url, fake))) as url_a,
          serve_in_thread(create_app(settings_for(shared_url, fake))) as url_b,
          httpx.Client(base_url=url_a, timeout=30) as a, httpx.Client(base_url=url_b, timeout=30) as b):
        yield a, b


def deliver(client: httpx.Client, update: dict[str, object]) -> httpx.Response:
    """POST one update to a worker's webhook."""
    return client.post("/webhooks/telegram", json=update, headers=HEADERS)


def texts_to(fake: FakeTelegramAPI, chat_id: int) -> list[str]:
    """The texts the bot sent to one chat, in order."""
    return [c.params["text"] for c in fake.calls_to("sendMessage") if c.params.get("chat_id") == str(chat_id)]


def test_a_duplicate_update_delivered_to_both_workers_is_answered_once(
    workers: tuple[httpx.Client, httpx.Client], fake: FakeTelegramAPI, shared_url: str
) -> None:
    a, b = workers
    # How many messages one delivery of this question produces (a different user, delivered once).
    reference = next(_ids)
    assert deliver(a, message_update(reference, "syarat kerja ke korea", user_id=reference)).status_code == 200
    expected = len(texts_to(fake, reference))
    assert expected >= 1

    user = update_id = next(_ids)
    update = message_update(update_id, "syarat kerja ke korea", user_id=user)
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def send(client: httpx.Client) -> None:
        barrier.wait()
        statuses.append(deliver(client, update).status_code)

    threads = [threading.Thread(target=send, args=(c,)) for c in (a, b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    # A worker that finds the update in progress elsewhere may ask Telegram to redeliver (5xx); redeliver
    # it as Telegram would, alternating workers, until it is acknowledged.
    for attempt in range(20):
        if 200 in statuses:
            break
        time.sleep(0.2)
        statuses.append(deliver((a, b)[attempt % 2], update).status_code)
    assert 200 in statuses, statuses
    # Telegram may redeliver even after an acknowledgement: later deliveries change nothing.
    assert deliver(b, update).status_code == 200 and deliver(a, update).status_code == 200
    assert len(texts_to(fake, user)) == expected

    events = ProcessedEventRow.__table__  # type: ignore[attr-defined]
    engine = make_engine(shared_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(func.count()).select_from(events).where(
                events.c.channel == "telegram", events.c.external_id == str(update_id))).scalar_one()
    finally:
        engine.dispose()
    assert rows == 1


def test_a_conversation_continues_on_the_other_worker(workers: tuple[httpx.Client, httpx.Client],
                                                       fake: FakeTelegramAPI) -> None:
    a, b = workers
    user = next(_ids)
    assert deliver(a, message_update(next(_ids), "taiwan", user_id=user)).status_code == 200
    first = len(texts_to(fake, user))
    assert first >= 1
    assert deliver(b, message_update(next(_ids), "gajinya berapa", user_id=user)).status_code == 200
    answer = " ".join(texts_to(fake, user)[first:])
    assert "Taiwan" in answer and re.search(r"gaji", answer, re.IGNORECASE), answer

    # The control: the same follow-up from a user with no country context is not about Taiwan's pay.
    stranger = next(_ids)
    deliver(b, message_update(next(_ids), "gajinya berapa", user_id=stranger))
    assert "Gaji minimum Taiwan" not in " ".join(texts_to(fake, stranger))


def test_a_publish_on_one_worker_is_live_on_the_other_within_seconds(
    workers: tuple[httpx.Client, httpx.Client], shared_url: str
) -> None:
    a, b = workers
    engine = make_engine(shared_url)
    tokens = make_tokens(engine)
    engine.dispose()
    auth_a = {"Authorization": f"Bearer {tokens['editor']}"}
    auth_b = {"Authorization": f"Bearer {tokens['staff']}"}

    def ask_b() -> str | None:
        response = b.post("/api/v1/ask", json={"text": "lowongan kapal pesiar", "lang": "id"}, headers=auth_b)
        assert response.status_code == 200, response.text
        return response.json()["entry_id"]  # type: ignore[no-any-return]

    assert ask_b() != "kapal-pesiar-kerja"
    created = a.post("/api/v1/entries", json=new_entry(status="published"), headers=auth_a)
    assert created.status_code == 201, created.text
    published_at = time.monotonic()
    while ask_b() != "kapal-pesiar-kerja":
        assert time.monotonic() - published_at < 5, "the publish on worker A did not reach worker B in 5 s"
        time.sleep(0.1)


# --- `desmigratif serve --workers 2`: real worker processes, metrics aggregated across them ----------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# Every process of `serve` (the parent and each spawned worker, which re-runs the entry script) sleeps this
# long before it imports anything: a machine so loaded that starting Python and importing the app takes
# longer than uvicorn's default worker health check (5 s), as seen in production with "Child process died".
SLOW_START_SECONDS = 6
SLOW_ENTRY = """import os, sys, time
time.sleep(float(os.environ["SLOW_START_SECONDS"]))
from api.cli import main
if __name__ == "__main__":
    sys.exit(main())
"""


@pytest.mark.slow
def test_serve_with_two_slow_starting_workers_becomes_ready_and_reports_metrics_of_both(
    template_db: Template, tmp_path: Path,
) -> None:
    port, metrics_port = _free_port(), _free_port()
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    (metrics_dir / "counter_999999.db").write_bytes(b"")  # left over from an earlier run: must be wiped
    entry = tmp_path / "desmigratif_slow.py"
    entry.write_text(SLOW_ENTRY)
    with seeded_copy(template_db, tmp_path) as url:
        env = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "info", "LOG_FORMAT": "json",
               "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), "METRICS_PORT": str(metrics_port),
               "SLOW_START_SECONDS": str(SLOW_START_SECONDS)}
        for name in ("TELEGRAM_BOT_TOKEN", "WHATSAPP_ACCESS_TOKEN"):
            env.pop(name, None)
        log_path = tmp_path / "serve.log"
        with log_path.open("w") as log:
            started = time.monotonic()
            server = subprocess.Popen([sys.executable, str(entry), "serve", "--port", str(port), "--workers", "2"],
                                      env=env, stdout=log, stderr=log, start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert server.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.2)
            ready_after = time.monotonic() - started
            assert ready_after > 2 * SLOW_START_SECONDS  # the parent's start, then a worker's
            sent = 0
            while sent < 200:  # a new connection each time, so both workers get some
                assert httpx.get(f"{base}/healthz", timeout=5).status_code == 200
                sent += 1
                pids = {p.name.split("_")[-1] for p in metrics_dir.glob("histogram_*.db")}
                if sent >= 40 and len(pids) >= 2:
                    break
            assert len(pids) >= 2, f"one worker took every request: {pids}"
            # /metrics is not on the public port; the metrics port (one worker holds it) reports both workers.
            assert httpx.get(f"{base}/metrics", timeout=5).status_code == 404
            text = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).text
            line = next(line for line in text.splitlines() if line.startswith(
                'desmigratif_http_request_duration_seconds_count{method="GET",route="/healthz",status="200"}'))
            assert float(line.split()[-1]) == sent
            assert "desmigratif_knowledge_entries" in text
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(30)
        logs = log_path.read_text()
        assert "died" not in logs, "a worker was killed while it started"
        assert '"logger": "api.access"' in logs and '"route": "/healthz"' in logs
        assert not list(metrics_dir.glob("counter_999999.db"))
