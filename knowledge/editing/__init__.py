"""Editing the knowledge: entries with optimistic concurrency and their revisions, the unanswered queue, the
editors' lexicon, feedback and stats, the audit trail, and import planning — one module each.

Callers own the session and the transaction, as in `knowledge.store`: nothing here commits. Errors
(`errors`: EditError and its NotFound, Conflict, Invalid) are raised here and caught only at the edge.
Everything callers use is re-exported here.
"""

from __future__ import annotations

from knowledge.editing.audit import audit, list_audit
from knowledge.editing.entries import (
    create_entry,
    get_entry,
    list_revisions,
    merge_changes,
    restore_revision,
    search_entries,
    set_status,
    update_entry,
)
from knowledge.editing.errors import Conflict, EditError, Invalid, NotFound
from knowledge.editing.imports import ImportPlan, plan_import
from knowledge.editing.lexicon import add_lexicon, lexicon_lang, list_lexicon, remove_lexicon
from knowledge.editing.stats import (
    FeedbackSummary,
    TurnCounts,
    entries_fingerprint,
    feedback_by_entry,
    least_helpful,
    record_turn,
    review_counts,
    status_counts,
    turn_counts,
)
from knowledge.editing.unanswered import list_unanswered, resolve_unanswered

__all__ = [
    "Conflict",
    "EditError",
    "FeedbackSummary",
    "ImportPlan",
    "Invalid",
    "NotFound",
    "TurnCounts",
    "add_lexicon",
    "audit",
    "create_entry",
    "entries_fingerprint",
    "feedback_by_entry",
    "get_entry",
    "least_helpful",
    "lexicon_lang",
    "list_audit",
    "list_lexicon",
    "list_revisions",
    "list_unanswered",
    "merge_changes",
    "plan_import",
    "record_turn",
    "remove_lexicon",
    "resolve_unanswered",
    "restore_revision",
    "review_counts",
    "search_entries",
    "set_status",
    "status_counts",
    "turn_counts",
    "update_entry",
]
