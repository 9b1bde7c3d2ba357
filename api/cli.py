"""The `mentorgraph` command line.

Exit codes scripts can trust: 0 ok, 1 a domain error (bad data, not found, conflict, store
down), 2 a usage error (unknown option, missing argument). Errors go to stderr as one line
(plus per-row problems), never as a traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
import uvicorn
from rich.console import Console
from rich.progress import track
from rich.table import Table

from api import audit
from api.auth import create_key, revoke_key
from api.main import create_app
from api.state import build_mapper, make_embedder
from graph.errors import MentorgraphError
from graph.lifecycle.cohorts import publish as publish_result
from graph.model import Role, utcnow
from graph.recommend import RecommendOptions, Snapshot, Weights, recommend
from graph.recommend.cohort import match_cohort
from graph.settings import Settings
from graph.store import GraphStore
from graph.stores import open_store
from loaders.calendar import import_availability
from loaders.demo_org import load_demo
from loaders.esco import bundled_esco_dir, read_esco
from loaders.framework import read_framework
from loaders.people import import_people
from taxonomy.goal_mapping import map_goal
from taxonomy.importer import import_taxonomy

app = typer.Typer(
    name="mentorgraph",
    help="Graph-based competency map and mentor recommender.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
keys_app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)
import_app = typer.Typer(help="Import taxonomies, people and availability.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
app.add_typer(import_app, name="import")

out = Console()
err = Console(stderr=True)


def settings() -> Settings:
    """Fresh settings from the environment (never cached: tests change the environment)."""
    return Settings()


@contextmanager
def opened_store() -> Iterator[GraphStore]:

    store = open_store(settings())
    try:
        store.init_schema()
        yield store
    finally:
        store.close()


def fail(message: str, details: list[dict[str, Any]] | None = None) -> None:
    err.print(f"error: {message}", markup=False, highlight=False)
    for d in (details or [])[:20]:
        where = d.get("source") or (f"row {d['row']}" if "row" in d else "")
        err.print(f"  {where} {d.get('field', '')}: {d.get('reason', '')}".rstrip(), markup=False)
    raise typer.Exit(1)


# --- keys -----------------------------------------------------------------------------------


def parse_expiry(text: str | None) -> datetime | None:
    """'30d', '12h' or an ISO date/time (UTC if no offset)."""
    if not text:
        return None
    units = {"d": "days", "h": "hours", "m": "minutes"}
    if text[-1:] in units and text[:-1].isdigit():
        return datetime.now(UTC) + timedelta(**{units[text[-1]]: int(text[:-1])})
    try:
        when = datetime.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter("use 30d, 12h or an ISO date such as 2027-01-31") from exc
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@keys_app.command("create")
def keys_create(
    role: Annotated[
        list[Role], typer.Option("--role", "-r", help="repeat for several roles", min=1)
    ],
    person: Annotated[str | None, typer.Option(help="person id the key acts for")] = None,
    label: Annotated[str, typer.Option(help="a note to recognise the key by")] = "",
    expires: Annotated[str | None, typer.Option(help="30d, 12h or an ISO date")] = None,
) -> None:
    """Create a key and print its secret once (only its hash is stored)."""

    when = parse_expiry(expires)
    with opened_store() as store:
        key, token = create_key(store, role, person_id=person, label=label, expires_at=when)

        audit.record(store, "cli", "key.create", key.id, {"roles": list(key.roles)})
    err.print(f"created {key.id} ({', '.join(key.roles)}); the secret is shown only now:")
    print(token)


@keys_app.command("list")
def keys_list() -> None:
    """List keys (ids, roles, person, expiry, revoked); secrets are never shown."""
    with opened_store() as store:
        keys = store.list_api_keys()
    table = Table("id", "roles", "person", "label", "expires", "revoked")
    for k in keys:
        table.add_row(
            k.id,
            ",".join(k.roles),
            k.person_id or "",
            k.label,
            k.expires_at.isoformat() if k.expires_at else "",
            k.revoked_at.isoformat() if k.revoked_at else "",
        )
    out.print(table)


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument(help="key id, as in `keys list`")]) -> None:
    """Revoke a key; it stops working at once."""

    with opened_store() as store:
        key = revoke_key(store, key_id)
        audit.record(store, "cli", "key.revoke", key.id)
    err.print(f"revoked {key.id}")


# --- serve ----------------------------------------------------------------------------------


@app.command()
def serve(
    demo: Annotated[
        bool, typer.Option(help="first start: load ESCO + a 1k-person demo org, print a key")
    ] = False,
    host: Annotated[str, typer.Option(help="interface to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port", min=1, max=65535)] = 8000,
) -> None:
    """Run the HTTP API (OpenAPI docs at /docs)."""

    cfg = settings()
    if demo:
        prepare_demo(cfg)
        base = f"http://{host}:{port}"
        err.print(
            f"API docs: {base}/docs   L&D dashboard: {base}/dashboard "
            f"(paste the key from {cfg.data_dir / DEMO_KEY_FILE})"
        )
    # h11 bounds request header size (httptools does not), see docs/limits.md
    uvicorn.run(create_app(cfg), host=host, port=port, log_level="info", http="h11")


DEMO_KEY_FILE = "demo-admin-key"
DEMO_SIZE = 1000
DEMO_SEED = 7


def prepare_demo(cfg: Settings) -> None:
    """First start: bundled ESCO + a 1k-person demo org with mapped goals + an admin key.

    Idempotent: the taxonomy and the org are loaded only when missing; the key only once.
    """

    with opened_store() as store:
        if store.count_skills() == 0:
            import_esco_into(store, None)
        if store.count_people() == 0:
            err.print("indexing the taxonomy for goal mapping...")
            mapper = build_mapper(cfg, store, make_embedder(cfg))
            err.print(f"generating a demo org of {DEMO_SIZE} people and mapping their goals...")
            report = load_demo(store, size=DEMO_SIZE, seed=DEMO_SEED, progress=True, mapper=mapper)
            err.print(
                f"demo org: {report.people} people, {report.person_skills} skills, "
                f"{report.goals} goals ({report.goals_mapped} mapped)"
            )
        key_file = cfg.data_dir / DEMO_KEY_FILE
        if not key_file.exists():
            key, token = create_key(store, [Role.admin], label="demo admin")
            audit.record(store, "cli", "key.create", key.id, {"roles": ["admin"], "demo": True})
            key_file.parent.mkdir(parents=True, exist_ok=True)
            key_file.touch(mode=0o600)
            key_file.write_text(token + "\n", encoding="utf-8")
            err.print(f"demo admin key written to {key_file} (shown once):")
            print(token)
        else:
            err.print(f"demo admin key: see {key_file}")


# --- imports --------------------------------------------------------------------------------


class LazyMapper:
    """Builds the goal mapper on first use: imports that resolve every skill by id or label
    never load the embedding model."""

    def __init__(self, store: GraphStore) -> None:
        self._store = store
        self._mapper: Any = None

    @property
    def mapper(self) -> Any:
        if self._mapper is None:
            cfg = settings()
            self._mapper = build_mapper(cfg, self._store, make_embedder(cfg))
        return self._mapper

    def map(self, text: str, k: int) -> Any:
        return self.mapper.map(text, k)


def map_unmapped_goals(store: GraphStore, lazy: LazyMapper) -> int:
    """Give every goal that has no taxonomy targets yet its best nodes."""

    todo = [g.id for g in store.list_goals() if not store.goal_targets(g.id)]
    for goal_id in track(todo, description="mapping goals", console=err, disable=not todo):
        map_goal(store, lazy.mapper, goal_id)
    return len(todo)


def import_esco_into(store: GraphStore, directory: Path | None, *, dry_run: bool = False) -> Any:

    where = directory or bundled_esco_dir()
    err.print(f"reading ESCO from {where}...")
    dump = read_esco(where, progress=True)
    return import_taxonomy(store, dump, actor="cli", source="esco", progress=True, dry_run=dry_run)


def print_counts(what: str, counts: dict[str, int]) -> None:
    err.print(what + ": " + ", ".join(f"{k} {v}" for k, v in counts.items()))


@import_app.command("esco")
def import_esco(
    directory: Annotated[
        Path | None,
        typer.Argument(help="folder with the ESCO CSVs (default: the bundled v1.1.1 copy)"),
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="show what would change, write nothing")] = False,
) -> None:
    """Import (or update) the ESCO skills pillar: skills, groups and broader relations."""

    if directory is not None and not directory.is_dir():
        raise typer.BadParameter(f"{directory} is not a folder", param_hint="DIRECTORY")
    with opened_store() as store:
        report = import_esco_into(store, directory, dry_run=dry_run)
        if not dry_run:
            audit.record(store, "cli", "taxonomy.import", "esco", report.counts())
    print_counts("ESCO" + (" (dry run)" if dry_run else ""), report.counts())


@import_app.command("taxonomy")
def import_framework(
    file: Annotated[Path, typer.Argument(help="company framework, .csv/.csv.gz/.json")],
    source: Annotated[str, typer.Option(help="source name the nodes belong to")] = "company",
    dry_run: Annotated[bool, typer.Option(help="show what would change, write nothing")] = False,
) -> None:
    """Import a company competency framework (may hang its nodes under ESCO groups)."""

    if not file.is_file():
        raise typer.BadParameter(f"{file} does not exist", param_hint="FILE")
    with opened_store() as store:
        dump = read_framework(file, existing=store.taxonomy(), source=source)
        report = import_taxonomy(
            store, dump, actor="cli", source=source, progress=True, dry_run=dry_run
        )
        if not dry_run:
            audit.record(store, "cli", "taxonomy.import", source, report.counts())
    print_counts(f"{file.name}" + (" (dry run)" if dry_run else ""), report.counts())


@import_app.command("people")
def import_people_cmd(
    file: Annotated[
        Path, typer.Argument(help="people export, .csv or .jsonl (docs/people-format.md)")
    ],
    dry_run: Annotated[bool, typer.Option(help="check and report, write nothing")] = False,
    allow_partial: Annotated[
        bool, typer.Option(help="write the good records, put the bad ones in --reject-file")
    ] = False,
    reject_file: Annotated[
        Path | None, typer.Option(help="where rejected records go (with --allow-partial)")
    ] = None,
    map_goals: Annotated[
        bool, typer.Option(help="map imported goals that have no taxonomy targets yet")
    ] = True,
) -> None:
    """Import people with their skills, availability, preferences and goals."""

    if not file.is_file():
        raise typer.BadParameter(f"{file} does not exist", param_hint="FILE")
    if reject_file is not None and not allow_partial:
        raise typer.BadParameter("--reject-file needs --allow-partial", param_hint="--reject-file")
    with opened_store() as store:
        lazy = LazyMapper(store)
        report = import_people(
            store,
            file,
            dry_run=dry_run,
            allow_partial=allow_partial,
            reject_file=reject_file,
            mapper=lazy,
            progress=True,
        )
        mapped = 0
        if report.written:
            audit.record(store, "cli", "people.import", file.name, {"records": report.records})
            if map_goals:
                mapped = map_unmapped_goals(store, lazy)
    err.print(report.summary(), markup=False, highlight=False)
    if mapped:
        err.print(f"mapped {mapped} goals onto the taxonomy")
    if report.problems:
        for p in report.problems[:20]:
            err.print(f"  {p}", markup=False, highlight=False)
        if dry_run or not report.written:
            raise typer.Exit(1)


@import_app.command("availability")
def import_availability_cmd(
    path: Annotated[Path, typer.Argument(help="an .ics file or a folder of them (one per person)")],
) -> None:
    """Import weekly free windows and leave from iCalendar files."""

    if not path.exists():
        raise typer.BadParameter(f"{path} does not exist", param_hint="PATH")
    with opened_store() as store:
        report = import_availability(store, path, progress=True)
        audit.record(store, "cli", "availability.import", path.name, {"files": len(report.files)})
    err.print(report.summary(), markup=False, highlight=False)
    if report.failed:
        raise typer.Exit(1)


# --- mapping, recommending, matching --------------------------------------------------------


@app.command("map-goal")
def map_goal_cmd(
    text: Annotated[str, typer.Argument(help="a development goal in plain words")],
    k: Annotated[int, typer.Option(help="how many nodes", min=1, max=100)] = 5,
) -> None:
    """Show the taxonomy nodes a goal text maps to."""

    cfg = settings()
    with opened_store() as store:
        result = build_mapper(cfg, store, make_embedder(cfg)).map(text, k)
    table = Table("score", "kind", "label", "id")
    for c in result.candidates:
        table.add_row(f"{c.score:.3f}", c.kind, c.label, c.id)
    out.print(table)
    if result.fell_back:
        err.print(f"fell back to broader clusters: {result.reason}", markup=False)


@app.command("recommend")
def recommend_cmd(
    person_id: Annotated[str, typer.Argument(help="the mentee's id")],
    k: Annotated[int, typer.Option(help="how many mentors", min=1, max=1000)] = 10,
    asynchronous: Annotated[bool, typer.Option(help="do not require overlapping hours")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
) -> None:
    """Rank mentors for a mentee, with the reasons."""

    with opened_store() as store:
        snap = Snapshot.load(store, progress=True)
    options = RecommendOptions(
        asynchronous=asynchronous, weights=Weights.with_overrides(settings().ranking_weights)
    )
    recs = recommend(snap, person_id, k=k, options=options, now=utcnow())
    if as_json:
        print(json.dumps([r.model_dump(mode="json") for r in recs], indent=2))
        return
    table = Table("#", "mentor", "score", "skill", "avail", "reasons")
    for i, r in enumerate(recs, 1):
        table.add_row(
            str(i),
            f"{r.mentor_name} ({r.mentor_id})",
            f"{r.score:.3f}",
            f"{r.components.get('skill_fit', 0):.2f}",
            f"{r.components.get('availability', 0):.2f}",
            "; ".join(r.reasons[:3]),
        )
    out.print(table)
    if not recs:
        err.print("no mentor passes the guardrails and filters for this mentee")


@app.command("match-cohort")
def match_cohort_cmd(
    program: Annotated[str, typer.Argument(help="program name, as in people's `programs`")],
    publish: Annotated[bool, typer.Option(help="store the proposals as proposed pairings")] = False,
    asynchronous: Annotated[bool, typer.Option(help="do not require overlapping hours")] = False,
) -> None:
    """Match all open mentees of a program optimally; review, then --publish."""

    with opened_store() as store:
        snap = Snapshot.load(store, progress=True)
        result = match_cohort(
            snap,
            program,
            now=utcnow(),
            options=RecommendOptions(
                asynchronous=asynchronous,
                weights=Weights.with_overrides(settings().ranking_weights),
            ),
            progress=True,
        )
        table = Table("mentee", "mentor", "score", "reasons")
        for p in result.proposals:
            table.add_row(p.mentee_id, p.mentor_id, f"{p.score:.3f}", "; ".join(p.reasons[:2]))
        out.print(table)
        err.print(
            f"{result.matched} matched (greedy baseline {result.greedy_matched}), "
            f"{len(result.unmatched)} unmatched; total score {result.total_score:.3f} "
            f"(greedy {result.greedy_total:.3f})"
        )
        for u in result.unmatched[:20]:
            err.print(f"  unmatched {u.mentee_id}: {u.reason}", markup=False)
        if publish:
            pairings = publish_result(store, result, by="cli")
            audit.record(store, "cli", "cohort.publish", program, {"pairings": len(pairings)})
            err.print(f"published {len(pairings)} proposed pairings")


# --- export ---------------------------------------------------------------------------------


@app.command("export")
def export(
    what: Annotated[str, typer.Argument(help="people, pairings or taxonomy")],
    file: Annotated[Path, typer.Argument(help="JSON Lines file to write")],
) -> None:
    """Write people, pairings or the taxonomy as JSON Lines (one record a line)."""
    if what not in {"people", "pairings", "taxonomy"}:
        raise typer.BadParameter("choose people, pairings or taxonomy", param_hint="WHAT")
    with opened_store() as store:
        rows = list(_export_rows(store, what))
    tmp = file.with_suffix(file.suffix + ".part")
    with tmp.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, default=str, ensure_ascii=False) + "\n")
    tmp.replace(file)
    err.print(f"wrote {len(rows)} {what} records to {file}")


def _export_rows(store: GraphStore, what: str) -> Iterator[dict[str, Any]]:
    if what == "people":
        skills: dict[str, list[dict[str, Any]]] = {}
        for batch in store.iter_person_skills():
            for s in batch:
                skills.setdefault(s.person_id, []).append(
                    s.model_dump(mode="json", exclude={"person_id"})
                )
        for p in store.list_people():
            row = p.model_dump(mode="json")
            if p.opt_out_analytics:
                row["attributes"] = {}  # consent: self-reported attributes stay out of exports
            row["skills"] = skills.get(p.id, [])
            yield row
    elif what == "pairings":
        for pr in store.list_pairings():
            yield pr.model_dump(mode="json")
    else:
        dump = store.taxonomy()
        for c in dump.clusters:
            yield c.model_dump(mode="json")
        for sk in dump.skills:
            yield sk.model_dump(mode="json")
        for b in dump.broader:
            yield {"kind": "broader", **b.model_dump(mode="json")}


# --- entry point ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    """Console-script entry: domain errors -> one line on stderr and exit 1."""
    try:
        app(args=argv, standalone_mode=True)
    except MentorgraphError as exc:
        try:
            fail(exc.message, exc.details)
        except typer.Exit as done:
            sys.exit(done.exit_code)
    except OSError as exc:  # unreadable input, unwritable output, full disk
        err.print(f"error: {exc}", markup=False, highlight=False)
        sys.exit(1)


if __name__ == "__main__":
    main()
