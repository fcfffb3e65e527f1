"""Polite throttling of one user's flood: one notice, then silence until the window passes."""

from __future__ import annotations

import datetime as dt

from bot.config import BotSettings
from bot.handlers.context import Context, HandlerResult
from bot.i18n import format_number
from bot.messages import IncomingMessage, Reply
from bot.state import ConversationState


def register(state: ConversationState, now: dt.datetime, settings: BotSettings) -> str:
    """Count this message in the user's window; "ok", "notice" (first one over the limit) or "silent"."""
    window = dt.timedelta(seconds=settings.flood_window_seconds)
    start = state.window_start
    # A clock that went backwards (another worker's skew) also opens a new window rather than trapping the user.
    if start is None or now - start >= window or now < start:
        state.window_start, state.window_count, state.throttled = now, 0, False
    state.window_count += 1
    if state.window_count <= settings.flood_messages:
        return "ok"
    if state.throttled:
        return "silent"
    state.throttled = True
    return "notice"


def handle(msg: IncomingMessage, ctx: Context) -> HandlerResult | None:
    """Say "please wait" once when the user goes over the limit, then stay silent."""
    if ctx.flood == "ok":
        return None
    # Keep what the user was in the middle of; a throttled message must not change the conversation.
    ctx.state.options, ctx.state.pending = list(ctx.options), ctx.pending
    if ctx.flood == "silent":
        return HandlerResult("info")
    start = ctx.state.window_start or ctx.now
    left = ctx.settings.flood_window_seconds - (ctx.now - start).total_seconds()
    text = ctx._("You are sending messages very quickly. Please wait about {seconds} seconds, then try again.")
    return HandlerResult("info", (Reply(text.format(seconds=format_number(max(1, round(left)), ctx.locale))),))
