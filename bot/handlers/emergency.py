"""Emergencies come first, whatever else the message matches, even inside a handoff.

The reply gives local help first (fact sheet C6): the numbers of the country the user is in (named in
the message or chosen before), then its Indonesian office, then Indonesia's hotlines. Without a
country it gives every destination's police number and asks where the user is; the answer to that
question (a button or a typed country) brings that country's own numbers.
"""

from __future__ import annotations

from bot.handlers import replies
from bot.handlers.context import Context, HandlerResult, button_parts
from bot.handlers.handoff import back_button, recent_history, source_ref
from bot.messages import Button, IncomingMessage, Reply
from knowledge.schema import CountryDoc

PENDING_WHERE = "emergency:where"  # we asked a person in danger where they are


def handle(msg: IncomingMessage, ctx: Context) -> HandlerResult | None:
    """Give the emergency numbers at once and put the user at the head of the staff queue."""
    kind, arg = button_parts(ctx)
    if kind == replies.SOS_PAYLOAD:
        return _numbers_for(ctx, ctx.snapshot.countries.get(arg.upper()) if arg else replies.emergency_country(ctx))
    if not ctx.text or ctx.button:
        return None
    if not ctx.match().emergency:
        if ctx.pending == PENDING_WHERE:
            # The answer to "where are you now?": a country name gets that country's numbers.
            named = replies.named_countries(ctx)
            if named:
                if ctx.state.handoff_id is not None:  # the officer on the ticket sees the answer too
                    ctx.desk.add_user_message(ctx.state.handoff_id, ctx.text, source_ref=source_ref(ctx))
                return _numbers_for(ctx, ctx.snapshot.countries[named[0]])
        return None
    country = replies.emergency_country(ctx)
    if country is not None:
        ctx.state.country = country.code
    else:
        ctx.state.pending = PENDING_WHERE
    header = ctx._("⚠️ You may be in danger. Please get help right away:")
    text = f"{header}\n{replies.emergency_text(ctx, country)}"
    where = () if country is not None else replies.where_buttons(ctx)
    if not ctx.desk.enabled:
        buttons = (*where, replies.person_button(ctx), replies.home_button(ctx))
        return HandlerResult("emergency", (Reply(text, buttons),))
    info = None
    if ctx.state.handoff_id is not None:
        info = ctx.desk.add_user_message(ctx.state.handoff_id, ctx.text, source_ref=source_ref(ctx), escalate=True)
    if info is None:
        info = ctx.desk.open(channel=ctx.channel, user_id=ctx.state.user_id, reason="emergency", priority="high",
                             lang=ctx.locale, history=recent_history(ctx.state), source_ref=source_ref(ctx),
                             text=ctx.text)
    ctx.state.handoff_id = info.id
    alerted = ctx._("An officer has been alerted and will reply to you here as soon as possible.")
    text = f"{text}\n\n{alerted}"
    return HandlerResult("emergency", (Reply(text, (*where, back_button(ctx))),))


def _numbers_for(ctx: Context, country: CountryDoc | None) -> HandlerResult:
    """The emergency numbers for `country` (a button or the answer to "where are you?"), no new ticket."""
    if country is not None:
        ctx.state.country = country.code
    else:
        ctx.state.pending = PENDING_WHERE
    text = replies.emergency_text(ctx, country)
    following: tuple[Button, ...] = (back_button(ctx),) if ctx.state.handoff_id is not None else (
        replies.person_button(ctx), replies.home_button(ctx))
    where = () if country is not None else replies.where_buttons(ctx)
    return HandlerResult("emergency", (Reply(text, (*where, *following)),))
