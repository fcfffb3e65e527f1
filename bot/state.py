"""Per-(channel, user) conversation state and where it lives; the recorder of unanswered questions and feedback.

The SQL store reads the row at the start of a message and writes it at the end, so any worker process
can take a user's next message: nothing that matters stays in process memory.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import hashlib
import logging
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import Table, and_, bindparam, delete, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Session

from bot.models import ConversationRow
from knowledge.editing import record_turn
from knowledge.models import utcnow
from knowledge.store import record_feedback, record_unanswered

MAX_KEY_CHARS = 100  # the width of conversations.user_id
_TABLE: Table = ConversationRow.__table__  # type: ignore[attr-defined]  # SQLModel does not declare __table__
log = logging.getLogger(__name__)


@dataclass
class ConversationState:
    """Everything remembered about one user on one channel between messages."""

    channel: str
    user_id: str
    lang: str | None = None
    country: str | None = None
    last_entry: str | None = None
    options: list[str] = field(default_factory=list)
    fallbacks: int = 0
    handoff_id: int | None = None
    pending: str | None = None
    # The flood rule (bot/handlers/flood.py): when the user's allowance is full again, how many messages
    # were held back in the current quiet period, and whether the one notice was given.
    window_start: dt.datetime | None = None
    window_count: int = 0
    throttled: bool = False
    last_activity: dt.datetime = field(default_factory=utcnow)
    extra: dict[str, Any] = field(default_factory=dict)

    def copy(self) -> ConversationState:
        """An independent copy (the containers too; their items are plain values)."""
        return dataclasses.replace(self, options=list(self.options), extra=copy.deepcopy(self.extra))


class StateStore(Protocol):
    """Loads, saves and deletes conversation state by (channel, user id)."""

    def load(self, channel: str, user_id: str) -> ConversationState:
        """Return the user's state, or a fresh one."""
        ...

    def save(self, state: ConversationState) -> None:
        """Persist the state."""
        ...

    def delete(self, channel: str, user_id: str) -> None:
        """Forget the user entirely."""
        ...


class Recorder(Protocol):
    """Stores the anonymous signals editors work from: unanswered questions and 👍/👎."""

    def unanswered(self, *, normalized: str, raw: str, lang: str, candidates: Sequence[tuple[str, float]]) -> None:
        """Count a question the bot could not answer (no user id)."""
        ...

    def feedback(self, *, entry_id: str, helpful: bool, lang: str, channel: str) -> None:
        """Store one vote on an entry (no user id)."""
        ...

    def turn(self, *, channel: str, lang: str, decision: str) -> None:
        """Count one answered message by channel, language and decision (an aggregate, no user id)."""
        ...


class NullRecorder:
    """Records nothing; for stateless use such as `desmigratif ask`."""

    def unanswered(self, *, normalized: str, raw: str, lang: str, candidates: Sequence[tuple[str, float]]) -> None:
        """Drop the question."""

    def feedback(self, *, entry_id: str, helpful: bool, lang: str, channel: str) -> None:
        """Drop the vote."""

    def turn(self, *, channel: str, lang: str, decision: str) -> None:
        """Drop the count."""


class MemoryStateStore:
    """State in a dict: for tests and one-shot commands, never for several processes."""

    def __init__(self) -> None:
        self._rows: dict[tuple[str, str], ConversationState] = {}

    def load(self, channel: str, user_id: str) -> ConversationState:
        """Return a copy of the stored state (so a failed message changes nothing), or a fresh one."""
        found = self._rows.get((channel, user_id))
        return found.copy() if found else ConversationState(channel, user_id)

    def save(self, state: ConversationState) -> None:
        """Keep a copy of the state."""
        self._rows[(state.channel, state.user_id)] = state.copy()

    def delete(self, channel: str, user_id: str) -> None:
        """Forget the user."""
        self._rows.pop((channel, user_id), None)


def storage_key(user_id: str) -> str:
    """The user id as stored: itself when it fits the column and is printable, else a stable digest."""
    if len(user_id) <= MAX_KEY_CHARS and user_id.isprintable():
        return user_id
    return "sha256:" + hashlib.sha256(user_id.encode("utf-8", "surrogatepass")).hexdigest()[:64]


_VALUE_COLUMNS = ("lang", "country", "last_entry", "options", "fallbacks", "handoff_id", "pending", "window_start",
                  "window_count", "throttled", "last_activity", "extra")
# Built once: compiling a statement costs more than running it on SQLite, and this runs twice per message.
_BY_KEY = and_(_TABLE.c.channel == bindparam("k_channel"), _TABLE.c.user_id == bindparam("k_user"))
_SELECT = select(_TABLE).where(_BY_KEY)
_UPDATE = update(_TABLE).where(_BY_KEY).values({name: bindparam(f"v_{name}") for name in _VALUE_COLUMNS})
_INSERT = insert(_TABLE)
_DELETE = delete(_TABLE).where(_BY_KEY)


def _key(channel: str, user_id: str) -> dict[str, str]:
    return {"k_channel": channel, "k_user": storage_key(user_id)}


