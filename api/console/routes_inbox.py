"""The staff inbox: open tickets (emergencies first), claim, transcript, reply, close; refreshed by polling."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response

from api.console.web import ConsoleError, Staff, StaffPolling, gettext_of, redirect, render, tr
from api.deps import RuntimeDep
from api.handoff_service import service_of
from bot import handoff as desk
from bot.i18n import N_
from knowledge.models import utcnow

router = APIRouter()
TicketId = Annotated[int, Path(ge=1, le=2**31)]
SHOWN = 100
REASONS = {"emergency": N_("Emergency"), "person": N_("Asked for a person"), "fallback": N_("Bot could not answer")}
STATUS_LABELS = {"waiting": N_("Waiting"), "active": N_("In progress"), "closed": N_("Closed")}
CHANNELS = {"telegram": "Telegram", "whatsapp": "WhatsApp"}
# System lines of the transcript by kind (bot/handoff/); "opened" carries the reason, "closed-…" the note.
SYSTEM_LINES = {"claimed": N_("{who} took the ticket."), "closed-staff": N_("{who} closed the ticket."),
                "closed-idle": N_("Closed after no reply."), "reminder": N_("Reminder sent to the user."),
                "priority": N_("Marked as an emergency."), "opened": N_("Ticket opened: {why}.")}


def waited(since: dt.datetime | None, until: dt.datetime | None = None) -> int:
    """Whole minutes between two times (until now when open)."""
    if since is None:
        return 0
    end = until or utcnow()
    return max(0, int((end - since).total_seconds() // 60))


async def _queue(runtime: Any) -> dict[str, Any]:
    waiting, waiting_count = await asyncio.to_thread(desk.list_tickets, runtime.engine, "waiting", limit=SHOWN)
    active, active_count = await asyncio.to_thread(desk.list_tickets, runtime.engine, "active", limit=SHOWN)
    return {"waiting": waiting, "active": active, "waiting_count": waiting_count, "active_count": active_count,
            "waited": waited, "reasons": REASONS, "channels": CHANNELS}


@router.get("/inbox")
async def inbox(request: Request, runtime: RuntimeDep, me: Staff) -> Response:
    """Waiting and active tickets; the list refreshes itself every few seconds."""
    return render(request, "inbox.html", me, title=tr(request, "Inbox"), **await _queue(runtime))


@router.get("/inbox/list")
async def inbox_list(request: Request, runtime: RuntimeDep, me: StaffPolling) -> Response:
    """The ticket list alone (polled by the page's script; does not keep the session awake)."""
    return render(request, "fragments/tickets.html", me, **await _queue(runtime))


async def _ticket(request: Request, runtime: Any, handoff_id: int) -> tuple[desk.HandoffRow, list[Any]]:
    try:
        return await asyncio.to_thread(desk.get_ticket, runtime.engine, handoff_id)
    except desk.TicketNotFound:
        raise ConsoleError(404, tr(request, "There is no ticket {id}.").format(id=handoff_id)) from None


def _lines_context(ticket: desk.HandoffRow, lines: list[Any]) -> dict[str, Any]:
    return {"ticket": ticket, "lines": lines, "system_lines": SYSTEM_LINES, "status_labels": STATUS_LABELS, "waited": waited, "reasons": REASONS,
            "channels": CHANNELS}


@router.get("/inbox/{handoff_id}")
async def ticket_page(request: Request, runtime: RuntimeDep, me: Staff, handoff_id: TicketId) -> Response:
    """One ticket: who, why, how long; the transcript; claim, reply and close."""
    ticket, lines = await _ticket(request, runtime, handoff_id)
    notice = request.query_params.get("notice", "")
    return render(request, "ticket.html", me, title=tr(request, "Ticket {id}").format(id=handoff_id),
                  notice=notice, **_lines_context(ticket, lines))


@router.get("/inbox/{handoff_id}/transcript")
async def transcript(request: Request, runtime: RuntimeDep, me: StaffPolling, handoff_id: TicketId) -> Response:
    """The transcript alone (polled)."""
    ticket, lines = await _ticket(request, runtime, handoff_id)
    return render(request, "fragments/transcript.html", me, **_lines_context(ticket, lines))


@router.post("/inbox/{handoff_id}/claim")
async def claim(request: Request, runtime: RuntimeDep, me: Staff, handoff_id: TicketId) -> Response:
    """Take the ticket; if someone else has it, say who."""
    _ = gettext_of(request)
    try:
        await service_of(runtime).claim(handoff_id, staff=me.user.name)
    except desk.TicketNotFound:
        raise ConsoleError(404, _("There is no ticket {id}.").format(id=handoff_id)) from None
    except desk.TicketConflict:
        ticket, _lines = await _ticket(request, runtime, handoff_id)
        if ticket.status == "closed":
            raise ConsoleError(409, _("Ticket {id} is closed already.").format(id=handoff_id)) from None
        raise ConsoleError(409, _("{who} has taken ticket {id} already.").format(
            who=ticket.claimed_by or "?", id=handoff_id)) from None
    return redirect(f"/inbox/{handoff_id}")


@router.post("/inbox/{handoff_id}/reply")
async def reply(request: Request, runtime: RuntimeDep, me: Staff, handoff_id: TicketId,
                text: Annotated[str, Form(max_length=desk.MAX_LINE_CHARS)] = "") -> Response:
    """Send a reply to the user on their own channel (taking a waiting ticket)."""
    _ = gettext_of(request)
    if not text.strip():
        return redirect(f"/inbox/{handoff_id}")
    ticket, _lines = await _ticket(request, runtime, handoff_id)
    admin = me.user.role == "admin"
    if ticket.status == "active" and ticket.claimed_by != me.user.name and not admin:
        raise ConsoleError(409, _("{who} has taken ticket {id} already.").format(who=ticket.claimed_by, id=handoff_id))
    try:
        await service_of(runtime).reply(handoff_id, author=me.user.name, text=text.strip(), admin=admin)
    except desk.HandoffError as error:
        raise ConsoleError(409, _("The reply was not sent: {reason}").format(reason=str(error))) from None
    return redirect(f"/inbox/{handoff_id}")


@router.post("/inbox/{handoff_id}/close")
async def close(request: Request, runtime: RuntimeDep, me: Staff, handoff_id: TicketId,
                note: Annotated[str, Form(max_length=desk.MAX_NOTE_CHARS)] = "") -> Response:
    """Close the ticket and hand the user back to the bot."""
    await _ticket(request, runtime, handoff_id)
    try:
        closed = await service_of(runtime).close(handoff_id, staff=me.user.name, note=note.strip() or None,
                                                 admin=me.user.role == "admin")
    except desk.HandoffError as error:  # another officer's ticket: only they (or an admin) may close it
        raise ConsoleError(409, tr(request, "The ticket was not closed: {reason}").format(reason=str(error))) from None
    if not closed:
        raise ConsoleError(409, tr(request, "Ticket {id} is closed already.").format(id=handoff_id))
    return redirect("/inbox", query=f"closed={handoff_id}")
