"""Choosing the language: buttons on request, and switching at once on lang:id / lang:en."""

from __future__ import annotations

from bot.handlers import replies
from bot.handlers.context import Context, HandlerResult, button_parts
from bot.i18n import SUPPORTED
from bot.messages import Button, IncomingMessage, Reply


def handle(msg: IncomingMessage, ctx: Context) -> HandlerResult | None:
    """Offer the languages for /bahasa, "language", "english"…; switch on a lang:xx button."""
    kind, arg = button_parts(ctx)
    if kind == "lang" and arg in SUPPORTED:
        ctx.state.lang = arg
        ctx.set_locale(arg)
        text = ctx._("Okay, from now on I will answer in {language}.").format(language=replies.LANGUAGE_NAMES[arg])
        return HandlerResult("info", (Reply(text, replies.main_menu_buttons(ctx)),))
    if kind != "lang" and ctx.command != "language":
        return None
    buttons = tuple(Button(replies.LANGUAGE_NAMES[lang], f"lang:{lang}") for lang in SUPPORTED)
    return HandlerResult("info", (Reply(ctx._("Choose your language:"), buttons),))
