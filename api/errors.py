"""One JSON error shape for every failure the service returns.

    {"error": {"code": "not_found", "message": "...",
               "details": [{"field": "body.x", "reason": "..."}]}}

MentorgraphError subclasses carry their HTTP status; request validation becomes 422 with the
field path of every problem; Starlette's own 404/405 and the body-size limit (413) use the same
shape; anything unexpected is a 500 whose message never echoes internals.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

import neo4j.exceptions
from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graph.errors import MentorgraphError, StoreUnavailable

log = logging.getLogger("mentorgraph.api")

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "too_many_requests",
}


class ErrorDetail(BaseModel):
    field: str = Field(description="where: body.x.y, query.limit, path.person_id, or row.field")
    reason: str
    row: int | None = None
    source: str | None = None


class ErrorBody(BaseModel):
    code: str
    message: str
    details: list[ErrorDetail] = Field(default_factory=list)


class ErrorOut(BaseModel):
    error: ErrorBody


def error_response(
    status: int, code: str, message: str, details: list[dict[str, Any]] | None = None
) -> JSONResponse:
    body = ErrorOut(
        error=ErrorBody(
            code=code,
            message=message,
            details=[ErrorDetail.model_validate(_detail(d)) for d in details or []],
        )
    )
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, headers=headers)


def _detail(d: dict[str, Any]) -> dict[str, Any]:
    reason = d.get("reason")
    if reason is None:  # a domain detail of another shape: keep its content readable
        reason = ", ".join(f"{k}={v}" for k, v in d.items() if k not in {"field", "row", "source"})
    out = {"field": str(d.get("field", "")), "reason": str(reason)}
    if isinstance(d.get("row"), int):
        out["row"] = d["row"]
    if d.get("source"):
        out["source"] = str(d["source"])
    return out


def _loc(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(p) for p in loc) or "(request)"


def validation_details(errors: list[Any], prefix: str = "") -> list[dict[str, Any]]:
    out = []
    for err in errors:
        loc = _loc(err.get("loc", ()))
        out.append({"field": f"{prefix}{loc}" if prefix else loc, "reason": err.get("msg", "")})
    return out


# Every error status a route may answer, documented so clients (and schemathesis) know the shape.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    s: {"model": ErrorOut, "description": _HTTP_CODES[s].replace("_", " ")}
    for s in (400, 401, 403, 404, 409, 413, 422)
}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(MentorgraphError)
    async def _domain(_: Request, exc: MentorgraphError) -> JSONResponse:
        return error_response(exc.status_code, exc.code, exc.message, exc.details)

    @app.exception_handler(RequestValidationError)
    async def _request_validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = validation_details(list(exc.errors()))
        return error_response(422, "invalid_input", "request validation failed", details)

    @app.exception_handler(ValidationError)
    async def _model_validation(_: Request, exc: ValidationError) -> JSONResponse:
        # A domain model refused values that passed the request schema (cross-field rules).
        details = validation_details(list(exc.errors()), prefix="body.")
        return error_response(422, "invalid_input", f"invalid {exc.title}", details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        resp = error_response(exc.status_code, code, message)
        if exc.headers:
            resp.headers.update(exc.headers)
        return resp

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        down = store_down(exc)
        if down is not None:  # a store failure no store call mapped: the same 503
            log.warning("store unavailable on %s %s: %s", request.method, request.url.path, exc)
            return error_response(down.status_code, down.code, down.message)
        # Log the failure server-side (path only: bodies may hold confidential goal text).
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, "internal_error", "internal error")


def store_down(exc: BaseException) -> StoreUnavailable | None:
    """The 503 a raw driver or SQLite failure stands for (server gone, connection lost,
    database file locked past the busy timeout or unreadable), or None."""
    if isinstance(exc, neo4j.exceptions.ServiceUnavailable | neo4j.exceptions.SessionExpired):
        return StoreUnavailable(f"Neo4j store unavailable: {exc}")
    if isinstance(exc, sqlite3.OperationalError):
        return StoreUnavailable(f"embedded store unavailable: {exc}")
    return None


class BodySizeLimit:
    """Pure ASGI middleware: refuse request bodies over `max_bytes` with 413 (streamed too)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    too_big = int(value) > self.max_bytes
                except ValueError:
                    too_big = False
                if too_big:
                    await self._refuse(scope, receive, send)
                    return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # FastAPI re-raises HTTPException from body reading; the handler shapes it.
                    raise HTTPException(413, f"request body exceeds {self.max_bytes} bytes")
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except HTTPException as exc:
            if exc.status_code != 413 or started:
                raise
            if not started:
                await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        resp = error_response(
            413, "payload_too_large", f"request body exceeds {self.max_bytes} bytes"
        )
        await resp(scope, receive, send)
