"""Questions answered from the knowledge base: entry buttons and free text through the matcher."""

from __future__ import annotations

from bot.handlers import clarify, replies
from bot.handlers.context import Context, HandlerResult, button_parts
from bot.messages import Candidate, IncomingMessage, Reply


def handle(msg: IncomingMessage, ctx: Context) -> HandlerResult | None:
    """Answer an entry:<id> button, or a question the matcher answers or narrows to a few options."""
    kind, arg = button_parts(ctx)
    if kind == "entry":
        entry = ctx.entry(arg)
        if entry is None:
            text = ctx._("Sorry, that information is no longer available. Here is the main menu:")
            return HandlerResult("info", (Reply(text, replies.main_menu_buttons(ctx)),))
        return replies.answer_entry(ctx, entry)
    if ctx.button or not ctx.text:
        return None
    result = ctx.match()
    if result.countries:
        # A question that names a country makes it the context of the next questions.
        ctx.state.country = result.countries[0]
    if result.decision == "answer":
        entry = ctx.entry(result.entry_id)
        if entry is not None:
            candidates = tuple(Candidate(e, s) for e, s in result.candidates)
            return replies.answer_entry(ctx, entry, confidence=result.confidence, candidates=candidates)
    if result.decision == "clarify":
        return clarify.offer(ctx, result)
    return None
