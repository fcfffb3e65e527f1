"""Try a question against published entries, drafts and pending drafts (and the entry being edited)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from api.console import drafts
from api.runtime import Runtime
from bot.core import Conversation
from bot.messages import IncomingMessage, Turn
from bot.state import MemoryStateStore
from knowledge.schema import EntryDoc
from knowledge.snapshot import Snapshot, build_snapshot
from knowledge.store import content_version, list_countries, list_entries

CHANNEL, USER = "console", "try"


@dataclass(frozen=True)
class Tried:
    """The bot's turn for a question, and the entries' questions to show beside the candidates."""

    turn: Turn
    questions: dict[str, str]


def editing_snapshot(runtime: Runtime, overlay: EntryDoc | None = None) -> Snapshot:
    """Published and draft entries, each pending draft in place of its live entry, and `overlay` on top."""
    with Session(runtime.engine) as session:
        entries = {e.id: e for e in list_entries(session, ("published", "draft"))}
        entries.update({d.id: d for d in drafts.pending_docs(session)})
        countries = list_countries(session)
        version = content_version(session)
    if overlay is not None:
        entries[overlay.id] = overlay
    return build_snapshot(entries.values(), countries, version=version, include_drafts=True,
                          lexicon=runtime.snapshots.lexicon)


def try_question(runtime: Runtime, text: str, lang: str | None, overlay: EntryDoc | None = None) -> Tried:
    """Answer as the bot would with the editors' content, without state, stats or the unanswered queue."""
    snapshot = editing_snapshot(runtime, overlay)
    conversation = Conversation(lambda: snapshot, MemoryStateStore(), settings=runtime.settings.bot)
    turn = conversation.handle(IncomingMessage(channel=CHANNEL, user_id=USER, text=text, language_hint=lang))
    questions = {c.entry_id: snapshot.entries[c.entry_id].text(lang or "id").question
                 for c in turn.candidates if c.entry_id in snapshot.entries}
    return Tried(turn=turn, questions=questions)
