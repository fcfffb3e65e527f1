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
        "What we keep about you, in our database: your language, the country you chose, the last topic and your "
        "last few messages, so the conversation can continue; if you talk to an officer, that conversation, so the "
        "officer can help you. How long: {retention}.\n"
        "What we keep without any link to you: questions the bot could not answer (phone numbers, e-mail addresses, "
        "ID, passport and account numbers and names are removed before they are stored), for up to {unanswered}, "
        "to improve the answers; your 👍/👎 and daily message counts.\n"
        "Type /hapus to delete your data at any time."
    )
    days = ctx.settings.retention_days
    if days:
        number = format_number(days, ctx.locale)
        retention = ctx._("up to {days} days after your last message").format(days=number)
        unanswered = ctx._("{days} days after it was last asked").format(days=number)
    else:
        retention = ctx._("until you delete it with /hapus")
        unanswered = ctx._("until the operator of this service deletes it")
    text = text.format(retention=retention, unanswered=unanswered)
    buttons = (Button(ctx._("🗑️ Delete my data"), "hapus"), replies.home_button(ctx))
    return HandlerResult("info", (Reply(text, buttons),))
