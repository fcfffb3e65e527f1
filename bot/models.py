"""Database tables of the conversation: per-user state and the dedupe keys of delivered updates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, Index, text
from sqlmodel import Field, SQLModel

from knowledge.models import UTCDateTime, utcnow


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
    window_start: dt.datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    window_count: int = Field(default=0)
    throttled: bool = Field(default=False)
    last_activity: dt.datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    extra: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class ProcessedEventRow(SQLModel, table=True):
    """A platform delivery already handled: (channel, external id) is unique across all workers."""

    __tablename__ = "processed_events"
    channel: str = Field(primary_key=True, max_length=20)
    external_id: str = Field(primary_key=True, max_length=200)
    user_id: str | None = Field(default=None, max_length=100)
    received_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    # Crash safety (bot/delivery.py): processing → done; a takeover after a crash bumps `attempt`, and sends
    # the stored `result` (rendered replies, cleared when done) from reply number `sent` on. `tried` is moved
    # before a reply is handed to the platform, `sent` after it was accepted: tried > sent marks a reply whose
    # fate a crash left unknown.
    state: str = Field(default="done", max_length=12, sa_column_kwargs={"server_default": "done"})
    attempt: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    result: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    sent: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    tried: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class OutboxRow(SQLModel, table=True):
    """An outbound message that could not be delivered after the immediate retries (never silently dropped)."""

    __tablename__ = "outbox"
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=20, index=True)
    user_id: str = Field(max_length=100, index=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="pending", max_length=12, index=True)  # pending | sending | sent | failed
    attempts: int = Field(default=0)
    error: str | None = Field(default=None, max_length=200)  # an error code or class, never the user's text
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    next_attempt_at: dt.datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class WhatsAppChoiceRow(SQLModel, table=True):
    """The payloads of the numbered choices last shown to a WhatsApp user, so a bare "2" can answer them.

    WhatsApp can show at most ten choices as buttons or a list; beyond that the channel writes numbered
    lines, and the number the user types back must mean the same thing on whichever worker receives it.
    """

    __tablename__ = "whatsapp_pending_choices"
    user_id: str = Field(primary_key=True, max_length=100)
    payloads: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class HandoffRow(SQLModel, table=True):
    """A request for a person (a ticket): waiting → active → closed; at most one open per user.

    The partial unique index makes "one open ticket per (channel, user_id)" hold across all workers.
    """

    __tablename__ = "handoffs"
    __table_args__ = (
        Index(
            "uq_handoffs_open_per_user",
            "channel",
            "user_id",
            unique=True,
            sqlite_where=text("status IN ('waiting', 'active')"),
            postgresql_where=text("status IN ('waiting', 'active')"),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=20)
    user_id: str = Field(max_length=100)
    status: str = Field(default="waiting", max_length=10, index=True)  # waiting | active | closed
    priority: str = Field(default="normal", max_length=10)  # high | normal
    reason: str = Field(default="person", max_length=20)  # person | fallback | emergency
    lang: str | None = Field(default=None, max_length=5)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    claimed_by: str | None = Field(default=None, max_length=100)
    claimed_at: dt.datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    closed_by: str | None = Field(default=None, max_length=100)
    closed_at: dt.datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    close_note: str | None = Field(default=None, max_length=1000)
    last_activity: dt.datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    reminded_at: dt.datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    helpful: bool | None = Field(default=None)  # the user's answer to "was the officer's help useful?"
    # The error code of the last staff reply that did not reach the user (a send error or Meta's `failed`).
    delivery_error: str | None = Field(default=None, max_length=200)


class HandoffMessageRow(SQLModel, table=True):
    """One line of a ticket's transcript: from the user, a staff member, the bot or the system.

    `delivered` means it reached the other side: a user or system line was posted in the staff group,
    a staff or bot line reached the user. Workers claim a delivery by flipping it with a conditional UPDATE.
    """

    __tablename__ = "handoff_messages"
    id: int | None = Field(default=None, primary_key=True)
    handoff_id: int = Field(foreign_key="handoffs.id", index=True)
    sender: str = Field(max_length=10)  # user | staff | bot | system
    kind: str = Field(default="text", max_length=20)  # text | history | opened | claimed | closed | reminder | …
    author: str | None = Field(default=None, max_length=100)  # the staff member's name
    text: str = Field(default="", max_length=4000)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    delivered: bool = Field(default=False)
    delivered_at: dt.datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    external_ref: str | None = Field(default=None, max_length=100, index=True)  # e.g. the staff-group message id
    # The inbound delivery that brought this line ("telegram:<update_id>", "api:<key>"): a redelivery adds nothing.
    source_ref: str | None = Field(default=None, max_length=220, unique=True)


class WhatsAppStatusRow(SQLModel, table=True):
    """A message we sent on WhatsApp and the latest delivery status Meta reported for it."""

    __tablename__ = "whatsapp_statuses"
    wamid: str = Field(primary_key=True, max_length=200)
    user_id: str = Field(max_length=100, index=True)
    status: str = Field(default="accepted", max_length=10)  # accepted | sent | delivered | read | failed
    error_code: str | None = Field(default=None, max_length=40)
    handoff_id: int | None = Field(default=None, index=True)  # set for a staff reply (or the template for one)
    sent_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class WhatsAppContactRow(SQLModel, table=True):
    """When a WhatsApp user last wrote (their 24-hour window), and staff replies held until they write again."""

    __tablename__ = "whatsapp_contacts"
    user_id: str = Field(primary_key=True, max_length=100)
    last_inbound_at: dt.datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    held: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    held_handoff_id: int | None = Field(default=None)

