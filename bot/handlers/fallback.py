"""No confident answer: say so kindly, log the question for editors, offer the menu and a person."""

from __future__ import annotations

from bot.handlers import replies
from bot.handlers.context import Context, HandlerResult
from bot.messages import Candidate, IncomingMessage, Reply

OFFER_PERSON_AFTER = 2  # fallbacks in a row


def handle(msg: IncomingMessage, ctx: Context) -> HandlerResult:
    """The last route: always answers."""
    if ctx.button:
        return replies.menu_result(ctx, ctx._("Sorry, that button no longer works. Here is the main menu:"))
    result = ctx.match() if ctx.text else None
    if result is None or not result.normalized:
        # Empty, emoji-only or unreadable: nothing an editor could turn into an entry, and not a failed question.
        text = ctx._("I did not catch that. Type your question in a few words, or choose a topic:")
        return HandlerResult("fallback", (Reply(text, replies.main_menu_buttons(ctx)),))
    ctx.recorder.unanswered(normalized=result.normalized, raw=ctx.text, lang=ctx.locale,
                            candidates=result.candidates)
    ctx.state.fallbacks += 1
    candidates = tuple(Candidate(e, s) for e, s in result.candidates)
    if ctx.state.fallbacks >= OFFER_PERSON_AFTER:
        text = ctx._("I still cannot find an answer, sorry. Would you like to ask one of our officers?")
        buttons = (*replies.danger_offer(ctx), replies.person_button(ctx), replies.home_button(ctx))
        return HandlerResult("fallback", (Reply(text, buttons),), confidence=result.confidence, candidates=candidates)
    text = ctx._("Sorry, I do not have an answer to that yet. Try other words, choose a topic, "
                 "or contact an officer.")
    buttons = (*replies.danger_offer(ctx), *replies.main_menu_buttons(ctx))
    return HandlerResult("fallback", (Reply(text, buttons),), confidence=result.confidence, candidates=candidates)
