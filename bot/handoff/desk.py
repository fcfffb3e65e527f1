"""The staff queue as the handlers see it: the `HandoffDesk` protocol, `SqlDesk` (a server's database) and
`NullDesk` (no queue: one-shot commands, in-memory tests). Handlers reach tickets only through a desk."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from sqlalchemy.engine import Engine

from bot.handoff.model import TicketInfo
from bot.handoff.queue import ticket_info
from bot.handoff.tickets import append_user_message, close_ticket, open_ticket, rate_ticket


class HandoffDesk(Protocol):
    """The staff queue as handlers see it (channel-neutral; no delivery happens here)."""

    enabled: bool

    def open(self, *, channel: str, user_id: str, reason: str, priority: str, lang: str,
             history: Sequence[Sequence[str]], source_ref: str | None = None, text: str = "") -> TicketInfo:
        """Open a ticket (or return the user's open one, raising its priority if asked)."""
        ...

    def current(self, handoff_id: int) -> TicketInfo | None:
        """The ticket if it is still open, else None."""
        ...

    def add_user_message(self, handoff_id: int, text: str, *, source_ref: str | None = None,
                         escalate: bool = False) -> TicketInfo | None:
        """Append the user's message to an open ticket; None when it is no longer open."""
        ...

    def leave(self, handoff_id: int) -> None:
        """The user left the queue (/batal)."""
        ...

    def rate(self, handoff_id: int, helpful: bool) -> None:
        """Store the user's answer to the feedback question after a close."""
        ...


class NullDesk:
    """No staff queue (one-shot commands, in-memory tests): requests for a person get the hotlines only."""

    enabled = False

    def open(self, *, channel: str, user_id: str, reason: str, priority: str, lang: str,
             history: Sequence[Sequence[str]], source_ref: str | None = None, text: str = "") -> TicketInfo:
        """Nothing to open."""
        return TicketInfo(0, "waiting", priority)

    def current(self, handoff_id: int) -> TicketInfo | None:
        """Without a queue a handoff stays open until the user leaves it."""
        return TicketInfo(handoff_id, "waiting", "normal")

    def add_user_message(self, handoff_id: int, text: str, *, source_ref: str | None = None,
                         escalate: bool = False) -> TicketInfo | None:
        """Nowhere to add it."""
        return TicketInfo(handoff_id, "waiting", "high" if escalate else "normal")

    def leave(self, handoff_id: int) -> None:
        """Nothing to leave."""

    def rate(self, handoff_id: int, helpful: bool) -> None:
        """Nothing to rate."""


class SqlDesk:
    """The staff queue in the database; `on_change` is called after a line that needs delivering is added."""

    enabled = True

    def __init__(self, engine: Engine, *, on_change: Callable[[], None] | None = None) -> None:
        self.engine = engine
        self.listeners: list[Callable[[], None]] = [on_change] if on_change else []

    def _changed(self) -> None:
        for listener in list(self.listeners):
            listener()

    def open(self, *, channel: str, user_id: str, reason: str, priority: str, lang: str,
             history: Sequence[Sequence[str]], source_ref: str | None = None, text: str = "") -> TicketInfo:
        """Open a ticket with the recent transcript, or return the open one."""
        info = open_ticket(self.engine, channel, user_id, reason=reason, priority=priority, lang=lang,
                           history=history, source_ref=source_ref, text=text)
        self._changed()
        return info

    def current(self, handoff_id: int) -> TicketInfo | None:
        """The open ticket, or None."""
        return ticket_info(self.engine, handoff_id)

    def add_user_message(self, handoff_id: int, text: str, *, source_ref: str | None = None,
                         escalate: bool = False) -> TicketInfo | None:
        """Append to the transcript."""
        info = append_user_message(self.engine, handoff_id, text, source_ref=source_ref, escalate=escalate)
        if info is not None:
            self._changed()
        return info

    def leave(self, handoff_id: int) -> None:
        """Close the ticket on the user's behalf."""
        if close_ticket(self.engine, handoff_id, actor="user", reason="left"):
            self._changed()

    def rate(self, handoff_id: int, helpful: bool) -> None:
        """Store the rating (only on a closed ticket)."""
        rate_ticket(self.engine, handoff_id, helpful)
