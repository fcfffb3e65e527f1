"""Choosing the language: buttons on request, switching at once on lang:id / lang:en, and following an English message."""

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


def follow_message_language(ctx: Context, message_lang: str | None) -> bool:
    """Answer a whole English message in English (this reply only); True when switching for good should be offered."""
    if message_lang != "en" or ctx.locale == "en" or "en" not in SUPPORTED:
        return False
    ctx.set_locale("en")
    return True


def switch_offer(ctx: Context) -> Reply:
    """The offer to keep answering in English, with buttons for both languages."""
    return Reply(
        ctx._("You wrote in English, so I answered in English. Keep English from now on?"),
        (Button(replies.LANGUAGE_NAMES["en"], "lang:en"), Button(replies.LANGUAGE_NAMES["id"], "lang:id")),
    )
