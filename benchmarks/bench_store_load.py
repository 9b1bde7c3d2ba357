"""Bulk-load benchmark: the real ESCO taxonomy plus N synthetic people (~10 HAS_SKILL each).

    python benchmarks/bench_store_load.py                      # 10k and 100k people, embedded
    python benchmarks/bench_store_load.py --people 100000 --store neo4j --batch 0 --uri bolt://...

`--batch 0` sends all people in ONE apply, as an import does; the Neo4j store then splits it
into write transactions of at most `--batch-rows` rows (MENTORGRAPH_NEO4J_WRITE_BATCH_ROWS).
The table reports the write transactions each store committed for the people load.

Each size runs in a fresh process (so peak RSS is per size) against a fresh store, through
the public `GraphStore.apply` only. People are built (pydantic-validated) before timing the
store, so "apply" is the store's own time and "build" the loader's model cost. The baseline
row is a bare `sqlite3.executemany` of the same HAS_SKILL tuples into one un-indexed table:
the floor that the embedded store's validation, indexes and upserts add to.
Goal: 100k people (+1M HAS_SKILL) into the embedded store in <= 60 s.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import sqlite3
import sys
import tempfile
import time
from datetime import time as clock
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from graph.model import Person, PersonSkill, WeeklyWindow  # noqa: E402
from graph.store import (  # noqa: E402
    AddBroader,
    GraphStore,
    TaxonomyDump,
    UpsertClusters,
    UpsertPeople,
    UpsertPersonSkills,
    UpsertSkills,
)

SHARED_ESCO = Path("/work/shared/data/esco")
DEPARTMENTS = ["Engineering", "Data", "Sales", "Finance", "HR", "Legal", "Ops", "Design"]
ZONES = ["Europe/Berlin", "Europe/London", "America/New_York", "Asia/Tokyo", "UTC"]


def load_esco(directory: Path | None) -> TaxonomyDump:
    from loaders.esco import bundled_esco_dir, read_esco

    if directory is None:
        directory = SHARED_ESCO if SHARED_ESCO.is_dir() else bundled_esco_dir()
    return read_esco(directory)


def synthetic_people(
    n: int, skill_ids: list[str], per_person: int, seed: int = 7
) -> tuple[list[Person], list[PersonSkill]]:
    """People with a Zipf-like skill popularity; person i reports to person i // 10."""
    rng = np.random.default_rng(seed)
    weights = 1.0 / (np.arange(len(skill_ids)) + 10.0)
    weights /= weights.sum()
    order = rng.permutation(len(skill_ids))
    draws = rng.choice(len(skill_ids), size=(n, per_person * 2), p=weights)
    levels = rng.integers(1, 6, size=(n, per_person))
    willing = rng.random((n, per_person)) < 0.2
    people: list[Person] = []
    has: list[PersonSkill] = []
    for i in range(n):
        pid = f"person-{i:07d}"
        people.append(
            Person(
                id=pid,
                name=f"Person {i}",
                email=f"p{i}@example.org",
                department=DEPARTMENTS[i % len(DEPARTMENTS)],
                timezone=ZONES[i % len(ZONES)],
                manager_id=f"person-{i // 10:07d}" if i else None,
                is_mentor=i % 4 == 0,
                max_mentees=2 if i % 4 == 0 else 0,
                windows=[WeeklyWindow(weekday=i % 5, start=clock(9), end=clock(11))],
            )
        )
        picked = list(dict.fromkeys(int(order[d]) for d in draws[i]))[:per_person]
        for k, s in enumerate(picked):
            has.append(
                PersonSkill(
                    person_id=pid,
                    skill_id=skill_ids[s],
                    level=int(levels[i, k]),
                    willing_to_mentor=bool(willing[i, k]),
                )
            )
    return people, has


def open_bench_store(args: argparse.Namespace, workdir: Path) -> GraphStore:
    if args.store == "embedded":
        from graph.stores.embedded import EmbeddedStore

        return EmbeddedStore(workdir / "bench.sqlite3")
    import neo4j

    from graph.stores.neo4j_store import Neo4jStore

    driver = neo4j.GraphDatabase.driver(args.uri, auth=(args.user, args.password))
    store = Neo4jStore(driver, database=args.database, batch_rows=args.batch_rows, owns_driver=True)
    store.init_schema()
    wipe = getattr(store, "wipe_for_tests", None)
    if wipe is not None:
        wipe()
    return store


