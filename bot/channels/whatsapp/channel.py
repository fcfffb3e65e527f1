"""The WhatsApp channel (a `bot.channels.base.Channel`): neutral messages from a webhook body, replies
rendered within WhatsApp's limits, one message sent through the Graph API client, read receipts, delivery
statuses, numbered choices and the 24-hour window of staff replies. The order, claim, core and outbox are
`bot.dispatch`'s."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine

from bot import i18n
from bot.blocking import run_blocking
from bot.channels.base import ChannelDefaults, Payload
from bot.channels.whatsapp.client import OUTSIDE_WINDOW_CODE, GraphClient, SendError, wamid_of
from bot.channels.whatsapp.render import Strings, render_turn, text_messages
from bot.channels.whatsapp.webhook import CHANNEL, load_choices, parse_update, pick, save_choices, to_incoming
from bot.channels.whatsapp_status import (
    arrived,
    hold,
    parse_statuses,
    record_sent,
    record_status,
    window_open,
)
from bot.i18n import N_
from bot.messages import IncomingMessage, Reply
from bot.state import SqlStateStore

TEXT_ONLY = N_("Sorry, I can only read text messages. Please type your question.")
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StaffSend:
    """How a staff reply went out: sent, as the reply template (held for the user's next message), or not."""

    sent: bool
    template: bool = False
    error: str | None = None


class WhatsAppChannel(ChannelDefaults):
    """WhatsApp as a `Channel`: the Graph API client, the database for choices and statuses, the template."""

    name = CHANNEL
    localized = True  # list buttons and hints are in the user's language

    def __init__(self, client: GraphClient, engine: Engine, *, default_language: str,
                 reply_template: str | None = None, reply_template_lang: str = "id") -> None:
        self.client = client
        self.engine = engine
        self.default_language = default_language
        # The approved template for a staff reply outside the 24-hour window (None: such replies are refused).
        self.reply_template = reply_template
        self.reply_template_lang = reply_template_lang
        self._states = SqlStateStore(engine)

    def incoming(self, body: Any) -> list[IncomingMessage]:
        """The neutral messages of a webhook body (a bare number stays text here: it picks from the numbered
        choices stored for the user in `prepare`); a kind we cannot read has neither text nor button."""
        return [to_incoming(inbound) for inbound in parse_update(body) if inbound.kind != "rejected"]

    def rejected(self, body: Any) -> list[str]:
        """The reason codes of the messages of a webhook body that can never be handled."""
        return [inbound.text or "unknown" for inbound in parse_update(body) if inbound.kind == "rejected"]

    def prepare(self, msg: IncomingMessage) -> tuple[IncomingMessage | None, list[Payload]]:
        """The user wrote: their 24-hour window opens and staff replies held until now go first; a bare number
        picks from the choices shown; a kind we cannot read is answered here, without the core."""
        held = arrived(self.engine, msg.user_id)
        if msg.text is None and msg.button is None:
            text = i18n.translator(self.language(msg.user_id)).gettext(TEXT_ONLY)
            return None, [*held, *text_messages(text)]
        return pick(msg, load_choices(self.engine, msg.user_id)), held

    def render(self, replies: Sequence[Reply], lang: str) -> list[Payload]:
        """The WhatsApp messages for `replies` in the user's language, within the platform's limits."""
        return list(render_turn(replies, Strings.for_language(lang)).messages)

    def remember(self, user_id: str, replies: Sequence[Reply]) -> None:
        """Keep the numbered choices just shown (a typed number picks from them)."""
        save_choices(self.engine, user_id, render_turn(replies).choices)

    async def acknowledge(self, msg: IncomingMessage) -> None:
        """Show the user's message as read (blue ticks)."""
        if msg.receipt is None:
            return
        try:
            await self.client.mark_read(msg.receipt)
        except SendError as error:
            log.info("whatsapp mark-as-read failed with %s", error.code)

    async def send(self, user_id: str, payload: Payload) -> list[str]:
        """Send one message with the client's retries; its wamid (SendError when it cannot be sent)."""
        wamid = wamid_of(await self.client.send(user_id, payload))
        return [wamid] if wamid else []

    async def sent(self, user_id: str, ids: Sequence[str]) -> None:
        """Keep the wamids just sent, to follow their delivery statuses."""
        await run_blocking(self.engine, record_sent, self.engine, user_id, list(ids))

    async def statuses(self, body: Any) -> tuple[int, list[tuple[int, str]]]:
        """Record the delivery statuses of a webhook body: how many, and (ticket, Meta's code) of each failed
        staff reply."""
        events = parse_statuses(body)
        failed: list[tuple[int, str]] = []
        for event in events:
            ticket = await run_blocking(self.engine, record_status, self.engine, event)
            if ticket is not None:
                log.warning("whatsapp staff reply of handoff %s failed with %s", ticket, event.error_code)
                failed.append((ticket, event.error_code or "unknown"))
        return len(events), failed

    def language(self, user_id: str) -> str:
        """The user's language (blocking): stored with their conversation, else the default."""
        return i18n.resolve_language(self._states.load(CHANNEL, user_id).lang, None, self.default_language)

    # --- staff replies and the 24-hour window ---

    async def staff_reply_refusal(self, user_id: str) -> str | None:
        """Why a staff reply to this user cannot be sent now (outside the 24-hour window, no template), or None."""
        if self.reply_template is not None:
            return None
        if await run_blocking(self.engine, window_open, self.engine, user_id) is False:
            return "outside-window"
        return None

    async def send_staff_reply(self, user_id: str, reply: Reply, *, handoff_id: int) -> StaffSend:
        """Send a staff reply; outside the 24-hour window send the reply template and hold the reply until
        the user writes. Statuses of what went out are recorded against the ticket."""
        lang = await run_blocking(self.engine, self.language, user_id)
        messages = self.render([reply], lang)
        if await run_blocking(self.engine, window_open, self.engine, user_id) is False:
            if self.reply_template is None:
                return StaffSend(sent=False, error=str(OUTSIDE_WINDOW_CODE))
            await run_blocking(self.engine, hold, self.engine, user_id, messages, handoff_id=handoff_id)
            messages = [self.template_message()]
        wamids: list[str] = []
        try:
            for message in messages:
                wamids.extend(await self.send(user_id, message))
        except SendError as error:
            log.warning("whatsapp staff reply of handoff %s not sent: %s", handoff_id, error.code)
            return StaffSend(sent=False, error=error.code)
        finally:
            await run_blocking(self.engine, record_sent, self.engine, user_id, wamids, handoff_id=handoff_id)
        return StaffSend(sent=True, template=messages[0].get("type") == "template")

    def template_message(self) -> Payload:
        """The reply template (no parameters): a reply is waiting, write to us to read it."""
        assert self.reply_template is not None
        return {"type": "template", "template": {"name": self.reply_template,
                                                 "language": {"code": self.reply_template_lang}}}


__all__ = ["TEXT_ONLY", "StaffSend", "WhatsAppChannel"]
