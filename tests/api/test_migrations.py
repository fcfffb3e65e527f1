"""Migrations: from an empty database and from every earlier revision to head, schema equal to the models;
`desmigratif db upgrade` safe to run twice and from two processes at once."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlmodel import SQLModel

import api.models  # noqa: F401  (every table in the metadata, as in api/migrations/env.py)
import bot.models  # noqa: F401
import knowledge.models  # noqa: F401
from api.cli import main as cli_main
from api.database import alembic_config, upgrade
from knowledge.db import make_engine

SCRIPT = ScriptDirectory.from_config(alembic_config("sqlite://"))
HEAD = SCRIPT.get_current_head()
# Oldest first; "base" is the empty database.
EARLIER = ["base", *[r.revision for r in reversed(list(SCRIPT.walk_revisions())) if r.revision != HEAD]]


def current_revision(url: str) -> str | None:
    """The revision stamped in the database."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def table_names(url: str) -> set[str]:
    """The tables in the database."""
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def schema_differences(url: str) -> list[Any]:
    """What alembic's autogenerate would still change to make the database match the models (nothing, we hope)."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                                    "render_as_batch": engine.dialect.name == "sqlite"})
            return list(compare_metadata(context, SQLModel.metadata))
    finally:
        engine.dispose()


def test_there_is_a_chain_of_revisions() -> None:
    assert HEAD is not None and len(EARLIER) >= 2
    assert SCRIPT.get_heads() == [HEAD], "two heads: merge them, a deploy would not know which to apply"


@pytest.mark.parametrize("start", EARLIER)
def test_migrating_to_head_from_each_revision_matches_the_models(start: str, empty_db: Callable[[], str]) -> None:
    url = empty_db()
    if start != "base":
        engine = make_engine(url)
        with engine.begin() as connection:
            config = alembic_config(url)
            config.attributes["connection"] = connection
            command.upgrade(config, start)
        engine.dispose()
        assert current_revision(url) == start
    engine = make_engine(url)
    upgrade(engine)  # what `desmigratif db upgrade` and every start-up run
    engine.dispose()
    assert current_revision(url) == HEAD
    assert schema_differences(url) == []


def test_db_upgrade_twice_is_a_no_op(empty_db: Callable[[], str], monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    from api.settings import get_settings

    url = empty_db()
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        assert cli_main(["db", "upgrade"]) == 0
        tables = table_names(url)
        assert cli_main(["db", "upgrade"]) == 0
    finally:
        get_settings.cache_clear()
    assert "up to date" in capsys.readouterr().out
    assert current_revision(url) == HEAD
    assert table_names(url) == tables and "alembic_version" in tables
    assert schema_differences(url) == []


@pytest.mark.slow
def test_db_upgrade_from_two_processes_at_once(empty_db: Callable[[], str]) -> None:
    url = empty_db()
    env = {**os.environ, "DATABASE_URL": url}
    command_line = [sys.executable, "-c", "import sys; from api.cli import main; sys.exit(main())", "db", "upgrade"]
    processes = [subprocess.Popen(command_line, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]
    results = [p.communicate(timeout=120) for p in processes]
    for process, (out, err) in zip(processes, results, strict=True):
        assert process.returncode == 0, err
        assert "up to date" in out
    assert current_revision(url) == HEAD
    assert schema_differences(url) == []
