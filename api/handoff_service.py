"""Human handoff in a running worker: deliver transcript lines, take staff actions, enforce the timeouts.

The tickets and their transcripts live in the database (bot/handoff/). This module moves the lines:

- staff and bot lines go to the user through the dispatcher's `Outbound` on the ticket's channel;
- user and system lines go to the staff group (STAFF_TELEGRAM_CHAT_ID) through the Telegram channel, and
  the post's message id is remembered so a staff member's reply to it finds the ticket;
- a staff member's message in the group (a reply, `/klaim`, `/tutup [note]`) reaches `on_staff_message`.

Every worker runs the same loop: it wakes when this worker added a line, else every HANDOFF_POLL_SECONDS.
A line is sent by the worker that flips its `delivered` flag first (a conditional UPDATE), reminders and
idle closes are taken the same way, so several workers never send anything twice. What fails to send is
kept in the outbox by `Outbound` and retried by the outbox task.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager, suppress
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from sqlalchemy.engine import Engine

from api.settings import Settings
from bot import handoff as desk
from bot import i18n
from bot.channels.base import Channel
from bot.channels.telegram import StaffMessage
from bot.channels.whatsapp import StaffSend
from bot.delivery import claim_delivery, record_failed_send, release_delivery
from bot.dispatch import Outbound
from bot.i18n import N_
from bot.messages import Reply

if TYPE_CHECKING:
    from api.runtime import Runtime

STAFF_REF = "tg:"  # external_ref of a staff-group post: "tg:<message id>" (the group is on Telegram)
log = logging.getLogger(__name__)

# Lines for the staff about a reply's delivery (posted in the group after "#<ticket>"; shown in the API).
UNDELIVERED = N_("⚠️ The reply did not reach the user (error {code}). Try again, or close the ticket.")
TEMPLATE_SENT = N_("✉️ The user's last WhatsApp message is more than 24 hours old: WhatsApp only allows an "
                   "approved template now. The user was told that a reply is waiting; your reply is delivered "
                   "when they write.")
OUTSIDE_WINDOW = N_("{ticket} ⛔ Not sent: the user's last WhatsApp message is more than 24 hours old, and "
                    "WhatsApp then only allows an approved template (WHATSAPP_REPLY_TEMPLATE is not set). "
                    "The user has to write first.")


class ReplyRefused(desk.TicketConflict):
    """A staff reply the user's channel cannot deliver now (WhatsApp's 24-hour window without a template)."""

    def __init__(self, handoff_id: int) -> None:
        super().__init__(f"handoff {handoff_id}: the user's last WhatsApp message is more than 24 hours old, and "
                         "WhatsApp then only allows an approved template, which is not configured "
                         "(WHATSAPP_REPLY_TEMPLATE); nothing was sent. The user has to write first.")
        self.handoff_id = handoff_id

    def staff_text(self, lang: str) -> str:
        """The refusal as a line in the staff group."""
        return i18n.translator(lang).gettext(OUTSIDE_WINDOW).format(ticket=f"#{self.handoff_id}")


@runtime_checkable
class StaffGroup(Protocol):
    """A channel that hosts the staff group (Telegram, STAFF_TELEGRAM_CHAT_ID, given at its construction)."""

    name: str
    staff_chat_id: int | None


@runtime_checkable
class WindowedChannel(Protocol):
    """A channel whose staff replies depend on a window the user opens (WhatsApp's 24 hours)."""

    async def staff_reply_refusal(self, user_id: str) -> str | None:
        """Why a staff reply cannot be sent now, or None."""
        ...

    async def send_staff_reply(self, user_id: str, reply: Reply, *, handoff_id: int) -> StaffSend:
        """Send a staff reply (or the template, holding the reply); how it went."""
        ...


class HandoffService:
    """One worker's part of the handoff: delivery passes, the staff group, the timeouts."""

    def __init__(self, engine: Engine, settings: Settings, channels: Mapping[str, Channel],
                 outbound: Outbound) -> None:
        self.engine = engine
        self.settings = settings
        self.channels = channels
        self.outbound = outbound
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pass = asyncio.Lock()

    # --- waking ---

    def wake(self) -> None:
        """Ask for a delivery pass soon (callable from any thread, e.g. the core's worker thread)."""
        loop, event = self._loop, self._wake
        if loop is None or event is None or loop.is_closed():
            return
        with suppress(RuntimeError):  # the loop is shutting down
            loop.call_soon_threadsafe(event.set)

    # --- delivery ---

    async def flush(self) -> int:
        """Deliver every pending line this worker can; returns how many it delivered."""
        async with self._pass:
            done = 0
            user_channels = list(self.channels)  # every channel's users
            if user_channels:
                for line, ticket in await asyncio.to_thread(desk.pending_lines, self.engine, desk.TO_USER,
                                                            channels=user_channels):
                    done += await self._to_user(line, ticket)
            if self.staff_group() is not None:
                for line, ticket in await asyncio.to_thread(desk.pending_lines, self.engine, desk.TO_STAFF):
                    done += await self._to_staff(line, ticket)
            return done

    async def _to_user(self, line: desk.HandoffMessageRow, ticket: desk.HandoffRow) -> int:
        adapter = self.channels.get(ticket.channel)
        if adapter is None or line.id is None:
            return 0
        if not await asyncio.to_thread(desk.claim_line, self.engine, line.id):
            return 0  # another worker (or pass) has it
        reply = desk.user_reply(line, ticket)
        if line.sender == "staff" and isinstance(adapter, WindowedChannel):
            await self._staff_reply_to_user(adapter, ticket, reply)
            return 1
        try:
            # What cannot be sent is kept in the outbox, which retries it.
            await self.outbound.send_replies(adapter, ticket.user_id, [reply])
        except Exception as error:
            log.exception("handoff %s: line %s could not be handed to the %s channel", ticket.id, line.id,
                          ticket.channel)
            await asyncio.to_thread(record_failed_send, self.engine, ticket.channel, ticket.user_id,
                                    reply.to_dict(), error.__class__.__name__, attempts=1)
        return 1

    async def _staff_reply_to_user(self, adapter: WindowedChannel, ticket: desk.HandoffRow, reply: Reply) -> None:
        """A staff reply on a channel that reports how it went (WhatsApp): a failure or a template is noted."""
        assert ticket.id is not None
        try:
            outcome = await adapter.send_staff_reply(ticket.user_id, reply, handoff_id=ticket.id)
        except Exception as error:
            log.exception("handoff %s: a staff reply could not be handed to the %s channel", ticket.id, ticket.channel)
            await self.reply_failed(ticket.id, error.__class__.__name__)
            return
        if outcome.error is not None:
            await self.reply_failed(ticket.id, outcome.error)
        elif outcome.template:
            text = self._gettext(TEMPLATE_SENT)
            await asyncio.to_thread(desk.note_delivery, self.engine, ticket.id, "template", text)
            self.wake()

    async def reply_failed(self, handoff_id: int, code: str) -> None:
        """A staff reply did not reach the user: mark the ticket and tell the staff group."""
        text = self._gettext(UNDELIVERED).format(code=code)
        await asyncio.to_thread(desk.note_delivery, self.engine, handoff_id, "undelivered", text, error=code)
        self.wake()

    def _gettext(self, message: str) -> str:
        return i18n.translator(self.settings.default_language).gettext(message)

    async def _to_staff(self, line: desk.HandoffMessageRow, ticket: desk.HandoffRow) -> int:
        if self.staff_group() is None or line.id is None or ticket.id is None:
            return 0
        if not await asyncio.to_thread(desk.claim_line, self.engine, line.id):
            return 0
        transcript: list[desk.HandoffMessageRow] = []
        if line.kind == "opened":
            _ticket, lines = await asyncio.to_thread(desk.get_ticket, self.engine, ticket.id)
            transcript = [item for item in lines if item.kind == "history"]
        text = desk.staff_post(line, ticket, self.settings.default_language, transcript=transcript)
        message_id = await self._post(text)
        if message_id is not None:
            await asyncio.to_thread(desk.set_external_ref, self.engine, line.id, f"{STAFF_REF}{message_id}")
        return 1

    # --- the timeouts ---

    async def tick(self) -> None:
        """One pass: deliver, remind about waiting tickets, close idle ones, deliver what that produced."""
        settings = self.settings
        await self.flush()
        reminded = await asyncio.to_thread(desk.remind_waiting, self.engine,
                                           after=dt.timedelta(minutes=settings.handoff_remind_minutes))
        closed = await asyncio.to_thread(desk.close_idle, self.engine,
                                         after=dt.timedelta(minutes=settings.handoff_idle_close_minutes))
        if reminded or closed:
            log.info("handoff timeouts: %d reminded, %d closed as idle", len(reminded), len(closed))
            await self.flush()

    async def run(self) -> None:
        """The worker's loop (until cancelled)."""
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        poll = self.settings.handoff_poll_seconds
        while True:
            try:
                await self.tick()
            except Exception:  # a database hiccup must not end the task
                log.exception("handoff pass failed")
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=poll)
            self._wake.clear()

    # --- staff actions (API and group) ---

    async def reply(self, handoff_id: int, *, author: str, text: str, source_ref: str | None = None,
                    external_ref: str | None = None, admin: bool = False) -> int:
        """Record a staff reply and deliver it now when this worker can; returns the line id.

        The rules live in `bot.handoff.add_staff_message`: the first reply claims a waiting ticket, only its
        officer (or an admin) may reply (NotTicketOwner), a key reused on another ticket is KeyReused.
        Refused (ReplyRefused, nothing recorded) when the user's channel cannot deliver it now.
        """
        await self._check_deliverable(handoff_id)
        line_id = await asyncio.to_thread(desk.add_staff_message, self.engine, handoff_id, author=author, text=text,
                                          source_ref=source_ref, external_ref=external_ref, admin=admin)
        await self.flush()
        return line_id

    async def _check_deliverable(self, handoff_id: int) -> None:
        row, _lines = await asyncio.to_thread(desk.get_ticket, self.engine, handoff_id)
        if row.status not in desk.OPEN:
            return  # recording it says why not
        channel = self.channels.get(row.channel)
        if isinstance(channel, WindowedChannel) and await channel.staff_reply_refusal(row.user_id) is not None:
            raise ReplyRefused(handoff_id)

    async def claim(self, handoff_id: int, *, staff: str) -> desk.HandoffRow:
        """Take a ticket."""
        row = await asyncio.to_thread(desk.claim_ticket, self.engine, handoff_id, staff)
        self.wake()
        return row

    async def close(self, handoff_id: int, *, staff: str, note: str | None, admin: bool = False) -> bool:
        """Close a ticket: the user is told and asked for feedback; False when it was already closed.

        Only the officer who claimed it (or an admin) may close a claimed ticket (NotTicketOwner otherwise).
        """
        closed = await asyncio.to_thread(desk.close_ticket, self.engine, handoff_id, actor=staff, note=note,
                                         admin=admin)
        await self.flush()
        return closed

    async def on_staff_message(self, message: StaffMessage) -> None:
        """A message in the staff group (a `bot.channels.telegram.StaffMessage`): reply, /klaim or /tutup.

        Taken once across workers by its update id; raises when it could not be handled (Telegram redelivers).
        """
        group = self.staff_group()
        if group is None:
            return
        key = f"staff:{message.update_id}"
        name = group[0].name
        if not await asyncio.to_thread(claim_delivery, self.engine, name, key):
            return
        try:
            await self._staff_action(message, name)
        except Exception:
            await asyncio.to_thread(release_delivery, self.engine, name, key)
            raise

    async def _staff_action(self, message: StaffMessage, group: str) -> None:
        text = (message.text or "").strip()
        first, _sep, rest = text.partition(" ")
        command = first.split("@", 1)[0].lower() if first.startswith("/") else None
        ticket_id = None
        if message.reply_to is not None:
            ticket_id = await asyncio.to_thread(desk.ticket_of_post, self.engine, f"{STAFF_REF}{message.reply_to}")
        lang = self.settings.default_language
        if ticket_id is None:
            if command in ("/klaim", "/tutup", "/claim", "/close"):
                await self._notice(desk.staff_notice("no-ticket", lang))
            return  # staff talking among themselves
        author = message.author
        try:
            if command in ("/klaim", "/claim"):
                await self.claim(ticket_id, staff=author)
            elif command in ("/tutup", "/close"):
                if not await self.close(ticket_id, staff=author, note=rest.strip() or None):
                    await self._notice(desk.staff_notice("refused", lang, ticket=ticket_id, detail="closed"))
            elif command is None and text:
                await self.reply(ticket_id, author=author, text=text,
                                 source_ref=f"{group}-staff:{message.update_id}",
                                 external_ref=f"{STAFF_REF}{message.message_id}")
        except ReplyRefused as error:
            await self._notice(error.staff_text(lang))
        except desk.HandoffError as error:
            await self._notice(desk.staff_notice("refused", lang, ticket=ticket_id, detail=str(error)))
        self.wake()

    async def _notice(self, text: str) -> None:
        await self._post(text)

    def staff_group(self) -> tuple[Channel, int] | None:
        """The channel that hosts the staff group and the group's chat id, when it runs on this worker."""
        for channel in self.channels.values():
            chat = channel.staff_chat_id if isinstance(channel, StaffGroup) else None
            if chat is not None:
                return channel, chat
        return None

    async def _post(self, text: str) -> str | None:
        """Post a text (neutral markup, user words escaped) in the staff group; the id of its last message, or
        None when it was kept in the outbox."""
        group = self.staff_group()
        if group is None:
            return None
        channel, chat = group
        tally = await self.outbound.send_replies(channel, str(chat), [Reply(text)])
        return tally.last_id


def service_of(runtime: Runtime) -> HandoffService:
    """The worker's handoff service."""
    return runtime.handoffs


@asynccontextmanager
async def handoff_lifespan(runtime: Runtime) -> AsyncIterator[HandoffService]:
    """Run the handoff loop for the life of the worker."""
    service = runtime.handoffs
    task = asyncio.create_task(service.run(), name="handoff-loop")
    try:
        yield service
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


__all__ = ["HandoffService", "ReplyRefused", "StaffGroup", "WindowedChannel", "handoff_lifespan", "service_of"]
