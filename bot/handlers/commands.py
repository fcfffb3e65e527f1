"""Commands and keywords: recognise them, and answer the unknown ones and stale buttons kindly."""

from __future__ import annotations

import re

from bot.handlers import replies
from bot.handlers.context import Context, HandlerResult, button_parts
from bot.messages import IncomingMessage, Reply

# Telegram commands (design §6) and the whole-message keywords that mean the same on every channel.
SLASH = {
    "start": "menu", "menu": "menu", "mulai": "menu", "help": "menu", "bantuan": "menu",
    "bahasa": "language", "language": "language", "lang": "language",
    "petugas": "person", "operator": "person", "cs": "person",
    "privasi": "privacy", "privacy": "privacy",
    "hapus": "forget", "delete": "forget",
    "batal": "cancel", "cancel": "cancel",
}
KEYWORDS = {
    "menu": "menu", "start": "menu", "mulai": "menu", "menu utama": "menu", "main menu": "menu", "home": "menu",
    "bahasa": "language", "language": "language", "ganti bahasa": "language", "change language": "language",
    "english": "language", "bahasa inggris": "language", "bahasa indonesia": "language", "indonesian": "language",
    "petugas": "person", "operator": "person", "cs": "person", "admin": "person", "hubungi petugas": "person",
    "privasi": "privacy", "privacy": "privacy", "kebijakan privasi": "privacy", "privacy policy": "privacy",
    "hapus data": "forget", "hapus data saya": "forget", "delete my data": "forget",
    "batal": "cancel", "cancel": "cancel",
}
# Button kinds some handler owns; anything else is a stale or forged payload.
KNOWN_BUTTONS = frozenset({"menu", "entry", "country", "lang", "fb", "handoff", "hapus", "batal"})
_SLASH_RE = re.compile(r"^/([a-z_]{1,32})(?:@\w+)?(?:\s|$)")
_KEYWORD_STRIP = re.compile(r"[^\w\s]+")


def command_of(text: str) -> str | None:
    """The command a text stands for: "menu", "language", …, "unknown" for an unknown /command, else None."""
    lowered = text.casefold()
    found = _SLASH_RE.match(lowered)
    if found:
        return SLASH.get(found.group(1), "unknown")
    if lowered.startswith("/"):
        return "unknown"
    return KEYWORDS.get(" ".join(_KEYWORD_STRIP.sub(" ", lowered).split()))


def handle(msg: IncomingMessage, ctx: Context) -> HandlerResult | None:
    """Answer an unknown command, an unknown button, or /batal when there is nothing to cancel."""
    kind, _arg = button_parts(ctx)
    if ctx.button and kind not in KNOWN_BUTTONS:
        return replies.menu_result(ctx, ctx._("Sorry, that button no longer works. Here is the main menu:"))
    if ctx.command == "unknown":
        return replies.menu_result(ctx, ctx._("I don't know that command. Here is the main menu:"))
    if ctx.command == "cancel" or kind == "batal":
        # /batal inside a handoff is handled earlier; here it only drops a pending confirmation.
        text = ctx._("Cancelled.") if ctx.pending else ctx._("There is nothing to cancel.")
        return HandlerResult("info", (Reply(text, replies.main_menu_buttons(ctx)),))
    return None
