"""People import speed on the embedded store: 100k rows in at most 60 s is the target.

    python benchmarks/bench_people_import.py                 # 100k people, CSV
    python benchmarks/bench_people_import.py --size 10000 --format jsonl

The file is the demo org (loaders.demo_org, seed 7) on the real ESCO taxonomy, written as a
people file whose skills are given by LABEL (so every skill goes through label resolution) and
whose goals are free text. Rows timed, in one fresh embedded store:

- generate org       generate_org(size) (for reference: the demo loader's own cost)
- baseline apply     store.apply of the same rows, already validated (no file, no checks):
                     the floor any importer on this store pays; in a separate fresh store
- import (fresh)     import_people into an empty-of-people store: parse, validate, resolve,
                     manager checks, diff, one apply
- dry run (again)    the same file, dry_run=True, on the now-full store (diff only)
- re-import          the same file again: everything unchanged, nothing written

The ratio column is each row's wall time over the baseline apply. CPU s is this process's CPU
time (user + system): on a shared machine it shows the work done when the wall time is
inflated by other load (the store's SQLite work runs in this process, so it is included).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from graph.store import GraphStore, UpsertGoals, UpsertPeople, UpsertPersonSkills
from graph.stores.embedded import EmbeddedStore
from loaders.demo_org import generate_org
from loaders.esco import bundled_esco_dir, read_esco
from loaders.people import import_people, paused_gc
from loaders.people_format import (
    CSV_COLUMNS,
    person_to_csv_values,
    person_to_json,
    write_csv,
    write_jsonl,
)
from taxonomy.importer import import_taxonomy


def fresh_store(directory: Path, name: str) -> GraphStore:
    store = EmbeddedStore(directory / f"{name}.sqlite3")
    store.init_schema()
    return store


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--format", choices=["csv", "jsonl"], default="csv")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    console = Console()
    rows: list[tuple[str, float, float]] = []  # step, wall seconds, CPU seconds

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        dump = read_esco(bundled_esco_dir())
        # by label, except the two ESCO labels that carry a ';' (a CSV list separator)
        labels = {s.id: s.id if ";" in s.label else s.label for s in dump.skills}

        t, c = time.perf_counter(), time.process_time()
        org = generate_org(dump, size=args.size, seed=args.seed)
        rows.append(
            (f"generate org ({args.size:,})", time.perf_counter() - t, time.process_time() - c)
        )

        skills_of: dict[str, list] = {}
        for ps in org.person_skills:
            # by label, not id: the import has to resolve every one
            skills_of.setdefault(ps.person_id, []).append(
                ps.model_copy(update={"skill_id": labels[ps.skill_id]})
            )
        goals_of: dict[str, list] = {}
        for g in org.goals:
            goals_of.setdefault(g.person_id, []).append(g)
        path = work / f"people.{args.format}"
        if args.format == "csv":
            write_csv(
                path,
                (
                    person_to_csv_values(p, skills_of.get(p.id, []), goals_of.get(p.id, []))
                    for p in org.people
                ),
                list(CSV_COLUMNS),
            )
        else:
            write_jsonl(
                path,
                (
                    person_to_json(p, skills_of.get(p.id, []), goals_of.get(p.id, []))
                    for p in org.people
                ),
            )
        mb = path.stat().st_size / 1e6

        stores = []
        for name in ("baseline", "import"):
            store = fresh_store(work, name)
            t, c = time.perf_counter(), time.process_time()
            import_taxonomy(store, dump, actor="bench", source="esco")
            console.print(f"ESCO taxonomy into {name} store: {time.perf_counter() - t:.1f} s")
            stores.append(store)
        baseline_store, store = stores

        t, c = time.perf_counter(), time.process_time()
        with paused_gc():  # as import_people does
            baseline_store.apply(
                [
                    UpsertPeople(org.people),
                    UpsertPersonSkills(org.person_skills),
                    UpsertGoals(org.goals),
                ]
            )
        base = time.perf_counter() - t
        rows.append(("baseline apply (validated rows)", base, time.process_time() - c))

        t, c = time.perf_counter(), time.process_time()
        report = import_people(store, path)
        rows.append(
            (
                f"import (fresh), {mb:.1f} MB {args.format}",
                time.perf_counter() - t,
                time.process_time() - c,
            )
        )
        assert len(report.added) == args.size and not report.problems, report.summary()

        t, c = time.perf_counter(), time.process_time()
        dry = import_people(store, path, dry_run=True)
        rows.append(("dry run (again)", time.perf_counter() - t, time.process_time() - c))
        assert len(dry.unchanged) == args.size, dry.summary()

        t, c = time.perf_counter(), time.process_time()
        again = import_people(store, path)
        rows.append(("re-import (unchanged)", time.perf_counter() - t, time.process_time() - c))
        assert len(again.unchanged) == args.size, again.summary()
        for opened in stores:
            opened.close()

    table = Table(
        title=f"people import, {args.size:,} people, {len(org.person_skills):,} skills, "
        f"{len(org.goals):,} goals, embedded store"
    )
    table.add_column("step")
    table.add_column("seconds", justify="right")
    table.add_column("CPU s", justify="right")
    table.add_column("rows/s", justify="right")
    table.add_column("x baseline", justify="right")
    for step, secs, cpu in rows:
        table.add_row(
            step, f"{secs:.1f}", f"{cpu:.1f}", f"{args.size / secs:,.0f}", f"{secs / base:.2f}"
        )
    console.print(table)
    fresh = next(s for n, s, _ in rows if n.startswith("import (fresh)"))
    verdict = "OK" if fresh <= 60 else "OVER"
    console.print(f"target: 100k rows in <= 60 s -> fresh import {fresh:.1f} s ({verdict})")
    console.print(f"report: {report.summary()}")


if __name__ == "__main__":
    main()
