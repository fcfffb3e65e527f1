"""Delivery bookkeeping shared by the channels: dedupe inbound updates across workers, survive crashes, and
keep outbound messages that could not be sent in the outbox until a background task delivers them.

Inbound guarantee (both channels), one row of `processed_events` per (channel, external id):

1. **claim** — insert the row in state `processing` (the primary key makes this atomic across workers).
   A second delivery of the same update finds the row: `done` → a duplicate, acknowledged and dropped;
   `processing` within the lease → another worker is on it, answered with 503 so the platform redelivers
   later; `processing` past the lease → the worker died (SIGKILL, OOM, deploy): this one takes it over
   with a conditional UPDATE on the row's `attempt` counter, so exactly one taker wins.
2. **process** — run the core (it saves the user's state).
3. **store** — the rendered replies are written into the row (`result`) before the first send, with
   `tried` = 1 (the first reply is about to be handed to the platform). From here a takeover never runs
   the core again: it sends only the replies not known to be out.
4. **send** — each reply is attempted only after `tried` counts it, and right after the platform accepted
   it, before anything else is awaited, `sent` counts it (and `tried` the next one) in one write; a failure
   that outlives the retries puts the rest in the outbox (which counts as delivered: it is durable, and the
   outbox sends it later).
5. **done** — the acceptance of the last reply marks the row done in the same single write (the reply's
   ids are noted for statuses only afterwards); the webhook is acknowledged with 200.

So an update is answered once whatever instant the process dies at, except in two windows. A crash while a
reply is with the platform (`tried` > `sent`: handed over, the answer not back or not yet recorded) sends
that one reply again on takeover: at-least-once beats lost, since the Bot API and the Graph API take no
idempotency key and a send whose answer never came back cannot be told from one that never arrived. The
takeover logs such a reply as possibly repeated; a reply never handed over (`tried` = `sent`) is not in
doubt. And a crash after the core saved the state but before step 3 runs the core again on the redelivery
(the user gets one answer, computed on the updated state). How often the first happens is measured by
tests/bot/test_crash.py. A send either let through or held (never delivered), killed once all of them
settled: no reply repeated, lost 0 (8 runs on PostgreSQL, 3 on SQLite; before the lock fix in
`bot.dispatch.locks`, PostgreSQL repeated 2–3 of 36 in 2 of 6 runs). A SIGKILL at a random moment of a burst
of 60 users, the fake Bot API answering 40 ms after it took a message, three runs per measure: lost 0; the
replies then with the platform are sent again, on PostgreSQL 11 of 152, 11 of 172 and 16 of 137 updates in
flight at the kill (~8 %; 25 of 156 and 18 of 172 before), on SQLite 5 of 171 and 13 of 162 (~5 %; 8 of 172
before).
If processing fails before anything was sent, the claim is released (the row deleted) and the platform's
redelivery is processed normally.

Outbound guarantee: an `outbox` row is `pending` (waiting, `next_attempt_at` says when), `sending`
(claimed by one worker until `next_attempt_at`, its lease), `sent` or `failed` (gave up after the attempt
limit, or the platform refused for good). Only a user's oldest undelivered row may be sent, and a live reply
to a user who has undelivered rows joins the queue behind them, so a user never gets a newer message before
an older one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.models import OutboxRow, ProcessedEventRow
from knowledge.models import utcnow

DEFAULT_LEASE_SECONDS = 60.0
UNDELIVERED = ("pending", "sending")
# SQLModel does not declare __table__ to type checkers; SQLAlchemy sets it on every table model.
_EVENTS = ProcessedEventRow.__table__  # type: ignore[attr-defined]
_OUTBOX = OutboxRow.__table__  # type: ignore[attr-defined]

def _key(external_id: str) -> str:
    return str(external_id)[:200]


@dataclass(frozen=True)
class Delivery:
    """The outcome of claiming an inbound update.

    status: "new" (process it), "resume" (a dead worker's update taken over: send `result` from `sent` on,
    or process it when `result` is None), "duplicate" (already done) or "busy" (another worker is on it).
    On a resume, `tried` > `sent` says the dead worker had handed reply number `sent` to the platform without
    learning whether it arrived (it is sent again: possibly a repeat).
    """

    status: str
    channel: str
    external_id: str
    attempt: int = 0
    result: Any = None
    sent: int = 0
    tried: int = 0

    @property
    def in_doubt(self) -> bool:
        """True when a taken-over reply may already have reached the user (the crash window)."""
        return self.tried > self.sent

    @property
    def mine(self) -> bool:
        """True when this caller now owns the update."""
        return self.status in ("new", "resume")


def begin_delivery(engine: Engine, channel: str, external_id: str, user_id: str | None = None, *,
                   lease_seconds: float = DEFAULT_LEASE_SECONDS, now: dt.datetime | None = None) -> Delivery:
    """Claim an update (step 1 above): insert it as processing, or take over a dead worker's claim."""
    key = _key(external_id)
    now = now or utcnow()
    try:  # a Core statement, not an ORM session: this runs for every update
        with engine.begin() as connection:
            connection.execute(_EVENTS.insert().values(channel=channel, external_id=key, user_id=user_id,
                                                       state="processing", received_at=now, attempt=0, sent=0,
                                                       tried=0))
        return Delivery("new", channel, key)
    except IntegrityError:
        pass
    with engine.begin() as connection:
        row = connection.execute(
            _EVENTS.select().where(_EVENTS.c.channel == channel, _EVENTS.c.external_id == key)
        ).mappings().first()
        if row is None:  # released between our insert and this read: let the platform redeliver
            return Delivery("busy", channel, key)
        if row["state"] != "processing":
            return Delivery("duplicate", channel, key)
        started = row["received_at"] or now  # aware UTC (bot.models.UTCDateTime)
        if now - started < dt.timedelta(seconds=lease_seconds):
            return Delivery("busy", channel, key)
        sent = row["sent"] or 0
        # The taker hands reply number `sent` to the platform next: counted as tried before it does.
        taken = connection.execute(
            update(_EVENTS)
            .where(_EVENTS.c.channel == channel, _EVENTS.c.external_id == key, _EVENTS.c.state == "processing",
                   _EVENTS.c.attempt == row["attempt"])
            .values(attempt=row["attempt"] + 1, received_at=now, tried=sent + 1)
        ).rowcount
    if not taken:
        return Delivery("busy", channel, key)
    return Delivery("resume", channel, key, attempt=row["attempt"] + 1, result=row["result"], sent=sent,
                    tried=row["tried"] or 0)


