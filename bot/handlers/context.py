"""What a handler receives besides the message (one Context per message) and what it returns."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.config import BotSettings
from bot.handoff import HandoffDesk, NullDesk
from bot.i18n import Translator, translator
from bot.messages import Candidate, IncomingMessage, Reply
from bot.state import ConversationState, Recorder
from knowledge.matcher import MatchResult
from knowledge.schema import EntryDoc
from knowledge.snapshot import Snapshot

MAX_ANALYSED_CHARS = 1000  # longer messages are cut: nobody asks a question in more, and matching stays fast
MAX_PAYLOAD_CHARS = 64
_SPACES = re.compile(r"\s+")


def clean_text(text: str | None) -> str:
    """The message text bounded in length, with control and format characters turned into spaces."""
    if not text:
        return ""
    text = text[: MAX_ANALYSED_CHARS * 2]  # cut before the per-character pass so a huge message costs nothing
    kept = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp") else ch for ch in text)
    return _SPACES.sub(" ", kept).strip()[:MAX_ANALYSED_CHARS]


def clean_payload(payload: str | None) -> str | None:
    """A button payload, or None when it is absent or cannot be one of ours."""
    if not payload or not isinstance(payload, str) or len(payload) > MAX_PAYLOAD_CHARS:
        return None if not payload else "?"
    return payload.strip() if payload.isprintable() else "?"


@dataclass(frozen=True)
class HandlerResult:
    """A handler's answer to one message."""

    decision: str
    replies: tuple[Reply, ...] = ()
    entry_id: str | None = None
    confidence: float = 0.0
    candidates: tuple[Candidate, ...] = ()
    forget: bool = False  # delete the user's state instead of saving it


@dataclass
class Context:
    """Everything a handler may use: language, UI strings, the user's state, knowledge, settings, recorder."""

    channel: str
    text: str
    button: str | None
    command: str | None
    locale: str
    translator: Translator
    state: ConversationState
    snapshot: Snapshot
    settings: BotSettings
    recorder: Recorder
    now: dt.datetime
    options: tuple[str, ...] = ()  # clarification options offered on the previous turn
    pending: str | None = None  # a confirmation asked for on the previous turn
    flood: str = "ok"  # ok | notice | silent
    desk: HandoffDesk = field(default_factory=NullDesk)  # the staff queue (NullDesk: hotlines only)
    external_id: str | None = None  # the platform's id of this delivery (a redelivery carries the same)
    _match: MatchResult | None = field(default=None, repr=False)

    def _(self, message: str) -> str:
        """Translate a UI string into the user's language."""
        return self.translator.gettext(message)

    def set_locale(self, lang: str) -> None:
        """Speak `lang` from now on in this message (the caller stores the choice)."""
        self.locale = lang
        self.translator = translator(lang)

    def match(self) -> MatchResult:
        """Match the text once, with the conversation's country and last answer as context."""
        if self._match is None:
            self._match = self.snapshot.match(self.text, country=self.state.country, last_entry=self.state.last_entry)
        return self._match

    def entry(self, entry_id: str | None) -> EntryDoc | None:
        """A live entry by id, or None."""
        return self.snapshot.entries.get(entry_id) if entry_id else None


Handler = Callable[[IncomingMessage, Context], HandlerResult | None]


def button_parts(ctx: Context) -> tuple[str, str]:
    """The pressed button's kind and argument ("entry:paspor-pmi" → ("entry", "paspor-pmi"))."""
    if not ctx.button:
        return "", ""
    kind, _sep, arg = ctx.button.partition(":")
    return kind, arg
