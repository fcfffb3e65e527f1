"""Flood rules that never hit a person: a burst, then a sustained rate no one reaches by typing.

The rule is a token bucket kept as one time (GCRA: `state.window_start` is when the user's allowance is
full again), so it lives in the user's conversation row, which every worker loads and saves anyway: it is
shared across workers at no extra query. Button taps and 👍/👎 feedback are never counted nor held back.
Over the limit the user gets one notice saying when to write again; until then messages are kept silent.

The numbers (BotSettings): a burst of 20 messages, then one every 1.5 s (40 a minute). A fast typist
sends a short message every 2 s at the very most (one word, thumbs only; a question takes 5-10 s), so
typing never reaches the sustained rate, and 20 lets a person split a long story into many lines at once.
The rate also keeps our replies under Telegram's ~1 message a second per chat (an answer folds into one).
"""

from __future__ import annotations

import datetime as dt
import math

from bot.config import BotSettings
from bot.handlers.context import Context, HandlerResult
from bot.handlers.feedback import THUMBS
from bot.i18n import format_number
from bot.messages import IncomingMessage, Reply
from bot.state import ConversationState


def exempt(button: str | None, text: str) -> bool:
    """True for what is never throttled: a button tap (a deliberate choice) and 👍/👎 feedback."""
    return bool(button) or text in THUMBS


def register(state: ConversationState, now: dt.datetime, settings: BotSettings, *, counted: bool = True) -> str:
    """Count this message against the user's allowance: "ok", "notice" (the first one over) or "silent"."""
    if not counted:
        return "ok"
    interval = dt.timedelta(seconds=settings.flood_interval_seconds)
    tolerance = interval * (settings.flood_burst - 1)
    full_at = state.window_start
    # Empty bucket, or a time no rule could have written (a worker whose clock is behind): start afresh.
    if full_at is None or full_at < now or full_at > now + tolerance + interval:
        full_at = now
    if state.throttled:
        if now < full_at:  # within the quiet period the notice announced
            state.window_count += 1
            return "silent"
        state.throttled, full_at = False, now
    if full_at - now > tolerance:
        state.window_start, state.throttled, state.window_count = full_at, True, 1
        return "notice"
    state.window_start, state.window_count = full_at + interval, 0
    return "ok"


def seconds_to_wait(state: ConversationState, now: dt.datetime) -> int:
    """Whole seconds until a throttled user may write again (at least 1)."""
    full_at = state.window_start or now
    return max(1, math.ceil((full_at - now).total_seconds()))


def handle(msg: IncomingMessage, ctx: Context) -> HandlerResult | None:
    """Say once when the user may write again after going over the limit, then stay silent until then."""
    if ctx.flood == "ok":
        return None
    # Keep what the user was in the middle of; a throttled message must not change the conversation.
    ctx.state.options, ctx.state.pending = list(ctx.options), ctx.pending
    if ctx.flood == "silent":
        return HandlerResult("info")
    seconds = format_number(seconds_to_wait(ctx.state, ctx.now), ctx.locale)
    text = ctx._("You are sending messages very quickly. Please wait about {seconds} seconds, then try again.")
    return HandlerResult("info", (Reply(text.format(seconds=seconds)),))
