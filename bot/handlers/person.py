"""Requests for a person (/petugas, "hubungi petugas", the button): a ticket in the staff queue.

Without a staff queue (the terminal: `desmigratif chat`, `ask`) the hotlines are the way to a person.
"""

from __future__ import annotations

from bot.handlers import replies
from bot.handlers.context import Context, HandlerResult, button_parts
from bot.handlers.fallback import OFFER_PERSON_AFTER
from bot.handlers.handoff import back_button, queue_text, recent_history, source_ref
from bot.messages import IncomingMessage, Reply


def handle(msg: IncomingMessage, ctx: Context) -> HandlerResult | None:
    """Open a ticket for /petugas, the Contact button or a request in words, and tell the user where they stand."""
    kind, _arg = button_parts(ctx)
    asked_in_words = bool(ctx.text) and not ctx.button and ctx.match().handoff
    if not (kind == "handoff" or ctx.command == "person" or asked_in_words):
        return None
    if not ctx.desk.enabled:
        # No staff queue: the terminal (`desmigratif chat`, `ask`). Promise no one; give the official numbers.
        header = ctx._("🙋 No officer is connected in terminal mode, so nobody can answer you here. "
                       "To talk to a person, use the official channels:")
        text = f"{header}\n\n{replies.contact_text(ctx, chat_hours=False)}"
        return HandlerResult("handoff", (Reply(text, (replies.home_button(ctx),)),))
    reason = "fallback" if kind == "handoff" and ctx.state.fallbacks >= OFFER_PERSON_AFTER else "person"
    info = ctx.desk.open(channel=ctx.channel, user_id=ctx.state.user_id, reason=reason, priority="normal",
                         lang=ctx.locale, history=recent_history(ctx.state), source_ref=source_ref(ctx),
                         text=ctx.text)
    ctx.state.handoff_id = info.id
    ctx.state.fallbacks = 0
    header = ctx._("🙋 I have passed your request to our officers. An officer will reply to you here, "
                   "in this chat.")
    text = f"{header}\n\n{queue_text(ctx, info)}"
    return HandlerResult("handoff", (Reply(text, (back_button(ctx),)),))
