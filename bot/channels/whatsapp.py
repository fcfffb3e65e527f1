"""The WhatsApp channel: the only module that speaks the WhatsApp Business Cloud API's wire format.

Inbound: check the webhook signature over the raw body, parse every message of every entry and change
into `IncomingMessage`. Outbound: render a turn's replies within WhatsApp's limits (reply buttons, a
list, or numbered lines) and send them through a small Graph API client on httpx, retrying throttling
and transient errors with backoff and recording what still fails.

Error tree::

    WhatsAppError
     ├── SignatureError          the webhook request is not from Meta
     │    ├── MissingSignature   no X-Hub-Signature-256 header (HTTP 401)
     │    └── BadSignature       the header does not match the body (HTTP 403)
     └── SendError               the Graph API refused a message for good (a `bot.channels.base.SendFailed`)
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import logging
import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, delete

from bot import i18n, markup
from bot.blocking import run_blocking
from bot.channels.base import Chat, Payload, RetryPolicy, SendFailed, split_text
from bot.channels.text import utf16_prefix, utf16_units
from bot.channels.whatsapp_status import (
    arrived,
    change_values,
    hold,
    parse_statuses,
    record_sent,
    record_status,
    window_open,
)
from bot.delivery import (
    DEFAULT_LEASE_SECONDS,
    Claimed,
    Delivery,
    claim_and_compute,
    finish_delivery,
    has_undelivered,
    mark_progress,
    record_failed_send,
    record_rejected,
)
from bot.i18n import N_
from bot.markup import Span
from bot.messages import Button, IncomingMessage, Reply
from bot.models import WhatsAppChoiceRow
from bot.serial import PerUserLocks
from bot.state import SqlStateStore, storage_key
from knowledge.models import utcnow

CHANNEL = "whatsapp"

# WhatsApp's limits (tech notes §2.4), counted in UTF-16 code units: that is at least the number of
# characters whichever way Meta counts, so an emoji can never push a title over the limit.
MAX_TEXT = 4096
MAX_INTERACTIVE_BODY = 1024
MAX_REPLY_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_BUTTON_ID = 256
MAX_LIST_ROWS = 10
MAX_ROW_TITLE = 24
MAX_ROW_DESCRIPTION = 72
MAX_ROW_ID = 200
MAX_LIST_BUTTON = 20
MAX_SECTION_TITLE = 24

THROTTLING_CODES = frozenset({130429, 131056, 80007, 4})
TRANSIENT_CODES = frozenset({1, 2})
OUTSIDE_WINDOW_CODE = 131047
CHOICES_TTL = dt.timedelta(hours=24)  # numbered choices outlive neither the 24-hour window nor a new turn
UNSUPPORTED_TYPES = frozenset(
    {"audio", "image", "sticker", "video", "document", "location", "contacts", "unsupported", "unknown"}
)
_NUMBER = re.compile(r"^\s*(?:no\.?\s*|nomor\s*|#)?(\d{1,2})\s*[.)]?\s*$", re.IGNORECASE)

TEXT_ONLY = N_("Sorry, I can only read text messages. Please type your question.")
LIST_BUTTON = N_("Choose")
SECTION_TITLE = N_("Options")
CHOOSE_PROMPT = N_("Choose an option:")
NUMBER_HINT = N_("Reply with the number of your choice.")

log = logging.getLogger(__name__)


class WhatsAppError(Exception):
    """Anything that goes wrong between us and WhatsApp."""


class SignatureError(WhatsAppError):
    """The webhook request cannot be shown to come from Meta."""


class MissingSignature(SignatureError):
    """The request carries no X-Hub-Signature-256 header."""


class BadSignature(SignatureError):
    """The X-Hub-Signature-256 header does not match the body."""


class SendError(WhatsAppError, SendFailed):
    """The Graph API refused a message for good; `code` is Meta's error code or the HTTP status."""

    def __init__(self, code: str, *, attempts: int, retryable: bool) -> None:
        SendFailed.__init__(self, code, retryable=retryable, attempts=attempts)


