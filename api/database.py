"""Create or migrate the schema with Alembic and seed the bundled content on first use."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from knowledge.db import make_engine
from knowledge.store import ImportReport, seed_if_empty

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Any constant works; it only has to be the same for every worker that migrates this database.
_MIGRATION_LOCK_ID = 7_310_2017
# Set by `desmigratif serve` for its workers to the URL it has just migrated and seeded: a worker then skips
# Alembic altogether (importing it and loading every migration cost each worker a second or more at start).
PREPARED_ENV = "DESMIGRATIF_PREPARED_URL"
log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from alembic.config import Config


def alembic_config(url: str) -> Config:
    """An Alembic configuration pointing at our migrations and `url`."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine) -> None:
    """Migrate the schema to the newest revision; safe to run twice and from two workers at once."""
    from alembic import command

    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Serialise concurrent upgrades from several workers; released when this transaction ends.
            connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
        elif connection.dialect.name == "sqlite":
            # Take SQLite's write lock first (others wait up to the busy timeout), so two processes migrating a
            # fresh file run one after the other, and the whole upgrade is one transaction.
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def seed(engine: Engine) -> ImportReport | None:
    """Import the bundled content if the database has no entry yet."""
    with Session(engine) as session:
        if engine.dialect.name == "postgresql":
            session.exec(text("SELECT pg_advisory_xact_lock(:id)").bindparams(id=_MIGRATION_LOCK_ID + 1))  # type: ignore[call-overload]  # sqlmodel types exec() for select() only
        elif engine.dialect.name == "sqlite":
            # Write lock first: a read ("is it empty?") that later writes fails at once with "database is
            # locked" when another process wrote in between (SQLite does not wait there); this waits instead.
            session.connection().exec_driver_sql("BEGIN IMMEDIATE")
        report = seed_if_empty(session)
        session.commit()
    if report:
        log.info("seeded %d entries and %d countries", report.created, report.countries)
    return report


def prepare(url: str) -> Engine:
    """Return an engine for `url` with the schema migrated and the content seeded."""
    engine = make_engine(url)
    upgrade(engine)
    seed(engine)
    return engine


def open_prepared(url: str) -> Engine:
    """An engine for `url`, prepared (`prepare`) unless `serve` did that just before starting this worker."""
    if os.environ.get(PREPARED_ENV) == url:
        return make_engine(url)
    return prepare(url)
