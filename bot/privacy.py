"""What personal data the service keeps, how one user's data is erased (/hapus) and how old data is purged.

Declared here, in one place, for every table that holds a user id or what users typed:

- `USER_TABLES`: (table, channel column, user column) rows erased when a user asks /hapus. A table that
  belongs to one channel (e.g. WhatsApp's pending choices) names that channel instead of a column.
- handoff tickets are not a plain column match (an open ticket is closed and kept as an anonymous stub for
  the staff, its transcript reached through the ticket id): `bot.handoff.delete_user_handoffs` runs first,
  and `bot.handoff.purge_transcripts` drops closed tickets after the retention period.
- `PURGE_RULES`: (table, timestamp column, condition) rows deleted by `desmigratif purge --older-than DAYS`
  (and daily by the server when PURGE_DAYS is set).

A module that adds such a table adds its row here (tests/bot/test_privacy.py checks none is missed).
Handlers never see the database: the conversation gets a `UserDataEraser` (SQL here; a no-op for the
in-memory store used by tests and one-shot commands).

User ids are matched both as given and as `bot.state.storage_key` stores them (long or unprintable ids are
kept as a digest), so erasure finds the rows whichever way a module wrote them.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import ColumnElement, Table, and_, delete, select
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from bot.handoff import delete_user_handoffs, purge_transcripts
from bot.state import storage_key
from knowledge.models import utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UserTable:
    """A table whose rows belong to one user: erased by /hapus."""

    table: str
    user_column: str = "user_id"
    channel_column: str | None = "channel"  # None: the table holds one channel's users only ...
    channel: str | None = None  # ... this one


@dataclass(frozen=True)
class PurgeRule:
    """Rows older than the retention period: `timestamp column < cutoff` and the optional condition."""

    table: str
    timestamp_column: str
    condition: Callable[[Table], ColumnElement[bool]] | None = None
    note: str = ""
    min_days: int = 0  # kept at least this long whatever the retention setting says


USER_TABLES: tuple[UserTable, ...] = (
    UserTable("conversations"),
    UserTable("processed_events"),  # dedupe keys of the user's deliveries
    UserTable("outbox"),  # replies not yet delivered (or given up on)
    UserTable("whatsapp_pending_choices", channel_column=None, channel="whatsapp"),
    # Erased by delete_user_handoffs first; listed so `user_has_data` reports a user's tickets.
    UserTable("handoffs"),
    UserTable("whatsapp_statuses", channel_column=None, channel="whatsapp"),
    UserTable("whatsapp_contacts", channel_column=None, channel="whatsapp"),
)

PURGE_RULES: tuple[PurgeRule, ...] = (
    PurgeRule("processed_events", "received_at", note="dedupe keys (platforms redeliver for at most ~7 days)",
              min_days=8),
    PurgeRule("outbox", "created_at", lambda t: t.c.status.in_(("sent", "failed")),
              note="sent or abandoned outbound messages"),
    PurgeRule("conversations", "last_activity", note="idle conversation state"),
    PurgeRule("whatsapp_pending_choices", "updated_at", note="stale WhatsApp choices"),
    # Grouped unanswered questions carry no user id, but their texts are what users typed and may contain a
    # name or a phone number: a group not asked again within the retention period goes, whatever its status.
    PurgeRule("unanswered", "last_seen", note="unanswered-question groups not asked again (texts may hold names)"),
    PurgeRule("whatsapp_statuses", "updated_at", note="delivery statuses of sent WhatsApp messages"),
    PurgeRule("whatsapp_contacts", "last_inbound_at",
              note="when a WhatsApp user last wrote, and staff replies held for them"),
)


class UserDataEraser(Protocol):
    """Deletes everything stored about one (channel, user)."""

    def erase(self, channel: str, user_id: str) -> None:
        """Delete the user's data; must not fail when there is none."""
        ...


class NullEraser:
    """Erases nothing beyond the state store (which the conversation deletes itself): for the memory store."""

    def erase(self, channel: str, user_id: str) -> None:
        """Nothing else is stored."""


def _table(name: str) -> Table | None:
    table = SQLModel.metadata.tables.get(name)
    return table


def _user_keys(user_id: str) -> list[str]:
    return sorted({user_id[:100], storage_key(user_id)})


class SqlUserDataEraser:
    """Erases a user's tickets, then their rows from every table in `USER_TABLES`."""

    def __init__(self, engine: Engine, *, listeners: Sequence[Callable[[], None]] = ()) -> None:
        self.engine = engine
        # Called after each erasure, e.g. to wake the handoff loop that tells the staff group.
        self.listeners = tuple(listeners)

    def erase(self, channel: str, user_id: str) -> None:
        """Delete in one transaction per step, tickets first; then tell the listeners."""
        erase_user(self.engine, channel, user_id)
        for listener in list(self.listeners):
            listener()


def erase_user(engine: Engine, channel: str, user_id: str) -> dict[str, int]:
    """Delete one user's data everywhere; returns rows deleted per table (tickets as `delete_user_handoffs`)."""
    counts = {"delete_user_handoffs": delete_user_handoffs(engine, channel, user_id)}
    keys = _user_keys(user_id)
    with engine.begin() as connection:
        for spec in USER_TABLES:
            table = _table(spec.table)
            if table is None:
                continue
            where: ColumnElement[bool] = table.c[spec.user_column].in_(keys)
            if spec.channel_column is not None:
                where = and_(where, table.c[spec.channel_column] == channel)
            elif spec.channel is not None and spec.channel != channel:
                continue
            counts[spec.table] = connection.execute(delete(table).where(where)).rowcount or 0
    return counts


def purge(engine: Engine, older_than: dt.timedelta, *, now: dt.datetime | None = None) -> dict[str, int]:
    """Delete what is older than the retention period; returns rows deleted per table (tickets as `purge_transcripts`)."""
    cutoff = (now or utcnow()) - older_than
    counts = {"purge_transcripts": purge_transcripts(engine, cutoff)}
    with engine.begin() as connection:
        for rule in PURGE_RULES:
            table = _table(rule.table)
            if table is None or rule.timestamp_column not in table.c:
                continue
            rule_cutoff = min(cutoff, (now or utcnow()) - dt.timedelta(days=rule.min_days))
            where: ColumnElement[bool] = table.c[rule.timestamp_column] < rule_cutoff
            extra = rule.condition(table) if rule.condition else None
            if extra is not None:
                where = and_(where, extra)
            deleted = connection.execute(delete(table).where(where)).rowcount or 0
            counts[rule.table] = counts.get(rule.table, 0) + deleted
    log.info("purge older than %s: %s", cutoff.isoformat(), counts)
    return counts


def user_has_data(engine: Engine, channel: str, user_id: str) -> dict[str, int]:
    """Rows still held for a user per table of `USER_TABLES` (for tests and support)."""
    keys = _user_keys(user_id)
    found: dict[str, int] = {}
    with engine.connect() as connection:
        for spec in USER_TABLES:
            table = _table(spec.table)
            if table is None:
                continue
            clauses: list[ColumnElement[bool]] = [table.c[spec.user_column].in_(keys)]
            if spec.channel_column is not None:
                clauses.append(table.c[spec.channel_column] == channel)
            elif spec.channel is not None and spec.channel != channel:
                continue
            found[spec.table] = len(connection.execute(select(table).where(and_(*clauses))).all())
    return found


__all__ = [
    "PURGE_RULES", "USER_TABLES", "NullEraser", "PurgeRule", "SqlUserDataEraser", "UserDataEraser", "UserTable",
    "erase_user", "purge", "user_has_data",
]
