"""Requests for a person (/petugas, "hubungi petugas", the button): how to reach the officers, and when."""

from __future__ import annotations

from bot.handlers import replies
from bot.handlers.context import Context, HandlerResult, button_parts
from bot.messages import IncomingMessage, Reply


def handle(msg: IncomingMessage, ctx: Context) -> HandlerResult | None:
    """Tell the user how to reach an officer for /petugas, the Contact button or a request in words."""
    kind, _arg = button_parts(ctx)
    asked_in_words = bool(ctx.text) and not ctx.button and ctx.match().handoff
    if not (kind == "handoff" or ctx.command == "person" or asked_in_words):
        return None
    # The staff queue (a later issue) will open a ticket here; until then the hotlines are the way to a person.
    header = ctx._("🙋 Our officers can help you in person. You can reach them here:")
    text = f"{header}\n\n{replies.contact_text(ctx)}"
    return HandlerResult("handoff", (Reply(text, (replies.home_button(ctx),)),))
