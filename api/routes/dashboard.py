"""The browser pages: the L&D dashboard (`/dashboard`) and the competency map (`/taxonomy`).

Static shells only (no data, no CDN): their scripts ask for an API key and call /v1 with it;
charts are rendered server-side as SVG. `/dashboard` and its script are API routes (listed as
open in the role-matrix test); the shared assets and the competency-map page are plain
Starlette routes: files, not API operations.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from starlette.requests import Request

router = APIRouter(tags=["dashboard"], include_in_schema=False)

ASSETS = {
    "/ui/ui.css": ("ui.css", "text/css"),
    "/ui/ui.js": ("ui.js", "text/javascript"),
    "/taxonomy": ("taxonomy.html", "text/html"),
    "/taxonomy/app.js": ("taxonomy.js", "text/javascript"),
}
NO_STORE = {"Cache-Control": "no-cache"}


@cache
def _asset(name: str) -> str:
    return files("api").joinpath("static", name).read_text(encoding="utf-8")


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard() -> HTMLResponse:
    return HTMLResponse(_asset("dashboard.html"), headers=NO_STORE)


@router.get("/dashboard/app.js")
def dashboard_js() -> Response:
    return Response(_asset("dashboard.js"), media_type="text/javascript", headers=NO_STORE)


def _static(request: Request) -> Response:
    name, media_type = ASSETS[request.url.path]
    return Response(_asset(name), media_type=media_type, headers=NO_STORE)


for _path in ASSETS:
    router.add_route(_path, _static, methods=["GET"], include_in_schema=False)
