"""The privacy notice: what the bot keeps, and how to delete it."""

from __future__ import annotations

from bot.handlers import replies
from bot.handlers.context import Context, HandlerResult
from bot.i18n import format_number
from bot.messages import Button, IncomingMessage, Reply


def handle(msg: IncomingMessage, ctx: Context) -> HandlerResult | None:
    """Explain what is stored for /privasi or "privacy"."""
    if ctx.command != "privacy":
        return None
    text = ctx._(
        "🔒 Privacy\n"
        "What we keep: your language, the country you chose, the last topic and your last few messages, "
        "so the conversation can continue. If you talk to an officer, that conversation is kept too, so "
        "the officer can help you. Questions we could not answer and your 👍/👎 are kept without your "
        "name or number, to improve the answers.\n"
        "How long: {retention}.\n"
        "Type /hapus to delete your data at any time."
    )
    days = ctx.settings.retention_days
    if days:
        retention = ctx._("up to {days} days after your last message").format(days=format_number(days, ctx.locale))
    else:
        retention = ctx._("until you delete it with /hapus")
    text = text.format(retention=retention)
    buttons = (Button(ctx._("🗑️ Delete my data"), "hapus"), replies.home_button(ctx))
    return HandlerResult("info", (Reply(text, buttons),))
