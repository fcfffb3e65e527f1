"""Editors' synonyms and slang (the lexicon rows layered over the curated files): list, add, remove."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response
from sqlmodel import Session

from api.console.web import ConsoleError, Editor, redirect, render, tr
from api.deps import RuntimeDep, publish_changes
from knowledge import editing
from knowledge.models import LexiconRow

router = APIRouter()


def lang_of_row(row: LexiconRow) -> str:
    """A lexicon row's language as the page shows it ("–" when the editor gave none)."""
    return editing.lexicon_lang(row) or "–"


@router.get("/synonyms")
def synonyms(request: Request, runtime: RuntimeDep, me: Editor) -> Response:
    """The editors' lexicon."""
    with Session(runtime.engine) as session:
        rows = editing.list_lexicon(session)
    return render(request, "synonyms.html", me, title=tr(request, "Synonyms"), rows=rows,
                  lang_of_row=lang_of_row)


@router.post("/synonyms")
def add(request: Request, runtime: RuntimeDep, me: Editor, word: Annotated[str, Form(max_length=100)] = "",
        means: Annotated[str, Form(max_length=200)] = "", lang: Annotated[str, Form(max_length=5)] = "id") -> Response:
    """Add a synonym; the bot reads it within seconds."""
    with Session(runtime.engine) as session:
        try:
            editing.add_lexicon(session, word=word, means=means, lang=lang, author=me.user.name)
            publish_changes(session, runtime)
        except (editing.Invalid, editing.Conflict) as error:
            raise ConsoleError(422, str(error)) from None
    return redirect("/synonyms", query="added=1")


@router.post("/synonyms/{row_id}/remove")
def remove(request: Request, runtime: RuntimeDep, me: Editor, row_id: Annotated[int, Path(ge=1, le=2**31)]) -> Response:
    """Remove a synonym."""
    with Session(runtime.engine) as session:
        if not editing.remove_lexicon(session, row_id, author=me.user.name):
            raise ConsoleError(404, tr(request, "That synonym is gone already."))
        publish_changes(session, runtime)
    return redirect("/synonyms")
