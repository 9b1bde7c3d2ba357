"""What the running service (or one CLI command) holds: the store, the in-memory snapshot,
the goal mapper and the cohort runs awaiting publication.

Built in the app's lifespan (never at import) and injected into handlers through api.deps;
the CLI opens one per command, lazily (`open_state(..., lazy=True)`: the embedding model and
the snapshot are loaded only when a command first needs them). Writes go through
`AppState.write(ops)` / `AppState.write_plan(plan)`, one apply each, so the snapshot the
recommender reads stays current.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from graph.errors import NotFound
from graph.recommend import Snapshot
from graph.recommend.cohort import CohortResult
from graph.recommend.groups import Formed
from graph.recommend.scoring import Weights
from graph.settings import Settings
from graph.store import GraphStore, Planned, StoreOp, changes_graph, touched_by
from graph.stores import open_store
from taxonomy.embedding import Embedder, FakeEmbedder, SentenceTransformerEmbedder
from taxonomy.embedding_cache import EmbeddingCache
from taxonomy.goal_mapping import learn_corrections
from taxonomy.mapping import GoalMapper

T = TypeVar("T")

KEEP_COHORT_RUNS = 20


@dataclass(frozen=True)
class CohortRun:
    """One cohort match, kept until published: the result and whether it was published."""

    run_id: str
    result: CohortResult
    published: bool = False
    formed: Formed = field(default_factory=Formed)  # the run's groups and peer circles


class CohortRuns:
    """Cohort match results awaiting review and publication, in memory (the last `keep` of
    this process, oldest dropped first). Thread-safe."""

    def __init__(self, keep: int = KEEP_COHORT_RUNS) -> None:
        self.keep = keep
        self._runs: OrderedDict[str, CohortRun] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def new_id() -> str:
        """A fresh run id, `run_<12 hex>`."""
        return "run_" + secrets.token_hex(6)

    def add(
        self, result: CohortResult, run_id: str | None = None, formed: Formed | None = None
    ) -> CohortRun:
        """Keep a new run (its pairs, and the groups and circles it formed), under `run_id`
        or a fresh id."""
        run = CohortRun(run_id=run_id or self.new_id(), result=result, formed=formed or Formed())
        with self._lock:
            self._runs[run.run_id] = run
            while len(self._runs) > self.keep:
                self._runs.popitem(last=False)
        return run

    def get(self, run_id: str) -> CohortRun:
        """The run; NotFound if unknown or already dropped."""
        with self._lock:
            run = self._runs.get(run_id)
        if run is None:
            raise NotFound(
                f"cohort run {run_id!r} not found (runs are kept in memory, last {self.keep})"
            )
        return run

    def mark_published(self, run_id: str) -> CohortRun:
        with self._lock:
            run = self._runs.get(run_id)
            if run is None:  # dropped meanwhile: nothing left to mark
                raise NotFound(f"cohort run {run_id!r} not found")
            run = self._runs[run_id] = CohortRun(
                run.run_id, run.result, published=True, formed=run.formed
            )
        return run

    def __len__(self) -> int:
        return len(self._runs)


def load_snapshot(store: GraphStore, *, progress: bool = False) -> Snapshot:
    """The recommender's in-memory view of the whole graph."""

    return Snapshot.load(store, progress=progress)


