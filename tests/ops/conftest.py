"""Fixtures for the production tests: empty and seeded databases on each backend, created on demand."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from knowledge.db import normalize_url
from tests.conftest import TEST_DATABASE_URL, Template, _pg_admin_engine


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


@contextmanager
def seeded_copy(template: Template, folder: Path) -> Iterator[str]:
    """A fresh copy of the migrated and seeded template database; yields its URL."""
    if template.backend == "sqlite":
        target = folder / f"copy-{uuid.uuid4().hex[:8]}.db"
        shutil.copyfile(template.url, target)
        yield f"sqlite:///{target}"
        return
    with pg_database(template.url, prefix="dm_ops_copy") as url:
        yield url


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
