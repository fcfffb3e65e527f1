"""Database tables of the conversation: per-user state and the dedupe keys of delivered updates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, DateTime
from sqlmodel import Field, SQLModel

from knowledge.models import utcnow


class ConversationRow(SQLModel, table=True):
    """Everything the bot remembers about one user on one channel; no in-process state matters."""

    __tablename__ = "conversations"
    channel: str = Field(primary_key=True, max_length=20)
    user_id: str = Field(primary_key=True, max_length=100)
    lang: str | None = Field(default=None, max_length=5)
    country: str | None = Field(default=None, max_length=3)
    last_entry: str | None = Field(default=None, max_length=60)
    options: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    fallbacks: int = Field(default=0)
    handoff_id: int | None = Field(default=None)
    pending: str | None = Field(default=None, max_length=30)  # a question awaiting confirmation, e.g. delete
    window_start: dt.datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    window_count: int = Field(default=0)
    throttled: bool = Field(default=False)
    last_activity: dt.datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
    extra: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class ProcessedEventRow(SQLModel, table=True):
    """A platform delivery already handled: (channel, external id) is unique across all workers."""

    __tablename__ = "processed_events"
    channel: str = Field(primary_key=True, max_length=20)
    external_id: str = Field(primary_key=True, max_length=200)
    user_id: str | None = Field(default=None, max_length=100)
    received_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))


class OutboxRow(SQLModel, table=True):
    """An outbound message that could not be delivered after the immediate retries (never silently dropped)."""

    __tablename__ = "outbox"
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=20, index=True)
    user_id: str = Field(max_length=100, index=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="pending", max_length=12, index=True)  # pending | sent | failed
    attempts: int = Field(default=0)
    error: str | None = Field(default=None, max_length=200)  # an error code or class, never the user's text
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
    next_attempt_at: dt.datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class WhatsAppChoiceRow(SQLModel, table=True):
    """The payloads of the numbered choices last shown to a WhatsApp user, so a bare "2" can answer them.

    WhatsApp can show at most ten choices as buttons or a list; beyond that the channel writes numbered
    lines, and the number the user types back must mean the same thing on whichever worker receives it.
    """

    __tablename__ = "whatsapp_pending_choices"
    user_id: str = Field(primary_key=True, max_length=100)
    payloads: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
