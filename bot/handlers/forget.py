"""Delete-my-data (/hapus): ask for confirmation, then delete everything kept about the user.

It works in every state, a conversation with an officer included: this handler runs before the handoff
one, so /hapus and its confirmation are never forwarded to the officers. Erasing (bot.privacy) closes an
open ticket, tells the officers that the user deleted their data, and deletes the transcript.
"""

from __future__ import annotations

from bot.handlers import replies
from bot.handlers.context import Context, HandlerResult, button_parts
from bot.messages import Button, IncomingMessage, Reply

PENDING = "hapus"
YES = frozenset({"ya", "iya", "yes", "y", "ok", "oke", "hapus"})
NO = frozenset({"tidak", "tdk", "gak", "nggak", "enggak", "no", "n", "jangan"})


def done_text(ctx: Context) -> str:
    """What was deleted and what is kept (bot.privacy and SECURITY.md list the same)."""
    return ctx._(
        "Done. Deleted: your language and country choice, your last topic and recent messages, any "
        "conversation with an officer (the officers were told that you deleted your data), and messages "
        "still waiting to be sent to you.\n"
        "Kept, with no link to you: questions the bot could not answer, with phone numbers, e-mail "
        "addresses, ID, passport and account numbers and names removed before they were stored; your "
        "👍/👎 votes; daily message counts.\n"
        "Send any message to start again."
    )


def handle(msg: IncomingMessage, ctx: Context) -> HandlerResult | None:
    """Ask "delete everything?" for /hapus; delete on hapus:ya (or "ya") right after that question."""
    kind, arg = button_parts(ctx)
    answer = ctx.text.casefold().strip(" .!") if ctx.pending == PENDING and not ctx.button else ""
    if (kind == "hapus" and arg == "ya" and ctx.pending == PENDING) or answer in YES:
        return HandlerResult("info", (Reply(done_text(ctx)),), forget=True)
    if (kind == "hapus" and arg == "tidak") or answer in NO:
        return HandlerResult("info", (Reply(ctx._("Okay, nothing was deleted."), replies.main_menu_buttons(ctx)),))
    if kind != "hapus" and ctx.command != "forget":
        return None
    ctx.state.pending = PENDING
    text = ctx._("Delete everything this bot remembers about you (language, country, last topic, your "
                 "messages and any conversation with an officer)? This cannot be undone.")
    buttons = (Button(ctx._("🗑️ Yes, delete"), "hapus:ya"), Button(ctx._("No"), "hapus:tidak"))
    return HandlerResult("info", (Reply(text, buttons),))
