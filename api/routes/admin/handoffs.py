"""The staff queue (design §7.2, role staff): waiting conversations with transcripts; claim, reply, close."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, HTTPException, Path, Query
from pydantic import BaseModel, Field

from api.deps import RuntimeDep, StaffToken, role
from api.handoff_service import service_of
from api.routes.admin.common import AUTH_ERRORS, DEFAULT_PAGE, MAX_OFFSET, MAX_PAGE, NOT_FOUND
from api.schemas import MAX_INT, ErrorOut
from bot import handoff as desk
from knowledge.models import utcnow

router = APIRouter(prefix="/handoffs", tags=["handoffs"], responses=AUTH_ERRORS)
REFUSED: dict[int | str, dict[str, Any]] = {409: {"model": ErrorOut, "description": "The ticket is closed, or another officer has it, or (a reply) "
                 "the user's channel cannot deliver it now: WhatsApp's 24-hour window without a template."}}
NOT_YOURS: dict[int | str, dict[str, Any]] = {403: {"model": ErrorOut, "description": "The token's role may not do this, or another officer has "
                                                     "claimed the ticket (only they or an admin may act on it)."}}
KEY_REUSED: dict[int | str, dict[str, Any]] = {409: {"model": ErrorOut, "description": "The ticket is closed, the Idempotency-Key was already "
                                                      "used for another ticket, or the user's channel cannot deliver it now (WhatsApp's 24-hour window without a template)."}}
HandoffId = Annotated[int, Path(ge=1, le=MAX_INT)]


class HandoffOut(BaseModel):
    """One ticket in the queue."""

    id: int
    channel: str
    user_id: str
    status: Literal["waiting", "active", "closed"]
    priority: Literal["high", "normal"]
    reason: str
    lang: str | None
    created_at: dt.datetime
    waiting_seconds: int = Field(description="seconds since the ticket was opened (until it was closed)")
    claimed_by: str | None
    claimed_at: dt.datetime | None
    closed_by: str | None
    closed_at: dt.datetime | None
    close_note: str | None
    last_activity: dt.datetime
    helpful: bool | None
    delivery_error: str | None = Field(
        description="the error code of the last staff reply that did not reach the user (a send error, or "
                    "WhatsApp's `failed` status); the transcript has a system line for it")


class LineOut(BaseModel):
    """One line of the transcript."""

    id: int
    sender: Literal["user", "staff", "bot", "system"]
    kind: str
    author: str | None
    text: str
    created_at: dt.datetime
    delivered: bool


class HandoffDetail(HandoffOut):
    """A ticket with its transcript, oldest line first."""

    messages: list[LineOut]


class HandoffPage(BaseModel):
    """A page of the queue."""

    data: list[HandoffOut]
    count: int


class ReplyIn(BaseModel):
    """A staff reply, delivered to the user on their own channel."""

    text: str = Field(min_length=1, max_length=desk.MAX_LINE_CHARS)


class ReplyOut(BaseModel):
    """The recorded reply."""

    id: int
    handoff_id: int
    delivered: bool


class CloseIn(BaseModel):
    """Closing a ticket: the note is shown to the user."""

    note: str | None = Field(default=None, max_length=desk.MAX_NOTE_CHARS)


def _out(row: desk.HandoffRow) -> HandoffOut:
    created = row.created_at
    end = row.closed_at or utcnow()
    return HandoffOut(
        id=row.id or 0, channel=row.channel, user_id=row.user_id, status=row.status,
        priority=row.priority, reason=row.reason, lang=row.lang, created_at=created,
        waiting_seconds=max(0, int((end - created).total_seconds())), claimed_by=row.claimed_by,
        claimed_at=row.claimed_at, closed_by=row.closed_by, closed_at=row.closed_at,
        close_note=row.close_note, last_activity=row.last_activity or created, helpful=row.helpful,
        delivery_error=row.delivery_error,
    )


def _refuse(error: desk.HandoffError) -> HTTPException:
    if isinstance(error, desk.TicketNotFound):
        return HTTPException(404, str(error))
    if isinstance(error, desk.NotTicketOwner):
        return HTTPException(403, str(error))
    if isinstance(error, desk.TicketConflict | desk.KeyReused):
        return HTTPException(409, str(error))
    return HTTPException(422, str(error))


async def _detail(runtime: RuntimeDep, handoff_id: int) -> HandoffDetail:
    try:
        row, lines = await asyncio.to_thread(desk.get_ticket, runtime.engine, handoff_id)
    except desk.HandoffError as error:
        raise _refuse(error) from None
    messages = [LineOut(id=line.id or 0, sender=line.sender, kind=line.kind, author=line.author,
                        text=line.text, created_at=line.created_at, delivered=line.delivered)
                for line in lines]
    return HandoffDetail(**_out(row).model_dump(), messages=messages)


@router.get("", response_model=HandoffPage, summary="The handoff queue (staff)", **role("staff"))
async def list_handoffs(
    runtime: RuntimeDep,
    _token: StaffToken,
    status: Literal["waiting", "active", "closed"] = "waiting",
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> HandoffPage:
    """Tickets of one status: emergencies first, then the longest waiting (closed: newest first)."""
    rows, count = await asyncio.to_thread(desk.list_tickets, runtime.engine, status, limit=limit, offset=offset)
    return HandoffPage(data=[_out(r) for r in rows], count=count)


@router.get("/{handoff_id}", response_model=HandoffDetail, responses=NOT_FOUND,
            summary="One handoff with its transcript (staff)", **role("staff"))
async def get_handoff(handoff_id: HandoffId, runtime: RuntimeDep, _token: StaffToken) -> HandoffDetail:
    """The ticket and every line of its transcript (user, staff, bot and system lines)."""
    return await _detail(runtime, handoff_id)


@router.post("/{handoff_id}/claim", response_model=HandoffDetail, responses={**NOT_FOUND, **REFUSED},
             summary="Take a waiting handoff (staff)", **role("staff"))
async def claim_handoff(handoff_id: HandoffId, runtime: RuntimeDep, token: StaffToken) -> HandoffDetail:
    """The ticket becomes active and yours; claiming your own again is fine, another officer's is 409."""
    try:
        await service_of(runtime).claim(handoff_id, staff=token.name)
    except desk.HandoffError as error:
        raise _refuse(error) from None
    return await _detail(runtime, handoff_id)


