"""Counts for the dashboards: feedback per entry, conversation turns, entries by status and review date."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, func, update
from sqlmodel import Session, col, select

from knowledge.models import EntryRow, FeedbackRow, TurnStatRow, utcnow
from knowledge.store import content_version

# Column widths of turn_stats: a longer value is cut rather than refused (it is only a counter key).
_CHANNEL_CHARS, _LANG_CHARS, _DECISION_CHARS = 20, 5, 12


@dataclass(frozen=True)
class FeedbackSummary:
    """The 👍/👎 count of one entry."""

    entry_id: str
    helpful: int
    unhelpful: int

    @property
    def total(self) -> int:
        """All votes."""
        return self.helpful + self.unhelpful

    @property
    def helpful_ratio(self) -> float:
        """Share of 👍 among all votes (0 when there are none)."""
        return self.helpful / self.total if self.total else 0.0


def feedback_by_entry(session: Session, *, entry_id: str | None = None) -> list[FeedbackSummary]:
    """The vote counts of every entry that has votes (or of one entry), most voted first."""
    helpful = func.sum(case((col(FeedbackRow.helpful), 1), else_=0))
    query = select(FeedbackRow.entry_id, func.count(), helpful).group_by(FeedbackRow.entry_id)
    if entry_id is not None:
        query = query.where(FeedbackRow.entry_id == entry_id)
    rows = [FeedbackSummary(e, int(h or 0), int(n) - int(h or 0)) for e, n, h in session.exec(query)]
    return sorted(rows, key=lambda s: (-s.total, s.entry_id))


def least_helpful(summaries: Iterable[FeedbackSummary], *, limit: int = 10) -> list[FeedbackSummary]:
    """Entries with at least one 👎, the worst share of 👍 first (more 👎 breaks a tie)."""
    bad = [s for s in summaries if s.unhelpful]
    return sorted(bad, key=lambda s: (s.helpful_ratio, -s.unhelpful, s.entry_id))[:limit]


def record_turn(session: Session, *, channel: str, lang: str, decision: str, day: dt.date | None = None,
                count: int = 1) -> None:
    """Count one conversation turn (or `count` of them) under (day, channel, language, decision); never a user id.

    Two workers may insert the same new key at once: the loser's commit raises IntegrityError and the
    caller retries, which then finds the row and increments it.
    """
    key: dict[str, Any] = {
        "day": day or utcnow().date(),
        "channel": channel[:_CHANNEL_CHARS],
        "lang": (lang or "")[:_LANG_CHARS],
        "decision": decision[:_DECISION_CHARS],
    }
    result = session.exec(
        update(TurnStatRow)
        .where(*(getattr(TurnStatRow, name) == value for name, value in key.items()))
        .values(count=TurnStatRow.count + count)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:
        session.add(TurnStatRow(**key, count=count))


@dataclass
class TurnCounts:
    """Turns counted by decision, channel and language, and decisions per channel and per language."""

    total: int = 0
    decisions: Counter[str] = field(default_factory=Counter)
    channels: Counter[str] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)
    by_channel: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    by_language: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))


def turn_counts(session: Session, *, since: dt.date | None = None) -> TurnCounts:
    """Add up the turn counters, from `since` (inclusive) when given."""
    query = select(TurnStatRow.channel, TurnStatRow.lang, TurnStatRow.decision, func.sum(TurnStatRow.count)).group_by(
        TurnStatRow.channel, TurnStatRow.lang, TurnStatRow.decision
    )
    if since is not None:
        query = query.where(col(TurnStatRow.day) >= since)
    counts = TurnCounts()
    for channel, lang, decision, n in session.exec(query):
        n = int(n or 0)
        counts.total += n
        counts.decisions[decision] += n
        counts.channels[channel] += n
        counts.languages[lang] += n
        counts.by_channel[channel][decision] += n
        counts.by_language[lang][decision] += n
    return counts


def entries_fingerprint(session: Session) -> tuple[int, int, int]:
    """A cheap value that changes whenever any entry (draft included) changes: version, count, sum of versions."""
    count, total = session.exec(select(func.count(), func.coalesce(func.sum(EntryRow.version), 0))).one()
    return content_version(session), int(count), int(total)


def review_counts(session: Session, *, today: dt.date, within_days: int = 30) -> tuple[int, int]:
    """How many entries (not archived) are overdue for review, and how many more fall due within `within_days`."""
    live = select(func.count()).select_from(EntryRow).where(col(EntryRow.status) != "archived")
    overdue = session.exec(live.where(col(EntryRow.review_due) < today)).one()
    soon = session.exec(live.where(col(EntryRow.review_due) >= today,
                                   col(EntryRow.review_due) <= today + dt.timedelta(days=within_days))).one()
    return int(overdue), int(soon)


def status_counts(session: Session) -> dict[str, int]:
    """How many entries are in each status."""
    rows = session.exec(select(EntryRow.status, func.count()).group_by(EntryRow.status))
    return {status: int(n) for status, n in rows}
