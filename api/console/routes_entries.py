"""Editors' pages: the entries list, the edit form with preview and "try a question", publishing, revisions."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from api.console import drafts, forms, preview, trying
from api.console.diffing import FIELD_LABELS, revision_diffs
from api.console.web import ConsoleError, Editor, gettext_of, redirect, render, tr
from api.deps import RuntimeDep, publish_changes
from api.models import EntryDraftRow
from api.schemas import SLUG_PATTERN
from bot.i18n import N_
from knowledge import editing
from knowledge.aspects import ASPECTS
from knowledge.models import EntryRow, UnansweredRow
from knowledge.schema import COUNTRY_CODE_RE, STATUSES, TOPICS, EntryDoc
from knowledge.store import list_countries

router = APIRouter()
EntryId = Annotated[str, Path(max_length=60, pattern=SLUG_PATTERN)]
PAGE = 50
DUE_WITHIN = dt.timedelta(days=30)
TOPIC_LABELS = {"requirements": N_("Requirements"), "documents": N_("Documents"), "procedure": N_("Procedure"),
                "costs": N_("Costs"), "safety": N_("Safety"), "country": N_("Country"), "programme": N_("Programme"),
                "rights": N_("Rights")}
STATUS_LABELS = {"draft": N_("Draft"), "published": N_("Published"), "archived": N_("Archived")}


def _choices(session: Session) -> dict[str, Any]:
    return {"topics": TOPICS, "topic_labels": TOPIC_LABELS, "aspects": ASPECTS, "statuses": STATUSES,
            "status_labels": STATUS_LABELS,
            "countries": list_countries(session)}


@router.get("/entries")
def entries_list(
    request: Request, runtime: RuntimeDep, me: Editor,
    q: Annotated[str, Query(max_length=200)] = "",
    topic: Annotated[str, Query(max_length=20)] = "",
    aspect: Annotated[str, Query(max_length=20)] = "",
    country: Annotated[str, Query(max_length=3)] = "",
    status: Annotated[str, Query(max_length=12)] = "",
    due: Annotated[str, Query(max_length=5)] = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    """Entries with search and filters (topic, aspect, country, status, review due), a page at a time."""
    today = dt.date.today()
    with Session(runtime.engine) as session:
        found, _count = editing.search_entries(
            session, q=q.strip() or None, topic=topic if topic in TOPICS else None,
            country=country if COUNTRY_CODE_RE.match(country) else None,
            status=status if status in STATUSES else None, limit=100_000)
        if aspect in ASPECTS:
            found = [e for e in found if e.aspect == aspect]
        if due:
            found = [e for e in found if e.review_due <= today + DUE_WITHIN]
        pending = drafts.pending_ids(session)
        choices = _choices(session)
    total = len(found)
    shown = found[(page - 1) * PAGE: page * PAGE]
    return render(request, "entries.html", me, title=tr(request, "Entries"), entries=shown, total=total,
                  page=page, pages=max(1, -(-total // PAGE)), pending=pending, today=today, soon=today + DUE_WITHIN,
                  filters={"q": q, "topic": topic, "aspect": aspect, "country": country, "status": status, "due": due}, **choices)


def _edit_page(request: Request, me: Any, session: Session, *, entry: EntryDoc | None, fields: dict[str, Any],
               draft: EntryDraftRow | None, version: int | None = None, draft_stamp: str | None = None,
               **extra: Any) -> HTMLResponse:
    """The form, shown again with its problems as a normal page (200): the alert on it says what is wrong, and
    browsers log any other status as a console error."""
    _ = gettext_of(request)
    title = _("New entry") if entry is None else _("Edit entry {id}").format(id=entry.id)
    return render(request, "entry_edit.html", me, title=title, entry=entry, fields=fields,
                  draft=draft, sources=forms.source_rows(fields),
                  version=version if version is not None else (entry.version if entry else 1),
                  draft_stamp=draft_stamp if draft_stamp is not None else drafts.stamp(draft), **_choices(session),
                  **extra)


def _entry_or_404(request: Request, session: Session, entry_id: str) -> EntryDoc:
    try:
        return editing.get_entry(session, entry_id)
    except editing.NotFound:
        raise ConsoleError(404, tr(request, "There is no entry {id}.").format(id=entry_id)) from None


@router.get("/entries/new")
def new_entry_form(request: Request, runtime: RuntimeDep, me: Editor,
                   unanswered: Annotated[int | None, Query(ge=1, le=2**31)] = None) -> Response:
    """An empty entry form, or one started from an unanswered question."""
    today = dt.date.today()
    fields: dict[str, Any] = {"id": "", "topic": "", "countries": "", "related": "", "sources": [],
                              "reviewed_at": today.isoformat(), "review_due": (today + dt.timedelta(days=180)).isoformat()}
    with Session(runtime.engine) as session:
        item = session.get(UnansweredRow, unanswered) if unanswered else None
        if item is not None and item.samples:
            lang = item.lang if item.lang in ("id", "en") else "id"
            fields[f"{lang}_question"] = item.samples[0]
            fields[f"{lang}_phrasings"] = "\n".join(item.samples[:3])
        return _edit_page(request, me, session, entry=None, fields=fields, draft=None,
                          from_unanswered=item.id if item else None)


@router.post("/entries/new")
async def create_entry(request: Request, runtime: RuntimeDep, me: Editor) -> Response:
    """Create a draft entry from the form; problems are listed above the form as typed."""
    form = await request.form()
    fields = forms.form_fields(form)
    with Session(runtime.engine) as session:
        try:
            doc = drafts.validate(forms.fields_data(fields, status="draft"))
            created = editing.create_entry(session, doc, author=me.user.name)
            item_id = form.get("from_unanswered")
            if isinstance(item_id, str) and item_id.isdigit():
                editing.resolve_unanswered(session, int(item_id), author=me.user.name, entry_id=created.id)
            publish_changes(session, runtime)
        except (editing.Invalid, editing.Conflict) as error:
            problems = forms.problem_lines(error.errors) if isinstance(error, editing.Invalid) else [str(error)]
            return _edit_page(request, me, session, entry=None, fields=fields, draft=None,
                              problems=problems)
    return redirect(f"/entries/{created.id}", query="saved=1")


@router.get("/entries/{entry_id}")
def edit_form(request: Request, runtime: RuntimeDep, me: Editor, entry_id: EntryId) -> Response:
    """The edit form: the pending draft if there is one, else the entry as it is."""
    with Session(runtime.engine) as session:
        entry = _entry_or_404(request, session, entry_id)
        draft = drafts.pending(session, entry_id)
        shown = EntryDoc.model_validate(draft.doc) if draft else entry
        saved = request.query_params.get("saved")
        return _edit_page(request, me, session, entry=entry, fields=forms.doc_fields(shown), draft=draft,
                          saved=saved, published=request.query_params.get("published"))


def _stale_notice(request: Request, session: Session, entry_id: str, stale: drafts.Stale, since: int) -> str:
    _ = gettext_of(request)
    when = stale.when.strftime("%Y-%m-%d %H:%M UTC") if stale.when else "?"
    if stale.pending:
        return _("{who} saved other pending changes to this entry at {when}. Your text is kept below: compare, "
                 "then save again to replace theirs.").format(who=stale.who, when=when)
    changed = revision_diffs(session, entry_id, since=since)
    names = sorted({row.field for diff in changed for row in diff.rows}, key=list(FIELD_LABELS).index)
    fields = ", ".join(tr(request, FIELD_LABELS.get(name, name)) for name in names) or "-"
    return _("{who} changed this entry at {when} (now version {version}; changed: {fields}). Your text is kept "
             "below: compare, then save again to keep yours.").format(who=stale.who, when=when,
                                                                      version=stale.version, fields=fields)


@router.post("/entries/{entry_id}")
async def save_entry(request: Request, runtime: RuntimeDep, me: Editor, entry_id: EntryId) -> Response:
    """Save the form (a pending draft when the entry is live); "publish now" also makes it live."""
    form = await request.form()
    fields = {**forms.form_fields(form), "id": entry_id}
    version_text, stamp = str(form.get("version", "")), str(form.get("draft_stamp", ""))
    version = int(version_text) if version_text.isdigit() else 0
    publish_now = form.get("action") == "publish"
    with Session(runtime.engine) as session:
        entry = _entry_or_404(request, session, entry_id)
        data = forms.fields_data(fields, status=entry.status, related=entry.related)
        try:
            _doc, _pending = drafts.save(session, entry_id, data, version=version, draft_stamp=stamp, author=me.user.name)
            if publish_now:
                session.flush()
                current = editing.get_entry(session, entry_id)
                drafts.publish(session, entry_id, version=current.version, author=me.user.name)
            publish_changes(session, runtime)
        except drafts.Stale as stale:
            session.rollback()
            draft = drafts.pending(session, entry_id)
            notice = _stale_notice(request, session, entry_id, stale, since=version)
            return _edit_page(request, me, session, entry=editing.get_entry(session, entry_id), fields=fields,
                              draft=draft, stale=notice)
        except editing.Invalid as error:
            session.rollback()
            return _edit_page(request, me, session, entry=entry, fields=fields, draft=drafts.pending(session, entry_id),
                              version=version, draft_stamp=stamp,
                              problems=forms.problem_lines(error.errors))
    return redirect(f"/entries/{entry_id}", query="published=1" if publish_now else "saved=1")


@router.post("/entries/{entry_id}/preview")
async def preview_fragment(request: Request, me: Editor, entry_id: str) -> Response:
    """The answer as Telegram and WhatsApp will show it (a fragment for the edit page's script)."""
    fields = forms.form_fields(await request.form())
    return render(request, "fragments/preview.html", me, previews=preview.previews(fields))


@router.post("/entries/{entry_id}/try")
async def try_fragment(request: Request, runtime: RuntimeDep, me: Editor, entry_id: str) -> Response:
    """The bot's decision, candidates and scores for a question, with the form's unsaved text included."""
    form = await request.form()
    text = str(form.get("try_text", "")).strip()[:500]
    lang = str(form.get("try_lang", "")) or None
    overlay = None
    if form.get("id_answer") is not None:
        fields = {**forms.form_fields(form), "id": entry_id if entry_id != "new" else str(form.get("id", ""))}
        with Session(runtime.engine) as session:
            current = session.get(EntryRow, fields["id"]) if fields["id"] else None
            status = current.status if current is not None else "draft"
        try:
            overlay = drafts.validate(forms.fields_data(fields, status=status))
        except editing.Invalid:
            overlay = None  # a half-typed form: try against what is saved
    tried = trying.try_question(runtime, text, lang, overlay) if text else None
    return render(request, "fragments/try.html", me, tried=tried, text=text, used_form=overlay is not None)


@router.post("/entries/{entry_id}/publish")
async def publish(request: Request, runtime: RuntimeDep, me: Editor, entry_id: EntryId) -> Response:
    """Make the entry (or its pending draft) live."""
    return await _status_action(request, runtime, me, entry_id, "publish")


@router.post("/entries/{entry_id}/unpublish")
async def unpublish(request: Request, runtime: RuntimeDep, me: Editor, entry_id: EntryId) -> Response:
    """Take the entry out of the bot (back to draft)."""
    return await _status_action(request, runtime, me, entry_id, "unpublish")


@router.post("/entries/{entry_id}/discard")
async def discard(request: Request, runtime: RuntimeDep, me: Editor, entry_id: EntryId) -> Response:
    """Throw away the pending draft."""
    return await _status_action(request, runtime, me, entry_id, "discard")


async def _status_action(request: Request, runtime: RuntimeDep, me: Any, entry_id: str, action: str) -> Response:
    form = await request.form()
    version_text = str(form.get("version", ""))
    version = int(version_text) if version_text.isdigit() else None
    _ = gettext_of(request)
    with Session(runtime.engine) as session:
        entry = _entry_or_404(request, session, entry_id)
        try:
            if action == "publish":
                drafts.publish(session, entry_id, version=version or entry.version, author=me.user.name)
            elif action == "unpublish":
                editing.set_status(session, entry_id, "draft", author=me.user.name, version=version)
            else:
                drafts.discard(session, entry_id, author=me.user.name)
            publish_changes(session, runtime)
        except (drafts.Stale, editing.Conflict):
            raise ConsoleError(409, _("Someone changed this entry in the meantime. Reload it and try again.")) from None
        except editing.Invalid as error:
            session.rollback()
            draft = drafts.pending(session, entry_id)
            shown = EntryDoc.model_validate(draft.doc) if draft else entry
            return _edit_page(request, me, session, entry=entry, fields=forms.doc_fields(shown), draft=draft,
                              problems=[_("It cannot be published yet:"),
                                                    *forms.problem_lines(error.errors)])
    return redirect(f"/entries/{entry_id}", query=f"{'published' if action == 'publish' else 'saved'}=1")


@router.get("/entries/{entry_id}/revisions")
def revisions(request: Request, runtime: RuntimeDep, me: Editor, entry_id: EntryId) -> Response:
    """Every revision with what changed from the one before, and a restore button."""
    with Session(runtime.engine) as session:
        entry = _entry_or_404(request, session, entry_id)
        diffs = revision_diffs(session, entry_id)
    return render(request, "revisions.html", me, title=tr(request, "History of {id}").format(id=entry_id),
                  entry=entry, diffs=diffs, field_labels=FIELD_LABELS)


@router.post("/entries/{entry_id}/revisions/{number}/restore")
def restore(request: Request, runtime: RuntimeDep, me: Editor, entry_id: EntryId,
            number: Annotated[int, Path(ge=1, le=2**31)], csrf: Annotated[str, Form()] = "") -> Response:
    """Bring an old revision's content back as a new revision."""
    with Session(runtime.engine) as session:
        _entry_or_404(request, session, entry_id)
        try:
            editing.restore_revision(session, entry_id, number, author=me.user.name)
            publish_changes(session, runtime)
        except (editing.NotFound, editing.Invalid) as error:
            raise ConsoleError(422, str(error)) from None
    return redirect(f"/entries/{entry_id}", query="saved=1")
