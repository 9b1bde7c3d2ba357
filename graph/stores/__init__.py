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

    reader = None
    if driver is None and settings.neo4j_reader_user is not None:
        reader = make_driver(settings, reader=True)
    return Neo4jStore(
        driver or make_driver(settings),
        database=settings.neo4j_database,
        query_timeout_s=settings.neo4j_query_timeout_s,
        write_timeout_s=settings.neo4j_write_timeout_s,
        batch_rows=settings.neo4j_write_batch_rows,
        connect_timeout_s=settings.neo4j_connect_timeout_s,
        reader_driver=reader,
        owns_driver=driver is None,  # drivers we made are ours to close
    )
