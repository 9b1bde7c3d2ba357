"""What the running service (or one CLI command) holds: the store, the in-memory snapshot,
the goal mapper and the cohort runs awaiting publication.

Built in the app's lifespan (never at import) and injected into handlers through api.deps;
the CLI opens one per command, lazily (`open_state(..., lazy=True)`: the embedding model and
the snapshot are loaded only when a command first needs them). Writes go through
`AppState.write(ops)` / `AppState.write_plan(plan)`, one apply each, so the snapshot the
recommender reads stays current.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import secrets
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from graph.errors import NotFound
from graph.model import CohortRunRecord, MentoringModel, TargetSource
from graph.recommend import Snapshot
from graph.recommend.cohort import CohortResult, ProposedPairing, Unmatched
from graph.recommend.groups import Circle, Formed, Group
from graph.recommend.scoring import Weights
from graph.recommend.snapshot import State
from graph.settings import Settings
from graph.store import (
    GraphStore,
    Planned,
    PutCohortRuns,
    StoreOp,
    Touched,
    changes_graph,
    touched_by,
)
from graph.stores import open_store
from taxonomy.embedding import Embedder, FakeEmbedder, SentenceTransformerEmbedder
from taxonomy.embedding_cache import EmbeddingCache
from taxonomy.goal_mapping import learn_corrections
from taxonomy.mapping import GoalMapper

T = TypeVar("T")

# The goal text a stored run's reasons quote is kept as this token (the goal's id): the text
# stays in the goals alone (privacy by construction) and is filled in when the run is read.
GOAL_TOKEN = "\u27e6goal:{}\u27e7"
_GOAL_TOKEN_RE = re.compile("\u27e6goal:([^\u27e7]+)\u27e7")
GONE_GOAL = "(a goal since removed)"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CohortRun:
    """One cohort match kept for review: the result and whether it was published."""

    run_id: str
    result: CohortResult
    published: bool = False
    formed: Formed = field(default_factory=Formed)  # the run's groups and peer circles


def encode_result(
    result: CohortResult, goal_texts: Mapping[str, str], formed: Formed | None = None
) -> str:
    """The result (and the groups and circles the run formed) as JSON text for the store;
    each quoted goal text (`goal_texts`: goal id -> text of the run's mentees' goals) in a
    reason becomes `GOAL_TOKEN`."""
    data = dataclasses.asdict(result)
    data["formed"] = dataclasses.asdict(formed or Formed())
    quoted = sorted(((f'"{t}"', gid) for gid, t in goal_texts.items() if t), reverse=True)

    def token(reasons: list[str]) -> list[str]:
        out = []
        for reason in reasons:
            for text, gid in quoted:
                reason = reason.replace(text, '"' + GOAL_TOKEN.format(gid) + '"')
            out.append(reason)
        return out

    for proposal in data["proposals"]:
        proposal["reasons"] = token(proposal["reasons"])
    for group in data["formed"]["groups"]:  # a member's reasons may quote their own goal
        group["reasons"] = {m: token(r) for m, r in group["reasons"].items()}
    return json.dumps(data, default=str, separators=(",", ":"))


def decode_result(text: str, goal_text: Callable[[str], str | None]) -> tuple[CohortResult, Formed]:
    """The stored result and formed groups and circles back, goal tokens replaced by the
    goal's current text (looked up by `goal_text(goal_id)`; a removed goal reads
    `GONE_GOAL`)."""
    data = json.loads(text)

    def fill(reason: str) -> str:
        return _GOAL_TOKEN_RE.sub(lambda m: goal_text(m.group(1)) or GONE_GOAL, reason)

    data["proposals"] = [
        ProposedPairing(**{**p, "reasons": [fill(r) for r in p["reasons"]]})
        for p in data["proposals"]
    ]
    data["unmatched"] = [Unmatched(**u) for u in data["unmatched"]]
    data["model"] = MentoringModel(data["model"])
    data["matched_by_round"] = tuple(data.get("matched_by_round", ()))
    stored = data.pop("formed", None) or {"groups": [], "circles": [], "notes": []}
    formed = Formed(
        groups=[
            Group(**{**g, "reasons": {m: [fill(x) for x in r] for m, r in g["reasons"].items()}})
            for g in stored["groups"]
        ],
        circles=[Circle(**c) for c in stored["circles"]],
        notes=list(stored.get("notes", [])),
    )
    known = {f.name for f in dataclasses.fields(CohortResult)}
    return CohortResult(**{k: v for k, v in data.items() if k in known}), formed


class CohortRuns:
    """Cohort runs kept in the store (`PutCohortRuns` / `PublishCohortRun`), so every API
    worker reads and publishes the same runs. Thread-safe (the store is)."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store

    @staticmethod
    def new_id() -> str:
        """A fresh run id, `run_<24 hex>`."""
        return "run_" + secrets.token_hex(12)

    @staticmethod
    def record(
        result: CohortResult,
        run_id: str,
        *,
        by: str,
        goal_texts: Mapping[str, str],
        formed: Formed | None = None,
    ) -> PutCohortRuns:
        """The op that keeps a new run, its pairs and the groups and circles it formed (apply
        it with the run's audit entry)."""
        rec = CohortRunRecord(
            id=run_id,
            program=result.program,
            data_version=result.data_version,
            created_by=by,
            result=encode_result(result, goal_texts, formed),
        )
        return PutCohortRuns([rec])

    def _goal_text(self, goal_id: str) -> str | None:
        goal = self.store.get_goal(goal_id)
        return goal.text if goal is not None else None

    def get(self, run_id: str) -> CohortRun:
        """The run; NotFound if the store has no such run."""
        rec = self.store.get_cohort_run(run_id)
        if rec is None:
            raise NotFound(f"cohort run {run_id!r} not found")
        result, formed = decode_result(rec.result, self._goal_text)
        return CohortRun(
            run_id=rec.id,
            result=result,
            published=rec.published_at is not None,
            formed=formed,
        )


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
    owns_store: bool = True
    progress: bool = False  # progress bars while loading (the CLI)
    # The ranking weights in effect (api.usecases.ranking.current_weights): None until first
    # read from the audit log of weight decisions; set again by each accept/set/revert.
    ranking_weights: Weights | None = None
    # when they were last checked against the store (monotonic seconds, and UTC for the
    # audit ids), so another worker's change is followed within ranking.FOLLOW_S
    ranking_weights_checked: float = 0.0
    ranking_weights_seen: datetime | None = None
    # Re-entrant: a plan run under it may ask for `current_snapshot()`.
    _write_lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _index_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # Following the store (`start_following`): what the mapper was built from, whether a
    # replay may have changed that, and the follower thread.
    _mapper_inputs: Any = field(default=None, repr=False)
    _mapper_dirty: bool = field(default=False, repr=False)
    _follower: threading.Thread | None = field(default=None, repr=False)
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)
    _catch_up_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    store_reachable: bool = True  # the follower's last look at the store

    @property
    def cohort_runs(self) -> CohortRuns:
        """Cohort runs, in the store (any worker reads and publishes them)."""
        return CohortRuns(self.store)

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
            # Another process (a CLI import, another worker) wrote too: re-read what every
            # apply since the snapshot touched (the store's change log), ours included.
            if self._replay_since(snap):
                self._mapper_dirty = True  # the follower checks the mapper's inputs
            return
        # Re-read from the store what the ops touched (their merged `touches()`).
        snap.refresh(self.store, touched_by(ops), data_version=version)

    def _replay_since(self, snap: Snapshot) -> bool:
        """Bring `snap` from its version to the store's current one by re-reading
        what the change log says the applies since touched; the whole graph when the log
        lacks one. Call under the write lock. True if the goal mapper's inputs may have
        changed (taxonomy, goal targets, repointed nodes)."""
        changes = self.store.changes_since(snap.data_version)
        if changes is None:
            self.snapshot = load_snapshot(self.store)
            return True
        merged = Touched()
        for touched in changes:
            merged = merged | touched
        # the version of the last change replayed (the log may reach past `version` by now)
        snap.refresh(self.store, merged, data_version=snap.data_version + len(changes))
        return bool(merged.taxonomy or merged.goal_targets or merged.referenced_nodes)

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
            if self.snapshot is None:
                self.snapshot = load_snapshot(self.store, progress=self.progress)
            elif self.snapshot.is_stale(self.store) and self._replay_since(self.snapshot):
                # another process wrote: what it touched was re-read (the change log), and
                # the taxonomy or the corrections may have changed
                self._mapper_dirty = True
            return self.snapshot

    def goal_mapper(self) -> GoalMapper:
        """The goal mapper, built from the stored taxonomy on first use (the first build embeds
        every label not in the embedding cache: minutes with the real model)."""
        with self._index_lock:
            if self.mapper is None:
                if self.embedder is None:
                    self.embedder = make_embedder(self.settings, progress=self.progress)
                self.mapper = build_mapper(self.settings, self.store, self.embedder)
            return self.mapper

    def refresh_mapper(self) -> None:
        """After a taxonomy change: re-index a built mapper (only never-seen texts are
        embedded again); one not built yet will read the new taxonomy when it is."""
        with self._index_lock:
            if self.mapper is not None:
                self.mapper.refresh(self.store.taxonomy())

    # --- following the store ------------------------------------------------------------------

    def catch_up(self) -> bool:
        """Bring the snapshot and the goal mapper up to the store's data_version if another
        worker or process wrote; True if anything was reloaded. The snapshot re-reads only
        what the store's change log says the applies since its version touched (a new State
        is built beside the old one, which readers keep using until the swap); the whole
        graph only when the log lacks a version. The goal mapper is rebuilt only when what it
        is built from changed: the taxonomy or the steward corrections. Store failures
        (StoreUnavailable...) propagate: the follower logs them and tries again.
        """
        with self._catch_up_lock:
            changed = False
            check_mapper = False
            version = self.store.data_version()
            snap = self.snapshot
            if snap is None:
                new = load_snapshot(self.store)
                with self._write_lock:
                    if self.snapshot is None:
                        self.snapshot = new
                        changed = check_mapper = True
                snap = self.snapshot
            elif snap.data_version < version:
                # Replayed from the change log (a few records); the old State stays readable
                # until the new one is swapped in (Snapshot.refresh).
                with self._write_lock:
                    current = self.snapshot
                    assert current is not None
                    if current.data_version < version:
                        check_mapper = self._replay_since(current)
                        changed = True
                    snap = self.snapshot
            assert snap is not None
            check_mapper = check_mapper or self._mapper_dirty
            self._mapper_dirty = False
            if self.mapper is not None and (check_mapper or self._mapper_inputs is None):
                inputs = mapper_inputs(snap.state)
                if self._mapper_inputs is not None and inputs != self._mapper_inputs:
                    assert self.embedder is not None  # set when the mapper was built
                    mapper = build_mapper(self.settings, self.store, self.embedder)
                    with self._index_lock:
                        self.mapper = mapper
                    changed = True
                self._mapper_inputs = inputs
            return changed

    def start_following(self, interval_s: float | None = None) -> None:
        """Start the background thread that calls `catch_up` every `interval_s` seconds
        (default settings.follow_store_interval_s; 0: none), so each worker uses what another
        worker wrote (a taxonomy edit, an alias, a mapping correction, any graph change)
        within about that interval plus the reload. Never runs on the event loop."""
        interval = self.settings.follow_store_interval_s if interval_s is None else interval_s
        if interval <= 0 or self._follower is not None:
            return
        self._stop.clear()

        def loop() -> None:
            while not self._stop.wait(interval):
                try:
                    self.catch_up()
                    if not self.store_reachable:
                        log.warning("store reachable again; following its data_version")
                    self.store_reachable = True
                except Exception as exc:  # a down store: keep serving, try again
                    if self.store_reachable:
                        log.warning("cannot follow the store (%s); retrying", exc)
                    self.store_reachable = False

        self._follower = threading.Thread(target=loop, name="store-follower", daemon=True)
        self._follower.start()

    def stop_following(self) -> None:
        follower, self._follower = self._follower, None
        if follower is not None:
            self._stop.set()
            follower.join(timeout=30)


def mapper_inputs(state: State) -> tuple[Any, frozenset[tuple[str, str]]]:
    """What a goal mapper is built from, as comparable values: the taxonomy's nodes and
    BROADER edges, and the steward corrections (goal wording, steward target)."""
    graph = state.hierarchy.graph
    nodes = {n: data.get("node") for n, data in graph.nodes(data=True)}
    taxonomy = (nodes, frozenset(graph.edges()))
    corrections = frozenset(
        (goal.text.strip(), t.node_id)
        for gid, targets in state.targets.items()
        if (goal := state.goals.get(gid)) is not None
        for t in targets
        if t.source == TargetSource.steward
    )
    return taxonomy, corrections


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


def make_embedder(settings: Settings, *, progress: bool = False) -> Embedder:
    """The sentence embedder named by settings; "fake" picks the deterministic test embedder.
    `progress`: its bars (loading the weights, embedding many texts) on stderr."""

    if settings.embedding_model == "fake":
        return FakeEmbedder()
    return SentenceTransformerEmbedder(name=settings.embedding_model, progress=progress)


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
    state._mapper_inputs = mapper_inputs(state.snapshot.state)


def close_state(state: AppState) -> None:
    state.stop_following()
    if state.owns_store:
        state.store.close()