def _store(connection: Connection, delivery: Delivery, result: Any, *, tried: int) -> None:
    connection.execute(update(_EVENTS).where(_EVENTS.c.channel == delivery.channel,
                                             _EVENTS.c.external_id == delivery.external_id)
                       .values(result=result, sent=0, tried=tried))


def mark_progress(engine: Engine, delivery: Delivery, sent: int, *, done: bool = False) -> None:
    """Record that `sent` stored replies are out and the next one is being tried (step 4), or, with `done`,
    that the update is finished (step 5)."""
    values: dict[str, Any] = {"sent": sent, "tried": sent if done else sent + 1}
    if done:
        values.update(state="done", result=None)  # the replies are out: do not keep their text
    with engine.begin() as connection:
        connection.execute(update(_EVENTS).where(_EVENTS.c.channel == delivery.channel,
                                                 _EVENTS.c.external_id == delivery.external_id).values(**values))


def finish_delivery(engine: Engine, delivery: Delivery) -> None:
    """Mark the update done (step 5): every later delivery of it is a duplicate."""
    with engine.begin() as connection:
        connection.execute(update(_EVENTS).where(_EVENTS.c.channel == delivery.channel,
                                                 _EVENTS.c.external_id == delivery.external_id)
                           .values(state="done", result=None))


