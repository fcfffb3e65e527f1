"""Human handoff: a user asks for a person, a ticket goes to the staff queue, staff and user talk through it.

A ticket (`handoffs`) is waiting → active → closed, at most one open per (channel, user) — the database
enforces that with a partial unique index. Its transcript (`handoff_messages`) holds every line with its
direction: user and system lines go to the staff group, staff and bot lines go to the user. A line is
delivered by whichever worker first flips its `delivered` flag with a conditional UPDATE, so nothing is
sent twice however many workers run; a user line is appended once per inbound delivery (`source_ref`).

One idea per module:

- `model`: statuses, line directions, limits, errors, `TicketInfo`;
- `desk`: the handlers' view (`HandoffDesk`; `SqlDesk` in a server, `NullDesk` elsewhere);
- `tickets`: a ticket's life (open, user lines, claim, staff replies, close, rating);
- `queue`: the staff's queries (order, lists, one ticket, counts);
- `transcript`: delivering lines (pending, claim one, where it was posted, delivery notes);
- `timeouts`: reminders and idle closes;
- `erasure`: /hapus and the retention purge;
- `texts`: what the user and the staff group are told.

Handlers reach tickets only through a desk; the api layer (`api/handoff_service.py`) calls the functions
and delivers the lines on the user's channel. Everything callers use is re-exported here.
"""

from __future__ import annotations

from bot.handoff.desk import HandoffDesk, NullDesk, SqlDesk
from bot.handoff.erasure import delete_user_handoffs, purge_transcripts
from bot.handoff.model import (
    FEEDBACK_PREFIX,
    HISTORY_ITEMS,
    MAX_HISTORY_CHARS,
    MAX_LINE_CHARS,
    MAX_NOTE_CHARS,
    OPEN,
    RECENT_KEY,
    STATUSES,
    TO_STAFF,
    TO_USER,
    HandoffError,
    KeyReused,
    NotTicketOwner,
    TicketConflict,
    TicketInfo,
    TicketNotFound,
)
from bot.handoff.queue import get_ticket, list_tickets, queue_counts, ticket_info, ticket_of_post
from bot.handoff.texts import closing_text, staff_notice, staff_post, user_reply
from bot.handoff.tickets import (
    add_staff_message,
    append_user_message,
    claim_ticket,
    close_ticket,
    open_ticket,
    rate_ticket,
)
from bot.handoff.timeouts import close_idle, remind_waiting
from bot.handoff.transcript import claim_line, note_delivery, pending_lines, set_external_ref
from bot.models import HandoffMessageRow, HandoffRow

__all__ = [
    "FEEDBACK_PREFIX", "HISTORY_ITEMS", "MAX_HISTORY_CHARS", "MAX_LINE_CHARS", "MAX_NOTE_CHARS", "OPEN", "RECENT_KEY",
    "STATUSES", "TO_STAFF", "TO_USER", "HandoffDesk", "HandoffError", "HandoffMessageRow", "HandoffRow", "KeyReused",
    "NotTicketOwner", "NullDesk", "SqlDesk", "TicketConflict", "TicketInfo", "TicketNotFound", "add_staff_message",
    "append_user_message", "claim_line", "claim_ticket", "close_idle", "close_ticket", "closing_text",
    "delete_user_handoffs", "get_ticket", "list_tickets", "note_delivery", "open_ticket", "pending_lines",
    "purge_transcripts", "queue_counts", "rate_ticket", "remind_waiting", "set_external_ref", "staff_notice",
    "staff_post", "ticket_info", "ticket_of_post", "user_reply",
]
