"""Feedback per entry and the overview editors start from: decisions by channel and language, gaps, weak answers."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request

from api.deps import AnyToken, SessionDep, role
from api.routes.admin.common import AUTH_ERRORS
from api.schemas import (
    SLUG_PATTERN,
    DayOut,
    FeedbackOut,
    FeedbackPage,
    IsoDate,
    ReviewStatsOut,
    StatsOut,
    TurnStatsOut,
    UnansweredOut,
)
from bot.delivery import outbox_counts
from knowledge import editing
from knowledge.models import utcnow
from knowledge.series import MAX_DAYS, turn_series
from knowledge.store import content_version

router = APIRouter(tags=["stats"], responses=AUTH_ERRORS)
TOP = 10


def _feedback(summary: editing.FeedbackSummary) -> FeedbackOut:
    return FeedbackOut(entry_id=summary.entry_id, helpful=summary.helpful, unhelpful=summary.unhelpful,
                       total=summary.total, helpful_ratio=round(summary.helpful_ratio, 4))


@router.get("/feedback", response_model=FeedbackPage, summary="Feedback per entry (any)", **role("any"))
def feedback(
    session: SessionDep,
    _token: AnyToken,
    entry_id: Annotated[str | None, Query(pattern=SLUG_PATTERN, max_length=60)] = None,
) -> FeedbackPage:
    """👍/👎 counts of every entry that has votes (or of one), most voted first."""
    data = [_feedback(s) for s in editing.feedback_by_entry(session, entry_id=entry_id)]
    return FeedbackPage(data=data, count=len(data))


@router.get("/stats", response_model=StatsOut, summary="Usage and quality overview (any)", **role("any"))
def stats(
    request: Request,
    session: SessionDep,
    _token: AnyToken,
    days: Annotated[int | None, Query(ge=1, le=3660, description="only the last N days of turns")] = None,
    from_: Annotated[IsoDate | None, Query(alias="from", description=(
        f"first day of the per-day series (default 29 days before `to`); the series covers at most {MAX_DAYS} days, "
        "so an earlier one is moved up, and `from` and `to` the wrong way round are swapped"))] = None,
    to: Annotated[IsoDate | None, Query(description="last day of the per-day series (default today)")] = None,
) -> StatsOut:
    """Turns by decision, channel and language; entries due for review; top unanswered; least helpful; feedback; per day."""
    since = utcnow().date() - dt.timedelta(days=days - 1) if days else None
    last = to or utcnow().date()
    first = from_ or max(dt.date.min + dt.timedelta(days=29), last) - dt.timedelta(days=29)
    # As the console's dashboard reads a period: a range is a range whichever end comes first, and a chart
    # needs no more than a year of days (the series' own `day`s say which were given).
    first, last = min(first, last), max(first, last)
    if (last - first).days >= MAX_DAYS:  # (subtracting only then cannot fall before year 1)
        first = last - dt.timedelta(days=MAX_DAYS - 1)
    recorder = getattr(getattr(request.app.state, "runtime", None), "recorder", None)
    if recorder is not None:  # this worker's turn counters are summed in memory between flushes
        recorder.flush()
    turns = editing.turn_counts(session, since=since)
    summaries = editing.feedback_by_entry(session)
    top, _count = editing.list_unanswered(session, status="open", limit=TOP)
    overdue, due_soon = editing.review_counts(session, today=utcnow().date(), within_days=30)
    return StatsOut(
        content_version=content_version(session),
        entries=editing.status_counts(session),
        review=ReviewStatsOut(overdue=overdue, due_within_30_days=due_soon),
        turns=TurnStatsOut(
            total=turns.total, decisions=dict(turns.decisions), channels=dict(turns.channels),
            languages=dict(turns.languages), by_channel={k: dict(v) for k, v in turns.by_channel.items()},
            by_language={k: dict(v) for k, v in turns.by_language.items()},
        ),
        top_unanswered=[UnansweredOut.model_validate(r, from_attributes=True) for r in top],
        least_helpful=[_feedback(s) for s in editing.least_helpful(summaries, limit=TOP)],
        feedback=[_feedback(s) for s in summaries],
        outbox=outbox_counts(session.get_bind()),  # type: ignore[arg-type]  # typed Engine | Connection; bound to an Engine
        series=[DayOut(day=d.day, total=d.total, decisions=d.decisions, channels=d.channels)
                for d in turn_series(session, first, last)],
    )
