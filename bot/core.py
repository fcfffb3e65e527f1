"""The channel-neutral conversation: one entry point that turns an incoming message into a turn."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from bot import i18n
from bot.config import BotSettings
from bot.handlers import ROUTES, replies
from bot.handlers.commands import command_of
from bot.handlers.context import Context, HandlerResult, clean_payload, clean_text
from bot.handlers.flood import exempt, register
from bot.handoff import RECENT_KEY, HandoffDesk, NullDesk
from bot.messages import DECISIONS, Button, IncomingMessage, Reply, Turn
from bot.privacy import NullEraser, UserDataEraser
from bot.state import ConversationState, NullRecorder, Recorder, StateStore
from knowledge.models import utcnow
from knowledge.snapshot import Snapshot

MAX_TEXT_CHARS = 4096  # Telegram's limit, the strictest of our channels
MAX_BUTTONS = 10
MAX_PAYLOAD_BYTES = 64  # Telegram's callback_data limit
RECENT_ITEMS = 12  # about six turns
RECENT_CHARS = 300
log = logging.getLogger(__name__)


class Conversation:
    """Routes each message through the ordered handlers, with the user's state loaded before and saved after."""

    def __init__(
        self,
        snapshot: Callable[[], Snapshot],
        store: StateStore,
        *,
        recorder: Recorder | None = None,
        settings: BotSettings | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
        desk: HandoffDesk | None = None,
        eraser: UserDataEraser | None = None,
    ) -> None:
        self.snapshot = snapshot
        self.store = store
        self.recorder: Recorder = recorder or NullRecorder()
        self.settings = settings or BotSettings()
        self.clock = clock
        self.desk: HandoffDesk = desk or NullDesk()
        # /hapus: beyond the state row, everything else kept about the user (bot.privacy lists it).
        self.eraser: UserDataEraser = eraser or NullEraser()
        if self.settings.default_language not in i18n.SUPPORTED:
            raise i18n.CatalogError(f"DEFAULT_LANGUAGE {self.settings.default_language!r} is not one of "
                                    f"{', '.join(i18n.SUPPORTED)}")
        # Compile and check every catalog now: a missing translation stops start-up, not a user's message.
        i18n.load_all()

    def handle(self, msg: IncomingMessage) -> Turn:
        """Answer one message (sync: channels call it from a worker thread)."""
        now = self.clock()
        state = self.store.load(msg.channel, msg.user_id)
        ctx = self._context(msg, state, now)
        before = ctx.state.copy()
        try:
            result = self._route(msg, ctx)
        except Exception:
            # A handler bug must cost the user one apology, not the conversation; their state stays as it was.
            log.exception("handler failed on a %s message", msg.channel)
            ctx.state = before
            ctx.set_locale(ctx.locale)
            text = ctx._("Sorry, something went wrong on our side. Please try again, or choose a topic:")
            result = HandlerResult("info", (Reply(text, replies.main_menu_buttons(ctx)),))
        self._finish(ctx, result, now)
        turn = Turn(
            decision=result.decision if result.decision in DECISIONS else "info",
            replies=tuple(_bounded(r) for r in result.replies),
            entry_id=result.entry_id if result.decision == "answer" else None,
            confidence=float(result.confidence),
            candidates=result.candidates,
            erased=result.forget,
        )
        self.recorder.turn(channel=msg.channel, lang=ctx.locale, decision=turn.decision)
        return turn

    def _context(self, msg: IncomingMessage, state: ConversationState, now: dt.datetime) -> Context:
        button = clean_payload(msg.button)
        text = "" if button else clean_text(msg.text)
        lang = i18n.resolve_language(state.lang, msg.language_hint, self.settings.default_language)
        options, pending = tuple(state.options), state.pending
        # Options and confirmations answer only the very next message; a handler re-arms them if needed.
        state.options, state.pending = [], None
        return Context(
            channel=msg.channel,
            text=text,
            button=button,
            command=command_of(text) if text else None,
            locale=lang,
            translator=i18n.translator(lang),
            state=state,
            snapshot=self.snapshot(),
            settings=self.settings,
            recorder=self.recorder,
            now=now,
            options=options,
            pending=pending,
            flood=register(state, now, self.settings, counted=not exempt(button, text)),
            desk=self.desk,
            external_id=msg.external_id,
        )

    @staticmethod
    def _route(msg: IncomingMessage, ctx: Context) -> HandlerResult:
        for _name, handler in ROUTES:
            result = handler(msg, ctx)
            if result is not None:
                return result
        raise AssertionError("the fallback route always answers")

    def _finish(self, ctx: Context, result: HandlerResult, now: dt.datetime) -> None:
        state = ctx.state
        if result.forget:
            self.store.delete(state.channel, state.user_id)
            self.eraser.erase(state.channel, state.user_id)
            return
        if result.decision != "fallback" and result.replies:
            state.fallbacks = 0
        state.last_activity = now
        remember_turn(state, ctx.text, result)
        self.store.save(state)


def remember_turn(state: ConversationState, text: str, result: HandlerResult) -> None:
    """Keep the last few turns (bounded) so a ticket opened later carries the conversation before it."""
    if state.handoff_id is not None and result.decision == "handoff":
        return  # inside a handoff the ticket's transcript holds the messages
    recent = [list(item) for item in state.extra.get(RECENT_KEY) or [] if isinstance(item, list | tuple)]
    if text:
        recent.append(["user", text[:RECENT_CHARS]])
    if result.replies and result.replies[0].text:
        recent.append(["bot", result.replies[0].text[:RECENT_CHARS]])
    state.extra[RECENT_KEY] = recent[-RECENT_ITEMS:]


def _bounded(reply: Reply) -> Reply:
    """Keep a reply within every channel's limits (text length, button count, payload size)."""
    text = reply.text if len(reply.text) <= MAX_TEXT_CHARS else reply.text[: MAX_TEXT_CHARS - 1] + "…"
    buttons: list[Button] = []
    for button in reply.buttons:
        if len(button.payload.encode("utf-8")) > MAX_PAYLOAD_BYTES or not button.label:
            log.warning("dropped a button whose payload does not fit: %r", button.payload[:80])
            continue
        buttons.append(button)
    return Reply(text, tuple(buttons[:MAX_BUTTONS]))
