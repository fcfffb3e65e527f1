"""The dashboard every role starts from."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.console.web import Anyone, render, tr

router = APIRouter()


@router.get("/dashboard")
def dashboard(request: Request, me: Anyone) -> Response:
    """Usage and quality at a glance."""
    return render(request, "dashboard.html", me, title=tr(request, "Dashboard"))
