"""What a handoff ticket is: its statuses, the directions of its transcript lines, the limits, the errors a
staff action can raise, and `TicketInfo`, the part of a ticket the conversation sees."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.models import HandoffMessageRow
from knowledge.models import utcnow

OPEN = ("waiting", "active")
STATUSES = ("waiting", "active", "closed")
TO_STAFF = ("user", "system")  # lines posted in the staff group
TO_USER = ("staff", "bot")  # lines delivered to the user on their channel
RECENT_KEY = "recent"  # ConversationState.extra: the last turns as [sender, text] pairs (kept by bot.core)
HISTORY_ITEMS = 12  # the last ~6 turns (a user line and a bot line each) copied into a new ticket
MAX_LINE_CHARS = 4000
MAX_HISTORY_CHARS = 300
MAX_NOTE_CHARS = 1000
FEEDBACK_PREFIX = "hfb"  # button payload "hfb:<ticket id>:1|0" after a ticket is closed


class HandoffError(Exception):
    """A staff action that cannot be done (the api layer maps these to HTTP statuses)."""


class TicketNotFound(HandoffError):
    """No ticket with that id."""


class TicketConflict(HandoffError):
    """The ticket is not in a state that allows the action (closed, or claimed by someone else)."""


class NotTicketOwner(HandoffError):
    """Another officer has claimed the ticket: only they (or an admin) may reply to it or close it."""


class KeyReused(HandoffError):
    """An idempotency key already used for another ticket."""


@dataclass(frozen=True)
class TicketInfo:
    """What the conversation needs to know about a ticket."""

    id: int
    status: str
    priority: str
    position: int = 0  # 1-based place among waiting tickets; 0 when active or closed
    created: bool = False  # True when this call opened it



def clip(text: str, limit: int = MAX_LINE_CHARS) -> str:
    """The text cut to `limit` characters (an ellipsis marks the cut)."""
    text = text or ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def new_line(handoff_id: int, sender: str, text: str, *, kind: str = "text", author: str | None = None,
             delivered: bool = False, source_ref: str | None = None, now: dt.datetime | None = None
             ) -> HandoffMessageRow:
    """A transcript line (not yet added to a session); a line created delivered is stamped delivered now."""
    when = now or utcnow()
    return HandoffMessageRow(handoff_id=handoff_id, sender=sender, kind=kind, author=author, text=clip(text),
                             created_at=when, delivered=delivered, delivered_at=when if delivered else None,
                             source_ref=source_ref)
