"""WhatsApp webhooks in: the signature over the raw body, Meta's handshake, every message of every entry
and change as an `Inbound`, and the numbered choices a typed number picks from.

Error tree::

    WhatsAppError
     └── SignatureError          the webhook request is not from Meta
          ├── MissingSignature   no X-Hub-Signature-256 header (HTTP 401)
          └── BadSignature       the header does not match the body (HTTP 403)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, delete

from bot.channels.whatsapp_status import change_values, dicts
from bot.messages import IncomingMessage
from bot.models import WhatsAppChoiceRow
from bot.state import storage_key
from knowledge.models import utcnow

CHANNEL = "whatsapp"
CHOICES_TTL = dt.timedelta(hours=24)  # numbered choices outlive neither the 24-hour window nor a new turn
UNSUPPORTED_TYPES = frozenset(
    {"audio", "image", "sticker", "video", "document", "location", "contacts", "unsupported", "unknown"}
)
_NUMBER = re.compile(r"^\s*(?:no\.?\s*|nomor\s*|#)?(\d{1,2})\s*[.)]?\s*$", re.IGNORECASE)


class WhatsAppError(Exception):
    """Anything that goes wrong between us and WhatsApp."""


class SignatureError(WhatsAppError):
    """The webhook request cannot be shown to come from Meta."""


class MissingSignature(SignatureError):
    """The request carries no X-Hub-Signature-256 header."""


class BadSignature(SignatureError):
    """The X-Hub-Signature-256 header does not match the body."""


# --- webhook authenticity ---------------------------------------------------------------------------


def signature_of(app_secret: str, body: bytes) -> str:
    """The X-Hub-Signature-256 value Meta sends for `body`."""
    return "sha256=" + hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify_signature(app_secret: str, body: bytes, header: str | None) -> None:
    """Raise unless `header` is the HMAC-SHA256 of the raw `body` (as received, never re-serialised)."""
    if not header:
        raise MissingSignature("X-Hub-Signature-256 is missing")
    expected = signature_of(app_secret, body)
    # Meta writes lower-case hex; compare bytes so a non-ASCII header cannot raise inside compare_digest.
    if not hmac.compare_digest(expected.encode("ascii"), header.strip().lower().encode("utf-8", "replace")):
        raise BadSignature("X-Hub-Signature-256 does not match the body")


def verify_token_matches(expected: str, mode: str | None, token: str | None) -> bool:
    """True for Meta's subscription handshake with our verify token (compared in constant time)."""
    if mode != "subscribe" or token is None:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), token.encode("utf-8", "replace"))


# --- inbound parsing ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Inbound:
    """One user message from a webhook delivery: text, a pressed button's id, something we cannot read, or a
    message that can never be handled ("rejected": `text` holds the reason code, never the content)."""

    wamid: str
    user_id: str
    kind: str  # "text" | "button" | "unsupported" | "rejected"
    text: str | None = None
    button: str | None = None


# A wa_id is the sender's phone number in international form, digits only (E.164: at most 15); it is stored
# in columns of 100 characters, the message id in one of 200.
_WA_ID = re.compile(r"[0-9]{1,20}")
_MAX_WAMID = 200



def _rejected(reason: str) -> Inbound:
    return Inbound("", "", "rejected", text=reason)


def _message(raw: dict[str, Any]) -> Inbound | None:
    wamid, user, kind = raw.get("id"), raw.get("from"), raw.get("type")
    if not isinstance(wamid, str) or not wamid or len(wamid) > _MAX_WAMID or not wamid.isprintable():
        return _rejected("id")
    if not isinstance(user, str) or not _WA_ID.fullmatch(user):
        return _rejected("from")
    if not isinstance(kind, str):
        return _rejected("type")
    if kind == "text":
        body = raw.get("text", {}).get("body") if isinstance(raw.get("text"), dict) else None
        return Inbound(wamid, user, "text", text=body) if isinstance(body, str) else _rejected("text")
    if kind == "interactive":
        value = raw.get("interactive")
        interactive: dict[str, Any] = value if isinstance(value, dict) else {}
        for reply_type in ("button_reply", "list_reply"):
            reply = interactive.get(reply_type)
            if interactive.get("type") == reply_type and isinstance(reply, dict) and isinstance(reply.get("id"), str):
                return Inbound(wamid, user, "button", button=reply["id"])
        return Inbound(wamid, user, "unsupported")
    if kind == "button":  # a template's quick-reply tap: its visible text is what the user said
        text = raw.get("button", {}).get("text") if isinstance(raw.get("button"), dict) else None
        return Inbound(wamid, user, "text", text=text) if isinstance(text, str) else _rejected("button")
    if kind in UNSUPPORTED_TYPES:
        return Inbound(wamid, user, "unsupported")
    # Reactions, system notices and the like are not messages to answer.
    return None


def parse_update(payload: Any) -> list[Inbound]:
    """Every user message of every entry and change of a webhook delivery, in order; statuses are skipped."""
    found: list[Inbound] = []
    for value in change_values(payload):
        for raw in dicts(value.get("messages")):
            message = _message(raw)
            if message is not None:
                found.append(message)
    return found


# --- numbered choices per user ------------------------------------------------------------------------


def load_choices(engine: Engine, user_id: str, *, now: dt.datetime | None = None) -> tuple[str, ...]:
    """The payloads of the numbered choices last shown to the user (empty when none or too old)."""
    with Session(engine) as session:
        row = session.get(WhatsAppChoiceRow, storage_key(user_id))
        if row is None:
            return ()
        if (now or utcnow()) - row.updated_at > CHOICES_TTL:
            return ()
        return tuple(str(p) for p in row.payloads)


def save_choices(engine: Engine, user_id: str, payloads: tuple[str, ...] | None) -> None:
    """Remember the numbered choices just shown; an empty tuple forgets them, None leaves them as they are."""
    if payloads is None:
        return
    key = storage_key(user_id)
    with Session(engine) as session:
        # Delete then insert in one transaction: portable across SQLite and PostgreSQL, last writer wins.
        session.exec(delete(WhatsAppChoiceRow).where(col(WhatsAppChoiceRow.user_id) == key))
        if payloads:
            session.add(WhatsAppChoiceRow(user_id=key, payloads=list(payloads), updated_at=utcnow()))
        session.commit()


def to_incoming(inbound: Inbound) -> IncomingMessage:
    """The channel-neutral message for `inbound`: text, a pressed button, or (a kind we cannot read) neither."""
    said = {"external_id": inbound.wamid, "receipt": inbound.wamid}
    if inbound.kind == "button":
        return IncomingMessage(CHANNEL, inbound.user_id, button=inbound.button, **said)
    if inbound.kind == "unsupported":
        return IncomingMessage(CHANNEL, inbound.user_id, **said)
    return IncomingMessage(CHANNEL, inbound.user_id, text=inbound.text or "", **said)


def pick(msg: IncomingMessage, choices: Sequence[str]) -> IncomingMessage:
    """`msg`, or the choice it picks when it is a bare number of the numbered choices shown."""
    found = _NUMBER.match(msg.text or "") if msg.button is None else None
    if found and choices and 1 <= int(found.group(1)) <= len(choices):
        return dataclasses.replace(msg, text=None, button=choices[int(found.group(1)) - 1])
    return msg


def incoming_from(inbound: Inbound, choices: Sequence[str]) -> IncomingMessage:
    """The channel-neutral message for `inbound`; a bare number picks from the numbered choices shown."""
    return pick(to_incoming(inbound), choices)
