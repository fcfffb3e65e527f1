"""The dashboard every role starts from: turns per day, answer rate, gaps, weak answers, handoffs, reviews due."""

from __future__ import annotations

import datetime as dt
import statistics
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlmodel import Session, col, select

from api.console.charts import CHANNEL_COLOURS, DECISION_COLOURS, layers_of, stacked_bars, swatch
from api.console.routes_inbox import waited
from api.console.web import Anyone, render, tr
from api.deps import RuntimeDep
from bot.models import HandoffRow
from knowledge import editing
from knowledge.models import EntryRow
from knowledge.series import MAX_DAYS, answer_rate, turn_series

router = APIRouter()
TOP = 10
DUE_WITHIN = dt.timedelta(days=30)


def _period(start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
    last = end or dt.date.today()
    first = start or last - dt.timedelta(days=29)
    if first > last:
        first, last = last, first
    return max(first, last - dt.timedelta(days=MAX_DAYS - 1)), last


def _handoffs(session: Session, first: dt.date, last: dt.date) -> dict[str, Any]:
    waiting = list(session.exec(select(HandoffRow).where(HandoffRow.status == "waiting")).all())
    start = dt.datetime.combine(first, dt.time.min, tzinfo=dt.UTC)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    claimed = session.exec(select(HandoffRow).where(col(HandoffRow.created_at) >= start, col(HandoffRow.created_at) < end,
                                                    col(HandoffRow.claimed_at).is_not(None))).all()
    minutes = [waited(row.created_at, row.claimed_at) for row in claimed]
    return {"waiting_now": len(waiting), "oldest": max((waited(r.created_at) for r in waiting), default=0),
            "claimed": len(minutes), "median": statistics.median(minutes) if minutes else None,
            "slowest": max(minutes, default=None)}


@router.get("/dashboard")
def dashboard(request: Request, runtime: RuntimeDep, me: Anyone,
              start: Annotated[dt.date | None, Query(alias="from")] = None,
              end: Annotated[dt.date | None, Query(alias="to")] = None) -> Response:
    """Usage and quality at a glance, for a period (the last 30 days unless chosen)."""
    first, last = _period(start, end)
    if runtime.recorder is not None:  # this worker's counters are summed in memory between flushes
        runtime.recorder.flush()
    today = dt.date.today()
    with Session(runtime.engine) as session:
        days = turn_series(session, first, last)
        top, open_count = editing.list_unanswered(session, status="open", limit=TOP)
        weak = editing.least_helpful(editing.feedback_by_entry(session), limit=TOP)
        handoffs = _handoffs(session, first, last)
        due = list(session.exec(select(EntryRow).where(EntryRow.status == "published",
                                                       col(EntryRow.review_due) <= today + DUE_WITHIN)
                                .order_by(col(EntryRow.review_due))).all())
    dates = [d.day for d in days]
    decisions = layers_of([d.decisions for d in days], DECISION_COLOURS)
    channels = layers_of([d.channels for d in days], CHANNEL_COLOURS)
    rate = answer_rate(days)
    return render(
        request, "dashboard.html", me, title=tr(request, "Dashboard"), first=first, last=last, days=days,
        total=sum(d.total for d in days), rate=rate, decisions=decisions, channels=channels,
        decisions_chart=stacked_bars(dates, decisions, label=tr(request, "Turns per day by decision")),
        channels_chart=stacked_bars(dates, channels, label=tr(request, "Turns per day by channel")),
        swatch=swatch, top=top, open_count=open_count, weak=weak, handoffs=handoffs, due=due[:TOP],
        due_count=len(due), today=today,
    )
