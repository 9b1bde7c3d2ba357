"""What the running service holds: the store, the in-memory snapshot and the goal mapper.

Built in the app's lifespan (never at import) and injected into handlers through api.deps.
Writes go through `AppState.write(ops)` so the snapshot the recommender reads stays current.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from graph.recommend import Snapshot
from graph.settings import Settings
from graph.store import GraphStore, StoreOp, touched_by
from graph.stores import open_store
from taxonomy.embedding import FakeEmbedder, SentenceTransformerEmbedder
from taxonomy.embedding_cache import EmbeddingCache
from taxonomy.mapping import GoalMapper

T = TypeVar("T")


def load_snapshot(store: GraphStore) -> Any:
    """The recommender's in-memory view of the whole graph."""

    return Snapshot.load(store)


class _RecordingStore:
    """Delegates to a store and remembers the ops of every `apply` (so the snapshot can re-read
    what they touched)."""

    def __init__(self, store: GraphStore) -> None:
        self._store = store
        self.batches: list[list[StoreOp]] = []

    def apply(self, ops: Sequence[StoreOp]) -> None:
        self._store.apply(ops)
        if ops:  # an empty apply leaves data_version as it is
            self.batches.append(list(ops))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


@dataclass
class AppState:
    settings: Settings
    store: GraphStore
    embedder: Any = None
    mapper: Any = None  # taxonomy.mapping.GoalMapper, built from the stored taxonomy
    snapshot: Any = None  # graph.recommend.Snapshot, the recommender's in-memory view
    owns_store: bool = True
    _write_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def write(self, ops: Sequence[StoreOp]) -> None:
        """Apply ops atomically to the store, then to the snapshot (one writer at a time)."""
        if not ops:
            return
        with self._write_lock:
            self.store.apply(ops)
            self._replay([list(ops)])

    def after_domain_write(self, write: Callable[[GraphStore], T]) -> T:
        """Run a domain function that writes to the store itself; replay its ops on the
        snapshot so the recommender sees them."""
        with self._write_lock:
            recorder = _RecordingStore(self.store)
            try:
                return write(recorder)  # type: ignore[arg-type]
            finally:
                self._replay(recorder.batches)

    def _replay(self, batches: list[list[StoreOp]]) -> None:
        snap = self.snapshot
        if snap is None or not batches:
            return
        version = self.store.data_version()
        if version != snap.data_version + len(batches):
            # Another process (a CLI import, another worker) wrote too: replaying only our
            # ops would miss theirs, so read the whole graph again.
            self.snapshot = load_snapshot(self.store)
            return
        # Re-read from the store what our batches touched (their merged `touches()`).
        snap.refresh(
            self.store, touched_by(op for ops in batches for op in ops), data_version=version
        )

    @property
    def inline_reads(self) -> bool:
        """Whether store reads are local and short (the embedded store: SQLite in WAL mode,
        readers never wait for writers), so handlers may run them on the event loop instead
        of paying a thread-pool hop; network stores (Neo4j) keep the thread pool."""
        return getattr(self.store, "kind", None) == "embedded"

    def fresh_snapshot(self) -> Any | None:
        """The snapshot if it matches the store's data_version right now, else None.

        Takes no lock (one indexed read): a reader never waits for a writer. A write that
        finished before this call has already been replayed (the store's version and the
        snapshot's then agree); one still being replayed shows as None, and
        `current_snapshot` waits for it."""
        snap = self.snapshot
        if snap is not None and not snap.is_stale(self.store):
            return snap
        return None

    def current_snapshot(self) -> Any:
        """The snapshot, reloaded first if someone else (a CLI import, another worker) wrote
        to the store. May block (on a write in progress, or on a reload)."""
        snap = self.fresh_snapshot()
        if snap is not None:
            return snap
        with self._write_lock:
            if self.snapshot is None or self.snapshot.is_stale(self.store):
                self.snapshot = load_snapshot(self.store)
            return self.snapshot


def open_state(
    settings: Settings, *, store: GraphStore | None = None, embedder: Any = None
) -> AppState:
    """Open (or adopt) the store and build what the service reads in memory."""

    owns = store is None
    if store is None:
        store = open_store(settings)
    try:
        store.init_schema()
        state = AppState(settings=settings, store=store, embedder=embedder, owns_store=owns)
        rebuild_indexes(state)
    except BaseException:
        if owns:
            store.close()
        raise
    return state


def make_embedder(settings: Settings) -> Any:
    """The sentence embedder named by settings; "fake" picks the deterministic test embedder."""

    if settings.embedding_model == "fake":
        return FakeEmbedder()
    return SentenceTransformerEmbedder(name=settings.embedding_model, progress=True)


def build_mapper(settings: Settings, store: GraphStore, embedder: Any) -> Any:

    cache = EmbeddingCache.in_dir(settings.embeddings_dir)
    return GoalMapper(store.taxonomy(), embedder, cache=cache)


def rebuild_indexes(state: AppState) -> None:
    """(Re)build the goal mapper and the recommender snapshot from the store."""
    if state.embedder is None:
        state.embedder = make_embedder(state.settings)
    if state.mapper is None:
        state.mapper = build_mapper(state.settings, state.store, state.embedder)
    else:
        state.mapper.refresh(state.store.taxonomy())
    state.snapshot = load_snapshot(state.store)


def refresh_mapper(state: AppState) -> None:
    """After a taxonomy edit: re-index (only never-seen texts are embedded again)."""
    if state.mapper is not None:
        state.mapper.refresh(state.store.taxonomy())


def close_state(state: AppState) -> None:
    if state.owns_store:
        state.store.close()
