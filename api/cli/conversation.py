"""`desmigratif ask` and `desmigratif chat`: the conversation in a terminal or over JSON lines."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from api.settings import Settings


def cmd_ask(settings: Settings, args: argparse.Namespace) -> int:
    """Answer one question without keeping any state."""
    from api.database import prepare
    from api.runtime import SnapshotHolder
    from bot.core import Conversation
    from bot.messages import IncomingMessage
    from bot.state import MemoryStateStore

    engine = prepare(settings.database_url)
    conversation = Conversation(SnapshotHolder(engine).get, MemoryStateStore(), settings=settings.bot)
    turn = conversation.handle(
        IncomingMessage(channel="cli", user_id="ask", text=args.text, language_hint=args.lang)
    )
    if args.json:
        print(json.dumps(turn.to_dict("ask"), ensure_ascii=False))
    else:
        for reply in turn.replies:
            print(reply.text)
            for number, button in enumerate(reply.buttons, start=1):
                print(f"  {number}) {button.label}")
            print()
    return 0


def cmd_chat(settings: Settings, args: argparse.Namespace) -> int:
    """Chat in the terminal, or run the JSONL batch protocol with --jsonl."""
    from api.database import prepare
    from api.runtime import SnapshotHolder
    from bot.channels.console import run_interactive, run_jsonl
    from bot.core import Conversation
    from bot.privacy import SqlUserDataEraser
    from bot.state import SqlRecorder, SqlStateStore

    engine = prepare(settings.database_url)
    holder = SnapshotHolder(engine, poll_seconds=settings.content_poll_seconds)
    recorder = SqlRecorder(engine, flush_seconds=settings.stats_flush_seconds)
    conversation = Conversation(holder.get, SqlStateStore(engine), recorder=recorder, settings=settings.bot,
                                eraser=SqlUserDataEraser(engine))
    try:
        if args.jsonl:
            return run_jsonl(conversation, sys.stdin, sys.stdout)
        return run_interactive(conversation, user=args.user, lang=args.lang, stdin=sys.stdin, stdout=sys.stdout)
    finally:
        recorder.close()  # the turn counters summed since the last flush