@dataclass(frozen=True)
class Claimed:
    """An update this worker now owns: the stored replies (`result`) to send from index `start` on, and
    whether older messages to the same user wait in the outbox (`queued`: the new ones must go behind)."""

    delivery: Delivery
    result: Any
    start: int
    queued: bool


def claim_and_compute(engine: Engine, channel: str, external_id: str, user_id: str, compute: Callable[[], Any],
                      *, lease_seconds: float = DEFAULT_LEASE_SECONDS) -> Delivery | Claimed:
    """Steps 1–3 above in one call (one blocking call instead of four): claim the update, run `compute`
    (the core and rendering) unless a dead worker already stored the replies, store them, and look at the
    user's outbox. A duplicate or busy update comes back as its `Delivery`; if `compute` raises, the claim is
    released (the platform's redelivery is processed normally) and the error propagates."""
    delivery = begin_delivery(engine, channel, external_id, user_id, lease_seconds=lease_seconds)
    if not delivery.mine:
        return delivery
    if delivery.result is not None:  # a worker died while sending these: the rest go out, the core does not rerun
        return Claimed(delivery, delivery.result, delivery.sent, has_undelivered(engine, channel, user_id))
    try:
        result = compute()
        with engine.begin() as connection:  # store the replies and look at the outbox in one transaction
            queued = _undelivered(connection, channel, user_id)
            # Unless it queues behind the outbox, the first reply is handed to the platform next.
            _store(connection, delivery, result, tried=0 if queued else 1)
    except Exception:
        release_delivery(engine, channel, external_id)
        raise
    return Claimed(delivery, result, 0, queued)


def claim_delivery(engine: Engine, channel: str, external_id: str, user_id: str | None = None) -> bool:
    """Record a delivery as taken and done at once; False when any worker took the same (channel, id) before.

    The simple form, for callers without crash recovery; the channels use `begin_delivery`.
    """
    with Session(engine) as session:
        session.add(ProcessedEventRow(channel=channel, external_id=_key(external_id), user_id=user_id))
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            return False
    return True


def release_delivery(engine: Engine, channel: str, external_id: str) -> None:
    """Forget a claimed delivery whose handling failed, so the platform's redelivery is processed."""
    with Session(engine) as session:
        row = session.get(ProcessedEventRow, (channel, _key(external_id)))
        if row is not None:
            session.delete(row)
            session.commit()


# --- the outbox ---------------------------------------------------------------------------------------


def record_failed_send(engine: Engine, channel: str, user_id: str, payload: dict[str, Any], error: str,
                       *, attempts: int, retry_in: float = 0.0) -> int:
    """Queue a message that could not be sent now; the outbox task retries it (error code only, never text)."""
    with Session(engine) as session:
        row = OutboxRow(channel=channel, user_id=user_id, payload=payload, status="pending", attempts=attempts,
                        error=error[:200], next_attempt_at=utcnow() + dt.timedelta(seconds=retry_in))
        session.add(row)
        session.commit()
        assert row.id is not None
        return row.id


def has_undelivered(engine: Engine, channel: str, user_id: str) -> bool:
    """True when the user has messages waiting in the outbox (a new reply must queue behind them)."""
    with engine.connect() as connection:
        return _undelivered(connection, channel, user_id)


def _undelivered(connection: Connection, channel: str, user_id: str) -> bool:
    found = connection.execute(
        select(_OUTBOX.c.id).where(_OUTBOX.c.channel == channel, _OUTBOX.c.user_id == user_id,
                                   _OUTBOX.c.status.in_(UNDELIVERED)).limit(1)
    ).first()
    return found is not None


def failed_sends(engine: Engine, channel: str | None = None) -> list[OutboxRow]:
    """Outbound messages not delivered (waiting or given up), oldest first."""
    with Session(engine) as session:
        query = select(OutboxRow).where(OutboxRow.status != "sent").order_by(col(OutboxRow.id))
        if channel:
            query = query.where(OutboxRow.channel == channel)
        return list(session.exec(query))


