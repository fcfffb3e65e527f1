"""Emergencies come first, whatever else the message matches, even inside a handoff."""

from __future__ import annotations

from bot.handlers import replies
from bot.handlers.context import Context, HandlerResult
from bot.messages import IncomingMessage, Reply


def handle(msg: IncomingMessage, ctx: Context) -> HandlerResult | None:
    """Give the emergency numbers at once when the message says someone is in danger."""
    if not ctx.text or not ctx.match().emergency:
        return None
    # The priority ticket for staff is opened by the handoff queue (a later issue); the numbers cannot wait.
    header = ctx._("⚠️ You may be in danger. Please get help right away:")
    text = f"{header}\n\n{replies.emergency_text(ctx)}"
    return HandlerResult("emergency", (Reply(text, (replies.person_button(ctx), replies.home_button(ctx))),))
