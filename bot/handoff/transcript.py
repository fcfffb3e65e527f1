"""Delivering transcript lines: the lines still to send, taking one (exactly one worker sends it), where
it was posted, and the system lines about a staff reply's delivery."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.handoff.model import new_line
from bot.models import HandoffMessageRow, HandoffRow
from knowledge.models import utcnow


def pending_lines(engine: Engine, senders: Sequence[str], *, channels: Sequence[str] | None = None, limit: int = 50
                  ) -> list[tuple[HandoffMessageRow, HandoffRow]]:
    """Lines not yet delivered in the given directions (of users on `channels`), oldest first, with their tickets."""
    with Session(engine) as session:
        query = (select(HandoffMessageRow, HandoffRow).join(HandoffRow, col(HandoffRow.id) == HandoffMessageRow.handoff_id)
                 .where(col(HandoffMessageRow.sender).in_(senders), col(HandoffMessageRow.delivered).is_(False)))
        if channels is not None:
            query = query.where(col(HandoffRow.channel).in_(channels))
        query = query.order_by(col(HandoffMessageRow.id)).limit(limit)
        found = [(line, ticket) for line, ticket in session.exec(query)]
        session.expunge_all()
        return found


def claim_line(engine: Engine, line_id: int, *, now: dt.datetime | None = None) -> bool:
    """Take the delivery of one line; True for exactly one caller across all workers."""
    with engine.begin() as connection:
        taken = connection.execute(
            update(HandoffMessageRow).where(col(HandoffMessageRow.id) == line_id,
                                            col(HandoffMessageRow.delivered).is_(False))
            .values(delivered=True, delivered_at=now or utcnow())
        ).rowcount
    return bool(taken)


def set_external_ref(engine: Engine, line_id: int, ref: str) -> None:
    """Remember where a line was posted (e.g. "tg:<staff-group message id>") so replies find the ticket."""
    with engine.begin() as connection:
        connection.execute(update(HandoffMessageRow).where(col(HandoffMessageRow.id) == line_id)
                           .values(external_ref=ref[:100]))


def note_delivery(engine: Engine, handoff_id: int, kind: str, text: str, *, error: str | None = None) -> None:
    """Add a system line about a staff reply's delivery (it is posted in the staff group); with `error`,
    also mark the ticket with it (`delivery_error`, shown by the API)."""
    with Session(engine) as session:
        row = session.get(HandoffRow, handoff_id)
        if row is None:
            return
        if error is not None:
            row.delivery_error = error[:200]
            session.add(row)
        session.add(new_line(handoff_id, "system", text, kind=kind))
        session.commit()
