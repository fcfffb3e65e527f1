"""Per-day series of conversation turns (by decision and by channel) for charts and GET /api/v1/stats."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import Session, col, select

from knowledge.models import TurnStatRow

MAX_DAYS = 366  # a year of days is plenty for a chart; longer ranges are refused by the callers
# Decisions that were a question the bot tried to answer: the base of the answer rate.
QUESTION_DECISIONS = ("answer", "clarify", "fallback")


@dataclass(frozen=True)
class Day:
    """One day's turns: the total, and counts by decision and by channel."""

    day: dt.date
    total: int
    decisions: dict[str, int] = field(default_factory=dict)
    channels: dict[str, int] = field(default_factory=dict)


def turn_series(session: Session, start: dt.date, end: dt.date) -> list[Day]:
    """Every day from `start` to `end` (inclusive, days without turns as zeros), oldest first."""
    if end < start:
        return []
    # col(): sqlmodel's select() overloads do not accept a plain `date` attribute as a column.
    query = (select(col(TurnStatRow.day), col(TurnStatRow.decision), col(TurnStatRow.channel),
                    func.sum(TurnStatRow.count))
             .where(col(TurnStatRow.day) >= start, col(TurnStatRow.day) <= end)
             .group_by(col(TurnStatRow.day), col(TurnStatRow.decision), col(TurnStatRow.channel)))
    decisions: dict[dt.date, Counter[str]] = {}
    channels: dict[dt.date, Counter[str]] = {}
    for day, decision, channel, count in session.exec(query):
        n = int(count or 0)
        decisions.setdefault(day, Counter())[decision] += n
        channels.setdefault(day, Counter())[channel] += n
    days = []
    for offset in range((end - start).days + 1):
        day = start + dt.timedelta(days=offset)
        by_decision = decisions.get(day, Counter())
        days.append(Day(day=day, total=sum(by_decision.values()), decisions=dict(by_decision),
                        channels=dict(channels.get(day, Counter()))))
    return days


def answer_rate(days: list[Day]) -> float | None:
    """Answered questions ÷ questions (answer, clarify, fallback) over the days; None when there were none."""
    answered = sum(d.decisions.get("answer", 0) for d in days)
    asked = sum(d.decisions.get(k, 0) for k in QUESTION_DECISIONS for d in days)
    return answered / asked if asked else None