class DeliveryBusy(WhatsAppError):
    """Another worker is handling this message now; the delivery should be retried later (503)."""


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


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


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
        for raw in _dicts(value.get("messages")):
            message = _message(raw)
            if message is not None:
                found.append(message)
    return found


# --- rendering ----------------------------------------------------------------------------------------


def clip(text: str, limit: int) -> str:
    """`text` on one line, cut to `limit` with an ellipsis when it is longer."""
    text = " ".join(text.split())
    if utf16_units(text) <= limit:
        return text
    return text[: utf16_prefix(text, limit - 1)].rstrip().rstrip("\u200d") + "…"


def whatsapp_span(span: Span) -> str:
    """One span of neutral markup with WhatsApp's own markers (a link as "label (url)")."""
    text = markup.plain_span(span)
    if span.italic:
        text = f"_{text}_"
    return f"*{text}*" if span.bold else text


def render_text(text: str) -> str:
    """Neutral markup as a WhatsApp body."""
    return markup.render(text, whatsapp_span)


@dataclass(frozen=True, slots=True)
class Strings:
    """The few UI words the renderer adds, already in the user's language."""

    list_button: str = "Choose"
    section_title: str = "Options"
    prompt: str = "Choose an option:"
    number_hint: str = "Reply with the number of your choice."

    @classmethod
    def for_language(cls, lang: str) -> Strings:
        """The renderer's words from the gettext catalog of `lang`."""
        _ = i18n.translator(lang).gettext
        return cls(_(LIST_BUTTON), _(SECTION_TITLE), _(CHOOSE_PROMPT), _(NUMBER_HINT))


@dataclass(frozen=True, slots=True)
class Rendered:
    """A turn as WhatsApp messages (without recipient), and the payloads of any numbered choices.

    `choices` is None when the turn offered no buttons at all (the previous numbers stay answerable, as
    after a throttled message); an empty tuple means buttons were shown as buttons or a list.
    """

    messages: tuple[dict[str, Any], ...]
    choices: tuple[str, ...] | None


def text_parts(text: str) -> list[str]:
    """A reply's text as the bodies of one or more WhatsApp messages, with WhatsApp's own markers."""
    # Cut on the markup, never inside a styled run; the markers cost as much as in the markup, so each
    # rendered piece stays within the limit too.
    pieces = split_text(text, MAX_TEXT, can_cut=markup.safe_cut(text))
    return [render_text(piece) for piece in pieces if piece]


def _text_messages(text: str) -> list[dict[str, Any]]:
    return [{"type": "text", "text": {"preview_url": False, "body": body}} for body in text_parts(text)]


def _distinct(buttons: Iterable[Button]) -> list[Button]:
    seen: set[str] = set()
    kept = []
    for button in buttons:
        if button.payload not in seen:
            seen.add(button.payload)
            kept.append(button)
    return kept


def _groups(replies: Sequence[Reply]) -> list[list[Reply]]:
    """Consecutive replies merged while their buttons fit one list, so an answer and its choices go as one."""
    groups: list[list[Reply]] = []
    for reply in replies:
        if groups and len(_distinct(b for r in [*groups[-1], reply] for b in r.buttons)) <= MAX_LIST_ROWS:
            groups[-1].append(reply)
        else:
            groups.append([reply])
    return groups


def _unique(titles: Sequence[str]) -> bool:
    return len({t.casefold() for t in titles}) == len(titles)


def _style(buttons: Sequence[Button]) -> str:
    titles = [clip(b.label, MAX_BUTTON_TITLE) for b in buttons]
    if len(buttons) <= MAX_REPLY_BUTTONS and _unique(titles) and all(
        utf16_units(b.payload) <= MAX_BUTTON_ID for b in buttons
    ):
        return "button"
    rows = [clip(b.label, MAX_ROW_TITLE) for b in buttons]
    if len(buttons) <= MAX_LIST_ROWS and _unique(rows) and all(utf16_units(b.payload) <= MAX_ROW_ID for b in buttons):
        return "list"
    return "numbered"


