"""A conversation handed to a person: the bot keeps out of the way until /batal (or the staff) closes it."""

from __future__ import annotations

from bot.handlers import replies
from bot.handlers.context import Context, HandlerResult, button_parts
from bot.i18n import format_hours
from bot.messages import Button, IncomingMessage, Reply


def handle(msg: IncomingMessage, ctx: Context) -> HandlerResult | None:
    """Inside an open handoff: leave it on /batal, otherwise remind the user a person will answer."""
    if ctx.state.handoff_id is None:
        return None
    kind, _arg = button_parts(ctx)
    if ctx.command == "cancel" or kind == "batal":
        ctx.state.handoff_id = None
        text = ctx._("You are back with the automatic assistant. Choose a topic or type your question.")
        return HandlerResult("info", (Reply(text, replies.main_menu_buttons(ctx)),))
    # Until the staff queue exists the message is not forwarded anywhere, so say only what is true.
    text = ctx._(
        "An officer will reply to you here. Officers answer during service hours: {hours}. "
        "Type /batal to go back to the automatic assistant."
    ).format(hours=format_hours(ctx.settings.hotline_hours, ctx.locale))
    return HandlerResult("handoff", (Reply(text, (Button(ctx._("↩️ Back to the assistant"), "batal"),)),))
