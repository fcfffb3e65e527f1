"""Import and export of the whole knowledge base as JSON, YAML or CSV; an import is all-or-nothing."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import JSONResponse, Response
from sqlmodel import Session

from api.deps import AnyToken, EditorToken, RuntimeDep, SessionDep, publish_changes, role
from api.routes.admin.common import AUTH_ERRORS
from api.schemas import ErrorOut, ImportReportOut, ProblemOut
from knowledge import editing
from knowledge.loader import KnowledgeBase, Problem, dump, parse_text
from knowledge.store import import_knowledge_base, list_countries, list_entries

router = APIRouter(tags=["import/export"], responses=AUTH_ERRORS)
SOURCE = "request body"  # how problems name the "file" they were found in
MEDIA_TYPES = {"json": "application/json", "yaml": "application/yaml", "csv": "text/csv"}
# Every media type a client may reasonably send for each format.
FORMAT_OF = {
    "application/json": "json", "text/json": "json",
    "application/yaml": "yaml", "application/x-yaml": "yaml", "text/yaml": "yaml", "text/x-yaml": "yaml",
    "text/csv": "csv", "application/csv": "csv",
}
_DOCUMENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,  # the loader refuses any other top-level key
    "properties": {"entries": {"type": "array", "items": {"$ref": "#/components/schemas/EntryDoc"}},
                   "countries": {"type": "array", "items": {"$ref": "#/components/schemas/CountryDoc"}}},
}
# An import brings something: entries, countries or both (an empty document is refused).
_IMPORT_SCHEMA: dict[str, Any] = {**_DOCUMENT_SCHEMA, "anyOf": [
    {"required": ["entries"], "properties": {"entries": {"minItems": 1}}},
    {"required": ["countries"], "properties": {"countries": {"minItems": 1}}},
]}
_IMPORT_BODY = {
    "requestBody": {
        "required": True,
        "description": "The export document: JSON (`{\"entries\": [...], \"countries\": [...]}`), the same as "
        "YAML, or entries as CSV, each with its Content-Type.",
        "content": {
            "application/json": {"schema": _IMPORT_SCHEMA},
            "application/yaml": {"schema": {"type": "string"}},
            "text/csv": {"schema": {"type": "string"}},
        },
    }
}


async def raw_body(request: Request) -> bytes:
    """The request body as sent (bounded by the body-size limit)."""
    return await request.body()


def _problem(p: Problem) -> ProblemOut:
    return ProblemOut(file=p.file, kind=p.kind, entry=p.entry, field=p.field, message=p.message)


def _parse(body: bytes, content_type: str) -> KnowledgeBase:
    """Read the document; a body that is no document at all is refused (415/422), a flawed one is reported."""
    fmt = FORMAT_OF.get(content_type.split(";")[0].strip().lower() or "application/json")
    if fmt is None:
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, f"unsupported Content-Type "
                            f"{content_type[:100]!r}; send application/json, application/yaml or text/csv")
    if not body.strip():
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "the body is empty; send the export document")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return KnowledgeBase(problems=[Problem(SOURCE, f"not UTF-8 text (byte {error.start})")])
    try:
        kb = parse_text(text, SOURCE, fmt)
    except RecursionError:
        return KnowledgeBase(problems=[Problem(SOURCE, "the document is nested too deeply")])
    if kb.ok and not kb.entries and not kb.countries:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "nothing to import: the document has no "
                            "entries and no countries")
    return kb


def _report(session: Session, kb: KnowledgeBase, *, dry_run: bool) -> ImportReportOut:
    plan = editing.plan_import(session, kb, where=SOURCE)
    return ImportReportOut(dry_run=dry_run, ok=plan.ok, imported=False, created=plan.created, updated=plan.updated,
                           unchanged=plan.unchanged, countries=plan.countries,
                           problems=[_problem(p) for p in plan.problems])


@router.post("/import", response_model=ImportReportOut, openapi_extra={**_IMPORT_BODY, **role("editor")["openapi_extra"]},
             responses={415: {"model": ErrorOut, "description": "The Content-Type is not JSON, YAML or CSV."},
                        409: {"model": ErrorOut, "description": "The documents are well-formed but name countries or "
                              "entries that exist neither in them nor in the database (listed in `problems`); nothing "
                              "was imported."},
                        422: {"model": ErrorOut, "description": "Problems found (listed in `problems`, as in the "
                              "report) or no body; nothing was imported."}},
             summary="Import the knowledge base (editor)")
def import_knowledge(
    request: Request,
    body: Annotated[bytes, Depends(raw_body)],
    session: SessionDep,
    runtime: RuntimeDep,
    token: EditorToken,
    dry_run: bool = False,
) -> Any:
    """Check every document and report what would change; any problem (file, entry, field) gives 422 with the report.

    With `dry_run=true` nothing is written; otherwise the import happens only when there is no problem at all.
    """
    kb = _parse(body, request.headers.get("content-type", ""))
    report = _report(session, kb, dry_run=dry_run)
    if not report.ok:
        # The full report rides on the refusal, so a dry run and a refused import say the same thing. A document
        # that is fine in itself but names a country or entry stored nowhere conflicts with the knowledge (409,
        # as for an entry); anything wrong in the document itself, duplicate ids included, is a 422.
        between = report.problems[len(kb.problems):]
        dangling = not kb.problems and all(p.field not in ("id", "code") for p in between)
        detail = f"{len(report.problems)} problem(s); nothing was imported"
        return JSONResponse({"detail": detail, **report.model_dump(mode="json")}, status_code=409 if dangling else 422)
    if dry_run:
        return report
    import_knowledge_base(session, kb, author=token.name, note="import via the API")
    editing.audit(session, actor=token.name, action="content.import", target="knowledge",
                  detail={"created": len(report.created), "updated": len(report.updated),
                          "countries": len(report.countries)})
    publish_changes(session, runtime)
    return report.model_copy(update={"imported": True})


@router.get(
    "/export",
    response_class=Response,
    responses={200: {"description": "The whole knowledge base (CSV: entries only).", "content": {
        "application/json": {"schema": _DOCUMENT_SCHEMA},
        "application/yaml": {"schema": _DOCUMENT_SCHEMA},
        "text/csv": {"schema": {"type": "string"}},
    }}},
    summary="Export the knowledge base (any)",
    **role("any"),
)
def export_knowledge(session: SessionDep, _token: AnyToken,
                     format: Literal["json", "yaml", "csv"] = "json") -> Response:
    """Every entry in every status, and the countries, in the format import speaks."""
    text = dump(list_entries(session), list_countries(session), format)
    headers = {"Content-Disposition": f'attachment; filename="knowledge.{format}"'}
    return Response(text, media_type=MEDIA_TYPES[format], headers=headers)
