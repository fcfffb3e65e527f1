"""Import with a dry-run table first (YAML, JSON, CSV with ',' or ';', XLSX), and export downloads."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import Response
from sqlmodel import Session

from api.console.spreadsheets import UnreadableFile, comma_csv, csv_to_xlsx, format_of, xlsx_csv
from api.console.web import ConsoleError, Editor, redirect, render, tr
from api.deps import RuntimeDep, publish_changes
from api.middleware import IMPORT_LIMIT
from knowledge import editing
from knowledge.loader import KnowledgeBase, Problem, dump, parse_text
from knowledge.store import import_knowledge_base, list_countries, list_entries

router = APIRouter()
MEDIA = {"json": "application/json", "yaml": "application/yaml", "csv": "text/csv",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@router.get("/import")
def import_form(request: Request, me: Editor) -> Response:
    """The upload form and the export links."""
    return render(request, "import.html", me, title=tr(request, "Import and export"),
                  imported=request.query_params.get("imported"))


def _read(name: str, data: bytes) -> KnowledgeBase:
    fmt = format_of(name)
    if fmt is None:
        return KnowledgeBase(problems=[Problem(name, "unknown file type; use .yaml, .json, .csv or .xlsx")])
    try:
        if fmt == "xlsx":
            return parse_text(xlsx_csv(data), name, "csv")
        text = data.decode("utf-8-sig")
    except UnreadableFile as error:
        return KnowledgeBase(problems=[Problem(name, str(error))])
    except UnicodeDecodeError as error:
        return KnowledgeBase(problems=[Problem(name, f"not UTF-8 text (byte {error.start}); save it as UTF-8")])
    try:
        return parse_text(comma_csv(text) if fmt == "csv" else text, name, fmt)
    except RecursionError:
        return KnowledgeBase(problems=[Problem(name, "the document is nested too deeply")])


def _document(kb: KnowledgeBase) -> str:
    """The parsed upload as the JSON export document, carried by the confirm form."""
    return json.dumps({"entries": [e.model_dump(mode="json") for e in kb.entries],
                       "countries": [c.model_dump(mode="json") for c in kb.countries]}, ensure_ascii=False)


def _report(request: Request, me: Any, session: Session, kb: KnowledgeBase, name: str) -> Response:
    plan = editing.plan_import(session, kb, where=name)
    if not kb.entries and not kb.countries and plan.ok:
        plan.problems.append(Problem(name, "nothing to import: the file has no entries and no countries"))
    return render(request, "import_report.html", me,
                  title=tr(request, "Import: check before applying"), plan=plan, name=name,
                  document=_document(kb) if plan.ok else "")


@router.post("/import")
async def dry_run(request: Request, runtime: RuntimeDep, me: Editor, file: UploadFile) -> Response:
    """Read the file and show what would change (nothing is written yet)."""
    data = await file.read(IMPORT_LIMIT + 1)
    if len(data) > IMPORT_LIMIT:
        raise ConsoleError(413, tr(request, "The file is larger than {n} MiB.").format(
            n=IMPORT_LIMIT // (1024 * 1024)))
    name = (file.filename or "upload")[:200]
    kb = _read(name, data)
    with Session(runtime.engine) as session:
        return _report(request, me, session, kb, name)


@router.post("/import/apply")
def apply(request: Request, runtime: RuntimeDep, me: Editor,
          document: Annotated[str, Form(max_length=IMPORT_LIMIT * 3)] = "",
          name: Annotated[str, Form(max_length=200)] = "upload") -> Response:
    """Import what the dry run showed; checked again, all or nothing."""
    kb = parse_text(document, name, "json") if document.strip() else KnowledgeBase(
        problems=[Problem(name, "nothing to import")])
    with Session(runtime.engine) as session:
        plan = editing.plan_import(session, kb, where=name)
        if not plan.ok:
            return _report(request, me, session, kb, name)
        import_knowledge_base(session, kb, author=me.user.name, note=f"import of {name} in the console")
        editing.audit(session, actor=me.user.name, action="content.import", target="knowledge",
                      detail={"file": name, "created": len(plan.created), "updated": len(plan.updated)})
        publish_changes(session, runtime)
    return redirect("/import", query=f"imported={len(plan.created) + len(plan.updated)}")


@router.get("/export")
def export(runtime: RuntimeDep, me: Editor, format: Literal["yaml", "json", "csv", "xlsx"] = "yaml") -> Response:
    """The whole knowledge base as a download."""
    with Session(runtime.engine) as session:
        entries, countries = list_entries(session), list_countries(session)
    if format == "xlsx":
        body: bytes | str = csv_to_xlsx(dump(entries, countries, "csv"))
    else:
        body = dump(entries, countries, format)
    return Response(body, media_type=MEDIA[format],
                    headers={"Content-Disposition": f'attachment; filename="knowledge.{format}"'})
