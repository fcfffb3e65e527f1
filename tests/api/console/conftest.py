"""One running app per test module (uvicorn on 127.0.0.1, Telegram pointed at the fake Bot API), with one
account per role, signed-in HTTP clients, and a headless Chromium for the browser tests."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.app import create_app
from api.console.accounts import create_user
from knowledge.db import make_engine
from tests.conftest import Template, app_settings, fresh_copy
from tests.fakes.loopback import serve_in_thread
from tests.fakes.telegram_api import FakeTelegramAPI, message_update

BOT_TOKEN = "123456:TEST-console_abc"
SECRET = "console-Webhook_secret"
PASSWORD = "a-long-test-password"
ACCOUNTS = {"ani": "admin", "budi": "editor", "citra": "staff", "dedi": "staff"}
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
_updates = itertools.count(70_000)


@dataclass
class Console:
    """The running app: its URL, database, the fake Telegram, and HTTP clients signed in per account."""

    url: str
    engine: Engine
    tg: FakeTelegramAPI
    clients: dict[str, httpx.Client] = field(default_factory=dict)

    def client(self, name: str | None = None) -> httpx.Client:
        """An HTTP client, signed in as `name` (None: not signed in); one per name, kept for the module."""
        key = name or ""
        if key not in self.clients:
            client = httpx.Client(base_url=self.url, timeout=20)
            if name is not None:
                response = sign_in(client, name, PASSWORD)
                assert response.status_code == 303, response.text
            self.clients[key] = client
        return self.clients[key]

    def say(self, user: int, text: str) -> None:
        """A Telegram user writes to the bot (through the real webhook)."""
        update = message_update(next(_updates), text, user_id=user)
        response = httpx.post(f"{self.url}/webhooks/telegram", json=update,
                              headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}, timeout=20)
        assert response.status_code == 200, response.text

    def texts_to(self, chat: int) -> list[str]:
        """Everything the bot sent to a Telegram chat."""
        return [c.params["text"] for c in self.tg.calls_to("sendMessage") if int(c.params["chat_id"]) == chat]


def csrf_of(html: str) -> str:
    """The CSRF token a page's forms carry."""
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def sign_in(client: httpx.Client, name: str, password: str) -> httpx.Response:
    """Fill in and send the sign-in form."""
    token = csrf_of(client.get("/console/login").text)
    return client.post("/console/login", data={"name": name, "password": password, "csrf": token})


@pytest.fixture(scope="module")
def module_db(template_db: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh, migrated and seeded database shared by one test module."""
    with fresh_copy(template_db, tmp_path_factory.mktemp("console")) as url:
        yield url


@pytest.fixture(scope="module")
def console(module_db: str) -> Iterator[Console]:
    """The whole app with Telegram on the fake Bot API, and an account per role (password PASSWORD)."""
    engine = make_engine(module_db)
    with Session(engine) as session:
        for name, role in ACCOUNTS.items():
            create_user(session, name=name, role=role, actor="test", password=PASSWORD)
        session.commit()
    with FakeTelegramAPI().serve() as tg:
        settings = app_settings(module_db, telegram=tg, telegram_bot_token=BOT_TOKEN, telegram_webhook_secret=SECRET,
                                handoff_poll_seconds=0.1, content_poll_seconds=0.2,
                                hotline_hours="Mon-Sun 00:00-23:59 Asia/Jakarta")
        with serve_in_thread(create_app(settings)) as url:
            running = Console(url, engine, tg)
            yield running
            for client in running.clients.values():
                client.close()
    engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium through chromedriver (skipped only where it is not installed)."""
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        pytest.skip("Chromium is not installed (apt-get install chromium chromium-driver; .ci/run does it)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--window-size=1200,1000"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.implicitly_wait(0)
    yield driver
    driver.quit()
