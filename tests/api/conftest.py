"""Fixtures for the admin API: the real app over a fresh database, with one token per role."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.exceptions import StarletteDeprecationWarning

from api.app import create_app
from api.settings import Settings
from api.tokens import create_token
from knowledge.db import make_engine
from tests.conftest import app_settings

with warnings.catch_warnings():
    # Starlette's TestClient warns about httpx 0.x at import; the client itself works and is what FastAPI documents.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

POLL_SECONDS = 0.2
ROLES = ("admin", "editor", "staff")


def api_settings(db_url: str, **overrides: Any) -> Settings:
    """Settings for the app under test: this database, a fast content poll, no channel tokens, no .env."""
    return app_settings(db_url, **{"content_poll_seconds": POLL_SECONDS, **overrides})


def make_tokens(engine: Engine) -> dict[str, str]:
    """One token per role, created the way the CLI does."""
    tokens = {}
    with Session(engine) as session:
        for role in ROLES:
            _row, tokens[role] = create_token(session, name=f"{role}-1", role=role, actor="test")
        session.commit()
    return tokens


@dataclass
class Api:
    """The app under test and a token for each role."""

    client: TestClient
    tokens: dict[str, str]

    def auth(self, role: str) -> dict[str, str]:
        """The Authorization header of `role`'s token."""
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def call(self, method: str, path: str, role: str = "admin", **kwargs: Any) -> Any:
        """Send a request as `role`."""
        headers = {**self.auth(role), **kwargs.pop("headers", {})}
        return self.client.request(method, path, headers=headers, **kwargs)


@pytest.fixture
def api(db_url: str, engine: Engine) -> Iterator[Api]:
    """The app with its lifespan running, over the test's fresh database."""
    tokens = make_tokens(engine)
    with TestClient(create_app(api_settings(db_url))) as client:
        yield Api(client, tokens)


@pytest.fixture(scope="module")
def shared_api(module_db_url: str) -> Iterator[Api]:
    """One app for a module's tests that change nothing another test sees (refused requests, reads)."""
    engine = make_engine(module_db_url)
    try:
        tokens = make_tokens(engine)
    finally:
        engine.dispose()
    with TestClient(create_app(api_settings(module_db_url))) as client:
        yield Api(client, tokens)


def eventually(check: Callable[[], Any], *, timeout: float = 10.0, interval: float = 0.1) -> Any:
    """Call `check` until it returns something truthy, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout} s (last result: {result!r})")
        time.sleep(interval)


def new_entry(entry_id: str = "kapal-pesiar-kerja", **overrides: Any) -> dict[str, Any]:
    """A complete, publishable entry about something the seed content does not cover."""
    entry: dict[str, Any] = {
        "id": entry_id,
        "topic": "programme",
        "countries": [],
        "texts": {
            "id": {
                "question": "Bagaimana cara melamar kerja di kapal pesiar?",
                "phrasings": ["lowongan kapal pesiar", "kerja kapal pesiar syaratnya apa", "daftar awak kapal pesiar"],
                "answer": "Kerja di kapal pesiar lewat perusahaan penempatan resmi yang terdaftar; cek di SISKOP2MI.",
            },
            "en": {
                "question": "How do I apply for cruise ship work?",
                "phrasings": ["cruise ship jobs"],
                "answer": "Apply through a licensed placement company; check it in SISKOP2MI first.",
            },
        },
        "sources": [{"url": "https://bp2mi.go.id/", "title": "BP2MI", "date": "2024-01-10"}],
        "reviewed_at": "2026-11-01",
        "review_due": "2027-05-01",
    }
    entry.update(overrides)
    return entry


@pytest.fixture
def cli_db(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The `desmigratif` command line pointed at the test's fresh, seeded database."""
    from api.settings import get_settings

    monkeypatch.setenv("DATABASE_URL", db_url)
    get_settings.cache_clear()
    yield db_url
    get_settings.cache_clear()
