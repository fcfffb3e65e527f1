"""The admin API under /api/v1 (design §7.2): one router per resource, and its error handling.

Errors from the knowledge store become HTTP statuses here, at the edge, and nowhere else:
NotFound → 404, Conflict → 409, Invalid → 422 (409 when all it names is a country or entry that does not exist),
a write that lost a race in the database → 409,
a database too busy to answer → 503; anything unexpected is logged and becomes a JSON 500.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError, OperationalError

from api.middleware import BodyLimit
from api.routes.admin import ask, catalog, entries, handoffs, io, lexicon, stats, tokens, unanswered
from knowledge.editing import Conflict, Invalid, NotFound

PREFIX = "/api/v1"
log = logging.getLogger(__name__)

router = APIRouter(prefix=PREFIX)
for _module in (entries, ask, unanswered, stats, io, catalog, lexicon, tokens, handoffs):
    router.include_router(_module.router)


async def _not_found(_request: Request, error: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(error)}, status_code=404)


async def _conflict(_request: Request, error: Exception) -> JSONResponse:
    current = error.current_version if isinstance(error, Conflict) else None
    return JSONResponse({"detail": str(error), "current_version": current}, status_code=409)


async def _invalid(_request: Request, error: Exception) -> JSONResponse:
    errors = error.errors if isinstance(error, Invalid) else []
    # A well-formed body naming a country or entry that does not exist (yet) conflicts with what is stored:
    # 409, as for a taken id (RFC 5789 §2.2); 422 is for what the request itself gets wrong.
    dangling = bool(errors) and all(e.get("type") == "reference" for e in errors)
    return JSONResponse({"detail": errors, "message": str(error)}, status_code=409 if dangling else 422)


async def _integrity(request: Request, error: Exception) -> JSONResponse:
    log.info("write refused by the database on %s %s: %s", request.method, request.url.path, type(error).__name__)
    return JSONResponse({"detail": "this change collided with another one made at the same time; nothing was "
                         "changed: reload and try again"}, status_code=409)


async def _busy(request: Request, error: Exception) -> JSONResponse:
    # The class names only: the error's text carries the statement's parameters (a user's words, a token hash).
    cause = getattr(error, "orig", None)
    log.warning("database unavailable on %s %s: %s (%s)", request.method, request.url.path, type(error).__name__,
                type(cause).__name__ if cause is not None else "-")
    return JSONResponse({"detail": "the database is busy or unreachable; try again in a moment"}, status_code=503,
                        headers={"Retry-After": "2"})


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    # The last resort only: the tests and the property-based run must never reach it.
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
    return JSONResponse({"detail": "internal error; it has been logged"}, status_code=500)


def install(app: FastAPI) -> None:
    """Add the admin routes, the body-size bounds and the error handlers to the app."""
    app.include_router(router)
    app.add_middleware(BodyLimit)
    app.add_exception_handler(NotFound, _not_found)
    app.add_exception_handler(Conflict, _conflict)
    app.add_exception_handler(Invalid, _invalid)
    app.add_exception_handler(IntegrityError, _integrity)
    app.add_exception_handler(OperationalError, _busy)
    app.add_exception_handler(Exception, _unexpected)
