"""The audit trail: who did what to which target, written in the caller's transaction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from knowledge.models import AuditRow


def audit(session: Session, *, actor: str, action: str, target: str, detail: Mapping[str, Any] | None = None) -> None:
    """Record who did what to which target (in the caller's transaction)."""
    session.add(AuditRow(actor=actor[:100], action=action[:40], target=target[:200], detail=dict(detail or {})))


def list_audit(session: Session, *, target: str | None = None, limit: int = 50, offset: int = 0) -> tuple[list[AuditRow], int]:
    """The audit trail, newest first, optionally for one target; with the total count."""
    query = select(AuditRow)
    counter = select(func.count()).select_from(AuditRow)
    if target is not None:
        query = query.where(AuditRow.target == target)
        counter = counter.where(AuditRow.target == target)
    rows = session.exec(query.order_by(col(AuditRow.id).desc()).offset(offset).limit(limit)).all()
    return list(rows), int(session.exec(counter).one())
