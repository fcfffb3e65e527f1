"""Shared fixtures: a migrated, seeded database on SQLite always and on PostgreSQL when TEST_DATABASE_URL is set;
empty and seeded databases on demand; the fake Bot API and Graph API servers."""

from __future__ import annotations

import os
import queue
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from api.database import prepare
from api.settings import Settings
from knowledge.db import make_engine, normalize_url
from knowledge.lexicon import load_lexicon
from knowledge.loader import load_seed
from knowledge.snapshot import Snapshot, build_snapshot
from tests.fakes.graph_api import FakeGraphAPI
from tests.fakes.telegram_api import FakeTelegramAPI

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite", *(["postgresql"] if TEST_DATABASE_URL else [])]

# What an app under test uses against the fake servers (app_settings); a module may pass its own.
TELEGRAM_TOKEN = "123456:TEST-token_abc"
TELEGRAM_SECRET = "s3cret-Webhook_token"
WHATSAPP_APP_SECRET = "test-app-secret-0123456789abcdef"
WHATSAPP_PHONE_NUMBER_ID = "106540352242922"


def app_settings(db_url: str, *, telegram: FakeTelegramAPI | None = None, whatsapp: FakeGraphAPI | None = None,
                 **overrides: Any) -> Settings:
    """Settings for an app under test: this database and nothing from the environment or a .env file; Telegram
    (webhook mode) and WhatsApp against the given fake servers; `overrides` last."""
    values: dict[str, Any] = {"database_url": db_url}
    if telegram is not None:
        values.update(telegram_bot_token=TELEGRAM_TOKEN, telegram_webhook_secret=TELEGRAM_SECRET,
                      telegram_api_base_url=telegram.base_url, telegram_mode="webhook")
    if whatsapp is not None:
        values.update(whatsapp_access_token="EAAtest-access-token", whatsapp_phone_number_id=WHATSAPP_PHONE_NUMBER_ID,
                      whatsapp_app_secret=WHATSAPP_APP_SECRET, whatsapp_verify_token="verify-me",
                      whatsapp_api_base_url=whatsapp.base_url, whatsapp_retry_base_seconds=0)
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class Template:
    """A migrated and seeded database that each test gets a fresh copy of."""

    backend: str
    url: str
    admin_url: str | None = None
    copies: _CopyPool | None = field(default=None, repr=False)


class _CopyPool:
    """Fresh PostgreSQL copies of the template, made ahead and dropped behind the tests.

    CREATE DATABASE ... TEMPLATE and DROP DATABASE take about a second each on this server; doing
    them in two background threads keeps them out of every test's own time.
    """

    AHEAD = 2

    def __init__(self, template: str) -> None:
        self.template = template
        self.ready: queue.Queue[str] = queue.Queue(maxsize=self.AHEAD)
        self.used: queue.Queue[str | None] = queue.Queue()
        self.stopping = threading.Event()
        self.maker = threading.Thread(target=self._make, name="pg-copy-maker", daemon=True)
        self.dropper = threading.Thread(target=self._drop, name="pg-copy-dropper", daemon=True)
        self.maker.start()
        self.dropper.start()

    def _make(self) -> None:
        admin = _pg_admin_engine()
        try:
            while not self.stopping.is_set():
                name = f"dm_t_{uuid.uuid4().hex[:12]}"
                with admin.connect() as conn:
                    conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"'))
                while not self.stopping.is_set():
                    try:
                        self.ready.put(name, timeout=0.2)
                        break
                    except queue.Full:
                        continue
                else:
                    self.used.put(name)
        finally:
            admin.dispose()

    def _drop(self) -> None:
        admin = _pg_admin_engine()
        try:
            while (name := self.used.get()) is not None:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            admin.dispose()

    def take(self) -> str:
        """A fresh copy's name (waits for the maker if none is ready)."""
        return self.ready.get(timeout=120)

    def give_back(self, name: str) -> None:
        """Queue a used copy for dropping."""
        self.used.put(name)

    def close(self) -> None:
        """Stop making copies and drop every one made."""
        self.stopping.set()
        self.maker.join(timeout=120)
        while True:
            try:
                self.used.put(self.ready.get_nowait())
            except queue.Empty:
                break
        self.used.put(None)
        self.dropper.join(timeout=600)


def _pg_admin_engine() -> Engine:
    assert TEST_DATABASE_URL
    return create_engine(normalize_url(TEST_DATABASE_URL), isolation_level="AUTOCOMMIT")


