"""Store implementations and the factory that picks one from settings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from graph.stores.embedded import EmbeddedStore
from graph.stores.neo4j_store import Neo4jStore, make_driver

if TYPE_CHECKING:
    from graph.settings import Settings
    from graph.store import GraphStore


def open_store(settings: Settings, *, driver: Any | None = None) -> GraphStore:
    """Open the configured store. For Neo4j a driver may be injected (tests, the app)."""
    if settings.store == "embedded":
        return EmbeddedStore(settings.embedded_file)

    return Neo4jStore(
        driver or make_driver(settings),
        database=settings.neo4j_database,
        query_timeout_s=settings.neo4j_query_timeout_s,
        owns_driver=driver is None,  # a driver we made is ours to close
    )
