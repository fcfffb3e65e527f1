"""What WhatsApp tells us after sending, and what it allows: delivery statuses and the 24-hour window.

- Every message we send is recorded by its wamid; the status events of a webhook delivery (`sent`,
  `delivered`, `read`, `failed` with Meta's error code) move it forward, never back (they can arrive out
  of order). A `failed` staff reply is reported to the caller so the ticket can be marked.
- A user's last inbound message opens WhatsApp's 24-hour customer-service window; outside it only an
  approved template may be sent. Staff replies that could not be sent then are held here and go out
  with the answer to the user's next message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from bot.models import WhatsAppContactRow, WhatsAppStatusRow
from bot.state import storage_key
from knowledge.models import utcnow

WINDOW = dt.timedelta(hours=24)
# Later statuses win; `failed` is final. An event for a status at or below the recorded one changes nothing.
RANK = {"accepted": 0, "sent": 1, "delivered": 2, "read": 3, "failed": 4}
MAX_CODE_CHARS = 40


@dataclass(frozen=True, slots=True)
class StatusEvent:
    """One status of one message we sent, as a webhook delivery reports it."""

    wamid: str
    status: str  # sent | delivered | read | failed
    error_code: str | None = None


def dicts(value: Any) -> list[dict[str, Any]]:
    """The objects of a JSON list (nothing when it is not a list)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _error_code(raw: dict[str, Any]) -> str | None:
    for error in dicts(raw.get("errors")):
        code = error.get("code")
        if isinstance(code, int | str) and not isinstance(code, bool) and str(code).strip():
            return str(code).strip()[:MAX_CODE_CHARS]
    return None


def change_values(payload: Any) -> Iterator[dict[str, Any]]:
    """The `value` object of every change of every entry of a webhook delivery, in order."""
    if not isinstance(payload, dict):
        return
    for entry in dicts(payload.get("entry")):
        for change in dicts(entry.get("changes")):
            value = change.get("value")
            if isinstance(value, dict):
                yield value


def parse_statuses(payload: Any) -> list[StatusEvent]:
    """The status events (`value.statuses[]`) of every entry and change of a webhook delivery, in order."""
    found: list[StatusEvent] = []
    for value in change_values(payload):
        for raw in dicts(value.get("statuses")):
            wamid, status = raw.get("id"), raw.get("status")
            if isinstance(wamid, str) and wamid and len(wamid) <= 200 and status in RANK and status != "accepted":
                found.append(StatusEvent(wamid, status, _error_code(raw) if status == "failed" else None))
    return found


def record_sent(engine: Engine, user_id: str, wamids: Sequence[str], *, handoff_id: int | None = None) -> None:
    """Remember messages Meta accepted (status `accepted` until the webhook says more)."""
    if not wamids:
        return
    now, key = utcnow(), storage_key(user_id)
    with Session(engine) as session:
        for wamid in dict.fromkeys(wamids):
            session.add(WhatsAppStatusRow(wamid=wamid[:200], user_id=key, handoff_id=handoff_id, sent_at=now,
                                          updated_at=now))
        try:
            session.commit()
        except IntegrityError:  # the same wamid twice (a fake or a replayed answer): keep the first record
            session.rollback()


def record_status(engine: Engine, event: StatusEvent) -> int | None:
    """Apply one status event to a message we sent; returns its ticket id when a staff reply just failed.

    Events for messages we did not send are ignored; a status never moves back (`read` after `delivered`
    stays `read`, whatever order they arrive in), and only the first `failed` is reported.
    """
    lower = [name for name, rank in RANK.items() if rank < RANK[event.status]]
    with Session(engine) as session:
        # One conditional UPDATE: two workers given two events for one message cannot move it back.
        changed = session.exec(
            update(WhatsAppStatusRow)
            .where(col(WhatsAppStatusRow.wamid) == event.wamid, col(WhatsAppStatusRow.status).in_(lower))
            .values(status=event.status, error_code=event.error_code, updated_at=utcnow())
        ).rowcount
        session.commit()
        if not changed or event.status != "failed":
            return None
        row = session.get(WhatsAppStatusRow, event.wamid)
        return row.handoff_id if row is not None else None


def status_of(engine: Engine, wamid: str) -> tuple[str, str | None] | None:
    """(status, error code) recorded for a message we sent, or None."""
    with Session(engine) as session:
        row = session.get(WhatsAppStatusRow, wamid)
        return (row.status, row.error_code) if row is not None else None


def window_open(engine: Engine, user_id: str, *, now: dt.datetime | None = None) -> bool | None:
    """True inside the user's 24-hour window, False outside it, None when we never saw them write."""
    with Session(engine) as session:
        row = session.get(WhatsAppContactRow, storage_key(user_id))
        last = row.last_inbound_at if row is not None else None
    if last is None:
        return None
    return (now or utcnow()) - last < WINDOW


def arrived(engine: Engine, user_id: str, *, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """The user just wrote: open their window and take the messages held for them (each taken once)."""
    now, key = now or utcnow(), storage_key(user_id)
    for _attempt in range(3):
        with Session(engine) as session:
            row = session.get(WhatsAppContactRow, key)
            if row is None:
                session.add(WhatsAppContactRow(user_id=key, last_inbound_at=now))
                try:
                    session.commit()
                    return []
                except IntegrityError:  # the user's first message reached two workers at once
                    session.rollback()
                    continue
            held = list(row.held or [])
            where = [col(WhatsAppContactRow.user_id) == key]
            if held:  # taken by the one worker whose UPDATE still finds them
                where.append(col(WhatsAppContactRow.held_handoff_id) == row.held_handoff_id)
            taken = session.exec(
                update(WhatsAppContactRow).where(*where)
                .values(last_inbound_at=now, held=None, held_handoff_id=None)
            ).rowcount
            session.commit()
            return held if taken else []
    return []


def hold(engine: Engine, user_id: str, messages: Sequence[dict[str, Any]], *, handoff_id: int) -> None:
    """Keep rendered messages of a ticket's staff reply until the user writes again (after any held before)."""
    key = storage_key(user_id)
    with Session(engine) as session:
        row = session.get(WhatsAppContactRow, key)
        if row is None:
            session.add(WhatsAppContactRow(user_id=key, held=list(messages), held_handoff_id=handoff_id))
        else:
            row.held = [*(row.held or []), *messages]
            row.held_handoff_id = handoff_id
            session.add(row)
        session.commit()


__all__ = ["RANK", "WINDOW", "StatusEvent", "arrived", "change_values", "hold", "parse_statuses", "record_sent", "record_status",
           "status_of", "window_open"]
