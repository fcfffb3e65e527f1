"""Shared fixtures: a migrated, seeded database on SQLite always and on PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import os
import queue
import shutil
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from api.database import prepare
from knowledge.db import make_engine, normalize_url
from knowledge.lexicon import load_lexicon
from knowledge.loader import load_seed
from knowledge.snapshot import Snapshot, build_snapshot

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite", *(["postgresql"] if TEST_DATABASE_URL else [])]


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


@pytest.fixture(scope="session", params=BACKENDS)
def template_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Template]:
    """Migrate and seed one database per backend for the whole session."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("template") / "template.db"
        engine = prepare(f"sqlite:///{path}")
        engine.dispose()
        yield Template("sqlite", str(path))
        return
    admin = _pg_admin_engine()
    name = f"dm_tmpl_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(normalize_url(TEST_DATABASE_URL or "")).set(database=name).render_as_string(hide_password=False)
    engine = prepare(url)
    engine.dispose()
    copies = _CopyPool(name)
    yield Template("postgresql", name, admin_url=TEST_DATABASE_URL, copies=copies)
    copies.close()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@contextmanager
def fresh_database(template_db: Template, directory: Path) -> Iterator[str]:
    """A fresh copy of the template database (a file in `directory` on SQLite), as a URL."""
    if template_db.backend == "sqlite":
        target = directory / "test.db"
        shutil.copyfile(template_db.url, target)
        yield f"sqlite:///{target}"
        return
    assert template_db.copies is not None
    name = template_db.copies.take()
    yield make_url(normalize_url(TEST_DATABASE_URL or "")).set(database=name).render_as_string(hide_password=False)
    template_db.copies.give_back(name)


@pytest.fixture
def db_url(template_db: Template, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated and seeded database for one test, as a URL."""
    with fresh_database(template_db, tmp_path) as url:
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
