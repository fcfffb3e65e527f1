"""A conversation handed to a person: the bot keeps out of the way until /batal or the staff close it.

While the user's ticket is open their messages go into its transcript (the staff see them in the queue
and in the staff group); the user hears their place in the queue and the service hours. After a close
the bot answers again, and the 👍/👎 on the closing message is stored on the ticket.
"""

from __future__ import annotations

from bot.handlers import replies
from bot.handlers.context import Context, HandlerResult, button_parts
from bot.handoff import FEEDBACK_PREFIX, RECENT_KEY, TicketInfo
from bot.messages import Button, IncomingMessage, Reply
from bot.state import ConversationState


def back_button(ctx: Context) -> Button:
    """The button that leaves the queue."""
    return Button(ctx._("↩️ Back to the assistant"), "batal")


def recent_history(state: ConversationState) -> list[list[str]]:
    """The last turns kept in the state, as [sender, text] pairs."""
    found = state.extra.get(RECENT_KEY) or []
    return [list(map(str, item[:2])) for item in found if isinstance(item, list | tuple) and len(item) >= 2]


def source_ref(ctx: Context) -> str | None:
    """The delivery's id as a transcript line remembers it, so a redelivery is not added twice."""
    return f"{ctx.channel}:{ctx.external_id}"[:220] if ctx.external_id else None


def queue_text(ctx: Context, info: TicketInfo) -> str:
    """Where the user stands: place in the queue, service hours and, out of hours, when a person will read it."""
    lines = []
    if info.status == "waiting" and info.position:
        lines.append(ctx._("Your place in the queue: {position}.").format(position=info.position))
    hours = ctx.settings.hotline_hours
    if not hours.is_open(ctx.now):
        lines.append(ctx._("Our officers are off duty now (service hours: {hours}). A person will read your "
                           "message from {when}.").format(hours=hours.text(ctx.locale),
                                                          when=hours.opening_text(ctx.now, ctx.locale)))
    else:
        lines.append(ctx._("Officers answer during service hours: {hours}.").format(hours=hours.text(ctx.locale)))
    lines.append(ctx._("Type /batal to go back to the automatic assistant."))
    return "\n".join(lines)


def _feedback(ctx: Context, arg: str) -> HandlerResult:
    ticket, _sep, vote = arg.partition(":")
    if ticket.isdigit() and vote in ("0", "1"):
        ctx.desk.rate(int(ticket), vote == "1")
    return replies.menu_result(ctx, ctx._("Thank you for your feedback! Choose a topic or type your question."))


def handle(msg: IncomingMessage, ctx: Context) -> HandlerResult | None:
    """Inside an open handoff: leave it on /batal, otherwise add the message to the ticket."""
    kind, arg = button_parts(ctx)
    if kind == FEEDBACK_PREFIX:
        return _feedback(ctx, arg)
    handoff_id = ctx.state.handoff_id
    if handoff_id is None:
        return None
    if ctx.command == "cancel" or kind == "batal":
        ctx.desk.leave(handoff_id)
        ctx.state.handoff_id = None
        text = ctx._("You are back with the automatic assistant. Choose a topic or type your question.")
        return HandlerResult("info", (Reply(text, replies.main_menu_buttons(ctx)),))
    if ctx.text:
        info = ctx.desk.add_user_message(handoff_id, ctx.text, source_ref=source_ref(ctx))
    else:  # a button or an empty message: nothing for the officers to read
        info = ctx.desk.current(handoff_id)
    if info is None:  # the staff closed it: the bot answers this message again
        ctx.state.handoff_id = None
        return None
    if info.status == "active" or ctx.flood != "ok":
        # An officer is chatting with the user, or the user is typing faster than the flood limit: the
        # message is in the transcript for the officers; the bot stays quiet rather than repeat its notice.
        return HandlerResult("handoff", ())
    head = ctx._("Your message has been passed on to our officers.") if ctx.text else ctx._(
        "You are waiting for an officer.")
    if not ctx.desk.enabled:  # no staff queue on this server: say only what is true
        head = ctx._("An officer will reply to you here.")
    text = f"{head}\n{queue_text(ctx, info)}"
    return HandlerResult("handoff", (Reply(text, (back_button(ctx),)),))