def due_outbox(engine: Engine, *, now: dt.datetime | None = None, limit: int = 50) -> list[tuple[int, str, str]]:
    """(id, channel, user id) of rows that may be sent now: each user's oldest undelivered row, when due."""
    now = now or utcnow()
    older = _OUTBOX.alias("older")
    blocked = (
        select(older.c.id)
        .where(older.c.channel == _OUTBOX.c.channel, older.c.user_id == _OUTBOX.c.user_id,
               older.c.id < _OUTBOX.c.id, older.c.status.in_(UNDELIVERED))
        .exists()
    )
    due = or_(_OUTBOX.c.next_attempt_at.is_(None), _OUTBOX.c.next_attempt_at <= now)
    query = (
        select(_OUTBOX.c.id, _OUTBOX.c.channel, _OUTBOX.c.user_id)
        .where(_OUTBOX.c.status.in_(UNDELIVERED), due, ~blocked)
        .order_by(_OUTBOX.c.id)
        .limit(limit)
    )
    with engine.connect() as connection:
        return [(r.id, r.channel, r.user_id) for r in connection.execute(query)]


def claim_outbox(engine: Engine, row_id: int, *, lease_seconds: float = DEFAULT_LEASE_SECONDS,
                 now: dt.datetime | None = None) -> OutboxRow | None:
    """Take one due row for sending (a conditional UPDATE: one worker wins); None if another took it."""
    now = now or utcnow()
    due = or_(_OUTBOX.c.next_attempt_at.is_(None), _OUTBOX.c.next_attempt_at <= now)
    with engine.begin() as connection:
        taken = connection.execute(
            update(_OUTBOX)
            .where(_OUTBOX.c.id == row_id, _OUTBOX.c.status.in_(UNDELIVERED), due)
            .values(status="sending", attempts=_OUTBOX.c.attempts + 1,
                    next_attempt_at=now + dt.timedelta(seconds=lease_seconds))
        ).rowcount
    if not taken:
        return None
    with Session(engine) as session:
        return session.get(OutboxRow, row_id)


def settle_outbox(engine: Engine, row: OutboxRow, *, sent: bool, error: str | None = None, retryable: bool = True,
                  max_attempts: int = 8, retry_in: float = 30.0, now: dt.datetime | None = None) -> str:
    """Record the result of a send from the outbox; returns the row's new status."""
    now = now or utcnow()
    values: dict[str, Any]
    if sent:
        status, values = "sent", {"status": "sent", "next_attempt_at": None}
    elif not retryable or row.attempts >= max_attempts:
        status, values = "failed", {"status": "failed", "next_attempt_at": None, "error": (error or "")[:200]}
    else:
        status = "pending"
        values = {"status": "pending", "error": (error or "")[:200],
                  "next_attempt_at": now + dt.timedelta(seconds=retry_in)}
    with engine.begin() as connection:
        connection.execute(update(_OUTBOX).where(_OUTBOX.c.id == row.id, _OUTBOX.c.status == "sending")
                           .values(**values))
    return status


def outbox_counts(engine: Engine) -> dict[str, int]:
    """Rows of the outbox by status (pending, sending, sent, failed), zeros included."""
    counts = dict.fromkeys(("pending", "sending", "sent", "failed"), 0)
    with engine.connect() as connection:
        for status, count in connection.execute(
            select(_OUTBOX.c.status, func.count()).group_by(_OUTBOX.c.status)
        ):
            counts[status] = int(count)
    return counts


__all__ = [
    "DEFAULT_LEASE_SECONDS", "Claimed", "Delivery", "begin_delivery", "claim_and_compute", "claim_delivery",
    "claim_outbox", "due_outbox", "failed_sends", "finish_delivery", "has_undelivered", "mark_progress",
    "outbox_counts", "record_failed_send", "release_delivery", "settle_outbox",
]
