"""What the handoff says: to the user (a staff reply, the closing question) and in the staff group (a
ticket's posts, short notices). Every text is translated; user and staff words are escaped."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot import i18n
from bot.handoff.model import FEEDBACK_PREFIX, MAX_HISTORY_CHARS, clip
from bot.markup import escape, plain
from bot.messages import Button, Reply
from bot.models import HandoffMessageRow, HandoffRow
from knowledge.models import utcnow


def closing_text(lang: str, note: str | None, *, idle: bool = False) -> str:
    """What the user is told when a ticket is closed (stored as a bot line in their language)."""
    _ = i18n.translator(lang if lang in i18n.SUPPORTED else i18n.SUPPORTED[0]).gettext
    if idle:
        head = _("This conversation with our officers was closed because it was quiet for a while.")
    else:
        head = _("Our officer has closed this conversation.")
    parts = [head]
    if note:
        parts.append(_("Officer's note: {note}").format(note=escape(note)))
    parts.append(_("You are back with the automatic assistant. Was our officer's help useful?"))
    return "\n\n".join(parts)


def user_reply(line: HandoffMessageRow, ticket: HandoffRow) -> Reply:
    """A staff or bot line as the user sees it."""
    lang = ticket.lang if ticket.lang in i18n.SUPPORTED else i18n.SUPPORTED[0]
    _ = i18n.translator(lang).gettext
    if line.sender == "staff":
        header = _("👤 Officer {name}:").format(name=escape(line.author or ""))
        return Reply(f"{header}\n{escape(line.text)}")  # an officer's words are shown as typed
    if line.kind == "closed":
        buttons = (Button(_("👍 Yes"), f"{FEEDBACK_PREFIX}:{ticket.id}:1"),
                   Button(_("👎 No"), f"{FEEDBACK_PREFIX}:{ticket.id}:0"),
                   Button(_("🏠 Menu"), "menu"))
        return Reply(line.text, buttons)
    return Reply(line.text)


def staff_post(line: HandoffMessageRow, ticket: HandoffRow, lang: str, *, transcript: Sequence[HandoffMessageRow] = (),
               now: dt.datetime | None = None) -> str:
    """A user or system line as posted in the staff group, always naming the ticket."""
    _ = i18n.translator(lang if lang in i18n.SUPPORTED else i18n.SUPPORTED[0]).gettext
    tag = f"#{ticket.id}"
    if line.sender == "user":
        return _("{ticket} ✉️ User on {channel}:").format(ticket=tag, channel=ticket.channel) + f"\n{escape(line.text)}"
    if line.kind == "opened":
        head = (_("{ticket} 🚨 EMERGENCY: new request on {channel}") if ticket.priority == "high"
                else _("{ticket} 🙋 New request for an officer on {channel}")).format(ticket=tag, channel=ticket.channel)
        lines = [head]
        for item in transcript:
            who = _("User") if item.sender == "user" else _("Bot")
            said = item.text if item.sender == "user" else plain(item.text)  # a bot line's markup, as read
            lines.append(f"{who}: {escape(clip(said, MAX_HISTORY_CHARS))}")
        lines.append(_("Reply to this message to answer the user; reply /klaim to take it, /tutup [note] to close it."))
        return "\n".join(lines)
    if line.kind == "priority":
        return _("{ticket} 🚨 The user wrote emergency words: priority raised.").format(ticket=tag)
    if line.kind == "claimed":
        return _("{ticket} ✅ Taken by {name}.").format(ticket=tag, name=escape(line.author or ""))
    if line.kind == "reminder":
        created = ticket.created_at
        minutes = max(0, int(((now or utcnow()) - created).total_seconds() // 60))
        return _("{ticket} ⏰ Still waiting for an officer ({minutes} min). Reply /klaim to take it.").format(
            ticket=tag, minutes=minutes)
    if line.kind.startswith("closed"):
        if line.kind == "closed-left":
            return _("{ticket} ↩️ The user left the queue.").format(ticket=tag)
        if line.kind == "closed-idle":
            return _("{ticket} 💤 Closed after a quiet period; the user was told.").format(ticket=tag)
        if line.kind == "closed-erased":
            return _("{ticket} 🗑️ The user deleted their data (/hapus): the ticket is closed and its transcript "
                     "erased. Do not reply.").format(ticket=tag)
        text = _("{ticket} ☑️ Closed by {name}.").format(ticket=tag, name=escape(line.author or ""))
        return f"{text}\n{escape(line.text)}" if line.text else text
    return f"{tag} {escape(line.text)}"


def staff_notice(kind: str, lang: str, *, ticket: int | None = None, detail: str = "") -> str:
    """Short answers to staff in the group: a command without a ticket, a refused action."""
    _ = i18n.translator(lang if lang in i18n.SUPPORTED else i18n.SUPPORTED[0]).gettext
    tag = f"#{ticket}" if ticket else ""
    if kind == "no-ticket":
        return _("Reply to one of my posts about a ticket: your reply goes to the user; /klaim takes the ticket, "
                 "/tutup [note] closes it.")
    if kind == "refused":
        return _("{ticket} not done: {reason}").format(ticket=tag, reason=escape(detail))
    return detail