@contextmanager
def _made_template(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Template]:
    """Migrate and seed a template database on `backend`; dropped on exit (PostgreSQL)."""
    if backend == "sqlite":
        path = tmp_path_factory.mktemp("template") / "template.db"
        engine = prepare(f"sqlite:///{path}")
        engine.dispose()
        yield Template("sqlite", str(path))
        return
    admin = _pg_admin_engine()
    # One template per xdist worker (gw0, gw1…; "main" without xdist), named for it so a leftover is easy to
    # trace; the random tail keeps two suites run at once on one server (other checkouts) apart.
    name = f"desmigratif_test_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(normalize_url(TEST_DATABASE_URL or "")).set(database=name).render_as_string(hide_password=False)
    engine = prepare(url)
    engine.dispose()
    copies = _CopyPool(name)
    try:
        yield Template("postgresql", name, admin_url=TEST_DATABASE_URL, copies=copies)
    finally:
        copies.close()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class _Templates:
    """Each backend's template, made on first use and kept until the session ends."""

    def __init__(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        self.tmp_path_factory = tmp_path_factory
        self.made: dict[str, Template] = {}
        self.stack = ExitStack()

    def get(self, backend: str) -> Template:
        """The backend's template (made now if this is the first use)."""
        if backend not in self.made:
            self.made[backend] = self.stack.enter_context(_made_template(backend, self.tmp_path_factory))
        return self.made[backend]


@pytest.fixture(scope="session")
def _templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Templates]:
    """The session's templates, dropped at its end."""
    templates = _Templates(tmp_path_factory)
    with templates.stack:
        yield templates


@pytest.fixture(scope="session", params=BACKENDS)
def template_db(request: pytest.FixtureRequest, _templates: _Templates) -> Template:
    """One migrated and seeded database per backend for the whole session.

    pytest finalises a parametrised session fixture whenever the next test wants the other parameter, and
    under pytest-xdist a worker runs a file's SQLite and PostgreSQL tests one after the other: kept here,
    the templates are made once per worker instead of once per file and backend.
    """
    return _templates.get(request.param)


@contextmanager
def fresh_copy(template: Template, folder: Path) -> Iterator[str]:
    """A fresh copy of the migrated and seeded template database, as a URL; given back afterwards."""
    if template.backend == "sqlite":
        target = folder / f"copy-{uuid.uuid4().hex[:8]}.db"  # several copies may share a folder
        shutil.copyfile(template.url, target)
        yield f"sqlite:///{target}"
        return
    assert template.copies is not None
    name = template.copies.take()
    yield make_url(normalize_url(TEST_DATABASE_URL or "")).set(database=name).render_as_string(hide_password=False)
    template.copies.give_back(name)


@pytest.fixture
def db_url(template_db: Template, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated and seeded database for one test, as a URL."""
    with fresh_copy(template_db, tmp_path) as url:
        yield url


@pytest.fixture(scope="module")
def module_db_url(template_db: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh, migrated and seeded database shared by one module's tests: for tests that change nothing
    another test looks at (refused requests, reads), so they can share one app start instead of one each."""
    with fresh_copy(template_db, tmp_path_factory.mktemp("module")) as url:
        yield url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on the test's fresh database."""
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def seed_snapshot() -> Snapshot:
    """A snapshot of the bundled content, built once (no database needed)."""
    kb = load_seed()
    assert kb.ok, [str(p) for p in kb.problems]
    return build_snapshot(kb.entries, kb.countries, lexicon=load_lexicon())


def _pg_url(name: str) -> str:
    return make_url(normalize_url(TEST_DATABASE_URL or "")).set(database=name).render_as_string(hide_password=False)


@contextmanager
def pg_database(template: str | None = None, prefix: str = "dm_ops") -> Iterator[str]:
    """A new PostgreSQL database (empty, or a copy of `template`), dropped afterwards; yields its URL."""
    admin = _pg_admin_engine()
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    clause = f' TEMPLATE "{template}"' if template else ""
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"{clause}'))
    try:
        yield _pg_url(name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# The name the worker, observability and WhatsApp-window tests know it by: a copy from the same pool.
seeded_copy = fresh_copy


@pytest.fixture
def backend(template_db: Template) -> str:
    """The backend under test ("sqlite", or "postgresql" when TEST_DATABASE_URL is set)."""
    return template_db.backend


@pytest.fixture
def empty_db(backend: str, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """A factory of empty databases (no tables) on the backend under test; all dropped at the end."""
    with ExitStack() as stack:

        def make() -> str:
            if backend == "sqlite":
                return f"sqlite:///{tmp_path / f'empty-{uuid.uuid4().hex[:8]}.db'}"
            return stack.enter_context(pg_database(prefix="dm_ops_empty"))

        yield make


@pytest.fixture(scope="session")
def telegram_fake() -> Iterator[FakeTelegramAPI]:
    """The fake Bot API for the whole session (call reset() before use; on a port of this worker's own)."""
    with FakeTelegramAPI().serve() as fake:
        yield fake


@pytest.fixture(scope="session")
def graph_fake() -> Iterator[FakeGraphAPI]:
    """The fake Graph API for the whole session (call reset() before use; on a port of this worker's own)."""
    with FakeGraphAPI().serve() as fake:
        yield fake


@pytest.fixture(scope="module")
def fakes() -> Iterator[tuple[FakeTelegramAPI, FakeGraphAPI]]:
    """The fake Bot API and Graph API, one pair per test module."""
    with FakeTelegramAPI().serve() as telegram, FakeGraphAPI().serve() as graph:
        yield telegram, graph


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files with a slow test (crash, workers, image, bench, schemathesis) first, the rest in their order.

    pytest-xdist hands files to its workers in this order: a long file started last would run alone at
    the end while the other worker idles; started first, the short files fill in around it.
    """
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow_files)
