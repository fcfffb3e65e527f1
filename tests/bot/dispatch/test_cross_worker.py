"""On PostgreSQL one user's updates are handled one at a time across workers: two app instances on one database
take interleaved updates of one user at once, and no state change is lost."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import httpx
import pytest

from api.app import create_app
from api.settings import Settings
from bot.config import BotSettings
from bot.state import SqlStateStore
from knowledge.db import make_engine
from tests.conftest import Template
from tests.fakes.graph_api import FakeGraphAPI
from tests.fakes.loopback import serve_in_thread
from tests.fakes.telegram_api import FakeTelegramAPI, message_update

TOKEN = "123456:WORKERS-token_abc"
SECRET = "workers-secret"
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
USER = 7100
UPDATES = 12  # under the flood burst (20): every one is counted, none held back


@pytest.fixture
def fake(fakes: tuple[FakeTelegramAPI, FakeGraphAPI]) -> FakeTelegramAPI:
    """The module's fake Bot API, with nothing left over from another test."""
    fakes[0].reset()
    return fakes[0]


@pytest.mark.postgres
def test_two_workers_never_lose_a_users_state_change(template_db: Template, db_url: str,
                                                     fake: FakeTelegramAPI) -> None:
    if template_db.backend != "postgresql":
        pytest.skip("needs TEST_DATABASE_URL (PostgreSQL): SQLite serves one worker")
    settings = Settings(_env_file=None, database_url=db_url, telegram_bot_token=TOKEN,  # type: ignore[call-arg]
                        telegram_webhook_secret=SECRET, telegram_api_base_url=fake.base_url)
    fake.latency = 0.02  # a turn spans a network wait, as in production: room for two workers to overlap
    with ExitStack() as stack:
        clients = [stack.enter_context(httpx.Client(base_url=stack.enter_context(serve_in_thread(create_app(settings))),
                                                    timeout=60)) for _ in range(2)]
        started = dt.datetime.now(dt.UTC)

        def deliver(n: int) -> int:
            # Interleaved: even updates to the first worker, odd ones to the second, all at once.
            update = message_update(1000 + n, f"halo {n}", user_id=USER)
            response = clients[n % 2].post("/webhooks/telegram", json=update, headers=HEADERS)
            while response.status_code == 503:  # the other worker holds this update: Telegram redelivers
                response = clients[n % 2].post("/webhooks/telegram", json=update, headers=HEADERS)
            return response.status_code

        with ThreadPoolExecutor(max_workers=UPDATES) as pool:
            assert list(pool.map(deliver, range(UPDATES))) == [200] * UPDATES

    # The flood rule (bot/handlers/flood.py) moves the user's "allowance full again" time one interval later
    # per counted message: a change lost to a concurrent save would leave it short of UPDATES intervals.
    engine = make_engine(db_url)
    full_at = SqlStateStore(engine).load("telegram", str(USER)).window_start
    engine.dispose()
    assert full_at is not None
    interval = dt.timedelta(seconds=BotSettings().flood_interval_seconds)
    assert full_at >= started + interval * UPDATES, f"lost {UPDATES - (full_at - started) / interval:.1f} changes"
    assert len(fake.calls_to("sendMessage")) >= UPDATES