def _interactive(style: str, body: str, buttons: Sequence[Button], strings: Strings) -> dict[str, Any]:
    if style == "button":
        action: dict[str, Any] = {
            "buttons": [
                {"type": "reply", "reply": {"id": b.payload, "title": clip(b.label, MAX_BUTTON_TITLE)}}
                for b in buttons
            ]
        }
    else:
        rows = []
        for button in buttons:
            row = {"id": button.payload, "title": clip(button.label, MAX_ROW_TITLE)}
            if row["title"] != " ".join(button.label.split()):
                # The title lost words; the description (a second line under it) shows the label in full.
                row["description"] = clip(button.label, MAX_ROW_DESCRIPTION)
            rows.append(row)
        action = {
            "button": clip(strings.list_button, MAX_LIST_BUTTON),
            "sections": [{"title": clip(strings.section_title, MAX_SECTION_TITLE), "rows": rows}],
        }
    return {"type": "interactive", "interactive": {"type": style, "body": {"text": render_text(body)}, "action": action}}


def _already_numbered(text: str, buttons: Sequence[Button]) -> bool:
    """True when `text` already lists each button as "n) label" in button order (the core's clarify text)."""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    for n, button in enumerate(buttons, start=1):
        label = " ".join(button.label.split()).rstrip("…").strip()
        if not any(line.startswith(f"{n}) ") and line[len(f"{n}) "):].startswith(label) for line in lines):
            return False
    return True


def render_turn(replies: Sequence[Reply], strings: Strings | None = None) -> Rendered:
    """Turn a turn's replies into as few WhatsApp messages as fit the platform's limits."""
    strings = strings or Strings()
    messages: list[dict[str, Any]] = []
    choices: list[str] = []
    offered = False
    for group in _groups(replies):
        texts = [r.text.strip() for r in group if r.text.strip()]
        buttons = _distinct(b for r in group for b in r.buttons)
        if not buttons:
            messages.extend(_text_messages("\n\n".join(texts)))
            continue
        offered = True
        style = _style(buttons)
        if style == "numbered":
            text = "\n\n".join(texts)
            first = len(choices) + 1
            choices.extend(b.payload for b in buttons)
            # The core numbers its clarify options itself, in button order; do not print them twice.
            if first > 1 or not _already_numbered(text, buttons):
                lines = [f"{n}. {markup.escape(' '.join(b.label.split()))}" for n, b in enumerate(buttons, start=first)]
                text = "\n\n".join(part for part in (text, "\n".join(lines), strings.number_hint) if part)
            messages.extend(_text_messages(text))
            continue
        # The body of an interactive message holds 1,024 characters: the longest tail of the texts that fits
        # goes with the choices, anything before it is sent first as plain text.
        head, body = texts, ""
        for start in range(len(texts)):
            candidate = "\n\n".join(texts[start:])
            if utf16_units(candidate) <= MAX_INTERACTIVE_BODY:
                head, body = texts[:start], candidate
                break
        if head:
            messages.extend(_text_messages("\n\n".join(head)))
        messages.append(_interactive(style, body or strings.prompt, buttons, strings))
    return Rendered(tuple(messages), tuple(choices) if offered else None)


# --- numbered choices per user ------------------------------------------------------------------------


def load_choices(engine: Engine, user_id: str, *, now: dt.datetime | None = None) -> tuple[str, ...]:
    """The payloads of the numbered choices last shown to the user (empty when none or too old)."""
    with Session(engine) as session:
        row = session.get(WhatsAppChoiceRow, storage_key(user_id))
        if row is None:
            return ()
        updated = row.updated_at if row.updated_at.tzinfo else row.updated_at.replace(tzinfo=dt.UTC)
        if (now or utcnow()) - updated > CHOICES_TTL:
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


