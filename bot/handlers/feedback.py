"""👍/👎 after an answer: stored without any user id, at most once per answer shown."""

from __future__ import annotations

from bot.handlers import replies
from bot.handlers.context import Context, HandlerResult, button_parts
from bot.messages import IncomingMessage, Reply

THUMBS = {"👍": True, "👍🏻": True, "👍🏼": True, "👍🏽": True, "👍🏾": True, "👍🏿": True,
          "👎": False, "👎🏻": False, "👎🏼": False, "👎🏽": False, "👎🏾": False, "👎🏿": False}


def handle(msg: IncomingMessage, ctx: Context) -> HandlerResult | None:
    """Record a vote from a fb:<entry>:<1|0> button, or a lone 👍/👎 right after an answer."""
    kind, arg = button_parts(ctx)
    if kind == "fb":
        entry_id, _sep, vote = arg.rpartition(":")
        if vote not in ("0", "1"):
            entry_id = ""  # a malformed vote is thanked but never counted
        helpful = vote == "1"
    elif not ctx.button and ctx.text in THUMBS and ctx.state.last_entry:
        entry_id, helpful = ctx.state.last_entry, THUMBS[ctx.text]
    else:
        return None
    voted = ctx.state.extra.get("voted")
    # A vote counts only for a live entry, and pressing the same button twice counts once.
    if ctx.entry(entry_id) is not None and voted != entry_id:
        ctx.recorder.feedback(entry_id=entry_id, helpful=helpful, lang=ctx.locale, channel=ctx.channel)
        ctx.state.extra["voted"] = entry_id
    if helpful:
        return HandlerResult("info", (Reply(ctx._("Thank you for your feedback! 🙏"), (replies.home_button(ctx),)),))
    text = ctx._("Thank you. Sorry it did not help: try asking in other words, or contact an officer.")
    return HandlerResult("info", (Reply(text, (replies.person_button(ctx), replies.home_button(ctx))),))
