"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    """Ready when the database answers and the knowledge snapshot is loaded."""
    runtime = request.app.state.runtime
    checks: dict[str, str] = {}
    try:
        with runtime.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except SQLAlchemyError as error:
        checks["database"] = f"error: {error.__class__.__name__}"
    if runtime.snapshots.loaded:
        snapshot = runtime.snapshots.get()
        checks["knowledge"] = f"ok: version {snapshot.version}, {len(snapshot.entries)} entries"
    else:
        checks["knowledge"] = "not loaded"
    ready = all(v.startswith("ok") for v in checks.values())
    return JSONResponse({"status": "ready" if ready else "not ready", "checks": checks}, status_code=200 if ready else 503)