def raw_sqlite_baseline(workdir: Path, has: list[PersonSkill]) -> float:
    rows = [(h.person_id, h.skill_id, h.level, int(h.willing_to_mentor)) for h in has]
    conn = sqlite3.connect(workdir / "baseline.sqlite3", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE t (person_id TEXT, skill_id TEXT, level INT, willing INT)")
    start = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", rows)
    conn.execute("COMMIT")
    took = time.perf_counter() - start
    conn.close()
    return took


def run_size(args: argparse.Namespace, n: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="mg-bench-") as tmp:
        workdir = Path(args.path or tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        dump = load_esco(args.esco)
        skill_ids = [s.id for s in dump.skills]
        t0 = time.perf_counter()
        people, has = synthetic_people(n, skill_ids, args.skills_per_person)
        build_s = time.perf_counter() - t0

        store = open_bench_store(args, workdir)
        try:
            t0 = time.perf_counter()
            store.apply(
                [
                    UpsertClusters(dump.clusters),
                    UpsertSkills(dump.skills),
                    AddBroader(dump.broader),
                ]
            )
            taxonomy_s = time.perf_counter() - t0

            per_person: dict[str, list[PersonSkill]] = {}
            for h in has:
                per_person.setdefault(h.person_id, []).append(h)
            step = args.batch or n
            txs_before = getattr(store, "write_transactions", 0)
            applies = 0
            t0 = time.perf_counter()
            for start in range(0, n, step):
                chunk = people[start : start + step]
                rows = [h for p in chunk for h in per_person.get(p.id, [])]
                store.apply([UpsertPeople(chunk), UpsertPersonSkills(rows)])
                applies += 1
            people_s = time.perf_counter() - t0
            # the embedded store writes each apply in one transaction
            txs = getattr(store, "write_transactions", txs_before + applies) - txs_before

            t0 = time.perf_counter()
            scanned = sum(len(b) for b in store.iter_person_skills(batch_size=50_000))
            scan_s = time.perf_counter() - t0
            assert scanned == len(has), (scanned, len(has))
            assert store.count_people() == n
        finally:
            store.close()
        baseline_s = raw_sqlite_baseline(workdir, has) if args.store == "embedded" else None
        db_bytes = sum(f.stat().st_size for f in workdir.glob("bench.sqlite3*"))
    taxonomy_rows = len(dump.skills) + len(dump.clusters) + len(dump.broader)
    return {
        "people": n,
        "has_skill": len(has),
        "taxonomy_rows": taxonomy_rows,
        "taxonomy_s": taxonomy_s,
        "build_s": build_s,
        "people_s": people_s,
        "write_txs": txs,
        "applies": applies,
        "scan_s": scan_s,
        "baseline_s": baseline_s,
        "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "db_mb": db_bytes / 1e6,
    }


def _child(args: argparse.Namespace, n: int, out: Any) -> None:
    out.put(run_size(args, n))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--store", choices=["embedded", "neo4j"], default="embedded")
    parser.add_argument("--skills-per-person", type=int, default=10)
    parser.add_argument(
        "--batch", type=int, default=5_000, help="people per apply (0: all in one apply)"
    )
    parser.add_argument(
        "--batch-rows", type=int, default=10_000, help="Neo4j store: rows per write transaction"
    )
    parser.add_argument("--esco", type=Path, default=None, help="ESCO CSV directory")
    parser.add_argument("--path", type=Path, default=None, help="keep the store files here")
    parser.add_argument("--uri", default="bolt://127.0.0.1:7687")
    parser.add_argument("--user", default="root")
    parser.add_argument("--password", default="mentorgraph-ci")
    parser.add_argument("--database", default="competency")
    args = parser.parse_args(argv)

    from rich.console import Console
    from rich.table import Table

    console = Console(width=None if sys.stdout.isatty() else 170)
    results = []
    ctx = mp.get_context("spawn")
    for n in args.people:
        console.print(f"[bold]{args.store}[/]: ESCO + {n:,} people ...")
        queue = ctx.Queue()
        proc = ctx.Process(target=_child, args=(args, n, queue))
        proc.start()
        result = queue.get()
        proc.join()
        results.append(result)

    per_apply = f"{args.batch:,} people per apply" if args.batch else "one apply"
    rows_tx = f", at most {args.batch_rows:,} rows per transaction" if args.store == "neo4j" else ""
    table = Table(title=f"Bulk load into the {args.store} store ({per_apply}{rows_tx})")
    for col in (
        "people",
        "HAS_SKILL",
        "ESCO rows / s",
        "people load s",
        "rows / s",
        "applies",
        "write txs",
        "vs raw sqlite",
        "model build s",
        "scan HAS_SKILL rows / s",
        "peak RSS MB",
        "file MB",
    ):
        table.add_column(col, justify="right")
    for r in results:
        rows = r["people"] + r["has_skill"]
        ratio = "-" if r["baseline_s"] is None else f"{r['people_s'] / r['baseline_s']:.1f}x"
        table.add_row(
            f"{r['people']:,}",
            f"{r['has_skill']:,}",
            f"{r['taxonomy_rows'] / r['taxonomy_s']:,.0f} ({r['taxonomy_s']:.1f} s)",
            f"{r['people_s']:.1f}",
            f"{rows / r['people_s']:,.0f}",
            f"{r['applies']:,}",
            f"{r['write_txs']:,}",
            ratio,
            f"{r['build_s']:.1f}",
            f"{r['has_skill'] / r['scan_s']:,.0f}",
            f"{r['maxrss_mb']:,.0f}",
            f"{r['db_mb']:,.0f}" if args.store == "embedded" else "-",
        )
    console.print(table)
    console.print(
        "rows = people + HAS_SKILL; 'vs raw sqlite' = store apply time / bare executemany of "
        "the same HAS_SKILL tuples into one plain table; peak RSS includes the built models."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
