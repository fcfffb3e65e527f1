"""Delete-my-data (/hapus): ask for confirmation, then delete the user's state row."""

from __future__ import annotations

from bot.handlers import replies
from bot.handlers.context import Context, HandlerResult, button_parts
from bot.messages import Button, IncomingMessage, Reply

PENDING = "hapus"
YES = frozenset({"ya", "iya", "yes", "y", "ok", "oke", "hapus"})
NO = frozenset({"tidak", "tdk", "gak", "nggak", "enggak", "no", "n", "jangan"})


def handle(msg: IncomingMessage, ctx: Context) -> HandlerResult | None:
    """Ask "delete everything?" for /hapus; delete on hapus:ya (or "ya") right after that question."""
    kind, arg = button_parts(ctx)
    answer = ctx.text.casefold().strip(" .!") if ctx.pending == PENDING and not ctx.button else ""
    if (kind == "hapus" and arg == "ya" and ctx.pending == PENDING) or answer in YES:
        text = ctx._("Done: everything this bot remembered about you has been deleted. "
                     "Send any message to start again.")
        return HandlerResult("info", (Reply(text),), forget=True)
    if (kind == "hapus" and arg == "tidak") or answer in NO:
        return HandlerResult("info", (Reply(ctx._("Okay, nothing was deleted."), replies.main_menu_buttons(ctx)),))
    if kind != "hapus" and ctx.command != "forget":
        return None
    ctx.state.pending = PENDING
    text = ctx._("Delete everything this bot remembers about you (language, country, last topic, your "
                 "messages and any conversation with an officer)? This cannot be undone.")
    buttons = (Button(ctx._("🗑️ Yes, delete"), "hapus:ya"), Button(ctx._("No"), "hapus:tidak"))
    return HandlerResult("info", (Reply(text, buttons),))
