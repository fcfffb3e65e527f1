"""Database tables of the knowledge: entries, revisions, countries, lexicon additions, unanswered, feedback."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, DateTime, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


def utcnow() -> dt.datetime:
    """The current time in UTC, timezone-aware."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp column that stores UTC and always reads back an aware UTC datetime, on every database.

    PostgreSQL keeps the zone (timestamptz) but returns the session's; SQLite keeps none and returns naive
    values. Converting on the way in and out means no caller has to guess. A naive value written is taken
    as UTC (what `utcnow` and the database's own clock mean); comparisons in queries convert the same way.
    The database type is unchanged (`UTCDateTime()`), so no migration is needed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        """UTC on the way in (SQLite drops the zone, so it must already be UTC there)."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        """Aware UTC on the way out."""
        if value is None:
            return None
        if value.tzinfo is None:  # SQLite: stored as UTC above
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def _json(**kwargs: Any) -> Any:
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False), **kwargs)


def _when() -> Any:
    return Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class EntryRow(SQLModel, table=True):
    """The current state of one knowledge entry (its history is in RevisionRow)."""

    __tablename__ = "entries"
    id: str = Field(primary_key=True, max_length=60)
    topic: str = Field(max_length=20, index=True)
    aspect: str | None = Field(default=None, max_length=20, index=True)
    countries: list[str] = _json()
    status: str = Field(default="draft", max_length=12, index=True)
    version: int = Field(default=1)
    texts: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    sources: list[dict[str, Any]] = _json()
    related: list[str] = _json()
    reviewed_at: dt.date
    review_due: dt.date
    updated_by: str | None = Field(default=None, max_length=100)
    updated_at: dt.datetime = _when()


class RevisionRow(SQLModel, table=True):
    """A full snapshot of an entry after one change: who, when, why."""

    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("entry_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    entry_id: str = Field(max_length=60, index=True)
    number: int
    snapshot: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    author: str | None = Field(default=None, max_length=100)
    note: str | None = Field(default=None, max_length=500)
    created_at: dt.datetime = _when()


class CountryRow(SQLModel, table=True):
    """A destination country with its aliases and card."""

    __tablename__ = "countries"
    code: str = Field(primary_key=True, max_length=3)
    names: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    aliases: list[str] = _json()
    card: str | None = Field(default=None, max_length=60)
    sections: list[str] = _json()
    # Who a person in danger there calls (CountryEmergency as JSON); None when the content has none.
    emergency: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class LexiconRow(SQLModel, table=True):
    """An editor's addition to the normalisation lexicon, layered over the curated data files."""

    __tablename__ = "lexicon"
    __table_args__ = (UniqueConstraint("key"),)
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=100)
    value: str = Field(max_length=200)
    note: str | None = Field(default=None, max_length=300)
    created_by: str | None = Field(default=None, max_length=100)
    created_at: dt.datetime = _when()


class MetaRow(SQLModel, table=True):
    """Small shared counters, such as the content version every worker polls."""

    __tablename__ = "meta"
    key: str = Field(primary_key=True, max_length=50)
    value: int = Field(default=0)


class UnansweredRow(SQLModel, table=True):
    """Questions the bot could not answer, grouped by normalised text; never a user id."""

    __tablename__ = "unanswered"
    __table_args__ = (UniqueConstraint("normalized", "lang"),)
    id: int | None = Field(default=None, primary_key=True)
    normalized: str = Field(max_length=500)
    lang: str = Field(default="id", max_length=5)
    samples: list[str] = _json()
    count: int = Field(default=1)
    candidates: list[dict[str, Any]] = _json()
    status: str = Field(default="open", max_length=12, index=True)
    resolved_entry_id: str | None = Field(default=None, max_length=60)
    first_seen: dt.datetime = _when()
    last_seen: dt.datetime = _when()


class FeedbackRow(SQLModel, table=True):
    """One 👍/👎 on an answer; never a user id."""

    __tablename__ = "feedback"
    id: int | None = Field(default=None, primary_key=True)
    entry_id: str = Field(max_length=60, index=True)
    helpful: bool
    lang: str = Field(default="id", max_length=5)
    channel: str = Field(default="", max_length=20)
    created_at: dt.datetime = _when()


class AuditRow(SQLModel, table=True):
    """Who changed what and when: every content change and every token action leaves one row."""

    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    actor: str = Field(max_length=100, index=True)
    action: str = Field(max_length=40, index=True)
    target: str = Field(max_length=200)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: dt.datetime = _when()


class TurnStatRow(SQLModel, table=True):
    """Daily counts of conversation turns by channel, language and decision; an aggregate, never a user id."""

    __tablename__ = "turn_stats"
    day: dt.date = Field(primary_key=True)
    channel: str = Field(primary_key=True, max_length=20)
    lang: str = Field(primary_key=True, max_length=5)
    decision: str = Field(primary_key=True, max_length=12)
    count: int = Field(default=0)