class SqlStateStore:
    """State in the `conversations` table, shared by every worker on the same database.

    Prepared Core statements rather than ORM sessions: this runs twice for every message, so it stays cheap.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def load(self, channel: str, user_id: str) -> ConversationState:
        """Read the user's row, or return a fresh state."""
        with self.engine.connect() as connection:
            row = connection.execute(_SELECT, _key(channel, user_id)).mappings().first()
        if row is None:
            return ConversationState(channel, user_id)
        return ConversationState(
            channel=channel,
            user_id=user_id,
            lang=row["lang"],
            country=row["country"],
            last_entry=row["last_entry"],
            options=list(row["options"] or []),
            fallbacks=row["fallbacks"],
            handoff_id=row["handoff_id"],
            pending=row["pending"],
            window_start=row["window_start"],
            window_count=row["window_count"],
            throttled=bool(row["throttled"]),
            last_activity=row["last_activity"] or utcnow(),
            extra=dict(row["extra"] or {}),
        )

    def save(self, state: ConversationState) -> None:
        """Update the user's row, or insert it the first time."""
        values = {
            "lang": state.lang,
            "country": state.country,
            "last_entry": state.last_entry,
            "options": list(state.options),
            "fallbacks": state.fallbacks,
            "handoff_id": state.handoff_id,
            "pending": state.pending,
            "window_start": state.window_start,
            "window_count": state.window_count,
            "throttled": state.throttled,
            "last_activity": state.last_activity,
            "extra": dict(state.extra),
        }
        key = _key(state.channel, state.user_id)
        # Two workers may create the same user's row at once; the loser's insert fails and it retries as an update.
        for attempt in range(2):
            try:
                with self.engine.begin() as connection:
                    updated = connection.execute(_UPDATE, {**key, **{f"v_{k}": v for k, v in values.items()}})
                    if not updated.rowcount:
                        connection.execute(_INSERT, {"channel": key["k_channel"], "user_id": key["k_user"], **values})
                    return
            except IntegrityError:
                if attempt:
                    raise

    def delete(self, channel: str, user_id: str) -> None:
        """Delete the user's row."""
        with self.engine.begin() as connection:
            connection.execute(_DELETE, _key(channel, user_id))


class SqlRecorder:
    """Writes unanswered questions and feedback through knowledge.store, one short transaction each.

    Turn counts are aggregates, so with `flush_seconds` > 0 they are summed in memory and written in one
    transaction at most every `flush_seconds` (by the next message after that, by the app's background
    flusher, and by `flush()` at shutdown): one write per interval instead of one per message. A crash
    loses at most that interval's counts, never a conversation. With 0 every turn is written at once.
    """

    def __init__(self, engine: Engine, *, flush_seconds: float = 0.0) -> None:
        self.engine = engine
        self.flush_seconds = flush_seconds
        self._pending: Counter[tuple[dt.date, str, str, str]] = Counter()
        self._lock = threading.Lock()
        self._flushed_at = time.monotonic()

    def unanswered(self, *, normalized: str, raw: str, lang: str, candidates: Sequence[tuple[str, float]]) -> None:
        """Count the question under its normalised text."""
        with Session(self.engine) as session:
            record_unanswered(session, normalized=normalized, raw=raw, lang=lang, candidates=candidates)
            session.commit()

    def feedback(self, *, entry_id: str, helpful: bool, lang: str, channel: str) -> None:
        """Store the vote."""
        with Session(self.engine) as session:
            record_feedback(session, entry_id=entry_id, helpful=helpful, lang=lang, channel=channel)
            session.commit()

    def turn(self, *, channel: str, lang: str, decision: str) -> None:
        """Add one to today's counter of (channel, language, decision); never fails the user's message."""
        key = (utcnow().date(), channel, lang, decision)
        if self.flush_seconds <= 0:
            self._write(Counter({key: 1}))
            return
        with self._lock:
            self._pending[key] += 1
            now = time.monotonic()
            due = now - self._flushed_at >= self.flush_seconds
            if due:
                self._flushed_at = now  # only this thread flushes for this interval
        if due:
            self.flush()

    def flush(self) -> int:
        """Write the counts summed since the last flush; returns how many turns were written."""
        with self._lock:
            pending, self._pending = self._pending, Counter()
            self._flushed_at = time.monotonic()
        if not pending:
            return 0
        if self._write(pending):
            return sum(pending.values())
        with self._lock:  # keep them for the next flush rather than lose them
            self._pending.update(pending)
        return 0

    def close(self) -> None:
        """Flush what is left (at shutdown)."""
        self.flush()

    def _write(self, counts: Counter[tuple[dt.date, str, str, str]]) -> bool:
        # Two workers may create today's row at once; the loser retries, and then finds the row to increment.
        for attempt in range(2):
            try:
                with Session(self.engine) as session:
                    for (day, channel, lang, decision), count in counts.items():
                        record_turn(session, channel=channel, lang=lang, decision=decision, day=day, count=count)
                    session.commit()
                return True
            except IntegrityError:
                if attempt:
                    log.warning("turn counter not updated: concurrent inserts kept colliding")
            except SQLAlchemyError as error:
                # A statistic is not worth a user's reply: log and go on.
                log.warning("turn counter not updated: %s", type(error).__name__)
                return False
        return False
