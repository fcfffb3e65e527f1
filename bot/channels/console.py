"""The terminal channel: the JSONL batch protocol of design §7.1 and a friendly interactive chat."""

from __future__ import annotations

import contextlib
import json
import logging
from typing import Any, TextIO

from bot.channels.base import Chat
from bot.i18n import translator
from bot.markup import plain
from bot.messages import Button, IncomingMessage, Turn

CHANNEL = "cli"
MAX_LINE_CHARS = 100_000  # a line longer than this cannot be a chat message; refuse it rather than parse it
QUIT = frozenset({"/quit", "/exit", "/keluar"})
log = logging.getLogger(__name__)


def _writes_utf8(stream: TextIO) -> bool:
    encoding = (getattr(stream, "encoding", None) or "utf-8").lower().replace("-", "").replace("_", "")
    return encoding in ("utf8", "utf8sig")


def _tolerant(stream: TextIO) -> None:
    # Bad bytes from a pipe must become one error line, not a UnicodeDecodeError that ends the run.
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        with contextlib.suppress(ValueError, OSError):
            reconfigure(errors="replace")


def _error(conversation: Chat, user: str | None, problem: str) -> dict[str, Any]:
    _ = translator(conversation.settings.default_language).gettext
    return {
        "user": user,
        "decision": "info",
        "entry_id": None,
        "confidence": 0.0,
        "candidates": [],
        "error": problem,
        "replies": [{"text": _("Sorry, I could not read that message."), "buttons": []}],
    }


def answer_line(conversation: Chat, line: str) -> dict[str, Any]:
    """The output object for one input line: the turn object, or an error object for a malformed line."""
    if len(line) > MAX_LINE_CHARS:
        return _error(conversation, None, f"line longer than {MAX_LINE_CHARS} characters")
    try:
        data = json.loads(line)
    except (ValueError, RecursionError) as error:
        return _error(conversation, None, f"not JSON: {error}")
    if not isinstance(data, dict):
        return _error(conversation, None, "expected a JSON object")
    user = data.get("user")
    if isinstance(user, int) and not isinstance(user, bool):
        user = str(user)
    if not isinstance(user, str) or not user.strip():
        return _error(conversation, None, '"user" must be a non-empty string')
    text, button, lang = data.get("text"), data.get("button"), data.get("lang")
    for name, value in (("text", text), ("button", button), ("lang", lang)):
        if value is not None and not isinstance(value, str):
            return _error(conversation, user, f'"{name}" must be a string')
    if text is None and button is None:
        return _error(conversation, user, 'give "text" or "button"')
    try:
        turn = conversation.handle(
            IncomingMessage(channel=CHANNEL, user_id=user, text=text, button=button, language_hint=lang)
        )
    except Exception as error:  # the protocol promises one line per input, whatever happens
        log.exception("the conversation failed on a JSONL line")
        return _error(conversation, user, f"internal error: {error.__class__.__name__}")
    return turn.to_dict(user)


def run_jsonl(conversation: Chat, stdin: TextIO, stdout: TextIO) -> int:
    """Read one JSON object per line, write one JSON object per line (and nothing else); return 0."""
    _tolerant(stdin)
    ascii_only = not _writes_utf8(stdout)
    for raw in iter(stdin.readline, ""):
        line = raw.strip()
        if not line:
            continue
        out = answer_line(conversation, line)
        stdout.write(json.dumps(out, ensure_ascii=ascii_only) + "\n")
        stdout.flush()
    return 0


def _show(turn: Turn, stdout: TextIO) -> list[Button]:
    buttons: list[Button] = []
    for reply in turn.replies:
        stdout.write("\n" + plain(reply.text) + "\n")  # the neutral markup without its markers
        for button in reply.buttons:
            buttons.append(button)
            stdout.write(f"  [{len(buttons)}] {button.label}\n")
    stdout.flush()
    return buttons


def run_interactive(conversation: Chat, *, user: str, lang: str | None, stdin: TextIO, stdout: TextIO) -> int:
    """Chat in the terminal: choices are numbered and answered with their number; /quit or EOF ends."""
    _tolerant(stdin)
    _ = translator(lang or conversation.settings.default_language).gettext
    stdout.write(_("Desmigratif Info in your terminal. Type a message, or the number of a choice; "
                   "/quit to leave.") + "\n")

    def send(text: str | None = None, button: str | None = None) -> list[Button]:
        """Send one message and show the turn; return its choices."""
        msg = IncomingMessage(channel=CHANNEL, user_id=user, text=text, button=button, language_hint=lang)
        return _show(conversation.handle(msg), stdout)

    choices = send(text="/start")
    while True:
        stdout.write("\n> ")
        stdout.flush()
        line = stdin.readline()
        if not line:
            stdout.write("\n")
            return 0
        text = line.strip()
        if text.casefold() in QUIT:
            return 0
        if not text:
            continue
        if text.isdecimal() and 1 <= int(text) <= len(choices):
            shown = send(button=choices[int(text) - 1].payload)
        else:
            shown = send(text=text)
        # A turn without buttons (e.g. a throttled one) keeps the previous choices answerable.
        choices = shown or choices
