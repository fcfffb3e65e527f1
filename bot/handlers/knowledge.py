"""Questions answered from the knowledge base: entry buttons and free text through the matcher."""

from __future__ import annotations

from dataclasses import replace

from bot.handlers import clarify, language, replies
from bot.handlers.context import Context, HandlerResult, button_parts
from bot.messages import Candidate, IncomingMessage, Reply
from knowledge.render import render_answer


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
    offer_english = language.follow_message_language(ctx, result.lang)
    if result.countries:
        # A question that names a country makes it the context of the next questions.
        ctx.state.country = result.countries[0]
    answered: HandlerResult | None = None
    if result.decision == "answer":
        entry = ctx.entry(result.entry_id)
        if entry is not None:
            candidates = tuple(Candidate(e, s) for e, s in result.candidates)
            answered = replies.answer_entry(ctx, entry, confidence=result.confidence, candidates=candidates)
            answered = _with_extras(ctx, answered, result.general, result.also)
    elif result.decision == "clarify":
        answered = clarify.offer(ctx, result)
    if answered is not None and offer_english:
        answered = replace(answered, replies=(*answered.replies, language.switch_offer(ctx)))
    return answered


def _with_extras(ctx: Context, answered: HandlerResult, general: bool, also: tuple[str, ...]) -> HandlerResult:
    """Say that a general answer is general, and add the entries the matcher sends along (the scam check)."""
    first, *rest = answered.replies
    if general:
        country = ctx.snapshot.countries.get(ctx.state.country or "")
        name = country.name(ctx.locale) if country else ""
        note = ctx._("I have no information on this for {country} yet; this is the general answer:").format(
            country=name
        ) if name else ctx._("This is the general answer:")
        first = replace(first, text=f"{note}\n\n{first.text}")
    extra = [Reply(render_answer(e, ctx.locale)) for e in (ctx.entry(i) for i in also) if e is not None]
    return replace(answered, replies=(first, *extra, *rest))