def incoming_from(inbound: Inbound, choices: Sequence[str]) -> IncomingMessage:
    """The channel-neutral message for `inbound`; a bare number picks from the numbered choices shown."""
    if inbound.kind == "button":
        return IncomingMessage(CHANNEL, inbound.user_id, button=inbound.button, external_id=inbound.wamid)
    text = inbound.text or ""
    found = _NUMBER.match(text)
    if found and choices and 1 <= int(found.group(1)) <= len(choices):
        return IncomingMessage(CHANNEL, inbound.user_id, button=choices[int(found.group(1)) - 1],
                               external_id=inbound.wamid)
    return IncomingMessage(CHANNEL, inbound.user_id, text=text, external_id=inbound.wamid)


# --- Graph API client ---------------------------------------------------------------------------------


def _error_code(response: httpx.Response) -> int | None:
    try:
        data = response.json()
    except ValueError:
        return None
    error = data.get("error") if isinstance(data, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return code if isinstance(code, int) and not isinstance(code, bool) else None


class GraphClient:
    """A small async client for `POST {base}/{phone_number_id}/messages`, with retries on throttling."""

    def __init__(
        self,
        *,
        base_url: str,
        phone_number_id: str,
        access_token: str,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: httpx.Timeout | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.url = f"{base_url.rstrip('/')}/{phone_number_id}/messages"
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._http = httpx.AsyncClient(
            headers={"Authorization": f"Bearer {access_token}"},
            transport=transport,
            # A webhook waits on these calls, so fail fast rather than hold Meta's request open.
            timeout=timeout or httpx.Timeout(10.0, connect=5.0),
        )

    async def __aenter__(self) -> GraphClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def post(self, body: dict[str, Any], *, attempts: int | None = None) -> dict[str, Any]:
        """Post one message body, retrying throttling, transient errors and 5xx; raise SendError otherwise."""
        limit = attempts or self.retry.attempts
        code = "unknown"
        for attempt in range(1, limit + 1):
            retryable = True
            try:
                response = await self._http.post(self.url, json=body)
            except httpx.TransportError as error:
                code = error.__class__.__name__
            else:
                if response.is_success:
                    try:
                        data = response.json()
                    except ValueError:
                        data = {}
                    return data if isinstance(data, dict) else {}
                meta_code = _error_code(response)
                code = str(meta_code) if meta_code is not None else f"http_{response.status_code}"
                retryable = (
                    meta_code in THROTTLING_CODES
                    or meta_code in TRANSIENT_CODES
                    or response.status_code >= 500
                    or response.status_code == 429
                )
                # Outside the 24-hour window (131047) and other refusals will not change by trying again.
                if meta_code == OUTSIDE_WINDOW_CODE:
                    retryable = False
            if not retryable:
                raise SendError(code, attempts=attempt, retryable=False)
            if attempt < limit:
                log.warning("whatsapp send got %s (attempt %d of %d); retrying", code, attempt, limit)
                await self._sleep(self.retry.delay(attempt))
        raise SendError(code, attempts=limit, retryable=True)

    async def send(self, to: str, message: dict[str, Any]) -> dict[str, Any]:
        """Send one rendered message to the user `to`."""
        return await self.post(
            {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, **message}
        )

    async def mark_read(self, wamid: str) -> None:
        """Show the user's message as read (blue ticks); one attempt, as it is only a courtesy."""
        await self.post({"messaging_product": "whatsapp", "status": "read", "message_id": wamid}, attempts=1)


# --- the channel --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """What one webhook delivery held: messages handled, duplicates dropped, delivery statuses recorded."""

    handled: int = 0
    duplicates: int = 0
    statuses: int = 0


@dataclass(frozen=True, slots=True)
class StaffSend:
    """How a staff reply went out: sent, as the reply template (held for the user's next message), or not."""

    sent: bool
    template: bool = False
    error: str | None = None


def _wamid(response: dict[str, Any]) -> str | None:
    messages = response.get("messages")
    first = messages[0] if isinstance(messages, list) and messages and isinstance(messages[0], dict) else {}
    wamid = first.get("id")
    return wamid if isinstance(wamid, str) and wamid else None


ReplyFailed = Callable[[int, str], Awaitable[None]]


class WhatsAppChannel:
    """Handles webhook deliveries: dedupe, the core (via `bot.blocking`), replies and read receipts (a `Channel`)."""

    name = CHANNEL

    def __init__(self, client: GraphClient, conversation: Chat, engine: Engine, *, default_language: str,
                 reply_template: str | None = None, reply_template_lang: str = "id") -> None:
        self.client = client
        self.conversation = conversation
        self.engine = engine
        self.default_language = default_language
        # The approved template for a staff reply outside the 24-hour window (None: such replies are refused).
        self.reply_template = reply_template
        self.reply_template_lang = reply_template_lang
        # Told (ticket id, Meta's error code) when a staff reply fails after Meta accepted it.
        self.on_reply_failed: ReplyFailed | None = None
        self.lease_seconds = DEFAULT_LEASE_SECONDS  # how long a claim protects a message being processed
        self._user_locks = PerUserLocks()
        self._states = SqlStateStore(engine)

    def incoming(self, body: Any) -> list[IncomingMessage]:
        """The neutral messages of a webhook body (a bare number stays text here: it picks from the numbered
        choices stored for the user only when the message is handled); unreadable kinds are left out."""
        return [incoming_from(inbound, ()) for inbound in parse_update(body) if inbound.kind != "unsupported"]

    def render(self, replies: Sequence[Reply], lang: str) -> list[Payload]:
        """The WhatsApp messages for `replies` in the user's language, within the platform's limits."""
        return list(render_turn(replies, Strings.for_language(lang)).messages)

    async def handle_update(self, payload: Any) -> DeliveryReport:
        """Handle every message of a parsed webhook body, one after the other to keep each user's order;
        then record the delivery statuses it carries.

        A message that can never be handled is rejected (counted, acknowledged); one that fails now (the
        database is down, another worker holds it) does not stop the others: the first such error is raised
        after them, so Meta delivers again and the messages handled meanwhile are dropped as duplicates.
        """
        handled = duplicates = 0
        failure: Exception | None = None
        for inbound in parse_update(payload):
            if inbound.kind == "rejected":
                record_rejected(CHANNEL, inbound.text or "unknown")
                continue
            try:
                if await self.handle_message(inbound):
                    handled += 1
                else:
                    duplicates += 1
            except Exception as error:
                failure = failure or error
                if not isinstance(error, DeliveryBusy):
                    log.exception("a whatsapp message could not be handled; the others of its delivery go on")
        events = parse_statuses(payload)
        for event in events:
            failed_ticket = await run_blocking(self.engine, record_status, self.engine, event)
            if failed_ticket is not None:
                log.warning("whatsapp staff reply of handoff %s failed with %s", failed_ticket, event.error_code)
                if self.on_reply_failed is not None:
                    await self.on_reply_failed(failed_ticket, event.error_code or "unknown")
        if failure is not None:
            raise failure
        return DeliveryReport(handled, duplicates, len(events))

    async def handle_message(self, inbound: Inbound) -> bool:
        """Answer one message unless another delivery (on any worker) already took it; False for a duplicate.

        Claim → core → store the rendered messages → send, counting → done (the guarantee is in
        `bot.delivery`). Raises DeliveryBusy while another worker holds the message, so the route answers
        503 and Meta redelivers; if that worker died, the redelivery after the lease takes over.
        """
        async with self._user_locks(inbound.user_id):  # one message at a time per user (bot/serial.py)
            return await self._handle(inbound)

    async def _handle(self, inbound: Inbound) -> bool:
        def compute() -> dict[str, Any]:
            # The user wrote: their 24-hour window opens, and staff replies held until now go first.
            held = arrived(self.engine, inbound.user_id)
            messages, choices, erased = self._answer(inbound)
            return {"messages": [*held, *messages], "choices": list(choices) if choices else None, "erased": erased}

        # Claim, core, stored messages and the outbox check in one blocking call (see bot.delivery).
        claimed = await run_blocking(self.engine, claim_and_compute, self.engine, CHANNEL, inbound.wamid,
                                     inbound.user_id, compute, lease_seconds=self.lease_seconds)
        if not isinstance(claimed, Claimed):
            if claimed.status == "busy":
                raise DeliveryBusy(inbound.wamid)
            return False  # a duplicate
        delivery, start = claimed.delivery, claimed.start
        stored = claimed.result if isinstance(claimed.result, dict) else {}
        messages = list(stored.get("messages") or [])
        choices = tuple(stored["choices"]) if stored.get("choices") else None
        if delivery.result is None:
            await self._mark_read(inbound.wamid)
        else:  # a worker died while sending these: send what it had not marked as sent
            log.warning("whatsapp message taken over after a crash (%d of %d sent)", start, len(messages))

        async def progress(count: int) -> None:
            await run_blocking(self.engine, mark_progress, self.engine, delivery, start + count)

        # After /hapus the confirmation is sent but not recorded: no delivery status recreates the user's data.
        await self._send_all(inbound.user_id, messages[start:], progress=progress, queued=claimed.queued,
                             record=not stored.get("erased"))
        try:
            await run_blocking(self.engine, self._settle, delivery, inbound.user_id, choices)
        except Exception:
            # The answer is out; an update left unfinished is refused as busy within the lease and resumed
            # (with nothing left to send) after it.
            log.exception("a whatsapp message could not be marked done")
        return True

    def _settle(self, delivery: Delivery, user_id: str, choices: tuple[str, ...] | None) -> None:
        """After sending (blocking): keep the numbered choices, mark the message done."""
        try:
            save_choices(self.engine, user_id, choices)
        except Exception:
            # A lost mapping only means a typed number is read as text.
            log.exception("could not store the numbered choices of a whatsapp reply")
        finish_delivery(self.engine, delivery)

    async def send_replies(self, user_id: str, replies: Sequence[Reply]) -> None:
        """Send replies outside a webhook turn (e.g. an officer's message) in the user's language; what
        cannot be sent is kept in the outbox."""
        lang = await run_blocking(self.engine, self._language, user_id)
        rendered = render_turn(replies, Strings.for_language(lang))
        await self._send_all(user_id, list(rendered.messages))
        if rendered.choices:
            try:
                await run_blocking(self.engine, save_choices, self.engine, user_id, rendered.choices)
            except Exception:
                log.exception("could not store the numbered choices of a whatsapp message")

    async def send_payload(self, user_id: str, payload: dict[str, Any]) -> None:
        """Send one stored message (an outbox row's payload) once, with the client's retries; SendError if not."""
        wamid = _wamid(await self.client.send(user_id, payload))
        if wamid:
            await run_blocking(self.engine, record_sent, self.engine, user_id, [wamid])

    async def staff_reply_refusal(self, user_id: str) -> str | None:
        """Why a staff reply to this user cannot be sent now (outside the 24-hour window, no template), or None."""
        if self.reply_template is not None:
            return None
        if await run_blocking(self.engine, window_open, self.engine, user_id) is False:
            return "outside-window"
        return None

    async def send_staff_reply(self, user_id: str, reply: Reply, *, handoff_id: int) -> StaffSend:
        """Send a staff reply; outside the 24-hour window send the reply template and hold the reply until
        the user writes. Statuses of what went out are recorded against the ticket."""
        lang = await run_blocking(self.engine, self._language, user_id)
        messages = list(render_turn([reply], Strings.for_language(lang)).messages)
        if await run_blocking(self.engine, window_open, self.engine, user_id) is False:
            if self.reply_template is None:
                return StaffSend(sent=False, error=str(OUTSIDE_WINDOW_CODE))
            await run_blocking(self.engine, hold, self.engine, user_id, messages, handoff_id=handoff_id)
            messages = [self.template_message()]
        wamids: list[str] = []
        try:
            for message in messages:
                wamid = _wamid(await self.client.send(user_id, message))
                if wamid:
                    wamids.append(wamid)
        except SendError as error:
            log.warning("whatsapp staff reply of handoff %s not sent: %s", handoff_id, error.code)
            return StaffSend(sent=False, error=error.code)
        finally:
            await run_blocking(self.engine, record_sent, self.engine, user_id, wamids, handoff_id=handoff_id)
        return StaffSend(sent=True, template=messages[0].get("type") == "template")

    def template_message(self) -> dict[str, Any]:
        """The reply template (no parameters): a reply is waiting, write to us to read it."""
        assert self.reply_template is not None
        return {"type": "template", "template": {"name": self.reply_template,
                                                 "language": {"code": self.reply_template_lang}}}

    def _language(self, user_id: str) -> str:
        stored = self._states.load(CHANNEL, user_id).lang
        return i18n.resolve_language(stored, None, self.default_language)

    def _answer(self, inbound: Inbound) -> tuple[list[dict[str, Any]], tuple[str, ...] | None, bool]:
        """Run the core (blocking) and render its turn; the flag says the user's data was just erased."""
        if inbound.kind == "unsupported":
            lang = self._language(inbound.user_id)
            text = i18n.translator(lang).gettext(TEXT_ONLY)
            return _text_messages(text), None, False
        msg = incoming_from(inbound, load_choices(self.engine, inbound.user_id))
        turn = self.conversation.handle(msg)
        lang = self._language(inbound.user_id)
        rendered = render_turn(turn.replies, Strings.for_language(lang))
        return list(rendered.messages), rendered.choices, turn.erased

    async def _mark_read(self, wamid: str) -> None:
        try:
            await self.client.mark_read(wamid)
        except SendError as error:
            log.info("whatsapp mark-as-read failed with %s", error.code)

    async def _send_all(self, user_id: str, messages: Sequence[dict[str, Any]],
                        progress: Callable[[int], Awaitable[None]] | None = None,
                        queued: bool | None = None, record: bool = True) -> None:
        """Send in order; `queued` (None: look it up) says older messages to this user wait in the outbox;
        `record` keeps the sent messages' ids for their delivery statuses."""
        if queued is None and messages:
            queued = await run_blocking(self.engine, has_undelivered, self.engine, CHANNEL, user_id)
        if messages and queued:
            # Older messages to this user wait in the outbox: queue behind them so the order holds.
            for unsent in messages:
                await run_blocking(self.engine, record_failed_send, self.engine, CHANNEL, user_id, unsent,
                                   "queued", attempts=0)
            return
        wamids: list[str] = []
        for index, message in enumerate(messages):
            try:
                wamid = _wamid(await self.client.send(user_id, message))
                if wamid:
                    wamids.append(wamid)
                if progress is not None and index < len(messages) - 1:
                    await progress(index + 1)
            except SendError as error:
                # The rest of this turn would fail the same way (and makes no sense without its start):
                # keep every unsent message with the error code, never the user's text in the logs.
                log.warning("whatsapp reply not delivered: %s after %d attempt(s); %d message(s) recorded",
                            error.code, error.attempts, len(messages) - index)
                for position, unsent in enumerate(messages[index:]):
                    await run_blocking(
                        self.engine, record_failed_send, self.engine, CHANNEL, user_id, unsent, error.code,
                        attempts=error.attempts if position == 0 else 0,
                    )
                break
        if record:
            await self._record_sent(user_id, wamids)

    async def _record_sent(self, user_id: str, wamids: list[str]) -> None:
        if not wamids:
            return
        try:
            await run_blocking(self.engine, record_sent, self.engine, user_id, wamids)
        except Exception:  # the answer is out; a missing status record only loses its later statuses
            log.exception("could not record the wamids of a whatsapp reply")


__all__ = [
    "CHANNEL",
    "BadSignature",
    "DeliveryBusy",
    "DeliveryReport",
    "GraphClient",
    "Inbound",
    "MissingSignature",
    "Rendered",
    "RetryPolicy",
    "SendError",
    "SignatureError",
    "StaffSend",
    "Strings",
    "WhatsAppChannel",
    "WhatsAppError",
    "clip",
    "incoming_from",
    "load_choices",
    "parse_update",
    "render_text",
    "render_turn",
    "save_choices",
    "signature_of",
    "verify_signature",
    "verify_token_matches",
]
