"""Clarification: offer up to three entries ("Did you mean…"), and take the user's pick by button or number."""

from __future__ import annotations

import re

from bot.handlers import replies
from bot.handlers.context import Context, HandlerResult
from bot.messages import Candidate, IncomingMessage, Reply
from knowledge.matcher import MatchResult

MAX_OPTIONS = 3
_PICK = re.compile(r"^(?:no|nomor|nomer|pilihan|pilih|opsi|option|number)?\s*[.#:]?\s*([0-9]{1,2})\s*[.)]?$")


def handle(msg: IncomingMessage, ctx: Context) -> HandlerResult | None:
    """Answer "1", "2" or "3" with the option of that number from the previous turn."""
    if not ctx.options or ctx.button or not ctx.text:
        return None
    found = _PICK.match(ctx.text.casefold())
    if not found:
        return None
    number = int(found.group(1))
    if not 1 <= number <= len(ctx.options):
        entries = [e for e in (ctx.entry(i) for i in ctx.options) if e is not None]
        text = ctx._("Please answer with a number from 1 to {last}.").format(last=len(entries))
        return _offer(ctx, entries, text, (), 0.0) if entries else None
    entry = ctx.entry(ctx.options[number - 1])
    if entry is None:
        return replies.menu_result(ctx, ctx._("Sorry, that information is no longer available. "
                                              "Here is the main menu:"))
    return replies.answer_entry(ctx, entry)


def offer(ctx: Context, result: MatchResult) -> HandlerResult | None:
    """Ask which of the matcher's options the user meant (None if none of them is live any more)."""
    entries = [e for e in (ctx.entry(i) for i in result.options[:MAX_OPTIONS]) if e is not None]
    if not entries:
        return None
    candidates = tuple(Candidate(e, s) for e, s in result.candidates)
    return _offer(ctx, entries, ctx._("Did you mean:"), candidates, result.confidence)


def _offer(ctx: Context, entries: list, text: str, candidates: tuple[Candidate, ...], confidence: float
           ) -> HandlerResult:
    lines = [f"{n}) {e.text(ctx.locale).question}" for n, e in enumerate(entries, start=1)]
    hint = ctx._("Answer with the number, or press a button.")
    body = "\n".join([text, *lines, "", hint])
    ctx.state.options = [e.id for e in entries]
    buttons = (*(replies.entry_button(ctx, e) for e in entries), *replies.danger_offer(ctx))
    return HandlerResult("clarify", (Reply(body, buttons),), confidence=confidence, candidates=candidates)
