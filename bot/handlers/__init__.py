"""The conversation's handlers, tried in this order for every message; the first that answers wins."""

from __future__ import annotations

from bot.handlers import (
    clarify,
    commands,
    country,
    emergency,
    fallback,
    feedback,
    flood,
    forget,
    handoff,
    knowledge,
    language,
    menu,
    person,
    privacy,
)
from bot.handlers.context import Handler

ROUTES: tuple[tuple[str, Handler], ...] = (
    ("emergency", emergency.handle),  # always first: a person in danger gets the numbers, even mid-flood or handoff
    # Before the handoff: /hapus must erase in every state, and never be forwarded to the officers.
    ("forget", forget.handle),
    # Before the flood limit: a user talking to a person fast must not have messages dropped (see handoff).
    ("handoff", handoff.handle),
    ("flood", flood.handle),
    ("commands", commands.handle),
    ("menu", menu.handle),
    ("country", country.handle),
    ("clarify", clarify.handle),
    ("feedback", feedback.handle),
    ("language", language.handle),
    ("privacy", privacy.handle),
    ("person", person.handle),
    ("knowledge", knowledge.handle),
    ("fallback", fallback.handle),
)

__all__ = ["ROUTES"]
