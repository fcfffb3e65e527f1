"""Which entries are due for review: the check that keeps dated facts from going stale unnoticed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from knowledge.schema import EntryDoc

DEFAULT_WITHIN_DAYS = 30


def due_for_review(entries: Iterable[EntryDoc], *, today: dt.date, within_days: int = 0) -> list[EntryDoc]:
    """Entries not archived whose `review_due` has passed or falls within `within_days` of today, soonest first."""
    horizon = today + dt.timedelta(days=within_days)
    due = [e for e in entries if e.status != "archived" and e.review_due <= horizon]
    return sorted(due, key=lambda e: (e.review_due, e.id))


def is_overdue(entry: EntryDoc, today: dt.date) -> bool:
    """True when the entry's review date has passed (today itself is still in time)."""
    return entry.status != "archived" and entry.review_due < today
