"""The unanswered queue, grouped with counts: add as a phrasing (edited first), start a new entry, dismiss."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response
from sqlmodel import Session

from api.console import drafts
from api.console.web import ConsoleError, Editor, gettext_of, redirect, render, tr
from api.deps import RuntimeDep, publish_changes
from api.schemas import SLUG_PATTERN
from knowledge import editing
from knowledge.models import UnansweredRow
from knowledge.schema import MAX_PHRASINGS, MAX_QUESTION_CHARS
from knowledge.store import list_entries

router = APIRouter()
ItemId = Annotated[int, Path(ge=1, le=2**31)]
SHOWN = 100


@router.get("/unanswered")
def queue(request: Request, runtime: RuntimeDep, me: Editor) -> Response:
    """Open groups of unanswered questions, most asked first."""
    with Session(runtime.engine) as session:
        items, count = editing.list_unanswered(session, status="open", limit=SHOWN)
        entries = list_entries(session, ("published", "draft"))
    return render(request, "unanswered.html", me, title=tr(request, "Unanswered questions"), items=items,
                  count=count, entries=entries, done=request.query_params.get("done", ""))


def _append_phrasing(data: dict[str, Any], lang: str, phrase: str) -> dict[str, Any] | None:
    texts = dict(data["texts"])
    text = dict(texts.get(lang) or texts["id"])
    lang = lang if lang in texts else "id"
    phrasings = list(text.get("phrasings") or [])
    if phrase.casefold() in {p.casefold() for p in phrasings}:
        return None
    text["phrasings"] = [*phrasings, phrase]
    texts[lang] = text
    return {"texts": texts}


@router.post("/unanswered/{item_id}/phrasing")
def add_phrasing(request: Request, runtime: RuntimeDep, me: Editor, item_id: ItemId,
                 phrasing: Annotated[str, Form(max_length=MAX_QUESTION_CHARS)] = "",
                 entry_id: Annotated[str, Form(max_length=60)] = "") -> Response:
    """Teach an entry this question (as edited) at once, and close the group."""
    _ = gettext_of(request)
    phrase = " ".join(phrasing.split())
    if not phrase or not re.fullmatch(SLUG_PATTERN.strip("^$"), entry_id):
        raise ConsoleError(422, _("Choose an entry and type the phrasing."))
    with Session(runtime.engine) as session:
        item = session.get(UnansweredRow, item_id)
        if item is None:
            raise ConsoleError(404, _("This question is no longer in the queue."))
        try:
            entry = editing.get_entry(session, entry_id)
        except editing.NotFound:
            raise ConsoleError(422, _("There is no entry {id}.").format(id=entry_id)) from None
        lang = item.lang if item.lang in entry.texts else "id"
        if len(entry.texts[lang].phrasings) >= MAX_PHRASINGS:
            raise ConsoleError(422, _("Entry {id} has {n} phrasings already; remove one first.").format(
                id=entry_id, n=MAX_PHRASINGS))
        changes = _append_phrasing(entry.model_dump(mode="json"), lang, phrase)
        try:
            if changes:
                editing.update_entry(session, entry_id, changes, version=entry.version, author=me.user.name,
                                     note=f"phrasing from unanswered question {item_id}")
            draft = drafts.pending(session, entry_id)
            if draft is not None:  # keep the pending edit in step, or publishing it would drop the phrasing
                more = _append_phrasing(draft.doc, lang, phrase)
                if more:
                    draft.doc = {**draft.doc, **more}
                    draft.base_version = editing.get_entry(session, entry_id).version
                    session.add(draft)
            editing.resolve_unanswered(session, item_id, author=me.user.name, entry_id=entry_id)
            publish_changes(session, runtime)
        except (editing.Invalid, editing.Conflict) as error:
            raise ConsoleError(422, str(error)) from None
    return redirect("/unanswered", query=f"done={item_id}")


@router.post("/unanswered/{item_id}/dismiss")
def dismiss(request: Request, runtime: RuntimeDep, me: Editor, item_id: ItemId) -> Response:
    """Drop the group from the queue (not something the bot should answer)."""
    with Session(runtime.engine) as session:
        try:
            editing.resolve_unanswered(session, item_id, author=me.user.name, dismiss=True)
        except editing.NotFound:
            raise ConsoleError(404, tr(request, "This question is no longer in the queue.")) from None
        session.commit()
    return redirect("/unanswered", query=f"done={item_id}")
