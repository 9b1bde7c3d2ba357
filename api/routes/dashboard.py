"""The L&D dashboard page: a static shell (no data, no CDN) that calls /v1/analytics with the
coordinator's key; all charts are rendered server-side as SVG."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

router = APIRouter(tags=["dashboard"], include_in_schema=False)


@cache
def _asset(name: str) -> str:
    return files("api").joinpath("static", name).read_text(encoding="utf-8")


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard() -> HTMLResponse:
    return HTMLResponse(_asset("dashboard.html"))


@router.get("/dashboard/app.js")
def dashboard_js() -> Response:
    return Response(_asset("dashboard.js"), media_type="text/javascript")