@dataclass
class AppState:
    settings: Settings
    store: GraphStore
    embedder: Embedder | None = None
    mapper: GoalMapper | None = None  # built from the stored taxonomy (`goal_mapper()`)
    snapshot: Snapshot | None = None  # the recommender's in-memory view
    cohort_runs: CohortRuns = field(default_factory=CohortRuns)
    owns_store: bool = True
    progress: bool = False  # progress bars while loading (the CLI)
    # The ranking weights in effect (api.usecases.ranking.current_weights): None until first
    # read from the audit log of weight decisions; set again by each accept/set/revert.
    ranking_weights: Weights | None = None
    # Re-entrant: a plan run under it may ask for `current_snapshot()`.
    _write_lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _index_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # --- writes -----------------------------------------------------------------------------

    def write(self, ops: Sequence[StoreOp]) -> None:
        """Apply ops atomically to the store (one apply), then to the snapshot (one writer at
        a time). BatchRejected: nothing written."""
        if not ops:
            return
        with self._write_lock:
            self._apply(ops)

    def write_plan(self, plan: Callable[[GraphStore], Planned[T]]) -> T:
        """Work a change out and write it, under the write lock: `plan(store)` reads the store
        (seeing every earlier write of this process, none can come between) and returns the
        ops of ONE apply with its result; the ops are applied, the result returned. An error
        in `plan` or in the apply writes nothing."""
        with self._write_lock:
            planned = plan(self.store)
            if planned.ops:
                self._apply(planned.ops)
            return planned.result

    def _apply(self, ops: Sequence[StoreOp]) -> None:
        self.store.apply(ops)
        snap = self.snapshot
        if snap is None or not changes_graph(ops):
            return  # audit entries and keys: the store's version stays, nothing to replay
        version = self.store.data_version()
        if version != snap.data_version + 1:
            # Another process (a CLI import, another worker) wrote too: replaying only our
            # ops would miss theirs, so read the whole graph again.
            self.snapshot = load_snapshot(self.store)
            return
        # Re-read from the store what the ops touched (their merged `touches()`).
        snap.refresh(self.store, touched_by(ops), data_version=version)

    # --- reads ------------------------------------------------------------------------------

    @property
    def inline_reads(self) -> bool:
        """Whether store reads are local and short (the embedded store: SQLite in WAL mode,
        readers never wait for writers), so handlers may run them on the event loop instead
        of paying a thread-pool hop; network stores (Neo4j) keep the thread pool."""
        return getattr(self.store, "kind", None) == "embedded"

    def fresh_snapshot(self) -> Snapshot | None:
        """The snapshot if it matches the store's data_version right now, else None.

        Takes no lock (one indexed read): a reader never waits for a writer. A write that
        finished before this call has already been replayed (the store's version and the
        snapshot's then agree); one still being replayed shows as None, and
        `current_snapshot` waits for it."""
        snap = self.snapshot
        if snap is not None and not snap.is_stale(self.store):
            return snap
        return None

    def current_snapshot(self) -> Snapshot:
        """The snapshot, loaded first if there is none yet or someone else (a CLI import,
        another worker) wrote to the store. May block (on a write in progress, or a load)."""
        snap = self.fresh_snapshot()
        if snap is not None:
            return snap
        with self._write_lock:
            if self.snapshot is None or self.snapshot.is_stale(self.store):
                self.snapshot = load_snapshot(self.store, progress=self.progress)
            return self.snapshot

    def goal_mapper(self) -> GoalMapper:
        """The goal mapper, built from the stored taxonomy on first use (the first build embeds
        every label not in the embedding cache: minutes with the real model)."""
        with self._index_lock:
            if self.mapper is None:
                if self.embedder is None:
                    self.embedder = make_embedder(self.settings)
                self.mapper = build_mapper(self.settings, self.store, self.embedder)
            return self.mapper

    def refresh_mapper(self) -> None:
        """After a taxonomy change: re-index a built mapper (only never-seen texts are
        embedded again); one not built yet will read the new taxonomy when it is."""
        with self._index_lock:
            if self.mapper is not None:
                self.mapper.refresh(self.store.taxonomy())


def open_state(
    settings: Settings,
    *,
    store: GraphStore | None = None,
    embedder: Embedder | None = None,
    lazy: bool = False,
    progress: bool = False,
) -> AppState:
    """Open (or adopt) the store and build what the service reads in memory; with `lazy`,
    the mapper and the snapshot are built on first use instead (the CLI)."""

    owns = store is None
    if store is None:
        store = open_store(settings)
    try:
        store.init_schema()
        state = AppState(
            settings=settings, store=store, embedder=embedder, owns_store=owns, progress=progress
        )
        if not lazy:
            rebuild_indexes(state)
    except BaseException:
        if owns:
            store.close()
        raise
    return state


def make_embedder(settings: Settings) -> Embedder:
    """The sentence embedder named by settings; "fake" picks the deterministic test embedder."""

    if settings.embedding_model == "fake":
        return FakeEmbedder()
    return SentenceTransformerEmbedder(name=settings.embedding_model, progress=True)


def build_mapper(settings: Settings, store: GraphStore, embedder: Embedder) -> GoalMapper:
    """A goal mapper over the stored taxonomy, with the on-disk embedding cache, taught the
    stored steward corrections (taxonomy.goal_mapping.learn_corrections)."""

    cache = EmbeddingCache.in_dir(settings.embeddings_dir)
    mapper = GoalMapper(store.taxonomy(), embedder, cache=cache)
    learn_corrections(mapper, store)  # the private store of steward corrections
    return mapper


def rebuild_indexes(state: AppState) -> None:
    """(Re)build the goal mapper and the recommender snapshot from the store."""
    if state.mapper is None:
        state.goal_mapper()
    else:
        state.refresh_mapper()
    state.snapshot = load_snapshot(state.store, progress=state.progress)


def close_state(state: AppState) -> None:
    if state.owns_store:
        state.store.close()
