"""UTCDateTime: every timestamp column stores UTC and reads back an aware UTC datetime, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, Integer, MetaData, Table, func, insert, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

import api.models  # noqa: F401  (every table in the metadata)
import bot.models  # noqa: F401
from knowledge.models import LexiconRow, UTCDateTime

JAKARTA = dt.timezone(dt.timedelta(hours=7))
NOON_UTC = dt.datetime(2026, 12, 2, 12, 0, 0, 123456, tzinfo=dt.UTC)


def test_values_come_back_aware_utc_whatever_zone_they_were_written_in(engine: Engine) -> None:
    probe = Table("utc_probe", MetaData(), Column("id", Integer, primary_key=True), Column("at", UTCDateTime()))
    probe.create(engine)
    written = [NOON_UTC, NOON_UTC.astimezone(JAKARTA), NOON_UTC.replace(tzinfo=None), None]
    with engine.begin() as connection:
        connection.execute(insert(probe), [{"id": i, "at": value} for i, value in enumerate(written)])
    with engine.connect() as connection:
        read = [row.at for row in connection.execute(select(probe).order_by(probe.c.id))]
        # A comparison binds its value through the same type: 19:00 in Jakarta is noon UTC.
        same = connection.execute(select(func.count()).select_from(probe)
                                  .where(probe.c.at == NOON_UTC.astimezone(JAKARTA))).scalar()
        latest = connection.execute(select(func.max(probe.c.at))).scalar()
    assert read == [NOON_UTC, NOON_UTC, NOON_UTC, None]
    assert all(value.tzinfo is dt.UTC for value in read if value is not None)
    assert same == 3
    assert latest == NOON_UTC and latest.tzinfo is dt.UTC


def test_a_model_row_reads_back_aware(engine: Engine) -> None:
    with Session(engine) as session:
        row = LexiconRow(key="tz-probe", value="x", created_at=NOON_UTC.astimezone(JAKARTA))
        session.add(row)
        session.commit()
        row_id = row.id
    with Session(engine) as session:
        found = session.get(LexiconRow, row_id)
        assert found is not None
        assert found.created_at == NOON_UTC and found.created_at.tzinfo is dt.UTC


def test_every_timestamp_column_uses_the_type() -> None:
    naive_prone = [f"{table.name}.{column.name}" for table in SQLModel.metadata.tables.values()
                   for column in table.columns
                   if column.type.python_type is dt.datetime and not isinstance(column.type, UTCDateTime)]
    assert naive_prone == []
