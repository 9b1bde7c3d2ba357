"""A fast, deterministic stand-in for the embedding goal mapper, and the seeded demo store the
demo-history, analytics and browser tests share.

`KeywordMapper` maps a goal's text to the active skills whose labels share the most word stems
with it (a word's first six letters); it is what a keyword search would find, good enough to
give the demo's goals targets the recommender can match on, in a second instead of minutes of
embedding ESCO.
"""

from __future__ import annotations

import atexit
import re
import shutil
import tempfile
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

from graph.model import NodeStatus
from graph.store import GraphStore, TaxonomyDump
from graph.stores.embedded import EmbeddedStore
from loaders.demo_org import DemoLoadReport, load_demo

# fmt: off
STOP = frozenset((
    "want", "would", "like", "with", "that", "this", "from", "into", "than", "them", "they",
    "their", "there", "about", "after", "before", "better", "able", "more", "most", "make",
    "have", "year", "next", "find", "become", "goal", "learn", "where", "which", "when",
))
# fmt: on
# The shared demo is seeded up to today, as `serve --demo` does: the service reads the clock
# (stall detection, "now" in program health), so the history must end where the clock is.
DEMO_TODAY = datetime.now(UTC).date()


def stems(text: str) -> list[str]:
    return [w[:6] for w in re.findall(r"[a-z]+", text.casefold()) if len(w) >= 4 and w not in STOP]


class KeywordMapper:
    """`map(text, k)` -> [(skill id, score)], best first; score = shared stems / label stems,
    at most 0.9 (an embedding mapper is never certain either)."""

    def __init__(self, source: GraphStore | TaxonomyDump) -> None:
        self._source = source
        self._index: dict[str, list[str]] | None = None
        self._size: dict[str, int] = {}

    def _build(self) -> dict[str, list[str]]:
        index: dict[str, list[str]] = defaultdict(list)
        src = self._source
        dump = src if isinstance(src, TaxonomyDump) else src.taxonomy()
        for skill in dump.skills:
            if skill.status != NodeStatus.active:
                continue
            words = set(stems(skill.label))
            self._size[skill.id] = max(1, len(words))
            for w in words:
                index[w].append(skill.id)
        return dict(index)

    def map(self, text: str, k: int) -> list[tuple[str, float]]:
        if self._index is None:
            self._index = self._build()
        hits: Counter[str] = Counter()
        for w in set(stems(text)):
            for sid in self._index.get(w, ()):
                hits[sid] += 1
        ranked = sorted(hits, key=lambda s: (-hits[s] / self._size[s], -hits[s], s))
        return [(s, round(min(0.9, 0.35 + 0.55 * hits[s] / self._size[s]), 4)) for s in ranked[:k]]


def seed_demo(store: GraphStore, *, size: int = 1000, seed: int = 7) -> DemoLoadReport:
    """The demo as `mentorgraph serve --demo` seeds it (ESCO, org, mapped goals, nine months
    of history, steward edits), with the keyword mapper and history up to DEMO_TODAY."""
    return load_demo(
        store, size=size, seed=seed, mapper=KeywordMapper(store), map_k=3, today=DEMO_TODAY
    )


_BUILT: dict[tuple[int, int], Path] = {}


def shared_demo(*, size: int = 1000, seed: int = 7) -> Path:
    """The SQLite file of `seed_demo(size, seed)`, built once per test process (a minute on
    two cores). Never write to it: open a copy with `demo_copy`."""
    key = (size, seed)
    if key not in _BUILT:
        folder = Path(tempfile.mkdtemp(prefix="mentorgraph-demo-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        store = EmbeddedStore(folder / "graph.sqlite3")
        try:
            store.init_schema()
            seed_demo(store, size=size, seed=seed)
        finally:
            store.close()
        _BUILT[key] = folder / "graph.sqlite3"
    return _BUILT[key]


def demo_copy(folder: Path, *, size: int = 1000, seed: int = 7) -> EmbeddedStore:
    """A private, writable copy of the shared demo store in `folder`."""
    source = shared_demo(size=size, seed=seed)
    folder.mkdir(parents=True, exist_ok=True)
    for f in source.parent.glob(source.name + "*"):
        shutil.copy(f, folder / f.name)
    store = EmbeddedStore(folder / source.name)
    store.init_schema()
    return store
