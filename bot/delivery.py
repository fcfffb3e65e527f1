"""Channel-neutral delivery bookkeeping: drop duplicate inbound deliveries, record outbound failures."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.models import OutboxRow, ProcessedEventRow


def claim_delivery(engine: Engine, channel: str, external_id: str, user_id: str | None = None) -> bool:
    """Record a delivery as taken; False when any worker took the same (channel, id) before.

    The primary key makes this atomic across processes: the second insert fails.
    """
    with Session(engine) as session:
        session.add(ProcessedEventRow(channel=channel, external_id=str(external_id)[:200], user_id=user_id))
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            return False
    return True


def release_delivery(engine: Engine, channel: str, external_id: str) -> None:
    """Forget a claimed delivery whose handling failed, so the platform's redelivery is processed."""
    with Session(engine) as session:
        row = session.get(ProcessedEventRow, (channel, str(external_id)[:200]))
        if row is not None:
            session.delete(row)
            session.commit()


def record_failed_send(engine: Engine, channel: str, user_id: str, payload: dict[str, Any], error: str,
                       *, attempts: int) -> int:
    """Keep a message that could not be sent, with the error code (not the text) for the logs and metrics."""
    with Session(engine) as session:
        row = OutboxRow(channel=channel, user_id=user_id, payload=payload, status="failed", attempts=attempts,
                        error=error[:200])
        session.add(row)
        session.commit()
        assert row.id is not None
        return row.id


def failed_sends(engine: Engine, channel: str | None = None) -> list[OutboxRow]:
    """Outbound messages recorded as failed, oldest first."""
    with Session(engine) as session:
        query = select(OutboxRow).where(OutboxRow.status == "failed").order_by(OutboxRow.id)  # type: ignore[arg-type]
        if channel:
            query = query.where(OutboxRow.channel == channel)
        return list(session.exec(query))
