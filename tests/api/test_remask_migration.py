"""Migration 0011: unanswered rows stored before masking existed are masked on upgrade, and a second run changes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from api.database import alembic_config
from knowledge.db import make_engine
from knowledge.models import UnansweredRow
from knowledge.normalize import raw_tokens
from knowledge.pii import mask
from tests.conftest import Template, pg_database

BEFORE = "0010"  # the revision before the re-masking one
REMASK = "0011"
T0 = dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC)
PHONE = "nomor saya 0812 3456 7890 tolong hubungi"
EMAIL = "email saya siti.aminah@example.com gimana daftar"
NAME = "nama saya Siti Aminah mau kerja di taiwan"
PLAIN = "berapa biaya ke taiwan"


@pytest.fixture
def empty_url(template_db: Template, tmp_path: Path) -> Iterator[str]:
    """An empty database on the backend under test (no tables), dropped afterwards."""
    if template_db.backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'remask.db'}"
        return
    with pg_database(prefix="dm_remask") as url:
        yield url


def migrate(engine: Engine, revision: str) -> None:
    """Upgrade the database to `revision` on one connection, as api.database does."""
    with engine.begin() as connection:
        config = alembic_config(str(engine.url))
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def raw_key(text_: str) -> str:
    """The grouping key the store gave a question before masking existed."""
    return " ".join(raw_tokens(text_))


def insert(engine: Engine, rows: list[dict[str, Any]]) -> None:
    """Rows as the store wrote them before masking: samples and key as typed."""
    with Session(engine) as session:
        for row in rows:
            session.add(UnansweredRow(**{"lang": "id", "first_seen": T0, "last_seen": T0, **row}))
        session.commit()


def stored(engine: Engine) -> list[UnansweredRow]:
    """Every queue row, oldest first."""
    with Session(engine) as session:
        return list(session.exec(select(UnansweredRow).order_by(UnansweredRow.id)))  # type: ignore[arg-type]


def test_upgrade_masks_old_rows_merges_what_now_matches_and_is_idempotent(empty_url: str) -> None:
    engine = make_engine(empty_url)
    try:
        migrate(engine, BEFORE)
        insert(engine, [
            {"normalized": raw_key(PHONE), "samples": [PHONE], "count": 2, "status": "resolved",
             "resolved_entry_id": "biaya-taiwan"},
            {"normalized": raw_key(EMAIL), "samples": [EMAIL], "count": 1},
            {"normalized": raw_key(NAME), "samples": [NAME], "count": 3, "candidates": [{"entry_id": "a", "score": 0.2}]},
            # The same question by another person: once both names are masked it is one question, asked 4 times.
            {"normalized": raw_key(NAME.replace("Siti Aminah", "Dewi")),
             "samples": [NAME.replace("Siti Aminah", "Dewi")], "count": 1,
             "first_seen": T0 - dt.timedelta(days=3), "last_seen": T0 + dt.timedelta(days=1),
             "candidates": [{"entry_id": "b", "score": 0.3}]},
            {"normalized": raw_key(PLAIN), "samples": [PLAIN], "count": 7},
        ])
        migrate(engine, REMASK)
        rows = stored(engine)
        everything = " ".join(r.normalized + " " + " ".join(r.samples) for r in rows)
        for personal in ("0812", "3456", "7890", "siti", "Siti", "aminah", "example", "Dewi", "dewi"):
            assert personal not in everything, personal
        assert [r.samples for r in rows] == [[mask(PHONE)], [mask(EMAIL)], [mask(NAME)], [PLAIN]]
        assert "[telepon]" in rows[0].samples[0] and "[email]" in rows[1].samples[0] and "[nama]" in rows[2].samples[0]
        # Each key is what record_unanswered gives the same question today, so new askings land on the old row.
        assert [r.normalized for r in rows[:3]] == [mask(raw_key(mask(t))) for t in (PHONE, EMAIL, NAME)]
        assert (rows[0].count, rows[0].status, rows[0].resolved_entry_id) == (2, "resolved", "biaya-taiwan")
        merged = rows[2]
        assert merged.count == 4 and merged.status == "open"
        assert (merged.first_seen.date(), merged.last_seen.date()) == (dt.date(2026, 1, 2), dt.date(2026, 1, 6))
        assert merged.candidates == [{"entry_id": "b", "score": 0.3}]  # from the latest asking
        assert (rows[3].normalized, rows[3].count) == (raw_key(PLAIN), 7)  # nothing personal: untouched

        before = [(r.id, r.normalized, r.samples, r.count, r.status) for r in rows]
        with engine.begin() as connection:  # run the upgrade step again over its own output
            connection.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": BEFORE})
        migrate(engine, REMASK)
        assert [(r.id, r.normalized, r.samples, r.count, r.status) for r in stored(engine)] == before
    finally:
        engine.dispose()
