"""The app factory. Nothing is created at import: the store, snapshot and mapper are built in
the lifespan (or injected) and handed to handlers through api.deps."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import limits
from api.errors import ERROR_RESPONSES, BodySizeLimit, install_error_handlers
from api.maintenance import MaintenanceJob
from api.routes import (
    analytics,
    cohorts,
    dashboard,
    dashboard_api,
    goals,
    guides,
    health,
    keys,
    mapping,
    me,
    pairings,
    people,
    programs,
    ranking,
    recommendations,
    taxonomy,
    taxonomy_ui,
)
from api.state import close_state, open_state
from graph.settings import Settings, get_settings
from graph.store import GraphStore

API_PREFIX = "/v1"
WORKER_HEADER = "X-Worker-Pid"


class WorkerPid:
    """Pure ASGI middleware: every response says which worker process answered
    (`X-Worker-Pid`), so a client of `serve --workers N` (and the multi-worker tests) can
    tell the workers apart."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.header = (WORKER_HEADER.lower().encode(), str(os.getpid()).encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_pid(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), self.header]
            await send(message)

        await self.app(scope, receive, send_with_pid)


def create_app(
    settings: Settings | None = None,
    *,
    store: GraphStore | None = None,
    embedder: Any = None,
    follow: bool | None = None,
) -> FastAPI:
    """Build the service. An injected `store` is used as is and left open at shutdown;
    `embedder` replaces the sentence-transformers model (tests pass a fake one). With
    `follow` (default: when the app opens its own store, as `serve` does) a background
    thread keeps the snapshot and goal mapper at the store's data_version, so writes made
    through other workers are used within `follow_store_interval_s` plus the reload."""
    settings = settings or get_settings()
    following = store is None if follow is None else follow

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Off the event loop: the first load reads the whole graph.
        state = await run_in_threadpool(open_state, settings, store=store, embedder=embedder)
        app.state.mg = state
        job = MaintenanceJob(state, settings.maintenance_interval_hours)
        job.start()
        if following:
            state.start_following()
        try:
            yield
        finally:
            job.stop()
            app.state.mg = None
            await run_in_threadpool(close_state, state)

    app = FastAPI(
        title="mentorgraph",
        version="0.1.0",
        summary="Competency map and mentor recommender",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(WorkerPid)
    app.include_router(health.router)
    app.include_router(dashboard.router)
    for router in (
        people.router,
        me.router,
        mapping.router,
        goals.router,
        taxonomy.router,
        taxonomy_ui.router,
        recommendations.router,
        pairings.router,
        cohorts.router,
        programs.router,
        keys.router,
        analytics.router,
        dashboard_api.router,
        guides.router,
        ranking.router,
    ):
        app.include_router(router, prefix=API_PREFIX, responses=ERROR_RESPONSES)
    build_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        """FastAPI's document, with the maxima that settings decide (api.limits)."""
        if app.openapi_schema is None:
            app.openapi_schema = limits.apply_settings(build_openapi(), settings)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
