"""The handoff's clocks: remind the staff of a ticket nobody took, close a conversation that went quiet."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.handoff.model import new_line
from bot.handoff.tickets import close_ticket
from bot.models import HandoffRow
from knowledge.models import utcnow


def remind_waiting(engine: Engine, *, after: dt.timedelta, now: dt.datetime | None = None) -> list[int]:
    """Add a reminder line for each ticket waiting longer than `after` with no staff action (again every `after`).

    Each ticket is taken with a conditional UPDATE of `reminded_at`, so one worker reminds it.
    """
    now = now or utcnow()
    cutoff = now - after
    reminded: list[int] = []
    with Session(engine) as session:
        due = session.exec(select(col(HandoffRow.id)).where(
            HandoffRow.status == "waiting", col(HandoffRow.last_activity) <= cutoff,
            or_(col(HandoffRow.reminded_at).is_(None), col(HandoffRow.reminded_at) <= cutoff),
        ).limit(100)).all()
    for handoff_id in (i for i in due if i is not None):
        with Session(engine) as session:
            taken = session.exec(
                update(HandoffRow).where(
                    col(HandoffRow.id) == handoff_id, col(HandoffRow.status) == "waiting",
                    or_(col(HandoffRow.reminded_at).is_(None), col(HandoffRow.reminded_at) <= cutoff),
                ).values(reminded_at=now)
            ).rowcount
            if taken:
                session.add(new_line(handoff_id, "system", "", kind="reminder", now=now))
                session.commit()
                reminded.append(handoff_id)
    return reminded


def close_idle(engine: Engine, *, after: dt.timedelta, now: dt.datetime | None = None) -> list[int]:
    """Close active tickets idle for longer than `after`; the user is told. Returns the tickets closed here."""
    now = now or utcnow()
    cutoff = now - after
    with Session(engine) as session:
        due = session.exec(select(col(HandoffRow.id)).where(HandoffRow.status == "active",
                                                       col(HandoffRow.last_activity) <= cutoff).limit(100)).all()
    return [i for i in due
            if i is not None and close_ticket(engine, i, actor="system", reason="idle", now=now, idle_before=cutoff)]
