"""The queue of questions the bot could not answer, grouped by normalised text; resolve or dismiss."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from api.deps import AnyToken, EditorToken, RuntimeDep, SessionDep, publish_changes, role
from api.routes.admin.common import AUTH_ERRORS, CONFLICT, DEFAULT_PAGE, MAX_OFFSET, MAX_PAGE, NOT_FOUND
from api.schemas import MAX_INT, Lang, ResolvedOut, ResolveIn, UnansweredOut, UnansweredPage
from knowledge import editing

router = APIRouter(prefix="/unanswered", tags=["unanswered"], responses=AUTH_ERRORS)


@router.get("", response_model=UnansweredPage, summary="The unanswered queue (any)", **role("any"))
def list_unanswered(
    session: SessionDep,
    _token: AnyToken,
    status: Literal["open", "resolved", "dismissed", "all"] = "open",
    lang: Lang | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> UnansweredPage:
    """Groups of unanswered questions, most asked first, with counts and a few samples (no user ids)."""
    rows, count = editing.list_unanswered(session, status=None if status == "all" else status, lang=lang,
                                          limit=limit, offset=offset)
    return UnansweredPage(data=[UnansweredOut.model_validate(r, from_attributes=True) for r in rows], count=count)


@router.post("/{item_id}/resolve", response_model=ResolvedOut, responses={**NOT_FOUND, **CONFLICT},
             summary="Resolve or dismiss an unanswered question (editor)", **role("editor"))
def resolve(item_id: Annotated[int, Path(ge=1, le=MAX_INT)], body: ResolveIn, session: SessionDep,
            runtime: RuntimeDep, token: EditorToken) -> ResolvedOut:
    """`{"entry_id": …, "add_as_phrasing": true}` teaches the entry this question at once; `{"dismiss": true}` drops it."""
    item, entry = editing.resolve_unanswered(session, item_id, author=token.name, entry_id=body.entry_id,
                                             add_as_phrasing=body.add_as_phrasing, phrasing=body.phrasing,
                                             dismiss=body.dismiss)
    out = ResolvedOut(item=UnansweredOut.model_validate(item, from_attributes=True), entry=entry)
    publish_changes(session, runtime)
    return out