@router.post("/{handoff_id}/messages", response_model=ReplyOut, status_code=201,
             responses={**NOT_FOUND, **KEY_REUSED, **NOT_YOURS}, summary="Reply to the user (staff)", **role("staff"))
async def reply_to_handoff(
    handoff_id: HandoffId, body: ReplyIn, runtime: RuntimeDep, token: StaffToken,
    idempotency_key: Annotated[str | None, Header(max_length=100)] = None,
) -> ReplyOut:
    """Deliver `text` to the user on their own channel and record it; a waiting ticket becomes yours.

    Only the officer who claimed the ticket (or an admin) may reply: others get 403. Send an
    `Idempotency-Key` header to make a retried request safe: the same key records and delivers once; the
    same key on another ticket is refused with 409.
    """
    source = f"api:{token.id}:{idempotency_key}" if idempotency_key else None
    try:
        line_id = await service_of(runtime).reply(handoff_id, author=token.name, text=body.text, source_ref=source,
                                                  admin=token.role == "admin")
    except desk.HandoffError as error:
        raise _refuse(error) from None
    _row, lines = await asyncio.to_thread(desk.get_ticket, runtime.engine, handoff_id)
    delivered = any(line.id == line_id and line.delivered for line in lines)
    return ReplyOut(id=line_id, handoff_id=handoff_id, delivered=delivered)


@router.post("/{handoff_id}/close", response_model=HandoffDetail, responses={**NOT_FOUND, **REFUSED, **NOT_YOURS},
             summary="Close a handoff and give the user back to the bot (staff)", **role("staff"))
async def close_handoff(handoff_id: HandoffId, runtime: RuntimeDep, token: StaffToken,
                        body: CloseIn | None = None) -> HandoffDetail:
    """The user is told (with the note) and asked for feedback; the bot answers them again. Closed already → 409;
    claimed by another officer → 403 (an admin may close any)."""
    note = body.note if body else None
    try:
        closed = await service_of(runtime).close(handoff_id, staff=token.name, note=note, admin=token.role == "admin")
    except desk.HandoffError as error:
        raise _refuse(error) from None
    if not closed:
        await _detail(runtime, handoff_id)  # 404 when there is no such ticket
        raise HTTPException(409, f"handoff {handoff_id} is already closed")
    return await _detail(runtime, handoff_id)
