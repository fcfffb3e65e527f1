"""The privacy notice: what the bot keeps, and how to delete it."""

from __future__ import annotations

from bot.handlers import replies
from bot.handlers.context import Context, HandlerResult
from bot.messages import Button, IncomingMessage, Reply


def handle(msg: IncomingMessage, ctx: Context) -> HandlerResult | None:
    """Explain what is stored for /privasi or "privacy"."""
    if ctx.command != "privacy":
        return None
    text = ctx._(
        "🔒 Privacy\n"
        "To keep our conversation going, we remember only your language, the country you chose "
        "and the last topic. Questions we could not answer and your 👍/👎 are kept without your name "
        "or number, to improve the answers.\n"
        "Type /hapus to delete your data at any time."
    )
    buttons = (Button(ctx._("🗑️ Delete my data"), "hapus"), replies.home_button(ctx))
    return HandlerResult("info", (Reply(text, buttons),))
