"""Knowledge entries: list, read, create, update with optimistic concurrency, publish, archive, revisions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from api.deps import AnyToken, EditorToken, RuntimeDep, SessionDep, publish_changes, role
from api.routes.admin.common import (
    AUTH_ERRORS,
    CONFLICT,
    DEFAULT_PAGE,
    MAX_OFFSET,
    MAX_PAGE,
    NOT_FOUND,
    refused_by_state,
)
from api.schemas import (
    COUNTRY_PATTERN,
    MAX_INT,
    SLUG_PATTERN,
    EntriesPage,
    EntryPatch,
    IsoDate,
    Lang,
    RevisionOut,
    RevisionsPage,
)
from knowledge import editing
from knowledge.models import utcnow
from knowledge.schema import EntryDoc, Status, Topic

router = APIRouter(prefix="/entries", tags=["entries"], responses=AUTH_ERRORS)

EntryId = Annotated[str, Path(max_length=60, pattern=SLUG_PATTERN, description="the entry's slug, e.g. gaji-taiwan")]
Version = Annotated[int | None, Query(ge=1, le=MAX_INT, description="the version you saw; stale → 409")]


@router.get("", response_model=EntriesPage, summary="List entries (any)", **role("any"))
def list_entries(
    session: SessionDep,
    _token: AnyToken,
    q: Annotated[str | None, Query(max_length=200, description="text in the id, questions, phrasings or answers")] = None,
    topic: Topic | None = None,
    country: Annotated[str | None, Query(pattern=COUNTRY_PATTERN)] = None,
    status_: Annotated[Status | None, Query(alias="status")] = None,
    lang: Lang | None = None,
    review_due_before: Annotated[IsoDate | None, Query(
        description="only entries whose review_due is on or before this date (YYYY-MM-DD)")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> EntriesPage:
    """Entries matching every filter, ordered by id."""
    data, count = editing.search_entries(session, q=q, topic=topic, country=country, status=status_, lang=lang,
                                         review_due_before=review_due_before, limit=limit, offset=offset)
    return EntriesPage(data=data, count=count)


@router.post("", response_model=EntryDoc, status_code=status.HTTP_201_CREATED, responses=CONFLICT,
             summary="Create an entry (editor)", **role("editor"))
def create_entry(body: EntryDoc, session: SessionDep, runtime: RuntimeDep, token: EditorToken) -> EntryDoc:
    """Create an entry: a draft unless `"status": "published"` is given; version, author and time are set here."""
    doc = body.model_copy(update={"version": 1, "updated_by": token.name, "updated_at": utcnow()})
    created = editing.create_entry(session, doc, author=token.name)
    publish_changes(session, runtime)
    return created


@router.get("/{entry_id}", response_model=EntryDoc, responses=NOT_FOUND, summary="Read an entry (any)",
            **role("any"))
def read_entry(entry_id: EntryId, session: SessionDep, _token: AnyToken) -> EntryDoc:
    """One entry in any status."""
    return editing.get_entry(session, entry_id)


@router.patch("/{entry_id}", response_model=EntryDoc, responses={**NOT_FOUND, **CONFLICT},
              summary="Update an entry (editor)", **role("editor"))
def update_entry(entry_id: EntryId, body: EntryPatch, session: SessionDep, runtime: RuntimeDep,
                 token: EditorToken) -> EntryDoc:
    """Change the given fields; the body names the `version` it edits, and a stale one gets 409 (nothing lost).

    A change that is malformed on its own gets 422; one that would leave this entry invalid (a review date before
    the stored one, publishing what lacks an English text…) gets 409 saying what the entry lacks.
    """
    with refused_by_state():  # the change is well-formed (checked above); the entry it would make is not
        updated = editing.update_entry(session, entry_id, body.changes(), version=body.version, author=token.name,
                                       note=body.note)
    publish_changes(session, runtime)
    return updated


@router.delete("/{entry_id}", response_model=EntryDoc, responses={**NOT_FOUND, **CONFLICT},
               summary="Archive an entry (editor)", **role("editor"))
def archive_entry(entry_id: EntryId, session: SessionDep, runtime: RuntimeDep, token: EditorToken,
                  version: Version = None) -> EntryDoc:
    """Archive: the entry leaves the bot but keeps its history and can be brought back."""
    with refused_by_state():
        archived = editing.set_status(session, entry_id, "archived", author=token.name, version=version)
    publish_changes(session, runtime)
    return archived


@router.post("/{entry_id}/publish", response_model=EntryDoc, responses={**NOT_FOUND, **CONFLICT},
             summary="Publish an entry (editor)", **role("editor"))
def publish_entry(entry_id: EntryId, session: SessionDep, runtime: RuntimeDep, token: EditorToken,
                  version: Version = None) -> EntryDoc:
    """Publish: live on every worker within seconds; 409 says what the entry still lacks."""
    with refused_by_state():
        published = editing.set_status(session, entry_id, "published", author=token.name, version=version)
    publish_changes(session, runtime)
    return published


@router.post("/{entry_id}/unpublish", response_model=EntryDoc, responses={**NOT_FOUND, **CONFLICT},
             summary="Unpublish an entry (editor)", **role("editor"))
def unpublish_entry(entry_id: EntryId, session: SessionDep, runtime: RuntimeDep, token: EditorToken,
                    version: Version = None) -> EntryDoc:
    """Back to draft: the bot stops using it within seconds."""
    with refused_by_state():
        draft = editing.set_status(session, entry_id, "draft", author=token.name, version=version)
    publish_changes(session, runtime)
    return draft


@router.get("/{entry_id}/revisions", response_model=RevisionsPage, responses=NOT_FOUND,
            summary="An entry's history (any)", **role("any"))
def list_revisions(entry_id: EntryId, session: SessionDep, _token: AnyToken) -> RevisionsPage:
    """Every revision, newest first, each with the full entry as it was."""
    rows = editing.list_revisions(session, entry_id)
    data = [RevisionOut(number=r.number, author=r.author, note=r.note, created_at=r.created_at, entry=r.snapshot)
            for r in rows]
    return RevisionsPage(data=data, count=len(data))


@router.post("/{entry_id}/revisions/{number}/restore", response_model=EntryDoc,
             responses={**NOT_FOUND, **CONFLICT}, summary="Restore a revision (editor)", **role("editor"))
def restore_revision(
    entry_id: EntryId,
    number: Annotated[int, Path(ge=1, le=MAX_INT)],
    session: SessionDep,
    runtime: RuntimeDep,
    token: EditorToken,
) -> EntryDoc:
    """Bring back an old revision's content as a new revision; the entry keeps its status."""
    with refused_by_state():
        restored = editing.restore_revision(session, entry_id, number, author=token.name)
    publish_changes(session, runtime)
    return restored
