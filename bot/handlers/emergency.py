"""Emergencies come first, whatever else the message matches, even inside a handoff."""

from __future__ import annotations

from bot.handlers import replies
from bot.handlers.context import Context, HandlerResult
from bot.handlers.handoff import back_button, recent_history, source_ref
from bot.messages import IncomingMessage, Reply


def handle(msg: IncomingMessage, ctx: Context) -> HandlerResult | None:
    """Give the emergency numbers at once and put the user at the head of the staff queue."""
    if not ctx.text or not ctx.match().emergency:
        return None
    header = ctx._("⚠️ You may be in danger. Please get help right away:")
    text = f"{header}\n\n{replies.emergency_text(ctx)}"
    if not ctx.desk.enabled:
        return HandlerResult("emergency", (Reply(text, (replies.person_button(ctx), replies.home_button(ctx))),))
    info = None
    if ctx.state.handoff_id is not None:
        info = ctx.desk.add_user_message(ctx.state.handoff_id, ctx.text, source_ref=source_ref(ctx), escalate=True)
    if info is None:
        info = ctx.desk.open(channel=ctx.channel, user_id=ctx.state.user_id, reason="emergency", priority="high",
                             lang=ctx.locale, history=recent_history(ctx.state), source_ref=source_ref(ctx),
                             text=ctx.text)
    ctx.state.handoff_id = info.id
    alerted = ctx._("An officer has been alerted and will reply to you here as soon as possible.")
    text = f"{text}\n\n{alerted}"
    return HandlerResult("emergency", (Reply(text, (back_button(ctx),)),))
