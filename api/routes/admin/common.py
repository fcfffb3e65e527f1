"""What every admin router shares: the documented error responses and the paging bounds."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import HTTPException

from api.schemas import ConflictOut, ErrorOut
from knowledge.editing import Invalid

MAX_PAGE = 200
DEFAULT_PAGE = 50
MAX_OFFSET = 1_000_000

AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "The body cannot be read (not UTF-8 JSON, or a bad Content-Length)."},
    401: {"model": ErrorOut, "description": "No token, or an unknown or revoked one (`WWW-Authenticate: Bearer`)."},
    403: {"model": ErrorOut, "description": "The token's role may not do this."},
    413: {"model": ErrorOut, "description": "The request body is too large."},
    422: {"model": ErrorOut, "description": "The request is malformed or breaks a rule; `detail` locates each problem."},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut, "description": "No such item."}}
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ConflictOut, "description": "Nothing was changed: a stale version, a taken id or word, a country "
          "or entry that does not exist, or an entry whose state refuses the action (`detail` says what)."},
}


@contextmanager
def refused_by_state() -> Iterator[None]:
    """An action that sends no entry (publish, restore…) refused for what the stored entry lacks: 409, not 422.

    Nothing in the request was malformed, so no schema could have said it; the entry must change first.
    """
    try:
        yield
    except Invalid as error:
        raise HTTPException(409, detail=error.errors or str(error)) from None
