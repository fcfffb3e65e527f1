"""Readable differences between an entry's revisions: field by field, words struck out and added."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape
from sqlmodel import Session

from bot.i18n import N_
from knowledge import editing
from knowledge.schema import LANGUAGES

_TOKENS = re.compile(r"\s+|[^\s]+")
# How the history names each field (translated in the template).
FIELD_LABELS = {
    "status": N_("Status"), "topic": N_("Topic"), "countries": N_("Countries"),
    "id.question": N_("Question (Indonesian)"), "id.phrasings": N_("Phrasings (Indonesian)"),
    "id.answer": N_("Answer (Indonesian)"), "en.question": N_("Question (English)"),
    "en.phrasings": N_("Phrasings (English)"), "en.answer": N_("Answer (English)"), "sources": N_("Sources"),
    "reviewed_at": N_("Checked on"), "review_due": N_("Review due"), "related": N_("Related entries"),
}


@dataclass(frozen=True)
class DiffRow:
    """One field that changed, with its old and new text marked up word by word."""

    field: str
    html: Markup


@dataclass(frozen=True)
class RevisionDiff:
    """One revision and what it changed from the one before."""

    number: int
    author: str | None
    note: str | None
    created_at: dt.datetime
    rows: list[DiffRow]


def flatten(snapshot: dict[str, Any]) -> dict[str, str]:
    """An entry document as field → text, in the order the form shows them."""
    texts = snapshot.get("texts") or {}
    flat = {"status": str(snapshot.get("status", "")), "topic": str(snapshot.get("topic", "")),
            "countries": ", ".join(snapshot.get("countries") or [])}
    for lang in LANGUAGES:
        text = texts.get(lang) or {}
        flat[f"{lang}.question"] = text.get("question", "")
        flat[f"{lang}.phrasings"] = "\n".join(text.get("phrasings") or [])
        flat[f"{lang}.answer"] = text.get("answer", "")
    flat["sources"] = "\n".join(f"{s.get('title', '')} – {s.get('url', '')} ({s.get('date') or '-'})"
                                for s in snapshot.get("sources") or [])
    flat["reviewed_at"] = str(snapshot.get("reviewed_at", ""))
    flat["review_due"] = str(snapshot.get("review_due", ""))
    flat["related"] = ", ".join(snapshot.get("related") or [])
    return flat


def word_diff(old: str, new: str) -> Markup:
    """`old` → `new` as HTML: removed words in <del>, added ones in <ins>, the rest as it was."""
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    parts: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append(str(escape("".join(a[i1:i2]))))
            continue
        if i2 > i1:
            parts.append(f"<del>{escape(''.join(a[i1:i2]))}</del>")
        if j2 > j1:
            parts.append(f"<ins>{escape(''.join(b[j1:j2]))}</ins>")
    return Markup("".join(parts))


def revision_diffs(session: Session, entry_id: str, *, since: int = 0) -> list[RevisionDiff]:
    """Each revision after `since`, newest first, with the fields it changed."""
    revisions = list(reversed(editing.list_revisions(session, entry_id)))  # oldest first
    out: list[RevisionDiff] = []
    previous: dict[str, str] = {}
    for revision in revisions:
        current = flatten(revision.snapshot)
        rows = [DiffRow(name, word_diff(previous.get(name, ""), value))
                for name, value in current.items() if previous.get(name, "") != value]
        previous = current
        if revision.number > since:
            out.append(RevisionDiff(revision.number, revision.author, revision.note, revision.created_at, rows))
    return list(reversed(out))
