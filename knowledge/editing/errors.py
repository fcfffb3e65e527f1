"""The errors of an edit, raised in knowledge.editing and caught only at the edge (the admin API turns them
into HTTP statuses):

    StoreError                  (knowledge.store)
    └── EditError
        ├── NotFound            the entry, revision or queue item does not exist       → 404
        ├── Conflict            a stale version, or an id that is taken                 → 409
        └── Invalid             the result would break the entry rules (errors by field) → 422
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from knowledge.store import StoreError


class EditError(StoreError):
    """An edit cannot be carried out as asked; nothing was changed."""


class NotFound(EditError):
    """The entry, revision or queue item does not exist."""


class Conflict(EditError):
    """The change was made to a version that is no longer current, or the id is taken."""

    def __init__(self, message: str, *, current_version: int | None = None) -> None:
        super().__init__(message)
        self.current_version = current_version


class Invalid(EditError):
    """The change would leave an entry that breaks the rules; `errors` locate each problem by field."""

    def __init__(self, message: str, errors: Sequence[Mapping[str, Any]]) -> None:
        super().__init__(message)
        self.errors = [dict(e) for e in errors]
