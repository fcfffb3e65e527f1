"""The editors' lexicon: synonyms and slang layered over the curated files, live on every worker like a publish."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Response, status

from api.deps import AnyToken, EditorToken, RuntimeDep, SessionDep, publish_changes, role
from api.routes.admin.common import AUTH_ERRORS, CONFLICT, NOT_FOUND
from api.schemas import MAX_INT, LexiconIn, LexiconOut, LexiconPage
from knowledge import editing
from knowledge.models import LexiconRow
from knowledge.normalize import clean

router = APIRouter(prefix="/lexicon", tags=["lexicon"], responses=AUTH_ERRORS)

RowId = Annotated[int, Path(ge=1, le=MAX_INT, description="the row's id, as listed")]


def _out(row: LexiconRow) -> LexiconOut:
    return LexiconOut.model_validate({**row.model_dump(), "lang": editing.lexicon_lang(row)})


@router.get("", response_model=LexiconPage, summary="The lexicon (any)", **role("any"))
def list_lexicon(session: SessionDep, runtime: RuntimeDep, _token: AnyToken) -> LexiconPage:
    """Editors' additions, and how many words, phrases and protected words the curated files hold."""
    rows = [_out(r) for r in editing.list_lexicon(session)]
    curated = runtime.snapshots.lexicon
    sizes = {"words": len(curated.words), "phrases": len(curated.phrases), "protected": len(curated.protected)}
    return LexiconPage(data=rows, count=len(rows), curated=sizes)


@router.post("", response_model=LexiconOut, status_code=status.HTTP_201_CREATED, responses=CONFLICT,
             summary="Add a synonym or slang word (editor)", **role("editor"))
def add_lexicon(body: LexiconIn, session: SessionDep, runtime: RuntimeDep, token: EditorToken) -> LexiconOut:
    """Read `word` as `means` in every message from now on (on every worker within seconds); audited."""
    # What the word already means, like a row already there, is a conflict with the lexicon as it is, not a
    # malformed request (409, as the schema cannot compare two fields or know the curated words).
    key = " ".join(clean(body.word).split())
    if key == " ".join(clean(body.means).split()):
        raise editing.Conflict(f"{key!r} already means itself: nothing to add")
    if key in runtime.snapshots.lexicon.protected:
        raise editing.Conflict(f"{key!r} is a protected word (a country, a question word) and cannot be redefined")
    row = editing.add_lexicon(session, word=body.word, means=body.means, lang=body.lang, author=token.name)
    out = _out(row)
    publish_changes(session, runtime)
    return out


@router.delete("/{row_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND,
               summary="Remove a synonym or slang word (editor)", **role("editor"))
def remove_lexicon(row_id: RowId, session: SessionDep, runtime: RuntimeDep, token: EditorToken) -> Response:
    """Stop reading the row's word as its meaning (on every worker within seconds); audited."""
    if not editing.remove_lexicon(session, row_id, author=token.name):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no lexicon row {row_id}")
    publish_changes(session, runtime)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
